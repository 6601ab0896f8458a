#pragma once
/// A branch-free log1p for the entropy terms of the mean-field bound, within one ulp of the
/// exact value on (-1, 1] (0.88 ulp at worst in tests/meanfield/fast_math_test.cpp, where
/// glibc's log1p reaches 0.86), so that a loop of these vectorises; std::log1p is a library
/// call with branches and costs several times more.
///
/// u = 1 + x is rounded, and c = x - (u - 1) is that rounding error, exactly (u - 1 is exact by
/// Sterbenz's lemma for u in [1/2, 2], and for x <= -1/2 the sum is exact and c = 0). With
/// u = 2^k (1 + g), 1 + g in [sqrt(1/2), sqrt(2)), and s = g / (2 + g):
///     ln(1 + g) = 2 atanh(s) = g - (g^2/2 - s (g^2/2 + 2 T)),  T = sum_{n>=1} s^(2n) / (2n + 1),
/// (from 2s = g - s g and g^2/2 (1 - s) = s g), the Taylor series of T through s^20 (|s| <=
/// 0.1716, remainder < 1e-18 relative). The leading g is exact and the correction small, which
/// keeps the rounding below one ulp; then ln(1 + x) = k ln 2 + ln(1 + g) + c/u, with ln 2 split
/// so that k ln2_hi is exact.

#include <bit>
#include <cstdint>

#include "isingmf/meanfield/detail/ln2_reduction.hpp"

namespace isingmf::detail {

/// ln(1 + x) for x in (-1, 1] (finite; x <= -1 is outside its domain).
inline double fast_log1p(double x) {
    const double u = 1.0 + x;
    const double c = x - (u - 1.0);
    // k = floor(log2(u / sqrt(1/2))): u's bits minus those of sqrt(1/2), shifted down. The
    // bias keeps the shifted value positive (a logical shift, which AVX2 has for 64 bits).
    constexpr std::int64_t kSqrtHalfBits = std::bit_cast<std::int64_t>(0.70710678118654752440);
    constexpr std::int64_t kBias = std::int64_t{1023} << 52;
    const std::int64_t bits = std::bit_cast<std::int64_t>(u);
    const std::int64_t k =
        static_cast<std::int64_t>(static_cast<std::uint64_t>(bits - kSqrtHalfBits + kBias) >> 52) -
        1023;
    const std::int64_t f_bits =
        bits - static_cast<std::int64_t>(static_cast<std::uint64_t>(k) << 52);
    const double g = std::bit_cast<double>(f_bits) - 1.0;  // exact, by Sterbenz's lemma
    // k as a double without an int64 conversion (ln2_reduction.hpp).
    const double kd =
        std::bit_cast<double>(k + std::bit_cast<std::int64_t>(kRoundShift)) - kRoundShift;
    const double s = g / (2.0 + g);
    const double z = s * s;
    const double z2 = z * z;
    const double z4 = z2 * z2;
    // T = z (1/3 + z/5 + ... + z^9/21), in Estrin's scheme (a short dependency chain).
    const double a0 = 1.0 / 3.0 + z * (1.0 / 5.0);
    const double a1 = 1.0 / 7.0 + z * (1.0 / 9.0);
    const double a2 = 1.0 / 11.0 + z * (1.0 / 13.0);
    const double a3 = 1.0 / 15.0 + z * (1.0 / 17.0);
    const double a4 = 1.0 / 19.0 + z * (1.0 / 21.0);
    const double t = z * (((a0 + z2 * a1) + z4 * (a2 + z2 * a3)) + (z4 * z4) * a4);
    const double half_g2 = 0.5 * g * g;
    // kd * kLn2Hi is exact (ln2_reduction.hpp).
    return kd * kLn2Hi + (g - (half_g2 - (s * (half_g2 + 2.0 * t) + (kd * kLn2Lo + c / u))));
}

}  // namespace isingmf::detail
