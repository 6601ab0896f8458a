// Loopy BP and the Bethe estimate: exact on trees (against enumeration), consistent beliefs
// at a fixed point, below exact ln Z on small ferromagnets (Ruozzi, NIPS 2012), the same
// fixed point from both schedules and from warm starts, non-convergence reported,
// thread-count independence.

#include "isingmf/bounds/bethe.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "isingmf/exact/enumerate.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

Model make(LatticeKind kind, std::vector<int> size, Boundary boundary, Disorder disorder,
           double J = 1.0, double h = 0.0, double random_field = 0.0) {
    CouplingSpec spec;
    spec.disorder = disorder;
    spec.J = J;
    spec.h = h;
    spec.random_field = random_field;
    return build_model(make_lattice({kind, std::move(size), boundary}), spec);
}

Model random_tree(int n, std::uint64_t seed) {
    Rng rng(seed, 3);
    std::vector<Edge> edges;
    for (int i = 1; i < n; ++i)
        edges.push_back({static_cast<int>(rng.next() % static_cast<unsigned>(i)), i});
    std::vector<double> J(edges.size()), h(static_cast<std::size_t>(n));
    for (double& x : J) x = 1.5 * rng.normal();
    for (double& x : h) x = 0.5 * rng.normal();
    return Model(n, edges, J, h, 0.3);
}

TEST(Bethe, ExactOnTrees) {
    const Model tree = random_tree(16, 4);
    const Model chain = make(LatticeKind::chain, {12}, Boundary::open, Disorder::gauss, 1.0, 0.2);
    const std::vector<double> betas = {0.0, 0.3, 1.0, 5.0, 200.0};
    for (const Model* model : {&tree, &chain}) {
        const auto exact = enumerate_exact(*model, betas);
        for (BpSchedule schedule : {BpSchedule::sequential, BpSchedule::parallel}) {
            BetheOptions options;
            options.schedule = schedule;
            options.tolerance = 1e-13;
            for (std::size_t k = 0; k < betas.size(); ++k) {
                const BetheResult r = solve_bethe(*model, betas[k], options);
                EXPECT_TRUE(r.converged) << "beta " << betas[k];
                // BP on a tree is exact; 1e-10 relative covers rounding of O(N) terms.
                EXPECT_NEAR(r.ln_z, exact[k].ln_z, 1e-10 * std::max(1.0, std::abs(exact[k].ln_z)))
                    << to_string(schedule) << " beta " << betas[k];
                double m = 0.0;
                for (double x : r.m) m += x;
                EXPECT_NEAR(m / model->num_sites(), exact[k].magnetization, 1e-9);
            }
        }
    }
}

TEST(Bethe, BeliefsAreConsistentAtAFixedPoint) {
    const Model model =
        make(LatticeKind::square, {5, 4}, Boundary::periodic, Disorder::gauss, 1.0, 0.1, 0.3);
    BetheOptions options;
    options.tolerance = 1e-13;
    const BetheResult r = solve_bethe(model, 0.4, options);
    ASSERT_TRUE(r.converged);
    std::vector<double> m, pair;
    const double ln_z = bethe_free_energy(model, 0.4, r.messages, &m, &pair);
    EXPECT_EQ(ln_z, r.ln_z);
    for (std::size_t e = 0; e < model.num_edges(); ++e) {
        // The pair belief's marginals are the node beliefs (to the message tolerance).
        EXPECT_NEAR(pair[2 * e], m[static_cast<std::size_t>(model.edges()[e].i)], 1e-11);
        EXPECT_NEAR(pair[2 * e + 1], m[static_cast<std::size_t>(model.edges()[e].j)], 1e-11);
    }
    // Away from the fixed point (the start, zero messages) they are not consistent.
    std::vector<double> zero(r.messages.size(), 0.0);
    bethe_free_energy(model, 0.4, zero, &m, &pair);
    double worst = 0.0;
    for (std::size_t e = 0; e < model.num_edges(); ++e)
        worst = std::max(worst,
                         std::abs(pair[2 * e] - m[static_cast<std::size_t>(model.edges()[e].i)]));
    EXPECT_GT(worst, 1e-3);
}

