// Structured mean field: a lower bound on ln Z from exact elimination (a second exact method)
// on many small models, never below naive mean field at the same temperature, exact for one
// cluster holding the model, naive mean field for one-site clusters, monotone block ascent,
// thread-count independence, and a transfer-matrix value of the same q-family computed here.

#include "isingmf/meanfield/structured_mean_field.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/structured_plan.hpp"
#include "isingmf/util/error.hpp"
#include "support/brute_force.hpp"
#include "support/random_start.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

struct Disordered {
    const char* name;
    CouplingSpec spec;
};

std::vector<Disordered> disorders() {
    CouplingSpec ferro;  // uniform J = 1
    CouplingSpec anti;
    anti.J = -1.0;
    CouplingSpec pm;
    pm.disorder = Disorder::pm;
    pm.seed = 7;
    CouplingSpec gauss;
    gauss.disorder = Disorder::gauss;
    gauss.seed = 11;
    CouplingSpec field;  // ferromagnet in a Gaussian random field
    field.random_field = 1.0;
    field.seed = 5;
    return {{"ferro", ferro}, {"antiferro", anti}, {"pm", pm}, {"gauss", gauss}, {"field", field}};
}

// The same bonds and couplings with no lattice attached (and a shuffled-looking numbering
// that recognise_lattice cannot read as a grid), so that clusters are trees or pieces.
Model without_lattice(const Model& model) {
    return Model(model.num_sites(), model.edges(), model.couplings(), model.fields(),
                 model.energy_offset());
}

double exact_ln_z(const Model& model, double beta) {
    const std::vector<double> betas = {beta};
    return solve_exact(model, ExactMethod::eliminate, betas).front().ln_z;
}

// Rounding allowance for sums of O(N) terms of size O(1).
double slack(double value) { return 1e-11 * std::max(1.0, std::abs(value)); }

struct LatticeCase {
    LatticeSpec spec;
    std::vector<int> widths;
};

TEST(StructuredMeanField, BetweenNaiveAndExactOnSmallModels) {
    // Elimination gives ln Z; naive mean field at the same beta (its default starts) is what
    // the structured ascent starts from, so it must end no lower.
    std::vector<LatticeCase> lattices;
    auto add = [&](LatticeKind kind, std::vector<int> size, Boundary boundary,
                   std::vector<int> widths) {
        lattices.push_back({LatticeSpec{kind, std::move(size), boundary}, std::move(widths)});
    };
    add(LatticeKind::square, {4, 4}, Boundary::open, {1, 2});
    add(LatticeKind::square, {4, 4}, Boundary::periodic, {1, 2});
    add(LatticeKind::triangular, {4, 3}, Boundary::open, {1, 2});
    add(LatticeKind::triangular, {3, 4}, Boundary::periodic, {1, 2});
    add(LatticeKind::honeycomb, {2, 3}, Boundary::open, {1, 2});
    add(LatticeKind::honeycomb, {3, 2}, Boundary::periodic, {1});
    add(LatticeKind::cubic, {3, 2, 2}, Boundary::open, {1, 2});
    add(LatticeKind::cubic, {3, 3, 3}, Boundary::periodic, {1});
    int checked = 0;
    int tighter = 0;  // cases where the clusters gain at least 1e-3 over naive mean field
    for (const auto& lattice : lattices) {
        for (const auto& [name, spec] : disorders()) {
            const Model model = build_model(make_lattice(lattice.spec), spec);
            for (double beta : {0.2, 0.45, 1.0}) {
                const double exact = exact_ln_z(model, beta);
                const double naive = solve_mean_field(model, beta, {}).ln_z;
                for (int w : lattice.widths) {
                    StructuredMeanFieldOptions options;
                    options.cluster_width = w;
                    const auto r = solve_structured_mean_field(model, beta, options);
                    const std::string what =
                        fmt::format("{} {} beta {} w {}: {}", name, r.clusters, beta, w, r.ln_z);
                    EXPECT_LE(r.ln_z, exact + slack(exact)) << what << " exact " << exact;
                    EXPECT_GE(r.ln_z, naive - slack(naive)) << what << " naive " << naive;
                    EXPECT_EQ(r.start, "naive") << what;
                    // F = E_q[-beta H] + S(q) with <H>_q and S(q) summed independently.
                    EXPECT_NEAR(r.ln_z, -beta * r.energy + r.entropy, slack(r.ln_z)) << what;
                    EXPECT_TRUE(r.converged) << what;
                    ++checked;
                    if (r.ln_z > naive + 1e-3) ++tighter;
                }
            }
        }
    }
    EXPECT_EQ(checked, 15 * 14);
    EXPECT_GE(tighter, checked * 3 / 4) << tighter << " of " << checked;
}

