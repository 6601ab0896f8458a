#include "isingmf/model/energy_scale.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

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

void check_finite_result(const Model& model, double beta, double value, std::string_view what) {
    if (std::isfinite(value)) return;
    const double scale = model.energy_scale();
    // 2^-20 of the largest double: far beyond any factor a solver's sums carry.
    if (beta * scale > std::ldexp(std::numeric_limits<double>::max(), -20)) {
        throw ModelError(fmt::format(
            "beta = {} times the energy scale sum|J| + sum|h| + |E0| = {} is too close to the "
            "largest double for the {} (its sums overflow: {}); rescale the model",
            beta, scale, what, value));
    }
    throw Error(fmt::format("the {} came out {} at beta = {} (energy scale {}): a defect", what,
                            value, beta, scale));
}

}  // namespace isingmf
