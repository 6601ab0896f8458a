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

void check_point_count(double count, const std::string& whole) {
    if (count > kMaxPoints)
        throw ParseError(fmt::format("grid {} has more than a million points", quote_token(whole)));
}

std::string_view without_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

double parse_number(const std::string& text, const std::string& whole) {
    double value = 0.0;
    const std::string_view number = without_spaces(text);
    const char* first = number.data();
    const char* last = number.data() + number.size();
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

// `d` with `places` places (at least its own), or nullopt when the digits overflow.
std::optional<std::int64_t> digits_at(const Decimal& d, int places) {
    std::int64_t digits = d.digits;
    for (int k = d.places; k < places; ++k) {
        if (__builtin_mul_overflow(digits, std::int64_t{10}, &digits)) return std::nullopt;
    }
    return digits;
}

// `text` (as parse_number accepts it: spaces around, an optional sign, digits with an optional
// point and exponent) as an exact decimal, or nullopt beyond kMaxDecimalDigits digits or
// kMaxPlaces places.
std::optional<Decimal> exact_decimal(std::string_view text) {
    text = without_spaces(text);
    const std::size_t exponent_at = std::min(text.find_first_of("eE"), text.size());
    std::string_view mantissa = text.substr(0, exponent_at);
    // Trailing zeros of a fraction ("0.2000000000000000000") are not digits of the number.
    if (mantissa.find('.') != std::string_view::npos) {
        while (!mantissa.empty() && mantissa.back() == '0') mantissa.remove_suffix(1);
    }
    bool negative = false;
    if (!mantissa.empty() && (mantissa.front() == '+' || mantissa.front() == '-')) {
        negative = mantissa.front() == '-';
        mantissa.remove_prefix(1);
    }
    Decimal d;
    int significant = 0;
    bool after_point = false;
    for (const char c : mantissa) {
        if (c == '.' && !after_point) {
            after_point = true;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        if (d.digits == 0 && c == '0') {
            if (after_point) ++d.places;  // leading zeros of a fraction count as places only
            continue;
        }
        if (++significant > kMaxDecimalDigits) return std::nullopt;
        d.digits = 10 * d.digits + (c - '0');
        if (after_point) ++d.places;
    }
    if (exponent_at < text.size()) {
        std::string_view exponent_text = text.substr(exponent_at + 1);
        if (!exponent_text.empty() && exponent_text.front() == '+') exponent_text.remove_prefix(1);
        int exponent = 0;
        const char* last = exponent_text.data() + exponent_text.size();
        const auto [end, ec] = std::from_chars(exponent_text.data(), last, exponent);
        if (ec != std::errc() || end != last) return std::nullopt;
        if (exponent > kMaxPlaces || exponent < -kMaxPlaces) return std::nullopt;
        d.places -= exponent;
    }
    if (d.places < 0) {  // a whole number: "2e3"
        const std::optional<std::int64_t> whole = digits_at(d, 0);
        if (!whole) return std::nullopt;
        d = {*whole, 0};
    }
    if (d.places > kMaxPlaces) return std::nullopt;
    if (negative) d.digits = -d.digits;
    return d;
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
    check_point_count(static_cast<double>(intervals) + 1.0, whole);
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
        check_point_count(intervals + 1.0, text);
        std::vector<double> grid;
        for (double k = 0; k <= intervals; k += 1.0) grid.push_back(start + k * step);
        return grid;
    }
    const std::vector<std::string> parts = split(text, ',');
    check_point_count(static_cast<double>(parts.size()), text);
    std::vector<double> grid;
    for (const std::string& part : parts) grid.push_back(parse_number(part, text));
    return grid;
}

std::vector<double> betas_from_temperatures(const std::vector<double>& temperatures) {
    std::vector<double> betas;
    for (double T : temperatures) {
        if (std::isinf(T) && T > 0.0)
            throw ParseError("temperature inf: give it as beta = 0 (--beta 0, or betas=[0])");
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