TEST(StructuredMeanField, TreesAndPiecesOnGeneralGraphs) {
    // Honeycomb bonds without their lattice (not a grid, so induced trees or bounded pieces)
    // and a Sherrington-Kirkpatrick model (complete graph: trees are single bonds).
    std::vector<Model> models;
    for (const auto& [name, spec] : disorders())
        models.push_back(without_lattice(
            build_model(make_lattice({LatticeKind::honeycomb, {3, 2}, Boundary::periodic}), spec)));
    CouplingSpec sk;
    sk.disorder = Disorder::sk;
    sk.J0 = 0.5;
    sk.seed = 3;
    models.push_back(build_model(make_lattice({LatticeKind::complete, {10}, Boundary::open}), sk));
    for (const Model& model : models) {
        for (double beta : {0.3, 0.8}) {
            const double exact = testing::brute_force_ln_z(model, beta);
            const double naive = solve_mean_field(model, beta, {}).ln_z;
            for (int w : {1, 2, 3}) {
                StructuredMeanFieldOptions options;
                options.cluster_width = w;
                const auto r = solve_structured_mean_field(model, beta, options);
                const std::string what = fmt::format("{} beta {}: {}", r.clusters, beta, r.ln_z);
                EXPECT_EQ(r.cluster_kind, w == 1 ? ClusterKind::trees : ClusterKind::pieces)
                    << what;
                EXPECT_LE(r.ln_z, exact + slack(exact)) << what << " exact " << exact;
                EXPECT_GE(r.ln_z, naive - slack(naive)) << what << " naive " << naive;
            }
        }
    }
}

TEST(StructuredMeanField, OneClusterHoldingTheModelIsExact) {
    // A 3x4 +-J torus with a random field and an energy offset (ln Z shifts by -beta E0), as
    // one given cluster; and strips as wide as the lattice, which the partition turns into
    // one cluster by itself. Expected: brute-force enumeration.
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    spec.random_field = 0.5;
    const Model base =
        build_model(make_lattice({LatticeKind::square, {3, 4}, Boundary::periodic}), spec);
    const Model model(base.num_sites(), base.edges(), base.couplings(), base.fields(), 1.25, {},
                      base.lattice());
    std::vector<int> all(static_cast<std::size_t>(model.num_sites()));
    std::iota(all.begin(), all.end(), 0);
    for (double beta : {0.0, 0.4, 1.5, 6.0}) {
        const double exact = testing::brute_force_ln_z(model, beta);
        StructuredMeanFieldOptions given;
        given.clusters = given_partition(model, {all});
        const auto r = solve_structured_mean_field(model, beta, given);
        EXPECT_NEAR(r.ln_z, exact, 1e-12 * std::max(1.0, std::abs(exact))) << beta;
        EXPECT_EQ(r.iterations, 1);
        EXPECT_TRUE(r.converged);
        StructuredMeanFieldOptions wide;
        wide.cluster_width = 3;
        const auto s = solve_structured_mean_field(model, beta, wide);
        EXPECT_EQ(s.cluster_kind, ClusterKind::whole) << s.clusters;
        EXPECT_NEAR(s.ln_z, exact, 1e-12 * std::max(1.0, std::abs(exact))) << beta;
        // <H> and S of the exact Gibbs state: ln Z = -beta <H> + S.
        EXPECT_NEAR(s.ln_z, -beta * s.energy + s.entropy, 1e-11 * std::abs(exact)) << beta;
    }
}

