#include "isingmf/sweep/sweep.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "support/brute_force.hpp"

namespace isingmf {
namespace {

Model glass() {
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    spec.h = 0.05;
    spec.seed = 5;
    return build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::periodic}), spec);
}

std::vector<double> betas_of(std::vector<double> temperatures) {
    for (double& t : temperatures) t = 1.0 / t;
    return temperatures;
}

TEST(Sweep, ReportsEveryTemperatureInOrder) {
    const Model model = glass();
    const auto betas = betas_of({0.5, 1.0, 2.0, 4.0});
    SweepOptions options;
    options.exact = ExactMethod::enumerate;
    const SweepResult sweep = run_sweep(model, betas, options);
    ASSERT_EQ(sweep.points.size(), 4u);
    EXPECT_EQ(sweep.exact_method, "enumerate");
    for (std::size_t k = 0; k < 4; ++k) {
        const SweepPoint& p = sweep.points[k];
        EXPECT_DOUBLE_EQ(p.beta, betas[k]);
        EXPECT_DOUBLE_EQ(p.T * p.beta, 1.0);
        ASSERT_TRUE(p.exact);
        // Exact side against the independent brute-force oracle; bound below it.
        const double truth = testing::brute_force_ln_z(model, p.beta);
        EXPECT_NEAR(p.exact->ln_z, truth, 1e-12 * std::abs(truth));
        EXPECT_LE(p.mean_field->ln_z, truth + 1e-12 * std::abs(truth));
        // The default also brackets ln Z from above.
        ASSERT_TRUE(p.upper);
        EXPECT_GE(p.upper->ln_z, truth - 1e-11 * std::abs(truth));
        EXPECT_FALSE(p.bethe);
    }
}

TEST(Sweep, BoundsListChoosesWhatRuns) {
    const Model model = glass();
    const auto betas = betas_of({0.7, 1.5, 3.0});
    SweepOptions options;
    options.exact = ExactMethod::enumerate;
    options.bounds = parse_sweep_bounds("upper,bethe");
    const SweepResult sweep = run_sweep(model, betas, options);
    for (const SweepPoint& p : sweep.points) {
        EXPECT_FALSE(p.mean_field);
        ASSERT_TRUE(p.upper);
        ASSERT_TRUE(p.bethe);
        EXPECT_GE(p.upper->ln_z, p.exact->ln_z - 1e-11 * p.exact->ln_z);
        EXPECT_EQ(p.upper->beta, p.beta);
        EXPECT_EQ(p.bethe->beta, p.beta);
    }
    EXPECT_EQ(sweep.upper_note, "");
    EXPECT_EQ(to_string(SweepBound::mean_field), "mf");
    EXPECT_EQ(parse_sweep_bounds("bethe,mf,upper").size(), 3u);
    EXPECT_EQ(parse_sweep_bounds("mf,structured").back(), SweepBound::structured);
    EXPECT_EQ(to_string(SweepBound::structured), "structured");
    EXPECT_THROW(parse_sweep_bounds("mf,mf"), ParseError);
    EXPECT_THROW(parse_sweep_bounds("mf,lower"), ParseError);
    EXPECT_THROW(parse_sweep_bounds(""), ParseError);
    EXPECT_THROW(parse_sweep_bounds("mf,"), ParseError);
}

