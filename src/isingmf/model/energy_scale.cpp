#include "isingmf/model/energy_scale.hpp"

#include <fmt/format.h>

#include <cmath>

#include "isingmf/model/model.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {

void check_energy_scale(const Model& model, double beta) {
    if (beta == 0.0) return;  // before the model's sum is taken: beta = 0 needs none
    check_energy_scale(model.energy_scale(), beta);
}

void check_energy_scale(const Model& model, std::span<const double> betas) {
    for (double beta : betas) check_energy_scale(model, beta);
}

void check_energy_scale(double scale, double beta) {
    if (beta == 0.0) return;  // beta H = 0 for every state, even where the sum overflows
    if (!std::isfinite(beta * scale)) {
        throw ModelError(
            fmt::format("beta = {} times the energy scale sum|J| + sum|h| + |E0| = {} "
                        "overflows; rescale the model",
                        beta, scale));
    }
}

void check_energy_scale(double scale, std::span<const double> betas) {
    for (double beta : betas) check_energy_scale(scale, beta);
}

}  // namespace isingmf