TEST(Bethe, BelowExactOnSmallFerromagnets) {
    const std::vector<Model> models = {
        make(LatticeKind::square, {4, 4}, Boundary::periodic, Disorder::uniform),
        make(LatticeKind::square, {4, 4}, Boundary::open, Disorder::uniform, 1.0, 0.1, 0.5),
        make(LatticeKind::triangular, {4, 4}, Boundary::periodic, Disorder::uniform, 0.7, 0.05),
        make(LatticeKind::cubic, {2, 3, 3}, Boundary::periodic, Disorder::uniform, 1.0, -0.2)};
    const std::vector<double> betas = {0.1, 0.3, 0.44, 0.6, 1.0, 3.0};
    for (std::size_t k = 0; k < models.size(); ++k) {
        const auto exact = enumerate_exact(models[k], betas);
        for (std::size_t b = 0; b < betas.size(); ++b) {
            const BetheResult r = solve_bethe(models[k], betas[b], BetheOptions{});
            ASSERT_TRUE(r.converged) << "model " << k << " beta " << betas[b];
            EXPECT_LE(r.ln_z, exact[b].ln_z + 1e-10 * exact[b].ln_z)
                << "model " << k << " beta " << betas[b];
            // ... and close at high temperature, where the loops' correction is O(tanh(beta J)^L)
            // for loops of length L (3 and 4 here: ~1e-3 per spin at beta = 0.1).
            if (betas[b] <= 0.1) {
                EXPECT_GT(r.ln_z, exact[b].ln_z - 0.002 * models[k].num_sites());
            }
        }
    }
}

TEST(Bethe, SchedulesReachTheSameFixedPointOnAnyThreadCount) {
    const Model model =
        make(LatticeKind::square, {40, 30}, Boundary::periodic, Disorder::gauss, 1.0, 0.2);
    BetheOptions options;
    options.tolerance = 1e-12;
    const BetheResult seq = solve_bethe(model, 0.3, options);
    options.schedule = BpSchedule::parallel;
    const auto one = test::with_threads(1, [&] { return solve_bethe(model, 0.3, options); });
    const auto two = test::with_threads(2, [&] { return solve_bethe(model, 0.3, options); });
    ASSERT_TRUE(seq.converged);
    ASSERT_TRUE(one.converged);
    EXPECT_NEAR(seq.ln_z, one.ln_z, 1e-8 * std::abs(one.ln_z));
    EXPECT_EQ(one.ln_z, two.ln_z);
    EXPECT_EQ(one.messages, two.messages);
    // A warm start from a neighbouring temperature reaches the same fixed point.
    options.schedule = BpSchedule::sequential;
    const BetheResult warm = solve_bethe(model, 0.31, options, &seq);
    const BetheResult cold = solve_bethe(model, 0.31, options);
    EXPECT_NEAR(warm.ln_z, cold.ln_z, 1e-8 * std::abs(cold.ln_z));
}

TEST(Bethe, NonConvergenceIsReported) {
    // Undamped parallel BP on a strongly coupled +-J torus in random fields oscillates.
    const Model model =
        make(LatticeKind::square, {6, 6}, Boundary::periodic, Disorder::pm, 1.0, 0.0, 0.3);
    BetheOptions options;
    options.schedule = BpSchedule::parallel;
    options.damping = 0.0;
    options.max_iterations = 200;
    options.polarized = false;
    const BetheResult r = solve_bethe(model, 3.0, options);
    EXPECT_FALSE(r.converged);
    EXPECT_EQ(r.iterations, 200);
    EXPECT_GE(r.residual, options.tolerance);
    EXPECT_TRUE(std::isfinite(r.ln_z));
}

TEST(Bethe, RefusesBadOptions) {
    const Model model = make(LatticeKind::square, {3, 3}, Boundary::open, Disorder::pm);
    BetheOptions options;
    options.damping = 1.0;
    EXPECT_THROW(solve_bethe(model, 1.0, options), ModelError);
    options.damping = 0.5;
    options.tolerance = 0.0;
    EXPECT_THROW(solve_bethe(model, 1.0, options), ModelError);
    EXPECT_THROW(solve_bethe(model, -1.0, BetheOptions{}), ModelError);
    EXPECT_THROW(bethe_free_energy(model, 1.0, std::vector<double>(3, 0.0)), ModelError);
    EXPECT_EQ(parse_bp_schedule("parallel"), BpSchedule::parallel);
    EXPECT_THROW(parse_bp_schedule("random"), ParseError);
}

}  // namespace
}  // namespace isingmf