TEST(Sweep, AnExplicitUpperWidthThatCannotRunFailsBeforeAnySolving) {
    // Strips 30 rows wide on a 30x30 lattice hold it whole: tables over 30 sites, beyond the
    // limit of 24. The width was asked for, so it is an error (as an over-wide cluster width
    // is), raised before the mean field or anything else has run.
    const Model model =
        build_model(make_lattice({LatticeKind::square, {30, 30}, Boundary::open}), CouplingSpec{});
    SweepOptions options;
    options.exact = ExactMethod::none;
    options.upper.width = 30;
    std::vector<std::string> stages;
    try {
        run_sweep(model, {0.3}, options,
                  [&](const char* stage, std::size_t, std::size_t) { stages.emplace_back(stage); });
        FAIL() << "no error";
    } catch (const ModelError& e) {
        EXPECT_NE(std::string(e.what()).find("upper bound on strips of width 30: piece of 900 "
                                             "sites"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(stages.empty());
}

TEST(Sweep, AStripWidthTheGraphCannotUseIsNoted) {
    // A complete graph's upper bound runs on spanning trees: a strip width asked for is said
    // to be unused (it was dropped silently), and width 0 or 1 (trees are width 1) says nothing.
    const Model model =
        build_model(make_lattice({LatticeKind::complete, {6}, Boundary::open}), CouplingSpec{});
    SweepOptions options;
    options.exact = ExactMethod::none;
    options.bounds = {SweepBound::upper};
    options.upper.width = 3;
    const SweepResult sweep = run_sweep(model, {0.3}, options);
    EXPECT_EQ(sweep.upper_note,
              "upper bound on spanning trees, not on strips of width 3: this graph is no lattice "
              "the strips fit");
    ASSERT_TRUE(sweep.points[0].upper);
    EXPECT_EQ(sweep.points[0].upper->kind, DecompositionKind::trees);
    for (const int width : {0, 1}) {
        options.upper.width = width;
        EXPECT_EQ(run_sweep(model, {0.3}, options).upper_note, "") << width;
    }
}

TEST(Sweep, UpperBoundAndBetheWarmRunsGiveTheSameNumbersOnAnyThreadCount) {
    // 12 temperatures: two runs of warm starts (kWarmRun = 8) in parallel with 2 threads.
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.h = 0.1;
    const Model model =
        build_model(make_lattice({LatticeKind::square, {12, 12}, Boundary::periodic}), spec);
    std::vector<double> betas;
    for (int k = 1; k <= 12; ++k) betas.push_back(0.07 * k);
    SweepOptions options;
    options.exact = ExactMethod::none;
    options.bounds = {SweepBound::upper, SweepBound::bethe};
    options.upper.width = 2;
    options.upper.tolerance = 1e-10;  // near the optimum, so that warm and cold runs agree
    options.threads = 1;
    const SweepResult one = run_sweep(model, betas, options);
    options.threads = 2;
    const SweepResult two = run_sweep(model, betas, options);
    for (std::size_t k = 0; k < betas.size(); ++k) {
        EXPECT_EQ(one.points[k].upper->ln_z, two.points[k].upper->ln_z);
        EXPECT_EQ(one.points[k].upper->split, two.points[k].upper->split);
        EXPECT_EQ(one.points[k].bethe->ln_z, two.points[k].bethe->ln_z);
        // A warm-started bound is the same optimum as a cold one (to its tolerance).
        const UpperBoundResult cold = solve_upper_bound(model, betas[k], options.upper);
        EXPECT_NEAR(one.points[k].upper->ln_z, cold.ln_z, 1e-7 * cold.ln_z);
    }
}

TEST(Sweep, StructuredBoundLiesBetweenNaiveAndExact) {
    // Rings of 1 and 2 rows on the 4x4 glass: at every temperature the structured bound
    // starts from the sweep's naive solution there, so it is at least the naive bound, and
    // at most exact ln Z (enumeration, checked against brute force above). The automatic
    // width holds the whole 4x4 lattice in one cluster: exact ln Z.
    const Model model = glass();
    const auto betas = betas_of({0.5, 1.0, 1.5, 2.269, 3.0, 4.0});
    for (int width : {1, 2, 0}) {
        SweepOptions options;
        options.exact = ExactMethod::enumerate;
        options.bounds = {SweepBound::mean_field, SweepBound::structured};
        options.structured.cluster_width = width;
        const SweepResult sweep = run_sweep(model, betas, options);
        for (const SweepPoint& p : sweep.points) {
            ASSERT_TRUE(p.structured && p.mean_field && p.exact);
            const double exact = p.exact->ln_z;
            const double slack = 1e-11 * std::abs(exact);
            EXPECT_LE(p.structured->ln_z, exact + slack) << width << " T " << p.T;
            EXPECT_GE(p.structured->ln_z, p.mean_field->ln_z - slack) << width << " T " << p.T;
            EXPECT_TRUE(p.structured->converged);
            EXPECT_EQ(p.structured->m.size(), 16u);
            if (width == 0) {
                EXPECT_EQ(p.structured->cluster_kind, ClusterKind::whole);
                EXPECT_NEAR(p.structured->ln_z, exact, slack) << p.T;
            } else {
                EXPECT_EQ(p.structured->cluster_kind, ClusterKind::strips);
                EXPECT_EQ(p.structured->num_clusters, 4 / width);
            }
        }
    }
}

TEST(Sweep, StructuredWarmRunsGiveTheSameNumbersOnAnyThreadCount) {
    // 12 temperatures: two warm runs (kWarmRun = 8) in parallel on 2 or 3 threads; with and
    // without the naive side (then the naive start is solved inside the structured pass).
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.h = 0.1;
    const Model model =
        build_model(make_lattice({LatticeKind::square, {12, 12}, Boundary::periodic}), spec);
    std::vector<double> betas;
    for (int k = 1; k <= 12; ++k) betas.push_back(0.12 * k);
    for (const bool with_mf : {true, false}) {
        SweepOptions options;
        options.exact = ExactMethod::none;
        options.bounds = {SweepBound::structured};
        if (with_mf) options.bounds.push_back(SweepBound::mean_field);
        options.structured.cluster_width = 2;
        options.threads = 1;
        const SweepResult one = run_sweep(model, betas, options);
        for (int threads : {2, 3}) {
            options.threads = threads;
            const SweepResult many = run_sweep(model, betas, options);
            for (std::size_t k = 0; k < betas.size(); ++k) {
                const auto& a = *one.points[k].structured;
                const auto& b = *many.points[k].structured;
                EXPECT_EQ(a.ln_z, b.ln_z) << threads << " " << k;
                EXPECT_EQ(a.m, b.m) << threads << " " << k;
                EXPECT_EQ(a.start, b.start) << threads << " " << k;
                EXPECT_EQ(a.iterations, b.iterations) << threads << " " << k;
            }
        }
        // Warm starts only add candidates: never below the naive start alone, which is the
        // same solve with or without them.
        options.threads = 1;
        options.warm_start = false;
        const SweepResult cold = run_sweep(model, betas, options);
        int warm_won = 0;
        for (std::size_t k = 0; k < betas.size(); ++k) {
            EXPECT_GE(one.points[k].structured->ln_z, cold.points[k].structured->ln_z) << k;
            EXPECT_EQ(cold.points[k].structured->start, "naive");
            if (one.points[k].structured->start == "warm") ++warm_won;
        }
        // Not a property of the method, a check that warm starts run at all: on this glass
        // some temperature's best start is its neighbour's q.
        EXPECT_GT(warm_won, 0);
    }
}

TEST(Sweep, StructuredStartsFromTheSweepsNaiveSolutionWithOrWithoutMf) {
    // Without mf in the bounds the naive solution is still solved as the sweep solves it
    // (cold and warm passes), so the structured numbers are the same bits; with warm-only
    // starts that is the ordered state carried from "up" at the first temperature, not the
    // unstable paramagnet m = 0 of the ferromagnet below T_c.
    const Model model =
        build_model(make_lattice({LatticeKind::square, {6, 6}, Boundary::periodic}), {});
    const auto betas = betas_of({1.0, 1.5, 2.0});
    for (const bool warm_only : {false, true}) {
        SweepOptions options;
        options.exact = ExactMethod::none;
        options.structured.cluster_width = 1;
        if (warm_only) options.mean_field.starts = MeanFieldStarts::none();
        options.bounds = {SweepBound::mean_field, SweepBound::structured};
        const SweepResult both = run_sweep(model, betas, options);
        options.bounds = {SweepBound::structured};
        const SweepResult alone = run_sweep(model, betas, options);
        for (std::size_t k = 0; k < betas.size(); ++k) {
            EXPECT_FALSE(alone.points[k].mean_field);
            EXPECT_EQ(alone.points[k].structured->ln_z, both.points[k].structured->ln_z) << k;
            EXPECT_EQ(alone.points[k].structured->m, both.points[k].structured->m) << k;
            EXPECT_GT(std::abs(alone.points[k].structured->magnetization), 0.9) << k;
        }
    }
}

TEST(Sweep, StructuredClustersThatCannotBeSolvedFailTheSweep) {
    // Strips 30 rows wide hold the 30x30 lattice whole: tables over 30 sites, beyond the
    // limit of 24. Refused before anything is solved.
    const Model model =
        build_model(make_lattice({LatticeKind::square, {30, 30}, Boundary::open}), CouplingSpec{});
    SweepOptions options;
    options.exact = ExactMethod::none;
    options.bounds = {SweepBound::structured};
    options.structured.cluster_width = 30;
    EXPECT_THROW(run_sweep(model, {0.3}, options), ModelError);
}

TEST(Sweep, WarmStartsCarryTheStableStateDownTheGrid) {
    // A ferromagnet in a small negative field, cold-started from "up" only. Above the
    // mean-field T_c = zJ = 4 the only maximum is the paramagnet, magnetised along h < 0; below
    // it, "up" ends in the metastable up state, whose bound is lower by about 2 beta N |h| m
    // than the stable down state's. Cold starts alone stay up at T = 1; the warm pass down the
    // grid follows the down branch from the paramagnet and must find the better state.
    CouplingSpec spec;
    spec.h = -0.02;
    const Model model =
        build_model(make_lattice({LatticeKind::square, {8, 8}, Boundary::periodic}), spec);
    const auto betas = betas_of({6.0, 5.0, 4.5, 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0});
    SweepOptions cold;
    cold.exact = ExactMethod::none;
    cold.warm_start = false;
    cold.mean_field.starts = MeanFieldStarts::none();
    cold.mean_field.starts.all_up = true;
    SweepOptions warm = cold;
    warm.warm_start = true;
    const SweepResult a = run_sweep(model, betas, cold);
    const SweepResult b = run_sweep(model, betas, warm);
    const MeanFieldResult& cold_low = *a.points.back().mean_field;
    const MeanFieldResult& warm_low = *b.points.back().mean_field;
    EXPECT_GT(cold_low.magnetization, 0.9);
    EXPECT_LT(warm_low.magnetization, -0.9);
    EXPECT_EQ(warm_low.start, "warm");
    // m ~ 1 at T = 1: the gap is ~2 beta N |h| = 2.56.
    EXPECT_NEAR(warm_low.ln_z - cold_low.ln_z, 2.0 * 64 * 0.02, 0.05);
    EXPECT_EQ(a.exact_method, "none");
    EXPECT_FALSE(a.points[0].exact.has_value());
}

// Where the cold starts provably reach F's global maximum (the paramagnet where F is concave,
// the aligned start on a ferromagnet in a field of one sign: mean_field.hpp), the warm passes
// try no neighbour's solution: the sweep is the cold one to the bit, sweep counts included.
// Before, warm starts ran there too and at times won by rounding (start "warm", more sweeps).
TEST(Sweep, NoWarmStartsWhereTheColdStartIsGlobal) {
    const auto betas = betas_of({0.5, 1.0, 2.0, 2.3, 2.5, 3.0, 5.0, 10.0});
    for (double h : {0.1, 0.0, -0.05}) {
        CouplingSpec spec;
        spec.h = h;
        const Model model =
            build_model(make_lattice({LatticeKind::square, {8, 8}, Boundary::periodic}), spec);
        SweepOptions warm;
        warm.exact = ExactMethod::none;
        SweepOptions cold = warm;
        cold.warm_start = false;
        const SweepResult a = run_sweep(model, betas, cold);
        const SweepResult b = run_sweep(model, betas, warm);
        for (std::size_t k = 0; k < betas.size(); ++k) {
            SCOPED_TRACE(fmt::format("h {} T {}", h, a.points[k].T));
            const MeanFieldResult& x = *a.points[k].mean_field;
            const MeanFieldResult& y = *b.points[k].mean_field;
            const std::string aligned = h < 0.0 ? "down" : "up";
            EXPECT_TRUE(y.start == aligned || y.start == "paramagnet") << y.start;
            EXPECT_EQ(y.start, x.start);
            EXPECT_EQ(y.ln_z, x.ln_z);
            EXPECT_EQ(y.total_sweeps, y.iterations);
            EXPECT_EQ(y.m, x.m);
        }
    }
}

// keep_m = false only empties the m's, each once no later step reads it: every other number is
// the same, on a glass (warm passes with cut-offs read neighbours' m on the way up and down),
// a ferromagnet (no warm start runs) and warm starts alone; with structured mean field beside
// (its naive starts read every m) too.
TEST(Sweep, DroppingMChangesNoOtherNumber) {
    const auto betas = betas_of({0.5, 0.8, 1.0, 1.3, 1.6, 2.0, 2.5, 3.0, 4.0});
    CouplingSpec glass;
    glass.disorder = Disorder::pm;
    glass.h = 0.05;
    glass.seed = 3;
    CouplingSpec ferro;
    ferro.h = 0.1;
    const LatticeGraph lattice = make_lattice({LatticeKind::square, {8, 8}, Boundary::periodic});
    for (const auto& [name, spec, warm_only, structured] :
         {std::tuple{"glass", glass, false, false}, std::tuple{"ferromagnet", ferro, false, false},
          std::tuple{"glass, warm starts alone", glass, true, false},
          std::tuple{"glass with structured", glass, false, true}}) {
        SCOPED_TRACE(name);
        const Model model = build_model(lattice, spec);
        SweepOptions keep;
        keep.exact = ExactMethod::none;
        keep.bounds = {SweepBound::mean_field};
        if (structured) keep.bounds.push_back(SweepBound::structured);
        if (warm_only) keep.mean_field.starts = MeanFieldStarts::none();
        SweepOptions drop = keep;
        drop.keep_m = false;
        const SweepResult a = run_sweep(model, betas, keep);
        const SweepResult b = run_sweep(model, betas, drop);
        for (std::size_t k = 0; k < betas.size(); ++k) {
            SCOPED_TRACE(fmt::format("T {}", a.points[k].T));
            const MeanFieldResult& x = *a.points[k].mean_field;
            const MeanFieldResult& y = *b.points[k].mean_field;
            EXPECT_EQ(x.m.size(), 64U);
            EXPECT_TRUE(y.m.empty());
            EXPECT_EQ(y.ln_z, x.ln_z);
            EXPECT_EQ(y.magnetization, x.magnetization);
            EXPECT_EQ(y.start, x.start);
            EXPECT_EQ(y.cut, x.cut);
            EXPECT_EQ(y.iterations, x.iterations);
            EXPECT_EQ(y.total_sweeps, x.total_sweeps);
            if (structured) {
                EXPECT_EQ(b.points[k].structured->ln_z, a.points[k].structured->ln_z);
                EXPECT_EQ(b.points[k].structured->m, a.points[k].structured->m);
            }
        }
    }
}

TEST(Sweep, WarmOnlyStartsFollowTheGrid) {
    CouplingSpec spec;
    spec.h = 0.1;
    const Model model =
        build_model(make_lattice({LatticeKind::square, {8, 8}, Boundary::periodic}), spec);
    SweepOptions options;
    options.exact = ExactMethod::none;
    options.mean_field.starts = MeanFieldStarts::none();
    const auto betas = betas_of({1.0, 2.0, 3.0, 5.0});
    const SweepResult sweep = run_sweep(model, betas, options);
    // The chain is seeded from the ordered state at the first temperature; every later one
    // (and the first, on the way back down) may only improve on it from a neighbour.
    for (std::size_t k = 1; k < sweep.points.size(); ++k)
        EXPECT_EQ(sweep.points[k].mean_field->start, "warm");
    for (const SweepPoint& p : sweep.points) {
        EXPECT_TRUE(p.mean_field->converged);
        EXPECT_GT(p.mean_field->magnetization, 0.0);  // h > 0 selects the up state
    }
}

TEST(Sweep, ThreadCountDoesNotChangeResults) {
    const Model model = glass();
    const auto betas = betas_of({0.4, 0.8, 1.2, 1.6, 2.0, 3.0});
    SweepOptions options;
    options.exact = ExactMethod::enumerate;
    options.threads = 1;
    const SweepResult one = run_sweep(model, betas, options);
    options.threads = 2;
    const SweepResult two = run_sweep(model, betas, options);
    for (std::size_t k = 0; k < betas.size(); ++k) {
        EXPECT_EQ(one.points[k].mean_field->ln_z, two.points[k].mean_field->ln_z);
        EXPECT_EQ(one.points[k].mean_field->m, two.points[k].mean_field->m);
        EXPECT_NEAR(one.points[k].exact->ln_z, two.points[k].exact->ln_z, 1e-12);
    }
}

// The mean-field path reads the plan's copy of the graph, never the model's adjacency (56 bytes
// per site on the square lattice, a third of a large run's memory). The bound it reports is
// the one the model's adjacency gives, to the bit.
TEST(Sweep, MeanFieldAloneLeavesTheAdjacencyUnbuilt) {
    CouplingSpec disordered;
    disordered.disorder = Disorder::gauss;
    disordered.random_field = 0.3;
    disordered.seed = 11;
    CouplingSpec uniform;  // shared J and h in the plan
    uniform.h = 0.1;
    for (const auto& [spec, lattice] :
         {std::pair{disordered, LatticeSpec{LatticeKind::square, {24, 20}, Boundary::periodic}},
          std::pair{uniform, LatticeSpec{LatticeKind::square, {24, 20}, Boundary::periodic}},
          std::pair{disordered, LatticeSpec{LatticeKind::square, {150, 140}, Boundary::open}}}) {
        const Model model = build_model(lattice, spec);  // as `isingmf sweep` builds it
        SweepOptions options;
        options.bounds = {SweepBound::mean_field};
        options.exact = ExactMethod::none;
        const SweepResult sweep = run_sweep(model, betas_of({0.5, 1.5, 2.5, 4.0, 20.0}), options);
        EXPECT_FALSE(model.has_adjacency());
        // Nor are a uniform model's coupling and field written out as arrays, nor its bonds
        // as a list.
        EXPECT_EQ(model.has_weight_arrays(), spec.disorder != Disorder::uniform);
        EXPECT_EQ(model.has_edge_list(), spec.disorder != Disorder::uniform);
        for (const SweepPoint& point : sweep.points) {
            MeanFieldResult by_model = *point.mean_field;
            evaluate_mean_field(model, point.beta, by_model);
            EXPECT_EQ(by_model.ln_z, point.mean_field->ln_z);
            EXPECT_EQ(by_model.residual, point.mean_field->residual);
        }
        EXPECT_TRUE(model.has_adjacency());
    }
}

}  // namespace
}  // namespace isingmf

namespace isingmf {
namespace {

TEST(Sweep, RefusesTemperaturesWhereBetaTimesTheEnergyOverflows) {
    // Every input is finite, but beta * |H| is not: the bound and ln Z would be inf or NaN.
    CouplingSpec spec;
    spec.h = 1e307;
    const Model model = build_model(make_lattice({LatticeKind::chain, {4}, Boundary::open}), spec);
    SweepOptions options;
    options.exact = ExactMethod::none;
    EXPECT_THROW(run_sweep(model, {1e-3, 100.0}, options), ModelError);
    EXPECT_NO_THROW(run_sweep(model, {1e-300}, options));
}

// A uniform model keeps its coupling and field as two numbers (Model::with_uniform_weights);
// the same model built from arrays of copies must sweep to the same bits: starts chosen, bounds,
// magnetizations, sweeps. Ferromagnets in fields of either sign or none, antiferromagnets with
// and without a field (where the aligned start must not be taken), on several lattices and
// on one site (no bonds: still no arrays written).
TEST(Sweep, UniformModelsSweepAsTheirArraysDo) {
    struct Case {
        LatticeSpec lattice;
        double J;
        double h;
    };
    for (const Case& c : {Case{{LatticeKind::square, {16, 16}, Boundary::periodic}, 1.0, 0.1},
                          Case{{LatticeKind::square, {12, 10}, Boundary::open}, 1.0, -0.2},
                          Case{{LatticeKind::square, {16, 16}, Boundary::periodic}, -1.0, 0.3},
                          Case{{LatticeKind::cubic, {4, 4, 4}, Boundary::periodic}, -0.5, 0.0},
                          Case{{LatticeKind::honeycomb, {6, 5}, Boundary::open}, 0.7, 0.0},
                          Case{{LatticeKind::chain, {1}, Boundary::open}, 1.0, 0.3}}) {
        CouplingSpec spec;
        spec.J = c.J;
        spec.h = c.h;
        const Model uniform = build_model(c.lattice, spec);  // generates its bonds
        ASSERT_FALSE(uniform.has_weight_arrays());
        const LatticeGraph graph = make_lattice(c.lattice);
        const auto n = static_cast<std::size_t>(graph.num_sites);
        const Model arrays(graph.num_sites, graph.bonds,
                           std::vector<double>(graph.bonds.size(), c.J),
                           std::vector<double>(n, c.h), 0.0, {}, c.lattice);
        SweepOptions options;
        options.bounds = {SweepBound::mean_field};
        options.exact = ExactMethod::none;
        const auto betas = betas_of({0.5, 1.0, 2.0, 3.0, 4.5, 6.0});
        const SweepResult a = run_sweep(uniform, betas, options);
        const SweepResult b = run_sweep(arrays, betas, options);
        EXPECT_FALSE(uniform.has_weight_arrays());
        for (std::size_t k = 0; k < betas.size(); ++k) {
            SCOPED_TRACE(::testing::Message() << to_string(c.lattice.kind) << " J " << c.J << " h "
                                              << c.h << " T " << 1.0 / betas[k]);
            const MeanFieldResult& x = *a.points[k].mean_field;
            const MeanFieldResult& y = *b.points[k].mean_field;
            EXPECT_EQ(x.start, y.start);
            EXPECT_EQ(x.ln_z, y.ln_z);
            EXPECT_EQ(x.m, y.m);
            EXPECT_EQ(x.iterations, y.iterations);
            EXPECT_EQ(x.residual, y.residual);
        }
    }
}

// The energy-scale check sums |J| and |h| in fixed blocks of 2^16 terms, added in block order.
// A shared value is summed without its array, and must give the sum of its copies to the last
// bit: the check then accepts and refuses exactly the sweeps it did when every model held
// arrays, and prints the same scale. The oracle sums explicit arrays of copies the old way.
TEST(Sweep, EnergyScaleOfSharedValuesIsTheSumOfTheirCopies) {
    const auto outcome = [](const Model& model, double beta) {
        SweepOptions options;
        options.bounds = {SweepBound::mean_field};
        options.exact = ExactMethod::none;
        options.mean_field.max_iterations = 1;
        try {
            const SweepResult sweep = run_sweep(model, {beta}, options);
            return std::string("ran");
        } catch (const ModelError& e) {
            return std::string(e.what());
        }
    };
    const auto blockwise_sum = [](double x, std::size_t count) {
        const std::vector<double> copies(count, std::abs(x));
        double total = 0.0;
        for (std::size_t begin = 0; begin < count; begin += std::size_t{1} << 16) {
            const std::size_t end = std::min(count, begin + (std::size_t{1} << 16));
            double block = 0.0;
            for (std::size_t i = begin; i < end; ++i) block += copies[i];
            total += block;
        }
        return total;
    };
    struct Case {
        int sites;
        double J;
        double h;
    };
    for (const Case& c : {Case{10, 1e300, 0.0}, Case{70001, 3e300, 1e299},
                          Case{200003, 1.0000000000000002e300, -7e299}}) {
        CouplingSpec spec;
        spec.J = c.J;
        spec.h = c.h;
        const Model uniform =
            build_model(make_lattice({LatticeKind::chain, {c.sites}, Boundary::periodic}), spec);
        const auto n = static_cast<std::size_t>(c.sites);
        const double scale = blockwise_sum(c.J, n) + blockwise_sum(c.h, n);
        const double beta = 1e10;
        EXPECT_EQ(outcome(uniform, beta),
                  fmt::format("beta = {} times the energy scale sum|J| + sum|h| + |E0| = {} "
                              "overflows; rescale the model",
                              beta, scale))
            << c.sites << " sites";
        EXPECT_FALSE(uniform.has_weight_arrays());
    }
    // Ten copies of 0.1 * 2^1000 sum to a little less than their product, which beta = 2^24
    // would carry past the largest double: the sweep runs, as it did from the array.
    CouplingSpec edge;
    edge.J = std::ldexp(0.1, 1000);
    const Model ten =
        build_model(make_lattice({LatticeKind::chain, {10}, Boundary::periodic}), edge);
    EXPECT_TRUE(std::isfinite(std::ldexp(1.0, 24) * blockwise_sum(edge.J, 10)));
    EXPECT_FALSE(std::isfinite(std::ldexp(1.0, 24) * (10.0 * edge.J)));
    EXPECT_EQ(outcome(ten, std::ldexp(1.0, 24)), "ran");
    EXPECT_NE(outcome(ten, std::ldexp(1.0, 25)), "ran");
}

// A uniform antiferromagnet is not a ferromagnet: the aligned start does not provably win, so
// the other default starts run too (their sweeps count in total_sweeps); on a uniform
// ferromagnet in a field only the aligned start runs. (16 x 16 torus, beta = 1, where F is not
// concave.)
TEST(Sweep, OnlyAUniformFerromagnetTakesTheAlignedStartAlone) {
    for (const double J : {-1.0, 1.0}) {
        CouplingSpec spec;
        spec.J = J;
        spec.h = 0.2;
        const Model model =
            build_model(make_lattice({LatticeKind::square, {16, 16}, Boundary::periodic}), spec);
        SweepOptions options;
        options.bounds = {SweepBound::mean_field};
        options.exact = ExactMethod::none;
        const MeanFieldResult mf = *run_sweep(model, {1.0}, options).points[0].mean_field;
        if (J > 0.0) {
            EXPECT_EQ(mf.start, "up");
            EXPECT_EQ(mf.total_sweeps, mf.iterations);
        } else {
            EXPECT_GT(mf.total_sweeps, mf.iterations);
        }
    }
}

}  // namespace
}  // namespace isingmf
