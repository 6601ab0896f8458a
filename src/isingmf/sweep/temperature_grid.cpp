#include "isingmf/sweep/temperature_grid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

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

// A number typed in decimal, as digits * 10^-places exactly.
struct Decimal {
    std::int64_t digits = 0;
    int places = 0;
};

// Past 18 digits (or 10^-18 and 10^18) a value need not fit: read in binary instead.
constexpr int kMaxDecimalDigits = 18;
constexpr int kMaxPlaces = 18;

// `text` (as parse_number accepts it: spaces around, an optional sign, digits with an optional
// point and exponent) as an exact decimal, or nullopt beyond kMaxDecimalDigits digits or
// kMaxPlaces places.
std::optional<Decimal> exact_decimal(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    // Trailing zeros of a fraction ("0.2000000000000000000") are not digits of the number.
    const std::size_t exponent_at = std::min(text.find_first_of("eE"), text.size());
    std::string trimmed(text.substr(0, exponent_at));
    if (trimmed.find('.') != std::string::npos) {
        while (!trimmed.empty() && trimmed.back() == '0') trimmed.pop_back();
    }
    trimmed.append(text.substr(exponent_at));
    text = trimmed;
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    Decimal d;
    int significant = 0;
    bool after_point = false;
    std::size_t k = 0;
    for (; k < text.size(); ++k) {
        const char c = text[k];
        if (c == '.' && !after_point) {
            after_point = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        if (d.digits == 0 && c == '0') {
            if (after_point) ++d.places;  // leading zeros of a fraction count as places only
            continue;
        }
        if (++significant > kMaxDecimalDigits) return std::nullopt;
        d.digits = 10 * d.digits + (c - '0');
        if (after_point) ++d.places;
    }
    if (k < text.size()) {
        if (text[k] != 'e' && text[k] != 'E') return std::nullopt;
        int exponent = 0;
        const char* first = text.data() + k + 1;
        if (first < text.data() + text.size() && *first == '+') ++first;
        const auto [end, ec] = std::from_chars(first, text.data() + text.size(), exponent);
        if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
        if (exponent > kMaxPlaces || exponent < -kMaxPlaces) return std::nullopt;
        d.places -= exponent;
    }
    for (; d.places < 0; ++d.places) {
        if (__builtin_mul_overflow(d.digits, std::int64_t{10}, &d.digits)) return std::nullopt;
    }
    if (d.places > kMaxPlaces) return std::nullopt;
    if (negative) d.digits = -d.digits;
    return d;
}

// `d` with `places` places (at least its own), or nullopt when the digits overflow.
std::optional<std::int64_t> digits_at(const Decimal& d, int places) {
    std::int64_t digits = d.digits;
    for (int k = d.places; k < places; ++k) {
        if (__builtin_mul_overflow(digits, std::int64_t{10}, &digits)) return std::nullopt;
    }
    return digits;
}

// start:stop:step in decimal: each point the double nearest to start + k step, exactly as if
// typed (0.1:0.7:0.2 holds 0.3 and 0.7, not 0.30000000000000004 and 0.7000000000000001), and
// stop included exactly when it lies on the grid; throws ParseError past a million points.
// nullopt where a number is not a short decimal: then the grid is computed in binary.
std::optional<std::vector<double>> decimal_grid(const std::vector<std::string>& parts,
                                                const std::string& whole) {
    std::optional<Decimal> start = exact_decimal(parts[0]);
    std::optional<Decimal> stop = exact_decimal(parts[1]);
    std::optional<Decimal> step = exact_decimal(parts[2]);
    if (!start || !stop || !step) return std::nullopt;
    const int places = std::max({start->places, stop->places, step->places});
    const std::optional<std::int64_t> first = digits_at(*start, places);
    const std::optional<std::int64_t> last = digits_at(*stop, places);
    const std::optional<std::int64_t> stride = digits_at(*step, places);
    if (!first || !last || !stride || *stride <= 0 || *last < *first) return std::nullopt;
    std::int64_t span = 0;
    if (__builtin_sub_overflow(*last, *first, &span)) return std::nullopt;
    const std::int64_t intervals = span / *stride;
    if (static_cast<double>(intervals) + 1.0 > kMaxPoints) {
        throw ParseError(fmt::format("grid {} has more than a million points", quote_token(whole)));
    }
    std::vector<double> grid;
    grid.reserve(static_cast<std::size_t>(intervals) + 1);
    for (std::int64_t k = 0; k <= intervals; ++k) {
        // first + k stride lies between first and last: no overflow.
        const std::string typed = fmt::format("{}e-{}", *first + k * *stride, places);
        double value = 0.0;
        std::from_chars(typed.data(), typed.data() + typed.size(), value);
        grid.push_back(value);
    }
    return grid;
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
        if (std::optional<std::vector<double>> grid = decimal_grid(parts, text)) return *grid;
        // Not short decimals: in binary, with a relative slack so that a stop on the grid is
        // included despite the step's rounding.
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
