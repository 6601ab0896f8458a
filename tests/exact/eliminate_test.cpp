#include "isingmf/exact/eliminate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"
#include "support/brute_force.hpp"

namespace isingmf {
namespace {

// 1e-10 relative, against a scale of 1 for the per-spin quantities (which are O(1) and may
// be exactly zero, e.g. <m> in zero field): both methods are exact and differ by rounding
// in sums of at most 2^16 terms, far below this.
void expect_same(const ExactResult& got, const ExactResult& want, const std::string& what) {
    const auto near = [](double a, double b) {
        return std::abs(a - b) <= 1e-10 * std::max(1.0, std::abs(b));
    };
    EXPECT_PRED2(near, got.ln_z, want.ln_z) << what << " ln Z";
    EXPECT_PRED2(near, got.energy_per_spin, want.energy_per_spin) << what << " energy";
    EXPECT_PRED2(near, got.specific_heat_per_spin, want.specific_heat_per_spin) << what << " C";
    EXPECT_PRED2(near, got.magnetization, want.magnetization) << what << " m";
    EXPECT_PRED2(near, got.susceptibility, want.susceptibility) << what << " chi";
    EXPECT_TRUE(std::isnan(got.magnetization_abs)) << what;
}

// A random d-regular graph by the configuration model, retried until it has no self-loop
// or repeated edge.
LatticeGraph random_regular(int n, int degree, std::uint64_t seed) {
    Rng rng(seed, 7);
    for (;;) {
        std::vector<int> stubs;
        for (int i = 0; i < n; ++i)
            for (int d = 0; d < degree; ++d) stubs.push_back(i);
        for (std::size_t i = stubs.size(); i > 1; --i) {
            const auto j = static_cast<std::size_t>(rng.uniform() * static_cast<double>(i));
            std::swap(stubs[i - 1], stubs[j]);
        }
        LatticeGraph g;
        g.num_sites = n;
        bool simple = true;
        for (std::size_t k = 0; k + 1 < stubs.size() && simple; k += 2) {
            Edge e{std::min(stubs[k], stubs[k + 1]), std::max(stubs[k], stubs[k + 1])};
            simple = e.i != e.j && std::find(g.bonds.begin(), g.bonds.end(), e) == g.bonds.end();
            g.bonds.push_back(e);
        }
        if (simple) return g;
    }
}

struct GraphCase {
    std::string name;
    LatticeGraph graph;
};

std::vector<GraphCase> graph_cases() {
    return {
        {"open_grid_4x4", make_lattice({LatticeKind::square, {4, 4}, Boundary::open})},
        {"torus_4x4", make_lattice({LatticeKind::square, {4, 4}, Boundary::periodic})},
        {"open_grid_3x5", make_lattice({LatticeKind::square, {3, 5}, Boundary::open})},
        {"triangular_3x4", make_lattice({LatticeKind::triangular, {3, 4}, Boundary::periodic})},
        {"regular3_N12", random_regular(12, 3, 11)},
        {"regular4_N16", random_regular(16, 4, 12)},
        {"K8", make_lattice({LatticeKind::complete, {8}, Boundary::open})},
        {"K10", make_lattice({LatticeKind::complete, {10}, Boundary::open})},
        {"K12", make_lattice({LatticeKind::complete, {12}, Boundary::open})},
    };
}

TEST(Eliminate, EqualsBruteForceOnRandomGraphsWithFields) {
    const std::vector<double> betas{0.0, 0.1, 0.44, 1.0, 2.5};
    std::uint64_t seed = 100;
    for (const GraphCase& c : graph_cases()) {
        for (Disorder disorder : {Disorder::uniform, Disorder::pm, Disorder::gauss}) {
            CouplingSpec spec;
            spec.disorder = disorder;
            spec.h = 0.2;
            spec.random_field = 0.5;
            spec.seed = ++seed;
            const Model model = build_model(c.graph, spec);
            const auto got = eliminate_exact(model, betas);
            ASSERT_EQ(got.size(), betas.size());
            for (std::size_t b = 0; b < betas.size(); ++b) {
                expect_same(
                    got[b], testing::brute_force_exact(model, betas[b]),
                    c.name + " " + to_string(disorder) + " beta=" + std::to_string(betas[b]));
            }
        }
    }
}

TEST(Eliminate, ZeroFieldFerromagnetHasZeroMagnetization) {
    // Spin-flip symmetry: <m> = 0 exactly, chi = beta N <m^2> > 0.
    const Model model =
        build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::periodic}), {});
    const std::vector<double> betas{0.3, 0.6};
    const auto got = eliminate_exact(model, betas);
    for (std::size_t b = 0; b < betas.size(); ++b) {
        EXPECT_NEAR(got[b].magnetization, 0.0, 1e-12);
        expect_same(got[b], testing::brute_force_exact(model, betas[b]), "ferromagnet");
    }
}