TEST(StructuredMeanField, OneSiteClustersAreNaiveMeanField) {
    // With every cluster one site, q is a product of independent spins: F is the naive
    // mean_field_bound at the same m (to rounding, even before convergence), the ascent stops
    // at a solution of the naive equations m_i = tanh(beta phi_i), and where that solution is
    // unique (beta max_i sum_j |J_ij| < 1 here) it is naive mean field's, bound and all.
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.J = 0.5;
    spec.random_field = 0.3;
    const Model model =
        build_model(make_lattice({LatticeKind::triangular, {5, 4}, Boundary::periodic}), spec);
    int compared = 0;
    for (double beta : {0.2, 0.7, 2.0}) {
        StructuredMeanFieldOptions options;
        options.clusters = single_site_partition(model);
        options.starts = {false, true, false, 0};
        options.max_iterations = 2;  // far from converged: the formula must hold anyway
        const auto early = solve_structured_mean_field(model, beta, options);
        EXPECT_FALSE(early.converged);
        EXPECT_NEAR(early.ln_z, mean_field_bound(model, beta, early.m), slack(early.ln_z));
        options.max_iterations = 100000;
        options.tolerance = 1e-13;
        const auto r = solve_structured_mean_field(model, beta, options);
        ASSERT_TRUE(r.converged) << beta;
        EXPECT_NEAR(r.ln_z, mean_field_bound(model, beta, r.m), slack(r.ln_z));
        for (int i = 0; i < model.num_sites(); ++i) {
            const double phi = model.local_field(i, r.m);
            EXPECT_NEAR(r.m[static_cast<std::size_t>(i)], std::tanh(beta * phi), 1e-12) << i;
        }
        double row_max = 0.0;  // max_i sum_j |J_ij|
        const Adjacency& adj = model.adjacency();
        for (std::size_t i = 0; i + 1 < adj.offset.size(); ++i) {
            double row = 0.0;
            for (std::size_t a = adj.offset[i]; a < adj.offset[i + 1]; ++a)
                row += std::abs(adj.coupling[a]);
            row_max = std::max(row_max, row);
        }
        if (beta * row_max >= 1.0) continue;
        MeanFieldOptions naive;
        naive.tolerance = 1e-13;
        naive.max_iterations = 100000;
        const auto n = solve_mean_field(model, beta, naive);
        ASSERT_TRUE(n.converged) << beta;
        EXPECT_NEAR(r.ln_z, n.ln_z, slack(n.ln_z)) << beta;
        for (std::size_t i = 0; i < r.m.size(); ++i) EXPECT_NEAR(r.m[i], n.m[i], 1e-11) << i;
        EXPECT_NEAR(r.entropy, n.entropy, 1e-10) << beta;
        EXPECT_NEAR(r.energy, n.energy, 1e-10) << beta;
        ++compared;
    }
    EXPECT_GE(compared, 1);
}

