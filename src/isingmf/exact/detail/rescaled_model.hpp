#pragma once
/// A model solved exactly in another form and its results carried back: without its offset
/// E0 (added at the end, where folding it into every state's energy would round away the
/// differences between states) and with its weights scaled by a power of two (where their
/// size would make the variance of H overflow or underflow).

#include <span>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf::detail {

/// The model with every coupling and field times 2^-k and E0 = 0. Exact, except for a weight
/// that falls below the normal range: it is then below 2^-1022 of the largest, far below the
/// last digit any result carries.
Model scaled_without_offset(const Model& model, int k);

/// Turns `results`, those of scaled_without_offset(model, k) at betas 2^k beta, into the
/// model's at `betas`: ln Z less beta E0, <H> times 2^k plus E0, the susceptibility
/// beta N var(m) times 2^-k; C and the means are the same.
void restore_scale_and_offset(std::vector<ExactResult>& results, std::span<const double> betas,
                              const Model& model, int k);

}  // namespace isingmf::detail