TEST(Eliminate, EnergyOffsetShiftsLnZAndEnergyOnly) {
    // H' = H + E0: ln Z' = ln Z - beta E0, <H'> = <H> + E0, fluctuations unchanged.
    const LatticeGraph g = make_lattice({LatticeKind::square, {3, 3}, Boundary::open});
    const Model base = build_model(g, {.J = 1.0, .h = 0.3, .disorder = Disorder::gauss, .seed = 5});
    const Model shifted(base.num_sites(), base.edges(), base.couplings(), base.fields(), 7.25);
    const std::vector<double> betas{0.0, 0.7};
    const auto a = eliminate_exact(base, betas);
    const auto b = eliminate_exact(shifted, betas);
    for (std::size_t k = 0; k < betas.size(); ++k) {
        EXPECT_NEAR(b[k].ln_z, a[k].ln_z - betas[k] * 7.25, 1e-12);
        EXPECT_NEAR(b[k].energy_per_spin, a[k].energy_per_spin + 7.25 / 9.0, 1e-12);
        EXPECT_NEAR(b[k].specific_heat_per_spin, a[k].specific_heat_per_spin, 1e-12);
        expect_same(b[k], testing::brute_force_exact(shifted, betas[k]), "offset");
    }
}

TEST(Eliminate, InfiniteTemperatureLimit) {
    // beta = 0: every state equally likely; ln Z = N ln 2, <H> = E0, C = 0, <m> = 0 and
    // chi = beta N Var(m) = 0.
    const Model model = build_model(make_lattice({LatticeKind::square, {5, 5}, Boundary::periodic}),
                                    {.h = 1.0, .disorder = Disorder::pm, .seed = 3});
    const std::vector<double> betas{0.0};
    const ExactResult r = eliminate_exact(model, betas)[0];
    EXPECT_NEAR(r.ln_z, 25.0 * std::log(2.0), 1e-12);
    EXPECT_NEAR(r.energy_per_spin, 0.0, 1e-12);
    EXPECT_NEAR(r.specific_heat_per_spin, 0.0, 1e-12);
    EXPECT_NEAR(r.magnetization, 0.0, 1e-12);
    EXPECT_NEAR(r.susceptibility, 0.0, 1e-12);
}

