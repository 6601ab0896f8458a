#include "isingmf/sweep/temperature_grid.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "isingmf/util/checks.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {
namespace {

constexpr double kMaxPoints = 1e6;

double parse_number(const std::string& text, const std::string& whole) {
    double value = 0.0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    while (first < last && *first == ' ') ++first;
    while (last > first && last[-1] == ' ') --last;
    // from_chars refuses a leading '+', which edge lists accept for couplings; so does --T.
    if (last - first > 1 && *first == '+' && first[1] != '+' && first[1] != '-') ++first;
    const auto [end, ec] = std::from_chars(first, last, value);
    if (first == last || ec != std::errc() || end != last || !std::isfinite(value)) {
        throw ParseError(
            fmt::format("bad number {} in grid {}", quote_token(text), quote_token(whole)));
    }
    return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (true) {
        const std::size_t next = text.find(separator, pos);
        parts.push_back(
            text.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) return parts;
        pos = next + 1;
    }
}

}  // namespace

std::vector<double> parse_grid(const std::string& text) {
    if (text.find(':') != std::string::npos) {
        const auto parts = split(text, ':');
        if (parts.size() != 3)
            throw ParseError(
                fmt::format("bad grid {} (expected start:stop:step)", quote_token(text)));
        const double start = parse_number(parts[0], text);
        const double stop = parse_number(parts[1], text);
        const double step = parse_number(parts[2], text);
        if (!(step > 0.0))
            throw ParseError(fmt::format("grid {} needs a step > 0", quote_token(text)));
        if (stop < start)
            throw ParseError(fmt::format("grid {} has stop below start", quote_token(text)));
        // A relative slack so that 0.5:5:0.1 includes 5 despite 0.1 not being exact in binary.
        const double intervals = std::floor((stop - start) / step + 1e-9);
        if (intervals + 1.0 > kMaxPoints)
            throw ParseError(
                fmt::format("grid {} has more than a million points", quote_token(text)));
        std::vector<double> grid;
        for (double k = 0; k <= intervals; k += 1.0) grid.push_back(start + k * step);
        return grid;
    }
    const std::vector<std::string> parts = split(text, ',');
    if (static_cast<double>(parts.size()) > kMaxPoints) {
        throw ParseError(fmt::format("grid {} has more than a million points", quote_token(text)));
    }
    std::vector<double> grid;
    for (const std::string& part : parts) grid.push_back(parse_number(part, text));
    return grid;
}

std::vector<double> betas_from_temperatures(const std::vector<double>& temperatures) {
    std::vector<double> betas;
    for (double T : temperatures) {
        if (!(T > 0.0) || !std::isfinite(T))
            throw ParseError(fmt::format("temperature must be > 0, got {}", T));
        if (!std::isfinite(1.0 / T))
            throw ParseError(fmt::format("temperature {} is too small: 1/T overflows", T));
        betas.push_back(1.0 / T);
    }
    return betas;
}

std::vector<double> checked_betas(const std::vector<double>& betas) {
    try {
        check_betas(betas);
    } catch (const ModelError& e) {
        throw ParseError(e.what());  // the grid's text is at fault
    }
    // A subnormal beta has a temperature beyond double: T = inf would be written beside a
    // beta > 0 (beta = 0 is the infinite temperature, T = inf rightly).
    for (double beta : betas) {
        if (beta > 0.0 && !std::isfinite(1.0 / beta))
            throw ParseError(
                fmt::format("beta {} is too small: its temperature 1/beta overflows", beta));
    }
    return betas;
}

}  // namespace isingmf
