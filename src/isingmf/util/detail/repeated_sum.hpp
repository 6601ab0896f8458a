#pragma once
/// The floating-point sum of many copies of one value, to the bit, in time logarithmic in
/// the count: what a uniform model's energy scale needs to equal the sum over its arrays
/// (Model::energy_scale) without writing them out.

#include <cstddef>

namespace isingmf::detail {

/// The value of `double s = 0; for (k times) s += value;` in IEEE double arithmetic (round to
/// nearest, ties to even), for any value (inf, NaN and subnormals included), in O(log k)
/// additions: within a binade of s every addition adds the same multiple of the binade's ulp,
/// so the additions that stay inside it are taken at once.
double repeated_sum(double value, std::size_t count);

}  // namespace isingmf::detail
