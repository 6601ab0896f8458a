// Exact ln Z by variable elimination on the lattices issue 3 asks for. Figures are recorded
// in docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <vector>

#include "isingmf/exact/eliminate.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"

namespace isingmf {
namespace {

constexpr double kCriticalBeta = 0.44068679350977147;  // ln(1 + sqrt 2) / 2

void report_plan(benchmark::State& state, const Model& model) {
    const EliminationOrder plan = plan_elimination(model);
    state.counters["width"] = plan.width;
    state.counters["peak_MiB"] = plan.peak_bytes / (1024.0 * 1024.0);
}

// 20x20 open grid, uniform ferromagnet, one temperature (T_c), one thread.
void BM_OpenGrid20x20OneBeta(benchmark::State& state) {
    const Model model =
        build_model(make_lattice({LatticeKind::square, {20, 20}, Boundary::open}), {});
    const std::vector<double> betas{kCriticalBeta};
    for (auto _ : state)
        benchmark::DoNotOptimize(eliminate_exact(model, betas, {.num_threads = 1}));
    report_plan(state, model);
}
BENCHMARK(BM_OpenGrid20x20OneBeta)->Unit(benchmark::kMillisecond)->UseRealTime();

// 10x10 torus, Gaussian couplings, 100 temperatures T = 0.5 .. 5; arg = threads.
void BM_Torus10x10HundredBetas(benchmark::State& state) {
    const Model model =
        build_model(make_lattice({LatticeKind::square, {10, 10}, Boundary::periodic}),
                    {.disorder = Disorder::gauss, .seed = 1});
    std::vector<double> betas;
    for (int k = 0; k < 100; ++k) betas.push_back(1.0 / (0.5 + 4.5 * k / 99.0));
    const int threads = static_cast<int>(state.range(0));
    for (auto _ : state)
        benchmark::DoNotOptimize(eliminate_exact(model, betas, {.num_threads = threads}));
    report_plan(state, model);
}
BENCHMARK(BM_Torus10x10HundredBetas)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// 12x12 +-J torus (width 23, 1.1 GiB of tables per temperature), 16 temperatures
// T = 0.5 .. 5 (issue 12: >= 1.8x on 2 threads); arg = threads. Minutes on one thread.
void BM_Torus12x12SixteenBetas(benchmark::State& state) {
    const Model model =
        build_model(make_lattice({LatticeKind::square, {12, 12}, Boundary::periodic}),
                    {.disorder = Disorder::pm, .seed = 1});
    std::vector<double> betas;
    for (int k = 0; k < 16; ++k) betas.push_back(1.0 / (0.5 + 0.3 * k));
    const int threads = static_cast<int>(state.range(0));
    for (auto _ : state)
        benchmark::DoNotOptimize(eliminate_exact(model, betas, {.num_threads = threads}));
    report_plan(state, model);
}
BENCHMARK(BM_Torus12x12SixteenBetas)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// 4 x L open strip with random fields, one temperature; arg = L.
void BM_Strip4xL(benchmark::State& state) {
    const int length = static_cast<int>(state.range(0));
    const Model model =
        build_model(make_lattice({LatticeKind::square, {4, length}, Boundary::open}),
                    {.disorder = Disorder::pm, .random_field = 0.5, .seed = 2});
    const std::vector<double> betas{1.0};
    for (auto _ : state)
        benchmark::DoNotOptimize(eliminate_exact(model, betas, {.num_threads = 1}));
    report_plan(state, model);
}
BENCHMARK(BM_Strip4xL)->Arg(64)->Arg(4096)->Unit(benchmark::kMillisecond);

// Planning alone on the graphs that once made it superlinear (eliminate_test.cpp,
// PlanningStaysLinearOnHubsDenseGraphsAndManyComponents): a star of 15000 leaves, K_1500,
// 200000 isolated sites. Each took minutes or more before the fix, milliseconds after.
void BM_PlanHubsAndDenseGraphs(benchmark::State& state) {
    const int leaves = 15000;
    std::vector<Edge> edges;
    for (int i = 1; i <= leaves; ++i) edges.push_back({0, i});
    const Model star(leaves + 1, edges, std::vector<double>(edges.size(), 1.0),
                     std::vector<double>(leaves + 1, 0.0));
    const Model dense =
        build_model(make_lattice({LatticeKind::complete, {1500}, Boundary::open}), {});
    const Model isolated(200000, {}, {}, std::vector<double>(200000, 0.1));
    for (auto _ : state) {
        benchmark::DoNotOptimize(plan_elimination(star));
        benchmark::DoNotOptimize(plan_elimination(dense));
        benchmark::DoNotOptimize(plan_elimination(isolated));
    }
}
BENCHMARK(BM_PlanHubsAndDenseGraphs)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace isingmf
