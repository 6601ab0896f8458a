#include "isingmf/exact/detail/rescaled_model.hpp"

#include <cmath>
#include <utility>

namespace isingmf::detail {

Model scaled_without_offset(const Model& model, int k) {
    std::vector<double> couplings = model.couplings();
    std::vector<double> fields = model.fields();
    for (double& J : couplings) J = std::ldexp(J, -k);
    for (double& h : fields) h = std::ldexp(h, -k);
    return Model(model.num_sites(), model.edges(), std::move(couplings), std::move(fields), 0.0,
                 model.description(), model.lattice());
}

void restore_scale_and_offset(std::vector<ExactResult>& results, std::span<const double> betas,
                              const Model& model, int k) {
    const double e0 = model.energy_offset();
    const double n = model.num_sites();
    for (std::size_t b = 0; b < results.size(); ++b) {
        ExactResult& r = results[b];
        if (betas[b] != 0.0) r.ln_z -= betas[b] * e0;  // no 0 * huge
        r.energy_per_spin = std::ldexp(r.energy_per_spin, k) + e0 / n;
        r.susceptibility = std::ldexp(r.susceptibility, -k);
    }
}

}  // namespace isingmf::detail