TEST(Eliminate, SingleSiteIsolatedSitesAndComponents) {
    // One spin in a field: Z = 2 cosh(beta h), <m> = tanh(beta h),
    // chi = beta (1 - tanh^2), <H> = -h tanh, C = (beta h)^2 (1 - tanh^2).
    const double h = 0.8;
    const double beta = 1.3;
    const Model one(1, {}, {}, {h});
    const ExactResult r = eliminate_exact(one, std::vector<double>{beta})[0];
    const double t = std::tanh(beta * h);
    EXPECT_NEAR(r.ln_z, std::log(2.0 * std::cosh(beta * h)), 1e-14);
    EXPECT_NEAR(r.magnetization, t, 1e-14);
    EXPECT_NEAR(r.susceptibility, beta * (1.0 - t * t), 1e-14);
    EXPECT_NEAR(r.energy_per_spin, -h * t, 1e-14);
    EXPECT_NEAR(r.specific_heat_per_spin, beta * beta * h * h * (1.0 - t * t), 1e-14);

    // Two triangles, a dimer and two isolated sites: ln Z adds over components.
    const Model parts(10, {{0, 1}, {1, 2}, {0, 2}, {3, 4}, {4, 5}, {3, 5}, {6, 7}},
                      {1.0, -0.5, 0.7, 0.3, 0.3, -1.1, 2.0},
                      {0.1, 0.0, -0.2, 0.0, 0.5, 0.0, 0.0, 0.3, 0.0, -0.4});
    for (double b : {0.0, 0.5, 3.0})
        expect_same(eliminate_exact(parts, std::vector<double>{b})[0],
                    testing::brute_force_exact(parts, b), "components");
}

TEST(Eliminate, StarWithManyLeavesMatchesItsClosedForm) {
    // Centre 0 joined to 300 leaves: summing out the leaves first leaves the centre with
    // one table per leaf. Closed form: Z = sum_{s0} exp(beta h0 s0)
    // prod_i 2 cosh(beta (J_i s0 + h_i)).
    const int leaves = 300;
    std::vector<Edge> edges;
    std::vector<double> couplings;
    std::vector<double> fields{0.3};
    for (int i = 1; i <= leaves; ++i) {
        edges.push_back({0, i});
        couplings.push_back(0.5 + 0.01 * (i % 7) - 0.2 * (i % 2));
        fields.push_back(0.05 * (i % 5) - 0.1);
    }
    const Model star(leaves + 1, edges, couplings, fields);
    const double beta = 0.8;
    double branch[2] = {0.0, 0.0};  // ln of the two centre terms
    for (int c = 0; c < 2; ++c) {
        const double s0 = c == 0 ? -1.0 : 1.0;
        branch[c] = beta * fields[0] * s0;
        for (int i = 1; i <= leaves; ++i) {
            const double x = beta * (couplings[static_cast<std::size_t>(i - 1)] * s0 +
                                     fields[static_cast<std::size_t>(i)]);
            branch[c] += std::log(2.0 * std::cosh(x));
        }
    }
    const double hi = std::max(branch[0], branch[1]);
    const double want = hi + std::log(std::exp(branch[0] - hi) + std::exp(branch[1] - hi));
    // ~600 logs summed: 1e-12 relative.
    EXPECT_NEAR(eliminate_exact(star, std::vector<double>{beta})[0].ln_z, want, 1e-12 * want);
    EXPECT_EQ(plan_elimination(star).width, 1);
}

TEST(Eliminate, LowTemperatureFallsBackToLogSpaceCorrectly) {
    // At beta = 300 the tables span far more than the double range (exp(-2 beta J) per
    // broken bond); the answer must still match the oracle, which works relative to the
    // ground state.
    const Model model =
        build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::open}),
                    {.h = 0.05, .disorder = Disorder::gauss, .random_field = 0.3, .seed = 9});
    for (double beta : {40.0, 300.0}) {
        expect_same(eliminate_exact(model, std::vector<double>{beta})[0],
                    testing::brute_force_exact(model, beta), "beta=" + std::to_string(beta));
    }
}

TEST(Eliminate, ExtremeInverseTemperatureGivesNoNaN) {
    // Regression: C was beta * beta * Var(H) / N, inf * 0 = NaN beyond beta ~ 1e154. There
    // every excited state's weight underflows to 0, so C = 0 and <H> = E_gs exactly; the
    // ferromagnetic 4x4 open grid with h = 0.1 has the unique ground state all up,
    // E_gs = -24 - 1.6 (24 bonds, 16 fields).
    const Model model =
        build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::open}), {.h = 0.1});
    for (double beta : {1e160, 1e300}) {
        const ExactResult r = eliminate_exact(model, std::vector<double>{beta})[0];
        EXPECT_EQ(r.specific_heat_per_spin, 0.0) << beta;
        EXPECT_DOUBLE_EQ(r.energy_per_spin, -25.6 / 16.0) << beta;
        EXPECT_DOUBLE_EQ(r.ln_z, 25.6 * beta) << beta;
        EXPECT_DOUBLE_EQ(r.magnetization, 1.0) << beta;
    }
}

