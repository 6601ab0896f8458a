#pragma once
/// The one check that beta times a model's energies stays finite, made by every solver that
/// takes a beta, so that no bound, estimate or exact value turns inf or NaN from finite input
/// (J = 1e300 at beta = 1e10).

#include <span>
#include <string_view>

namespace isingmf {

class Model;

/// Throws ModelError unless beta * model.energy_scale() is finite: then |beta H(s)| is finite
/// for every state s. Assumes check_beta(beta) has passed. O(1) after the model's first call.
void check_energy_scale(const Model& model, double beta);

/// check_energy_scale on each beta.
void check_energy_scale(const Model& model, std::span<const double> betas);

/// The same check where the model is gone but its scale was kept (a plan, a closed form):
/// `scale` bounds |H(s)| as Model::energy_scale() does.
void check_energy_scale(double scale, double beta);
void check_energy_scale(double scale, std::span<const double> betas);

/// Throws unless a solver's result `value` (named `what`) at beta is finite. Past
/// check_energy_scale, it can only overflow where beta times the energy scale is within a
/// few factors of two of the largest double (a solver's own sums hold 2 beta J, or beta J
/// over an edge's share of a decomposition): a ModelError asking to rescale the model, as
/// check_energy_scale's; anywhere else it is a defect (Error).
void check_finite_result(const Model& model, double beta, double value, std::string_view what);

}  // namespace isingmf
