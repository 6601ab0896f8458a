// The exact methods at weights far from 1: J ~ 2^700 at beta ~ 2^-700 is the same physics as
// J ~ 1 at beta ~ 1 (only the products beta J and beta h enter Z), so ln Z, C and the means
// must agree, and <H> and the susceptibility beta N var(m) scale by 2^700 and 2^-700. Before
// solve_exact rescaled such models, the variance of H overflowed (C = inf at J = 1e200,
// beta = 1e-200) or underflowed (C = 0 at J = 1e-200, beta = 1e200) in every method.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"

namespace isingmf {
namespace {

// The model with every weight and E0 times 2^k (exact: powers of two).
Model scaled(const Model& model, int k) {
    std::vector<double> couplings = model.couplings();
    std::vector<double> fields = model.fields();
    for (double& J : couplings) J = std::ldexp(J, k);
    for (double& h : fields) h = std::ldexp(h, k);
    return Model(model.num_sites(), model.edges(), couplings, fields,
                 std::ldexp(model.energy_offset(), k), {}, model.lattice());
}

Model generated(LatticeKind kind, std::vector<int> size, Boundary boundary, Disorder disorder,
                double h, double energy_offset) {
    CouplingSpec spec;
    spec.disorder = disorder;
    spec.h = h;
    spec.seed = 7;
    const Model m = build_model(make_lattice({kind, std::move(size), boundary}), spec);
    return Model(m.num_sites(), m.edges(), m.couplings(), m.fields(), energy_offset, {},
                 m.lattice());
}

void expect_close(double actual, double expected, const std::string& what) {
    // A few ulps of rounding in either solve; 1e-13 relative (floor 1e-300 for zeros).
    EXPECT_NEAR(actual, expected, 1e-13 * std::abs(expected) + 1e-300) << what;
}

struct Case {
    std::string name;
    Model model;
    ExactMethod method;
};

TEST(ExactWeightScale, FarWeightsGiveTheSameThermodynamicsAsWeightsNearOne) {
    std::vector<Case> cases;
    cases.push_back(
        {"enumerate, 3x3 gauss torus, h and E0",
         generated(LatticeKind::square, {3, 3}, Boundary::periodic, Disorder::gauss, 0.3, -2.5),
         ExactMethod::enumerate});
    cases.push_back(
        {"enumerate, 3x3 +-J torus (density of states)",
         generated(LatticeKind::square, {3, 3}, Boundary::periodic, Disorder::pm, 0.0, 0.0),
         ExactMethod::enumerate});
    cases.push_back(
        {"eliminate, 4x5 gauss open, h and E0",
         generated(LatticeKind::square, {4, 5}, Boundary::open, Disorder::gauss, 0.2, 3.0),
         ExactMethod::eliminate});
    cases.push_back(
        {"kaufman, 4x4 uniform torus",
         generated(LatticeKind::square, {4, 4}, Boundary::periodic, Disorder::uniform, 0.0, 0.0),
         ExactMethod::kaufman});
    cases.push_back({"planar, 5x5 +-J open",
                     generated(LatticeKind::square, {5, 5}, Boundary::open, Disorder::pm, 0.0, 1.5),
                     ExactMethod::planar});
    const std::vector<double> betas = {0.0, 0.3, 1.0, 2.0};
    for (const Case& c : cases) {
        const std::vector<ExactResult> reference = solve_exact(c.model, c.method, betas);
        for (int k : {700, -700}) {
            std::vector<double> far_betas;
            for (double beta : betas) far_betas.push_back(std::ldexp(beta, -k));
            const std::vector<ExactResult> far =
                solve_exact(scaled(c.model, k), c.method, far_betas);
            ASSERT_EQ(far.size(), reference.size());
            for (std::size_t b = 0; b < betas.size(); ++b) {
                const std::string what =
                    c.name + ", 2^" + std::to_string(k) + ", beta " + std::to_string(betas[b]);
                const ExactResult& r = reference[b];
                const ExactResult& f = far[b];
                expect_close(f.ln_z, r.ln_z, what + ": ln Z");
                expect_close(f.specific_heat_per_spin, r.specific_heat_per_spin, what + ": C");
                expect_close(std::ldexp(f.energy_per_spin, -k), r.energy_per_spin,
                             what + ": energy");
                expect_close(f.magnetization, r.magnetization, what + ": m");
                if (!std::isnan(r.susceptibility))
                    expect_close(std::ldexp(f.susceptibility, k), r.susceptibility, what + ": chi");
                if (!std::isnan(r.magnetization_abs))
                    expect_close(f.magnetization_abs, r.magnetization_abs, what + ": |m|");
            }
        }
    }
}

TEST(ExactWeightScale, TwoSpinsAtHugeCouplingMatchTheClosedForm) {
    // Two spins, one bond J, beta J = 1: Z = 4 cosh(1), <H> = -J tanh(1), C = (1 - tanh^2 1)
    // for the pair (per spin: half of each); at beta = 0, C = 0.
    for (double J : {1e200, 1e-200, 1e300}) {
        const Model pair(2, {{0, 1}}, {J}, {0.0, 0.0});
        const std::vector<double> betas = {1.0 / J, 0.0};
        for (ExactMethod method : {ExactMethod::enumerate, ExactMethod::eliminate}) {
            const std::vector<ExactResult> r = solve_exact(pair, method, betas);
            const std::string what = to_string(method) + ", J = " + std::to_string(J);
            const double t = std::tanh(1.0);
            expect_close(r[0].ln_z, std::log(4.0 * std::cosh(1.0)), what + ": ln Z");
            expect_close(r[0].energy_per_spin, -J * t / 2.0, what + ": energy");
            expect_close(r[0].specific_heat_per_spin, (1.0 - t * t) / 2.0, what + ": C");
            expect_close(r[1].ln_z, std::log(4.0), what + ", beta 0: ln Z");
            EXPECT_EQ(r[1].specific_heat_per_spin, 0.0) << what;
        }
    }
}

}  // namespace
}  // namespace isingmf
