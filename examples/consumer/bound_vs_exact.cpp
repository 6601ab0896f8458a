// The mean-field lower bound and the exact ln Z of a 6x6 +-J glass, through the installed
// library's public headers only: what another C++ project sees of isingmf.
#include <cstdio>
#include <vector>

#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/version.hpp"

int main() {
    try {
        isingmf::CouplingSpec couplings;
        couplings.disorder = isingmf::Disorder::pm;
        couplings.h = 0.1;
        couplings.seed = 3;
        const isingmf::Model model = isingmf::build_model(
            isingmf::make_lattice({isingmf::LatticeKind::square, {6, 6}, isingmf::Boundary::open}),
            couplings);
        const double beta = 0.5;
        const isingmf::MeanFieldResult bound =
            isingmf::solve_mean_field(model, beta, isingmf::MeanFieldOptions{});
        const isingmf::ExactChoice choice =
            isingmf::choose_exact_method(model, isingmf::ExactMethod::automatic);
        const std::vector<double> betas{beta};
        const double exact = isingmf::solve_exact(model, choice.method, betas).at(0).ln_z;
        std::printf("isingmf %s: ln Z_MF = %.9f <= ln Z = %.9f (%s)\n", isingmf::kVersion,
                    bound.ln_z, exact, isingmf::to_string(choice.method).c_str());
        return bound.ln_z <= exact ? 0 : 1;
    } catch (const isingmf::Error& e) {
        std::fprintf(stderr, "bound_vs_exact: %s\n", e.what());
        return 1;
    }
}
