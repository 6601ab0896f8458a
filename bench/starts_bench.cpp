// The mean-field start set (issue 10): the bound and the cost of each start and of the default
// set on glasses and the UAI 2014 grids, against plain index-order coordinate ascent (the
// "plain Gauss-Seidel loop" of the issue). Figures: docs/benchmarks.md.
//
//   ./build/bench/isingmf_bench --benchmark_filter=Starts
//
// Counters: ln_z (the bound), sweeps (every sweep of every start tried, cut ones and the
// continuation's rungs included), cut (starts cut off), won (index of the winning start in
// kStartNames), and for BM_StartsVsPlainAscent the number of glasses where plain ascent lands
// higher than the default set and the largest such gap.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "support/plain_ascent.hpp"

namespace isingmf {
namespace {

struct GlassSpec {
    const char* name;
    LatticeKind kind;
    std::vector<int> size;
    Disorder disorder;
    double h;
    double beta;
    std::uint64_t seed;
};

// 0: the glass of issue 10 (512^2 +-J, h = 0.1, beta = 0.3, seed 3); then +-J and Gaussian
// glasses on square and cubic lattices, with and without field.
const std::array<GlassSpec, 5> kGlasses = {{
    {"pm512_h0.1_b0.3", LatticeKind::square, {512, 512}, Disorder::pm, 0.1, 0.3, 3},
    {"pm256_h0_b0.6", LatticeKind::square, {256, 256}, Disorder::pm, 0.0, 0.6, 1},
    {"gauss256_h0.1_b1.2", LatticeKind::square, {256, 256}, Disorder::gauss, 0.1, 1.2, 1},
    {"pm32^3_h0_b0.4", LatticeKind::cubic, {32, 32, 32}, Disorder::pm, 0.0, 0.4, 1},
    {"gauss32^3_h0.1_b0.8", LatticeKind::cubic, {32, 32, 32}, Disorder::gauss, 0.1, 0.8, 1},
}};

const std::array<const char*, 6> kStartNames = {"up",     "down",     "paramagnet",
                                                "anneal", "random:0", "warm"};

struct Built {
    std::unique_ptr<Model> model;
    std::unique_ptr<MeanFieldPlan> plan;
};

const Built& glass(std::size_t k) {
    static std::map<std::size_t, Built> cache;
    Built& b = cache[k];
    if (!b.model) {
        const GlassSpec& g = kGlasses.at(k);
        CouplingSpec spec;
        spec.disorder = g.disorder;
        spec.h = g.h;
        spec.seed = g.seed;
        b.model = std::make_unique<Model>(
            build_model(make_lattice({g.kind, g.size, Boundary::periodic}), spec));
        b.plan = std::make_unique<MeanFieldPlan>(*b.model);
    }
    return b;
}

// Start sets: 0 the default; 1..5 one start alone (up, down, paramagnet, anneal, random);
// 6 the default before issue 10 (up, down, one random start, no cut-offs).
MeanFieldOptions start_set(int set) {
    MeanFieldOptions o;
    if (set == 0) return o;
    o.starts = MeanFieldStarts::none();
    switch (set) {
        case 1:
            o.starts.all_up = true;
            break;
        case 2:
            o.starts.all_down = true;
            break;
        case 3:
            o.starts.paramagnet = true;
            break;
        case 4:
            o.starts.anneal = true;
            break;
        case 5:
            o.starts.random = 1;
            break;
        default:
            o.starts.all_up = o.starts.all_down = true;
            o.starts.random = 1;
            o.cut_off = false;
    }
    return o;
}

void report(benchmark::State& state, const MeanFieldResult& r) {
    state.counters["ln_z"] = r.ln_z;
    state.counters["sweeps"] = static_cast<double>(r.total_sweeps);
    state.counters["cut"] = static_cast<double>(r.cut.size());
    const auto* won = std::find(kStartNames.begin(), kStartNames.end(), r.start);
    state.counters["won"] = static_cast<double>(won - kStartNames.begin());
    state.counters["converged"] = r.converged ? 1 : 0;
}

// One glass, one start set, on the default thread count.
void BM_StartsGlass(benchmark::State& state) {
    const Built& b = glass(static_cast<std::size_t>(state.range(0)));
    const GlassSpec& g = kGlasses.at(static_cast<std::size_t>(state.range(0)));
    const MeanFieldOptions options = start_set(static_cast<int>(state.range(1)));
    MeanFieldResult r;
    for (auto _ : state) r = solve_mean_field(*b.plan, g.beta, options);
    report(state, r);
    state.SetLabel(g.name);
}
BENCHMARK(BM_StartsGlass)
    ->ArgNames({"glass", "set"})
    ->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1, 2, 3, 4, 5, 6}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

// Plain index-order ascent (tests/support/plain_ascent.hpp) from m_i = 0.5 (arg 0) or from
// m_i = 0 with a tiny field (arg 1): the reference of issue 10.
void BM_StartsPlainAscent(benchmark::State& state) {
    const Built& b = glass(static_cast<std::size_t>(state.range(0)));
    const GlassSpec& g = kGlasses.at(static_cast<std::size_t>(state.range(0)));
    const bool zero = state.range(1) == 1;
    const auto n = static_cast<std::size_t>(b.model->num_sites());
    double ln_z = 0.0;
    for (auto _ : state) {
        const std::vector<double> m = test::plain_ascent(
            *b.model, g.beta, std::vector<double>(n, zero ? 0.0 : 0.5), zero ? 1e-6 : 0.0);
        ln_z = mean_field_bound(*b.model, g.beta, m);
    }
    state.counters["ln_z"] = ln_z;
    state.SetLabel(std::string(g.name) + (zero ? " from 0 + tiny field" : " from 0.5"));
}
BENCHMARK(BM_StartsPlainAscent)
    ->ArgNames({"glass", "zero"})
    ->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

// The UAI 2014 grids at beta = 1 (tests/data/uai2014-grids), default starts with 1 or 10
// random ones; libDAI's figures are in docs/benchmarks.md.
void BM_StartsUaiGrid(benchmark::State& state) {
    static std::map<int, std::unique_ptr<Model>> cache;
    const int grid = static_cast<int>(state.range(0));
    std::unique_ptr<Model>& model = cache[grid];
    if (!model) {
        model = std::make_unique<Model>(read_uai(std::string(ISINGMF_UAI_GRIDS_DIR) + "/Grids_" +
                                                 std::to_string(grid) + ".uai"));
    }
    MeanFieldOptions options;
    options.starts.random = static_cast<int>(state.range(1));
    MeanFieldResult r;
    for (auto _ : state) r = solve_mean_field(*model, 1.0, options);
    report(state, r);
}
BENCHMARK(BM_StartsUaiGrid)
    ->ArgNames({"grid", "restarts"})
    ->ArgsProduct({{11, 12, 13, 14}, {1, 10}})
    ->Unit(benchmark::kMillisecond);

// How often plain index-order ascent (from 0.5 or 0 + tiny field) lands higher than the
// default set: +-J and Gaussian glasses, h = 0, 0.1 or a random field, square L x L and cubic
// C^3, 6 seeds, at beta = f x 0.3 (square) or f x 0.2 (cubic), f the factor past the
// paramagnet's instability (beta z J ~ 1). Arguments: L, C, 10 f.
void BM_StartsVsPlainAscent(benchmark::State& state) {
    const int L = static_cast<int>(state.range(0));
    const int C = static_cast<int>(state.range(1));
    const double f = static_cast<double>(state.range(2)) / 10.0;
    int cases = 0;
    int below = 0;
    double worst = 0.0;
    double worst_per_spin = 0.0;
    for (auto _ : state) {
        for (std::uint64_t seed = 10; seed < 16; ++seed) {
            for (int kind = 0; kind < 6; ++kind) {
                const bool cubic = kind == 3 || kind == 4;
                CouplingSpec spec;
                spec.seed = seed;
                spec.disorder =
                    kind == 0 || kind == 3 || kind == 5 ? Disorder::pm : Disorder::gauss;
                spec.h = kind == 1 || kind == 3 || kind == 5 ? 0.1 : 0.0;
                spec.random_field = kind == 2 ? 0.5 : 0.0;
                const Model model = build_model(
                    make_lattice({cubic ? LatticeKind::cubic : LatticeKind::square,
                                  cubic ? std::vector<int>{C, C, C} : std::vector<int>{L, L},
                                  Boundary::periodic}),
                    spec);
                const double beta = f * (cubic ? 0.2 : 0.3);
                const auto n = static_cast<std::size_t>(model.num_sites());
                const double ref = std::max(
                    mean_field_bound(
                        model, beta,
                        test::plain_ascent(model, beta, std::vector<double>(n, 0.5), 0.0)),
                    mean_field_bound(
                        model, beta,
                        test::plain_ascent(model, beta, std::vector<double>(n, 0.0), 1e-6)));
                const double mine = solve_mean_field(model, beta, {}).ln_z;
                ++cases;
                if (mine < ref - 1e-9 * std::abs(ref)) {
                    ++below;
                    worst = std::max(worst, ref - mine);
                    worst_per_spin =
                        std::max(worst_per_spin, (ref - mine) / static_cast<double>(n));
                }
            }
        }
    }
    state.counters["cases"] = cases;
    state.counters["below_plain"] = below;
    state.counters["worst_gap"] = worst;
    state.counters["worst_gap_per_spin"] = worst_per_spin;
}
BENCHMARK(BM_StartsVsPlainAscent)
    ->ArgNames({"L", "C", "f10"})
    ->ArgsProduct({{16}, {6}, {10, 13, 20, 40}})
    ->ArgsProduct({{32}, {10}, {10, 13, 20, 40}})
    ->ArgsProduct({{64}, {16}, {10, 13, 20, 40}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace isingmf
