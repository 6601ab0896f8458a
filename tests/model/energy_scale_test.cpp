#include "isingmf/model/energy_scale.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "isingmf/bounds/bethe.hpp"
#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/exact/eliminate.hpp"
#include "isingmf/exact/enumerate.hpp"
#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/exact/kaufman.hpp"
#include "isingmf/exact/planar.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"
#include "isingmf/model/model.hpp"
#include "isingmf/util/error.hpp"
#include "support/error_of.hpp"

namespace isingmf {
namespace {

using test::error_of;

Model torus(double J, double h = 0.0) {
    CouplingSpec spec;
    spec.J = J;
    spec.h = h;
    return build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::periodic}), spec);
}

// The solvers a user calls with one model and a beta, each returning its ln Z (the whole
// system's), so that one table covers them all.
std::vector<std::pair<std::string, std::function<double(const Model&, double)>>> solvers() {
    const auto one = [](double beta) { return std::vector<double>{beta}; };
    return {
        {"mean field",
         [](const Model& m, double beta) { return solve_mean_field(m, beta, {}).ln_z; }},
        {"mean-field bound",
         [](const Model& m, double beta) {
             return mean_field_bound(m, beta, std::vector<double>(16, 1.0));  // all up
         }},
        {"structured",
         [](const Model& m, double beta) { return solve_structured_mean_field(m, beta, {}).ln_z; }},
        {"bethe", [](const Model& m, double beta) { return solve_bethe(m, beta, {}).ln_z; }},
        {"upper bound",
         [](const Model& m, double beta) { return solve_upper_bound(m, beta, {}).ln_z; }},
        {"enumerate",
         [one](const Model& m, double beta) { return enumerate_exact(m, one(beta))[0].ln_z; }},
        {"eliminate",
         [one](const Model& m, double beta) { return eliminate_exact(m, one(beta))[0].ln_z; }},
        {"kaufman",
         [one](const Model& m, double beta) { return kaufman_exact(m, one(beta))[0].ln_z; }},
        {"planar",
         [one](const Model& m, double beta) { return planar_exact(m, one(beta))[0].ln_z; }},
    };
}

// The entry points below the solvers, which a C++ caller reaches with a plan, messages or
// magnetizations of its own: each returns a ln Z (bound, estimate or exact) from a beta, so
// each makes the same check.
std::vector<std::pair<std::string, std::function<double(const Model&, double)>>> entry_points() {
    return {
        {"evaluate_mean_field",
         [](const Model& m, double beta) {
             MeanFieldResult r;
             r.m.assign(static_cast<std::size_t>(m.num_sites()), 1.0);
             evaluate_mean_field(m, beta, r);
             return r.ln_z;
         }},
        {"bethe_free_energy",
         [](const Model& m, double beta) {
             return bethe_free_energy(m, beta, std::vector<double>(2 * m.num_edges(), 0.0));
         }},
        {"UpperBoundPlan::evaluate",
         [](const Model& m, double beta) {
             const UpperBoundPlan plan(m, choose_decomposition(m, {}));
             std::vector<double> gradient;
             return plan.evaluate(beta, std::vector<double>(plan.num_variables(), 0.0), gradient);
         }},
        {"planar_solve",
         [](const Model& m, double beta) {
             const std::vector<double> betas{beta};
             return planar_solve(plan_planar(m), betas)[0].exact.ln_z;
         }},
    };
}

TEST(EnergyScale, IsTheSumOfMagnitudesWithOrWithoutArrays) {
    // 32 bonds of |J| = 1.5 and 16 fields of |h| = 0.25: 48 + 4; then |E0| = 2 as well.
    const Model uniform = torus(-1.5, 0.25);
    EXPECT_EQ(uniform.energy_scale(), 52.0);
    EXPECT_FALSE(uniform.has_weight_arrays());  // summed from the shared values
    std::vector<double> J(uniform.num_edges());
    for (std::size_t k = 0; k < J.size(); ++k) J[k] = (k % 2 == 0 ? -1.0 : 1.0) * 1.5;
    const Model mixed(16, uniform.edges(), J, std::vector<double>(16, -0.25), -2.0);
    EXPECT_EQ(mixed.energy_scale(), 54.0);
    const Model copy = mixed;  // copies share what was summed
    EXPECT_EQ(copy.energy_scale(), 54.0);
}

