#include "isingmf/util/checks.hpp"

#include <fmt/format.h>

#include <cmath>

#include "isingmf/util/error.hpp"

namespace isingmf {

void check_beta(double beta) {
    if (!(beta >= 0.0) || !std::isfinite(beta)) {
        throw ModelError(
            fmt::format("inverse temperature beta must be finite and >= 0, got {}", beta));
    }
}

void check_betas(std::span<const double> betas) {
    for (std::size_t k = 0; k < betas.size(); ++k) {
        if (!(betas[k] >= 0.0) || !std::isfinite(betas[k])) {
            throw ModelError(fmt::format(
                "inverse temperature beta[{}] must be finite and >= 0, got {}", k, betas[k]));
        }
    }
}

void check_omega(double omega, bool allow_adaptive) {
    const bool sor = omega >= 1.0 && omega < 2.0;
    if (sor || (allow_adaptive && omega == 0.0)) return;
    throw ModelError(fmt::format("over-relaxation factor must be {}in [1, 2), got {}",
                                 allow_adaptive ? "0 (adaptive) or " : "", omega));
}

}  // namespace isingmf
