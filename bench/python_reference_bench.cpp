// The library calls behind bench/python_bench.py, timed without Python: the script runs
// these (--benchmark_filter=PythonReference) and reports its own time per call minus theirs
// as the Python module's overhead. Same models and options as the script:
//   100-spin +-J glass: square 10x10, periodic, disorder pm, h = 0.1, seed 1, beta = 0.3
//   100-spin chain:     periodic, J = 1, h = 0, one beta = 0.5, elimination
// Figures: docs/benchmarks.md ("Python module").

#include <benchmark/benchmark.h>

#include <vector>

#include "isingmf/bounds/bethe.hpp"
#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"

namespace isingmf {
namespace {

Model glass_100() {
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    spec.h = 0.1;
    spec.seed = 1;
    return build_model(make_lattice({LatticeKind::square, {10, 10}, Boundary::periodic}), spec);
}

// isingmf.mean_field(model, 0.3, starts="up", max_iter=1): one sweep, the least work a
// solve can do, so the overhead is the largest part of the call.
void BM_PythonReferenceMeanFieldOneSweep(benchmark::State& state) {
    const Model model = glass_100();
    MeanFieldOptions options;
    options.starts = MeanFieldStarts::none();
    options.starts.all_up = true;
    options.max_iterations = 1;
    for (auto _ : state) benchmark::DoNotOptimize(solve_mean_field(model, 0.3, options));
}
BENCHMARK(BM_PythonReferenceMeanFieldOneSweep)->Unit(benchmark::kMicrosecond);

// isingmf.mean_field(model, 0.3): default options (up, down, paramagnet, anneal, one random
// start, cut-offs, to 1e-10).
void BM_PythonReferenceMeanFieldDefault(benchmark::State& state) {
    const Model model = glass_100();
    for (auto _ : state) benchmark::DoNotOptimize(solve_mean_field(model, 0.3, MeanFieldOptions{}));
}
BENCHMARK(BM_PythonReferenceMeanFieldDefault)->Unit(benchmark::kMicrosecond);

// isingmf.exact(chain, 0.5, method="eliminate").
void BM_PythonReferenceExactChain(benchmark::State& state) {
    const Model model =
        build_model(make_lattice({LatticeKind::chain, {100}, Boundary::periodic}), CouplingSpec{});
    const std::vector<double> betas = {0.5};
    for (auto _ : state) {
        const ExactChoice choice = choose_exact_method(model, ExactMethod::eliminate);
        benchmark::DoNotOptimize(solve_exact(model, choice.method, betas));
    }
}
BENCHMARK(BM_PythonReferenceExactChain)->Unit(benchmark::kMicrosecond);

// isingmf.upper_bound(glass, 0.3, width=1, max_iter=1): chains, one L-BFGS iteration.
void BM_PythonReferenceUpperBound(benchmark::State& state) {
    const Model model = glass_100();
    UpperBoundOptions options;
    options.width = 1;
    options.max_iterations = 1;
    for (auto _ : state) benchmark::DoNotOptimize(solve_upper_bound(model, 0.3, options));
}
BENCHMARK(BM_PythonReferenceUpperBound)->Unit(benchmark::kMicrosecond);

// isingmf.bethe(glass, 0.3, max_iter=1): one BP sweep from each of the two starts.
void BM_PythonReferenceBethe(benchmark::State& state) {
    const Model model = glass_100();
    BetheOptions options;
    options.max_iterations = 1;
    for (auto _ : state) benchmark::DoNotOptimize(solve_bethe(model, 0.3, options));
}
BENCHMARK(BM_PythonReferenceBethe)->Unit(benchmark::kMicrosecond);

// isingmf.structured_mean_field(glass, 0.3, cluster_width=1, starts="up", max_iter=1):
// chains, one block sweep (the partition is built in every call, as in Python).
void BM_PythonReferenceStructured(benchmark::State& state) {
    const Model model = glass_100();
    StructuredMeanFieldOptions options;
    options.cluster_width = 1;
    options.starts.naive = false;
    options.starts.all_up = true;
    options.max_iterations = 1;
    for (auto _ : state) benchmark::DoNotOptimize(solve_structured_mean_field(model, 0.3, options));
}
BENCHMARK(BM_PythonReferenceStructured)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace isingmf
