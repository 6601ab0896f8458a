#pragma once
/// H_b(m), the entropy of a +-1 spin with mean m, accurate up to m = +-1.

#include <cmath>
#include <numbers>

namespace isingmf::detail {

/// H_b(m) = -p ln p - q ln q with p = (1+m)/2, q = (1-m)/2 and 0 ln 0 = 0. log1p keeps
/// full relative accuracy when p or q is tiny (m near +-1, i.e. low temperature).
inline double binary_entropy(double m) {
    if (m >= 1.0 || m <= -1.0) return 0.0;
    const double p = 0.5 * (1.0 + m);
    const double q = 0.5 * (1.0 - m);
    return -p * (std::log1p(m) - std::numbers::ln2) - q * (std::log1p(-m) - std::numbers::ln2);
}

}  // namespace isingmf::detail
