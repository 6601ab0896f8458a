#pragma once
/// The one check that beta times a model's energies stays finite, made by every solver that
/// takes a beta, so that no bound, estimate or exact value turns inf or NaN from finite input
/// (J = 1e300 at beta = 1e10).

#include <span>

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

}  // namespace isingmf
