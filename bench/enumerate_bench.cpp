// Timing of the exact solvers. Not run by the tests; run e.g.
//   ./build/bench/isingmf_bench --benchmark_filter=Enumerate
// The N = 30 cases enumerate 2^30 states once per iteration (seconds each; BM_EnumerateGaussDirect
// would take minutes there and stops at N = 24). Figures: docs/benchmarks.md.

#include <benchmark/benchmark.h>

#include <vector>

#include "isingmf/exact/detail/enumerate_detail.hpp"
#include "isingmf/exact/enumerate.hpp"
#include "isingmf/exact/kaufman.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"

namespace isingmf {
namespace {

// The typical sweep: 50 temperatures.
std::vector<double> sweep_betas() {
    std::vector<double> betas;
    for (int i = 1; i <= 50; ++i) betas.push_back(0.04 * i);
    return betas;
}

Model square(int lx, int ly, Disorder disorder, double h) {
    CouplingSpec spec;
    spec.disorder = disorder;
    spec.h = h;
    return build_model(make_lattice({LatticeKind::square, {lx, ly}, Boundary::periodic}), spec);
}

void run_enumeration(benchmark::State& state, const Model& model, detail::EnumerationPath path) {
    const std::vector<double> betas = sweep_betas();
    for (auto _ : state) {
        benchmark::DoNotOptimize(detail::enumerate_exact(model, betas, {path}));
    }
    state.counters["states/s"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * static_cast<double>(1ULL << model.num_sites()),
        benchmark::Counter::kIsRate);
}

// args: Lx, Ly
void BM_EnumerateUniformField(benchmark::State& state) {
    const Model model = square(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                               Disorder::uniform, 0.1);
    run_enumeration(state, model, detail::EnumerationPath::automatic);
}
BENCHMARK(BM_EnumerateUniformField)
    ->Args({4, 6})
    ->Args({5, 6})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

void BM_EnumeratePlusMinusJ(benchmark::State& state) {
    const Model model = square(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                               Disorder::pm, 0.0);
    run_enumeration(state, model, detail::EnumerationPath::automatic);
}
BENCHMARK(BM_EnumeratePlusMinusJ)
    ->Args({4, 6})
    ->Args({5, 6})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

// Gaussian couplings: one exp per state and beta (the reference path; before the factored
// path existed, automatic fell back to it).
void BM_EnumerateGaussDirect(benchmark::State& state) {
    const Model model = square(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                               Disorder::gauss, 0.0);
    run_enumeration(state, model, detail::EnumerationPath::direct);
}
BENCHMARK(BM_EnumerateGaussDirect)
    ->Args({4, 5})
    ->Args({4, 6})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

// Gaussian couplings on the factored path (what automatic falls back to): no exp per state;
// h = 0, so half the states by the s -> -s symmetry.
void BM_EnumerateGaussFactored(benchmark::State& state) {
    const Model model = square(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                               Disorder::gauss, 0.0);
    run_enumeration(state, model, detail::EnumerationPath::factored);
}
BENCHMARK(BM_EnumerateGaussFactored)
    ->Args({4, 5})
    ->Args({4, 6})
    ->Args({5, 6})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

// The same with a uniform field h = 0.1: no s -> -s symmetry, all 2^N states enumerated.
void BM_EnumerateGaussFieldFactored(benchmark::State& state) {
    const Model model = square(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                               Disorder::gauss, 0.1);
    run_enumeration(state, model, detail::EnumerationPath::factored);
}
BENCHMARK(BM_EnumerateGaussFieldFactored)
    ->Args({4, 6})
    ->Args({5, 6})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

void BM_GroundEnergy(benchmark::State& state) {
    const Model model = square(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)),
                               Disorder::gauss, 0.0);
    for (auto _ : state) benchmark::DoNotOptimize(enumerate_ground_energy(model));
}
BENCHMARK(BM_GroundEnergy)->Args({4, 6})->Args({5, 6})->Unit(benchmark::kSecond)->Iterations(1);

// Kaufman: cost grows like Lx per temperature.
void BM_Kaufman(benchmark::State& state) {
    const int L = static_cast<int>(state.range(0));
    const std::vector<double> betas = sweep_betas();
    for (auto _ : state) {
        for (double beta : betas) benchmark::DoNotOptimize(kaufman_exact(L, L, 1.0, beta));
    }
}
BENCHMARK(BM_Kaufman)->Arg(64)->Arg(1024)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace isingmf
