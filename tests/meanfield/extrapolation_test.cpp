// The extrapolating line search of the over-relaxed ascent (mean_field.hpp): convergence at
// the mean-field critical point, monotone bound with the search active, thread independence.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/util/random.hpp"
#include "support/random_start.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

struct CriticalLattice {
    LatticeKind kind;
    std::vector<int> size;
    double z;  // coordination: T_c^MF = z J
};

Model uniform_ferromagnet(const CriticalLattice& lat, double J) {
    CouplingSpec spec;
    spec.J = J;
    spec.h = 0.0;
    return build_model(make_lattice({lat.kind, lat.size, Boundary::periodic}), spec);
}

// At T = z J exactly (h = 0) the Curie-Weiss equation m = tanh(m) has only m = 0, and F is
// quartic there: F/N = ln 2 - m^4/12 + O(m^6) for uniform m. Plain sweeps reduce m by m^3/3
// each, so from all up they need ~10^6 sweeps to reach a residual of 1e-10; the search must
// get there in a few hundred.
TEST(Extrapolation, ConvergesAtTheMeanFieldCriticalPoint) {
    for (const CriticalLattice& lat : {CriticalLattice{LatticeKind::square, {64, 64}, 4.0},
                                       CriticalLattice{LatticeKind::chain, {500}, 2.0},
                                       CriticalLattice{LatticeKind::triangular, {30, 30}, 6.0},
                                       CriticalLattice{LatticeKind::honeycomb, {20, 20}, 3.0},
                                       CriticalLattice{LatticeKind::cubic, {12, 12, 12}, 6.0}}) {
        const double J = 0.7;
        const Model model = uniform_ferromagnet(lat, J);
        const MeanFieldPlan plan(model);
        const double beta = 1.0 / (lat.z * J);
        const auto n = static_cast<std::size_t>(model.num_sites());
        MeanFieldOptions options;  // defaults: over_relaxed with extrapolation, tolerance 1e-10
        options.max_iterations = 300;
        const MeanFieldResult r =
            ascend_mean_field(plan, beta, std::vector<double>(n, 1.0), options, "up");
        EXPECT_TRUE(r.converged) << to_string(lat.kind) << " sweeps " << r.iterations;
        EXPECT_GT(r.extrapolations, 0) << to_string(lat.kind);
        EXPECT_LE(r.residual, options.tolerance) << to_string(lat.kind);
        // Residual ~ |m|^3/3 at the quartic maximum, so a residual below tol allows
        // |m| <= (3 tol)^(1/3) ~ 6.7e-4; 1e-3 leaves room for the O(m^5) terms.
        EXPECT_LT(std::abs(r.magnetization), 1e-3) << to_string(lat.kind);
        // ln Z_MF = N (ln 2 - m^4/12): within 1e-12 per spin of N ln 2 at such m.
        EXPECT_NEAR(r.ln_z / static_cast<double>(n), std::numbers::ln2, 1e-12)
            << to_string(lat.kind);

        // Without the search the same budget is far from enough (the test can fail).
        options.extrapolate = false;
        const MeanFieldResult slow =
            ascend_mean_field(plan, beta, std::vector<double>(n, 1.0), options, "up");
        EXPECT_FALSE(slow.converged) << to_string(lat.kind);
        EXPECT_GT(std::abs(slow.magnetization), 2e-3) << to_string(lat.kind);
    }
}

// F(m) along the iteration (observer: after every sweep, and after the search when it moved
// m) from random starts at and near the critical point, where searches are taken.
TEST(Extrapolation, BoundNeverDecreasesWithTheSearchActive) {
    const CriticalLattice lat{LatticeKind::square, {48, 48}, 4.0};
    const Model model = uniform_ferromagnet(lat, 1.0);
    const MeanFieldPlan plan(model);
    for (double T : {3.9, 4.0, 4.1}) {
        const double beta = 1.0 / T;
        std::vector<double> start =
            test::random_magnetizations(static_cast<std::size_t>(model.num_sites()), 17);
        double previous = mean_field_bound(model, beta, start);
        MeanFieldOptions options;
        options.max_iterations = 2000;
        const MeanFieldResult r = ascend_mean_field(
            plan, beta, start, options, "random", [&](int sweep, std::span<const double> m) {
                const double f = mean_field_bound(model, beta, m);
                // Each step raises F exactly; allow the rounding of the O(N)
                // sum in mean_field_bound (N ln 2 ~ 1.6e3, eps ~ 1e-16).
                EXPECT_GE(f, previous - 1e-12 * std::abs(previous))
                    << "T " << T << " sweep " << sweep;
                previous = f;
            });
        // At T_c the search is needed (first test); near it the SOR sweeps may suffice.
        if (T == 4.0) {
            EXPECT_GT(r.extrapolations, 0);
        }
        EXPECT_TRUE(r.converged) << "T " << T;
        EXPECT_EQ(r.ln_z, mean_field_bound(model, beta, r.m));
    }
}

TEST(Extrapolation, SameNumbersForOneAndTwoThreads) {
    // 2^16 sites: above the parallel threshold of the sweep and of the search's passes.
    const CriticalLattice lat{LatticeKind::square, {256, 256}, 4.0};
    const Model model = uniform_ferromagnet(lat, 1.0);
    const MeanFieldPlan plan(model);
    std::vector<double> start(static_cast<std::size_t>(model.num_sites()));
    Rng rng(5);
    for (double& x : start) x = 0.5 + 0.5 * rng.uniform();
    MeanFieldOptions options;
    options.max_iterations = 200;
    const MeanFieldResult one = test::with_threads(
        1, [&] { return ascend_mean_field(plan, 0.25, start, options, "random"); });
    const MeanFieldResult two = test::with_threads(
        2, [&] { return ascend_mean_field(plan, 0.25, start, options, "random"); });
    EXPECT_GT(one.extrapolations, 0);  // the search ran
    EXPECT_EQ(one.extrapolations, two.extrapolations);
    EXPECT_EQ(one.iterations, two.iterations);
    EXPECT_EQ(one.ln_z, two.ln_z);
    EXPECT_EQ(one.m, two.m);
}

// The line search reads a shared coupling and field as the plan keeps them: the same steps and
// bits as on a plan that stores them in every slot.
TEST(Extrapolation, SharedAndStoredWeightsGiveTheSameBits) {
    const CriticalLattice lat{LatticeKind::square, {128, 128}, 4.0};
    const Model model = uniform_ferromagnet(lat, 0.7);
    const MeanFieldPlan shared(model);
    const MeanFieldPlan stored(model, MeanFieldPlan::Weights::always_stored);
    ASSERT_TRUE(shared.shared_coupling() && shared.shared_field());
    std::vector<double> start(static_cast<std::size_t>(model.num_sites()));
    Rng rng(11);
    for (double& x : start) x = 0.5 + 0.5 * rng.uniform();
    MeanFieldOptions options;
    options.max_iterations = 200;
    const double beta = 1.0 / (4.0 * 0.7);  // the mean-field critical point: the search works
    const MeanFieldResult a = ascend_mean_field(shared, beta, start, options, "random");
    const MeanFieldResult b = ascend_mean_field(stored, beta, start, options, "random");
    EXPECT_GT(a.extrapolations, 0);
    EXPECT_EQ(a.extrapolations, b.extrapolations);
    EXPECT_EQ(a.iterations, b.iterations);
    EXPECT_EQ(a.ln_z, b.ln_z);
    EXPECT_EQ(a.m, b.m);
}

}  // namespace
}  // namespace isingmf