// Values that round at every addition, over more than one of the sum's blocks of 2^16: the
// shared values' sum (taken a binade at a time, without arrays) equals the arrays' to the bit.
TEST(EnergyScale, AUniformModelSumsToTheBitAsItsArraysDo) {
    CouplingSpec spec;
    spec.J = -0.3;
    spec.h = 0.1;
    const Model uniform =
        build_model(make_lattice({LatticeKind::square, {300, 300}, Boundary::periodic}), spec);
    ASSERT_FALSE(uniform.has_weight_arrays());
    // The same magnitudes with alternating signs: no value is shared, the arrays are summed.
    std::vector<double> J(uniform.num_edges());
    for (std::size_t k = 0; k < J.size(); ++k) J[k] = k % 2 == 0 ? -0.3 : 0.3;
    std::vector<double> h(static_cast<std::size_t>(uniform.num_sites()));
    for (std::size_t k = 0; k < h.size(); ++k) h[k] = k % 2 == 0 ? 0.1 : -0.1;
    const Model stored(uniform.num_sites(), uniform.edges(), J, h);
    ASSERT_FALSE(stored.shared_coupling() || stored.shared_field());
    EXPECT_EQ(uniform.energy_scale(), stored.energy_scale());
    // Not the products 0.3 * 180000 + 0.1 * 90000 = 63000: the sums of copies round.
    EXPECT_NE(uniform.energy_scale(), 63000.0);
    EXPECT_NEAR(uniform.energy_scale(), 63000.0, 1e-6);
}

// Every solver refuses a beta that would carry beta |H| past the largest double, with the
// message run_sweep gives. They used to return inf or NaN marked converged, and the upper
// bound a "certified" NaN (J = 1e300, beta = 1e10: beta |H| ~ 3e311).
TEST(EnergyScale, EverySolverRefusesABetaThatOverflowsTheEnergies) {
    const Model model = torus(1e300);
    const double beta = 1e10;
    const std::string expected =
        "beta = 10000000000 times the energy scale sum|J| + sum|h| + |E0| = "
        "3.2000000000000016e+301 overflows; rescale the model";
    for (const auto& [name, solve] : solvers()) {
        EXPECT_EQ(error_of<ModelError>([&] { solve(model, beta); }), expected) << name;
    }
}

TEST(EnergyScale, EveryEntryPointBelowTheSolversRefusesToo) {
    const Model model = torus(1e300);
    const std::string expected =
        "beta = 10000000000 times the energy scale sum|J| + sum|h| + |E0| = "
        "3.2000000000000016e+301 overflows; rescale the model";
    for (const auto& [name, solve] : entry_points()) {
        EXPECT_EQ(error_of<ModelError>([&] { solve(model, 1e10); }), expected) << name;
        EXPECT_TRUE(std::isfinite(solve(model, 1e6))) << name;  // beta |H| <= 3.2e307
    }
    // Kaufman's closed form has no model: its scale is the torus's 2 Lx Ly |J|.
    EXPECT_TRUE(
        error_of<ModelError>([] {
            kaufman_exact(4, 4, 1e300, 1e10);
        }).starts_with("beta = 10000000000 times the energy scale sum|J| + sum|h| + |E0| = 3.2"));
    EXPECT_NEAR(kaufman_exact(4, 4, 1e300, 1e6).ln_z / (32e306), 1.0, 1e-12);
}

// solve_upper_bound(model) refuses before it builds the decomposition and its plan (seconds on
// large lattices): the overflow is named even where the decomposition would be refused.
TEST(EnergyScale, TheUpperBoundRefusesBeforeItsPlan) {
    UpperBoundOptions options;
    options.width = -1;  // refused by the decomposition, which the plan is built from
    EXPECT_EQ(error_of<ModelError>([&] { solve_upper_bound(torus(1.0), 1.0, options); }),
              "strip width must be >= 0 (0: automatic), got -1");
    EXPECT_TRUE(error_of<ModelError>([&] {
                    solve_upper_bound(torus(1e300), 1e10, options);
                }).starts_with("beta = 10000000000 times the energy scale"));
}

