#include "isingmf/util/detail/repeated_sum.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace isingmf::detail {

double repeated_sum(double value, std::size_t count) {
    if (count == 0) return 0.0;
    // Round to nearest, ties to even, is symmetric in sign (and 0 + -0 = 0 falls through).
    if (value < 0.0) return -repeated_sum(-value, count);
    // Writing s = S u with u the spacing of doubles in s's binade [2^(e-1), 2^e) (2^-1074 for
    // every s below 2^-1021), an addition whose exact result stays below 2^53 u gives
    // S + value / u rounded to an integer, a tie to an even one. A tie gives an even S from
    // any S and keeps it even, so after one addition inside the binade the step I is the same
    // for the rest of it. Each binade thus costs three additions made one by one (the third
    // measures I) and one jump over all but the last few; additions that leave a binade are
    // made one by one. 2^53 u itself is never formed (it overflows at the top binade).
    constexpr std::uint64_t kTop = std::uint64_t{1} << 53;
    constexpr double kTopValue = 0x1p53;
    double s = 0.0;
    std::size_t done = 0;
    const auto add = [&] {
        s += value;
        ++done;
    };
    while (done < count) {
        const double before = s;
        add();
        if (s == before || !std::isfinite(s)) return s;  // absorbed for good, inf or NaN
        if (done == count) break;
        int e = 0;
        std::frexp(s, &e);
        const double u = std::ldexp(1.0, std::max(e, -1021) - 53);
        const auto in_binade = [&] { return std::isfinite(s) && s / u < kTopValue; };
        add();  // S is even after it when value / u is a tie
        if (!in_binade() || done == count) continue;
        const double from = s;
        add();
        if (!in_binade() || done == count) continue;
        const double ratio = value / u;  // exact (power-of-two scaling), below 2^53: value <= s
        const auto step = static_cast<std::uint64_t>((s - from) / u);
        const auto at = static_cast<std::uint64_t>(s / u);
        const auto reach = static_cast<std::uint64_t>(std::ceil(ratio));
        // Addition j = 1, 2, ... starts at S + (j - 1) I and stays in the binade (so adds I)
        // while S + (j - 1) I + ceil(value / u) <= 2^53 - 1.
        if (step == 0 || at + reach > kTop - 1) continue;
        const std::uint64_t safe = (kTop - 1 - at - reach) / step + 1;
        const std::uint64_t jump = std::min<std::uint64_t>(safe, count - done);
        s = static_cast<double>(at + jump * step) * u;  // S + jump I < 2^53: exact
        done += jump;
    }
    return s;
}

}  // namespace isingmf::detail
