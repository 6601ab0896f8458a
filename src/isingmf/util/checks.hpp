#pragma once
/// Argument checks shared by every module, each with one wording, so that the same mistake
/// gets the same message whichever solver or reader meets it first.

#include <span>

namespace isingmf {

/// Throws ModelError unless beta is finite and >= 0 (beta = 0 is T = inf).
void check_beta(double beta);

/// check_beta on each entry; the message names the index of the first bad one.
void check_betas(std::span<const double> betas);

/// Throws ModelError unless omega is 0 (adaptive) or in [1, 2) (successive over-relaxation),
/// or, with `allow_adaptive` false, in [1, 2).
void check_omega(double omega, bool allow_adaptive = true);

}  // namespace isingmf
