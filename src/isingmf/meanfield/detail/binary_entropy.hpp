#pragma once
/// H_b(m), the entropy of a +-1 spin with mean m, accurate up to m = +-1.

#include <cmath>
#include <numbers>

#include "isingmf/meanfield/detail/branch_free.hpp"
#include "isingmf/meanfield/detail/fast_log1p.hpp"

namespace isingmf::detail {

/// H_b(m) = -p ln p - q ln q with p = (1+m)/2, q = (1-m)/2 and 0 ln 0 = 0 (so 0 for |m| >= 1).
/// ln p = log1p(m) - ln 2 keeps full relative accuracy when p is tiny (m near -1, low
/// temperature), and likewise for q. Branch-free, so that a loop of these vectorises.
inline double binary_entropy(double m) {
    const bool inside = bits_of(std::fabs(m)) < bits_of(1.0);
    const double x = bit_select(inside, m, 0.0);  // outside, H_b(0) is computed and discarded
    const double p = 0.5 * (1.0 + x);
    const double q = 0.5 * (1.0 - x);
    const double h =
        -p * (fast_log1p(x) - std::numbers::ln2) - q * (fast_log1p(-x) - std::numbers::ln2);
    return bit_select(inside, h, 0.0);
}

}  // namespace isingmf::detail