TEST(Eliminate, ResultsDoNotDependOnThreadCount) {
    const Model model = build_model(make_lattice({LatticeKind::square, {6, 6}, Boundary::periodic}),
                                    {.disorder = Disorder::gauss, .random_field = 0.2, .seed = 4});
    std::vector<double> betas;
    for (int k = 0; k < 9; ++k) betas.push_back(0.1 + 0.2 * k);
    const auto one = eliminate_exact(model, betas, {.num_threads = 1});
    const auto two = eliminate_exact(model, betas, {.num_threads = 2});
    for (std::size_t k = 0; k < betas.size(); ++k) {
        EXPECT_EQ(one[k].ln_z, two[k].ln_z);
        EXPECT_EQ(one[k].specific_heat_per_spin, two[k].specific_heat_per_spin);
        EXPECT_EQ(one[k].susceptibility, two[k].susceptibility);
    }
}

TEST(Eliminate, StepsSharedBetweenThreadsGiveTheSameBits) {
    // An 8x8 torus has tables of 2^15 entries, which the threads share out inside each step
    // (smaller ones are not split); beta = 1e3 underflows the linear tables and is redone in
    // log mode. Every bit of every result must be the same for any split.
    const Model model = build_model(make_lattice({LatticeKind::square, {8, 8}, Boundary::periodic}),
                                    {.disorder = Disorder::gauss, .random_field = 0.3, .seed = 6});
    ASSERT_GE(plan_elimination(model).width, 14);
    const std::vector<double> betas = {0.44, 1e3};
    const auto one = eliminate_exact(model, betas, {.num_threads = 1});
    for (const int threads : {3}) {
        const auto many = eliminate_exact(model, betas, {.num_threads = threads});
        for (std::size_t k = 0; k < betas.size(); ++k) {
            SCOPED_TRACE(::testing::Message() << "threads " << threads << ", beta " << betas[k]);
            EXPECT_EQ(one[k].ln_z, many[k].ln_z);
            EXPECT_EQ(one[k].energy_per_spin, many[k].energy_per_spin);
            EXPECT_EQ(one[k].specific_heat_per_spin, many[k].specific_heat_per_spin);
            EXPECT_EQ(one[k].magnetization, many[k].magnetization);
            EXPECT_EQ(one[k].susceptibility, many[k].susceptibility);
        }
    }
}

TEST(Eliminate, WidthOfTheOrder) {
    // Treewidth: a chain 1, K_n n-1 (no order does better), an L x L grid L; the greedy
    // order may lose one on the grid.
    EXPECT_EQ(
        plan_elimination(build_model(make_lattice({LatticeKind::chain, {50}, Boundary::open}), {}))
            .width,
        1);
    EXPECT_EQ(plan_elimination(
                  build_model(make_lattice({LatticeKind::chain, {50}, Boundary::periodic}), {}))
                  .width,
              2);
    for (int n : {4, 9, 13}) {
        EXPECT_EQ(plan_elimination(
                      build_model(make_lattice({LatticeKind::complete, {n}, Boundary::open}), {}))
                      .width,
                  n - 1);
    }
    for (int l : {4, 8, 12, 20}) {
        const EliminationOrder plan = plan_elimination(
            build_model(make_lattice({LatticeKind::square, {l, l}, Boundary::open}), {}));
        EXPECT_TRUE(plan.complete);
        EXPECT_GE(plan.width, l) << l;
        EXPECT_LE(plan.width, l + 1) << l;
        EXPECT_EQ(plan.order.size(), static_cast<std::size_t>(l * l));
    }
    // Every site exactly once.
    EliminationOrder plan = plan_elimination(
        build_model(make_lattice({LatticeKind::square, {7, 5}, Boundary::periodic}), {}));
    std::sort(plan.order.begin(), plan.order.end());
    for (int i = 0; i < 35; ++i) EXPECT_EQ(plan.order[static_cast<std::size_t>(i)], i);
}

