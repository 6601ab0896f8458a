#pragma once
/// Exact thermodynamics by enumerating all 2^N spin states.
///
/// Z(beta) = sum_s exp(-beta H(s)) is accumulated relative to the ground-state energy, so
/// no term overflows and the ground state never underflows, at any beta >= 0.

#include <span>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// Largest N enumeration accepts (2^N states).
inline constexpr int kMaxEnumerationSites = 34;

/// One ExactResult per beta (beta >= 0, finite). OpenMP-parallel over states; the result
/// does not depend on the thread count beyond rounding in the last bits.
/// Throws ModelError when N > kMaxEnumerationSites.
std::vector<ExactResult> enumerate_exact(const Model& model, std::span<const double> betas);

/// Ground-state energy min_s H(s) by enumeration (same size limit).
double enumerate_ground_energy(const Model& model);

}  // namespace isingmf
