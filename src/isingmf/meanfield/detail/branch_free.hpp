#pragma once
/// Branch-free selects on bit patterns, for the per-site loops that must vectorise (the sweep
/// kernel, the bound's evaluation). A floating-point compare may trap, which stops GCC from
/// if-converting (and so vectorising) a loop; integer compares of the bits do not, and for
/// x, y >= 0 the bit patterns order exactly as the values.

#include <bit>
#include <cstdint>

namespace isingmf::detail {

inline std::int64_t bits_of(double x) { return std::bit_cast<std::int64_t>(x); }
/// The bits of |x| are bits_of(x) & kMagnitudeBits.
inline constexpr std::int64_t kMagnitudeBits = 0x7fffffffffffffff;
/// max(x, y) and min(x, y) for x, y >= 0.
inline double nonnegative_max(double x, double y) { return bits_of(x) < bits_of(y) ? y : x; }
inline double nonnegative_min(double x, double y) { return bits_of(x) < bits_of(y) ? x : y; }
/// All ones when the sign bit of x is set, else zero.
inline std::int64_t sign_mask(std::int64_t x) { return x >> 63; }
/// c ? a : b by masks. GCC folds some integer compares of bit patterns (x's bits == -1.0's,
/// |x|'s bits < 1.0's) back into floating-point compares, and then does not if-convert a plain
/// conditional on them for AVX2; a mask keeps the select branch-free.
inline double bit_select(bool c, double a, double b) {
    const std::int64_t mask = -static_cast<std::int64_t>(c);
    return std::bit_cast<double>((bits_of(a) & mask) | (bits_of(b) & ~mask));
}

}  // namespace isingmf::detail