TEST(Eliminate, PlanningStaysLinearOnHubsDenseGraphsAndManyComponents) {
    // Regression: the planner recomputed the O(degree^2) fill of a hub at every step and of
    // every site of a dense graph, and searched O(N) per component, so that `--exact auto`
    // spent minutes planning: a star of 3000 leaves 13 s (cubic in N), a complete graph of
    // 2000 sites 70 s, 160000 isolated sites 15 s. Each case below took minutes or more
    // before and takes milliseconds now; the test checks the plans, and the planning time is
    // measured by the PlanHubsAndDenseGraphs benchmark (bench/eliminate_bench.cpp), not here.

    const int leaves = 15000;  // a tree: width 1 (leaves first, then the hub)
    std::vector<Edge> edges;
    for (int i = 1; i <= leaves; ++i) edges.push_back({0, i});
    const Model star(leaves + 1, edges, std::vector<double>(edges.size(), 1.0),
                     std::vector<double>(leaves + 1, 0.0));
    EXPECT_EQ(plan_elimination(star).width, 1);

    // K_n has treewidth n - 1, far beyond the memory limit: refused, naming at least n - 1.
    const Model dense =
        build_model(make_lattice({LatticeKind::complete, {1500}, Boundary::open}), {});
    const EliminationOrder dense_plan = plan_elimination(dense);
    EXPECT_FALSE(dense_plan.complete);
    EXPECT_EQ(dense_plan.width, 1499);

    // Isolated sites: every component is one site, width 0, every site in the order.
    const Model isolated(200000, {}, {}, std::vector<double>(200000, 0.1));
    const EliminationOrder isolated_plan = plan_elimination(isolated);
    EXPECT_TRUE(isolated_plan.complete);
    EXPECT_EQ(isolated_plan.width, 0);
    EXPECT_EQ(isolated_plan.order.size(), 200000u);
}

TEST(Eliminate, PlanIsDeterministic) {
    const Model model = build_model(random_regular(30, 3, 5), {});
    EXPECT_EQ(plan_elimination(model).order, plan_elimination(model).order);
}

TEST(Eliminate, RefusesBeyondTheMemoryLimitNamingWidthAndMemory) {
    const Model k30 = build_model(make_lattice({LatticeKind::complete, {30}, Boundary::open}), {});
    const EliminationOrder plan = plan_elimination(k30, {.max_memory_bytes = 1024.0 * 1024.0});
    EXPECT_FALSE(plan.complete);
    try {
        eliminate_exact(k30, std::vector<double>{1.0}, {.max_memory_bytes = 1024.0 * 1024.0});
        FAIL() << "no exception";
    } catch (const ModelError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("width at least 29"), std::string::npos) << msg;
        EXPECT_NE(msg.find("1 MiB limit"), std::string::npos) << msg;
    }
    // Complete plan whose peak is over the limit: a 10x10 torus needs ~2^20 entries.
    const Model torus =
        build_model(make_lattice({LatticeKind::square, {10, 10}, Boundary::periodic}), {});
    try {
        eliminate_exact(torus, std::vector<double>{1.0}, {.max_memory_bytes = 2e6});
        FAIL() << "no exception";
    } catch (const ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("elimination needs width"), std::string::npos)
            << e.what();
    }
}

TEST(Eliminate, RefusesBadBeta) {
    const Model model(1, {}, {}, {0.0});
    EXPECT_THROW(eliminate_exact(model, std::vector<double>{-1.0}), ModelError);
    EXPECT_THROW(eliminate_exact(model, std::vector<double>{NAN}), ModelError);
    EXPECT_TRUE(eliminate_exact(model, std::vector<double>{}).empty());
}

}  // namespace
}  // namespace isingmf