TEST(EnergyScale, AnEmptyPlanarPlanIsRefused) {
    const PlanarPlan empty;
    EXPECT_EQ(empty.dimer_nodes(), 0);
    EXPECT_EQ(empty.geometry(), "");
    const std::vector<double> betas{1.0};
    EXPECT_EQ(error_of<ModelError>([&] { planar_solve(empty, betas); }),
              "planar_solve needs a plan made by plan_planar");
}

// Just below the limit every solver runs and gives a finite ln Z near its ground-state value
// beta * 32 J (the 4 x 4 torus's ground state has all 32 bonds satisfied).
TEST(EnergyScale, BelowTheLimitEverySolverGivesAFiniteLnZ) {
    const Model model = torus(1e300);
    const double beta = 1e6;  // beta |H| <= 3.2e307
    const double ground = beta * 32.0 * 1e300;
    for (const auto& [name, solve] : solvers()) {
        const double ln_z = solve(model, beta);
        EXPECT_TRUE(std::isfinite(ln_z)) << name;
        EXPECT_NEAR(ln_z / ground, 1.0, 1e-12) << name;
    }
}

// Between the check and the largest double: one bond of 9e307 at beta = 1 passes the check,
// but 2 beta J overflows inside the upper bound, BP and the structured clusters, which gave
// NaN or inf with converged = true. Each now refuses as the check does; 6e307 still runs.
// Mean field runs, and the exact methods through solve_exact (which rescales such weights).
TEST(EnergyScale, SolversWhoseSumsOverflowJustBelowTheLimitRefuse) {
    const Model bond(3, {{0, 1}}, {9e307}, {0.0, 0.0, 0.0});
    const Model smaller(3, {{0, 1}}, {6e307}, {0.0, 0.0, 0.0});
    for (const auto& [name, solve] : solvers()) {
        if (name != "upper bound" && name != "bethe" && name != "structured") continue;
        EXPECT_TRUE(error_of<ModelError>([&] { solve(bond, 1.0); })
                        .starts_with("beta = 1 times the energy scale sum|J| + sum|h| + |E0| = "
                                     "9e+307 is too close to the largest double for the "))
            << name;
        EXPECT_NEAR(solve(smaller, 1.0) / 6e307, 1.0, 1e-12) << name;
    }
    EXPECT_NEAR(solve_mean_field(bond, 1.0, {}).ln_z / 9e307, 1.0, 1e-12);
    const std::vector<double> one{1.0};
    for (ExactMethod method : {ExactMethod::enumerate, ExactMethod::eliminate})
        EXPECT_NEAR(solve_exact(bond, method, one)[0].ln_z / 9e307, 1.0, 1e-12);
}

// Couplings that are each finite but sum past the largest double: beta = 0 is still every
// solver's (beta H = 0), as it was before the check; any beta > 0 is refused.
TEST(EnergyScale, BetaZeroIsAcceptedWhereTheSumOverflows) {
    const Model model(3, {{0, 1}, {1, 2}}, {1e308, 1e308}, {0.0, 0.0, 0.0});
    EXPECT_EQ(model.energy_scale(), std::numeric_limits<double>::infinity());
    EXPECT_NO_THROW(check_energy_scale(model, 0.0));
    EXPECT_EQ(solve_bethe(model, 0.0, {}).ln_z, 3.0 * std::log(2.0));
    EXPECT_THROW(check_energy_scale(model, 1e-300), ModelError);
}

TEST(EnergyScale, ASingleCheckNamesTheBeta) {
    const Model model = torus(1.0);
    EXPECT_NO_THROW(check_energy_scale(model, 1e300));  // 1e300 * 32 is finite
    const std::vector<double> betas{1.0, 1e307};
    EXPECT_EQ(error_of<ModelError>([&] { check_energy_scale(model, betas); }),
              "beta = 1e+307 times the energy scale sum|J| + sum|h| + |E0| = 32 overflows; "
              "rescale the model");
}

}  // namespace
}  // namespace isingmf
