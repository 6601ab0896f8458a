#pragma once
/// Constants of the argument reductions x = k ln 2 + r shared by fast_tanh's expm1 and by
/// fast_log1p: the Cody-Waite split of ln 2 and the shift that moves integers in and out of a
/// double's low mantissa bits without an int64 conversion (which AVX2 lacks).

#include <numbers>

namespace isingmf::detail {

/// ln 2 = kLn2Hi + kLn2Lo: kLn2Hi has 24 significant bits, so k * kLn2Hi is exact for
/// |k| < 2^29, and kLn2Lo carries the rest.
inline constexpr double kLn2Hi = static_cast<double>(static_cast<float>(std::numbers::ln2));
inline constexpr double kLn2Lo = static_cast<double>(std::numbers::ln2_v<long double> - kLn2Hi);

/// 1.5 * 2^52: x + kRoundShift rounds x (|x| < 2^51) to an integer held in the low mantissa
/// bits, and an integer k added to its bits and read back minus kRoundShift is k as a double.
inline constexpr double kRoundShift = 0x1.8p52;

}  // namespace isingmf::detail