TEST(StructuredMeanField, BlockAscentNeverLowersTheBound) {
    // F after every colour class, from random and saturated starts, on glasses with strips,
    // rings, trees and pieces, with exact and over-relaxed block steps: never below its value
    // before (beyond rounding).
    CouplingSpec pm;
    pm.disorder = Disorder::pm;
    pm.h = 0.1;
    CouplingSpec gauss;
    gauss.disorder = Disorder::gauss;
    const Model open =
        build_model(make_lattice({LatticeKind::square, {10, 9}, Boundary::open}), pm);
    const Model torus =
        build_model(make_lattice({LatticeKind::square, {8, 8}, Boundary::periodic}), gauss);
    const Model graph = without_lattice(
        build_model(make_lattice({LatticeKind::honeycomb, {5, 4}, Boundary::periodic}), pm));
    struct Case {
        const Model* model;
        int width;
    };
    for (const Case& c :
         {Case{&open, 1}, Case{&open, 3}, Case{&torus, 2}, Case{&graph, 1}, Case{&graph, 2}}) {
        const StructuredPlan plan(*c.model, make_cluster_partition(*c.model, c.width));
        for (double beta : {0.5, 1.5}) {
            for (std::uint64_t seed : {1u, 2u}) {
                for (double omega : {-1.0, 0.0, 1.9}) {  // sequential, adaptive, fixed
                    StructuredMeanFieldOptions options;
                    options.max_iterations = 60;
                    options.method =
                        omega < 0.0 ? MeanFieldMethod::sequential : MeanFieldMethod::over_relaxed;
                    options.omega = std::max(omega, 0.0);
                    std::vector<double> trace;
                    const StructuredObserver observe = [&](int, int, double F) {
                        trace.push_back(F);
                    };
                    const auto start =
                        seed == 1 ? std::vector<double>(
                                        static_cast<std::size_t>(c.model->num_sites()), -1.0)
                                  : test::random_magnetizations(
                                        static_cast<std::size_t>(c.model->num_sites()), seed);
                    const auto r =
                        ascend_structured_mean_field(plan, beta, start, options, "test", observe);
                    ASSERT_GE(trace.size(), 2u);
                    for (std::size_t k = 1; k < trace.size(); ++k)
                        ASSERT_GE(trace[k], trace[k - 1] - slack(trace[k]))
                            << plan.partition().description << " beta " << beta << " step " << k;
                    EXPECT_GT(trace.back(), trace.front()) << plan.partition().description;
                    EXPECT_NEAR(r.ln_z, trace.back(), slack(r.ln_z));
                    if (omega > 0.0) {
                        EXPECT_EQ(r.omega, omega);
                    }
                }
            }
        }
    }
}

TEST(StructuredMeanField, SameNumbersForEveryThreadCount) {
    // Large enough that colour classes run their clusters in parallel.
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    spec.h = 0.05;
    const Model model =
        build_model(make_lattice({LatticeKind::square, {48, 48}, Boundary::open}), spec);
    StructuredMeanFieldOptions options;
    options.cluster_width = 4;
    options.max_iterations = 8;
    options.starts = {false, false, false, 1};
    auto solve = [&] { return solve_structured_mean_field(model, 0.8, options); };
    const auto one = test::with_threads(1, solve);
    for (int threads : {2, 3}) {
        const auto many = test::with_threads(threads, solve);
        EXPECT_EQ(many.ln_z, one.ln_z) << threads;
        EXPECT_EQ(many.m, one.m) << threads;
        EXPECT_EQ(many.residual, one.residual) << threads;
    }
}

// Ring of L spins with coupling K and field B (natural parameters), by its 2x2 transfer
// matrix: Z = l+^L + l-^L, l+- = e^K cosh B +- sqrt(e^{2K} sinh^2 B + e^{-2K}); the mean per
// site is (1/L) d ln Z / dB.
struct Ring {
    double ln_z = 0.0;
    double m = 0.0;
};

Ring ring(int L, double K, double B) {
    const double root = std::sqrt(std::exp(2 * K) * std::sinh(B) * std::sinh(B) + std::exp(-2 * K));
    const double lp = std::exp(K) * std::cosh(B) + root;
    const double lm = std::exp(K) * std::cosh(B) - root;
    const double droot = std::exp(2 * K) * std::sinh(B) * std::cosh(B) / root;
    const double dlp = std::exp(K) * std::sinh(B) + droot;
    const double dlm = std::exp(K) * std::sinh(B) - droot;
    const double r = std::pow(lm / lp, L);  // |l-| < l+
    Ring out;
    out.ln_z = L * std::log(lp) + std::log1p(r);
    out.m = (dlp / lp + r * dlm / lm) / (1.0 + r);
    return out;
}

