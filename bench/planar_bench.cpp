// Exact ln Z of 2D glasses by the planar (Pfaffian) solver, on the sizes issue 11 asks for.
// Figures are recorded in docs/benchmarks.md; the 1024 x 1024 case takes minutes and is run
// alone (--benchmark_filter=PlanarOpenGlass/1024).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <vector>

#include "isingmf/exact/planar.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"

namespace isingmf {
namespace {

Model glass(int l, Boundary boundary) {
    return build_model(make_lattice({LatticeKind::square, {l, l}, boundary}),
                       {.disorder = Disorder::pm, .seed = 1});
}

double peak_rss_mib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void report(benchmark::State& state, const PlanarPlan& plan, const PlanarResult& r) {
    state.counters["dimer_nodes"] = plan.dimer_nodes();
    state.counters["delayed"] = static_cast<double>(r.delayed_pivots);
    state.counters["updates"] = r.updates;
    state.counters["largest_front"] = static_cast<double>(r.largest_front);
    state.counters["rel_error"] = r.relative_error;
    state.counters["peak_MiB"] = peak_rss_mib();
}

// L x L open +-J glass, one temperature, one thread, analysis included: args L, 100 T.
void BM_PlanarOpenGlass(benchmark::State& state) {
    const Model model = glass(static_cast<int>(state.range(0)), Boundary::open);
    const std::vector<double> betas{100.0 / static_cast<double>(state.range(1))};
    const PlanarOptions options{.num_threads = 1};
    PlanarPlan plan;
    PlanarResult last;
    for (auto _ : state) {
        plan = plan_planar(model, options);
        last = planar_solve(plan, betas, options)[0];
        benchmark::DoNotOptimize(last);
    }
    report(state, plan, last);
}
BENCHMARK(BM_PlanarOpenGlass)
    ->ArgsProduct({{64, 128, 256}, {50, 100, 227, 400}})
    ->Args({1024, 227})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The analysis alone (embedding, dimer graph, nested dissection): arg L.
void BM_PlanarAnalysis(benchmark::State& state) {
    const Model model = glass(static_cast<int>(state.range(0)), Boundary::open);
    for (auto _ : state) benchmark::DoNotOptimize(plan_planar(model));
}
BENCHMARK(BM_PlanarAnalysis)->Arg(256)->Unit(benchmark::kMillisecond);

// 128 x 128 +-J torus, 20 temperatures T = 0.5 .. 4.3, four Pfaffians each; arg = threads.
void BM_PlanarTorusSweep(benchmark::State& state) {
    const Model model = glass(128, Boundary::periodic);
    std::vector<double> betas;
    for (int k = 0; k < 20; ++k) betas.push_back(1.0 / (0.5 + 0.2 * k));
    const PlanarOptions options{.num_threads = static_cast<int>(state.range(0))};
    PlanarPlan plan;
    std::vector<PlanarResult> results;
    for (auto _ : state) {
        plan = plan_planar(model, options);
        results = planar_solve(plan, betas, options);
        benchmark::DoNotOptimize(results);
    }
    double worst = 0.0;
    for (const PlanarResult& r : results) worst = std::max(worst, r.relative_error);
    state.counters["worst_rel_error"] = worst;
    state.counters["peak_MiB"] = peak_rss_mib();
}
BENCHMARK(BM_PlanarTorusSweep)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace isingmf
