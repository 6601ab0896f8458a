#pragma once
/// A branch-free tanh for the mean-field update, within a few ulp of std::tanh.
///
/// tanh|x| = -e / (2 + e) with e = expm1(-2|x|). expm1(y), y <= 0, is computed as
/// 2^k (1 + p(r)) - 1 = 2^k p(r) + (2^k - 1) with y = k ln 2 + r, |r| <= ln2/2 and p the
/// degree-13 Taylor polynomial (in Estrin's form) of expm1 (truncation ~ r^14/14! < 1.2e-17 |r|).
/// For k = 0 the result is p(r) itself, so small arguments keep full relative accuracy. Everything
/// is plain arithmetic and integer bit operations, which the compiler can vectorise; std::tanh is a
/// library call with branches and costs several times more.

#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "isingmf/meanfield/detail/ln2_reduction.hpp"

namespace isingmf::detail {

/// expm1(y) for y in [-60, 0].
inline double expm1_nonpositive(double y) {
    // k = round(y / ln 2), as a double and as an integer (ln2_reduction.hpp).
    const double shifted = y * (1.0 / std::numbers::ln2) + kRoundShift;
    const double kd = shifted - kRoundShift;
    const std::int64_t k =
        std::bit_cast<std::int64_t>(shifted) - std::bit_cast<std::int64_t>(kRoundShift);
    const double r = (y - kd * kLn2Hi) - kd * kLn2Lo;
    // p = r + r^2 s(r), s = sum_{n=2}^{13} r^(n-2) / n!, in Estrin's scheme: the terms are
    // independent, so the dependency chain is short and consecutive sites overlap.
    const double r2 = r * r;
    const double r4 = r2 * r2;
    const double b0 = 1.0 / 2.0 + r * (1.0 / 6.0);
    const double b1 = 1.0 / 24.0 + r * (1.0 / 120.0);
    const double b2 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    const double b3 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    const double b4 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    const double b5 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    const double c0 = b0 + b1 * r2;
    const double c1 = b2 + b3 * r2;
    const double c2 = b4 + b5 * r2;
    const double s = (c0 + c1 * r4) + c2 * (r4 * r4);
    const double p = r + r2 * s;
    const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
    return scale * p + (scale - 1.0);
}

/// tanh(x) for any finite x (and +-1 for |x| >= 20, where tanh rounds to +-1 anyway).
inline double fast_tanh(double x) {
    // No branches, so that a loop of these vectorises: fabs and copysign are bit operations,
    // and the clamp compares the bit patterns as integers (which order like the values for
    // x >= 0), since a floating-point compare may trap and blocks if-conversion.
    const std::int64_t bits = std::bit_cast<std::int64_t>(std::fabs(x));
    constexpr std::int64_t kLimitBits = std::bit_cast<std::int64_t>(20.0);
    const double a = std::bit_cast<double>(bits < kLimitBits ? bits : kLimitBits);
    const double e = expm1_nonpositive(-2.0 * a);
    return std::copysign(-e / (2.0 + e), x);
}

}  // namespace isingmf::detail