TEST(StructuredMeanField, RingsOfAUniformFerromagnetMatchTheTransferMatrix) {
    // Rows of an Lx x Ly torus as rings (w = 1). From all up, every ring ends in the same
    // state: a ring with K = beta J in the field B = beta (h + 2 J m) of its two neighbouring
    // rows, m its own mean. That symmetric fixed point (the largest root, found by iterating
    // m <- m_ring from m = 1) gives F = Ly ln Z_ring - beta J Lx Ly m^2.
    const int lx = 9;
    const int ly = 6;
    for (double h : {0.0, 0.1}) {
        CouplingSpec spec;
        spec.h = h;
        const Model model =
            build_model(make_lattice({LatticeKind::square, {lx, ly}, Boundary::periodic}), spec);
        for (double beta : {0.2, 0.35, 0.6}) {
            double m = 1.0;
            for (int k = 0; k < 100000; ++k) {
                const double next = ring(lx, beta, beta * (h + 2.0 * m)).m;
                if (std::abs(next - m) < 1e-15) break;
                m = next;
            }
            const double expected =
                ly * ring(lx, beta, beta * (h + 2.0 * m)).ln_z - beta * lx * ly * m * m;
            StructuredMeanFieldOptions options;
            options.cluster_width = 1;
            options.starts = {false, true, false, 0};
            options.tolerance = 1e-13;
            options.max_iterations = 100000;
            const auto r = solve_structured_mean_field(model, beta, options);
            ASSERT_TRUE(r.converged) << beta;
            EXPECT_EQ(r.cluster_kind, ClusterKind::strips);
            EXPECT_EQ(r.num_clusters, ly);
            EXPECT_NEAR(r.ln_z, expected, 1e-10 * std::abs(expected)) << h << " " << beta;
            for (double mi : r.m) EXPECT_NEAR(mi, m, 1e-8) << h << " " << beta;
        }
    }
}

TEST(StructuredMeanField, StartsAndTheirNames) {
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    const Model model =
        build_model(make_lattice({LatticeKind::square, {6, 6}, Boundary::open}), spec);
    StructuredMeanFieldOptions options;
    options.cluster_width = 2;
    options.starts = {false, true, false, 0};
    EXPECT_EQ(solve_structured_mean_field(model, 0.7, options).start, "up");
    options.starts = {false, false, true, 0};
    EXPECT_EQ(solve_structured_mean_field(model, 0.7, options).start, "down");
    options.starts = {false, false, false, 3};
    const auto random = solve_structured_mean_field(model, 0.7, options);
    EXPECT_EQ(random.start.rfind("random:", 0), 0u) << random.start;
    options.starts = {false, false, false, 0};
    EXPECT_EQ(solve_structured_mean_field(model, 0.7, options).start, "zero");
    // A warm start at its own fixed point is already converged after one sweep.
    const auto warm = solve_structured_mean_field(model, 0.7, options, random.m);
    EXPECT_EQ(warm.start, "warm");
    EXPECT_LE(warm.iterations, 3);
    EXPECT_NEAR(warm.ln_z, random.ln_z, slack(random.ln_z));
    // The best start wins: every start together is at least each alone.
    options.starts = {true, true, true, 3};
    const auto all = solve_structured_mean_field(model, 0.7, options);
    EXPECT_GE(all.ln_z, random.ln_z);
}

TEST(StructuredMeanField, RefusesBadInput) {
    const Model model =
        build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::open}), {});
    StructuredMeanFieldOptions options;
    EXPECT_THROW(solve_structured_mean_field(model, -1.0, options), ModelError);
    EXPECT_THROW(solve_structured_mean_field(model, NAN, options), ModelError);
    options.cluster_width = -1;
    EXPECT_THROW(solve_structured_mean_field(model, 1.0, options), ModelError);
    options.cluster_width = 1;
    const std::vector<double> short_start(3, 0.0);
    EXPECT_THROW(solve_structured_mean_field(model, 1.0, options, short_start), ModelError);
    options.max_iterations = 0;
    EXPECT_THROW(solve_structured_mean_field(model, 1.0, options), ModelError);
    options.max_iterations = 10;
    options.tolerance = -1.0;
    EXPECT_THROW(solve_structured_mean_field(model, 1.0, options), ModelError);
    // Rings of 10 rows on a 14x14 torus need tables over about 20 sites.
    const Model torus =
        build_model(make_lattice({LatticeKind::square, {14, 14}, Boundary::periodic}), {});
    StructuredMeanFieldOptions wide;
    wide.cluster_width = 10;
    wide.limits.max_frontier = 16;
    EXPECT_THROW(solve_structured_mean_field(torus, 1.0, wide), ModelError);
}

}  // namespace
}  // namespace isingmf
