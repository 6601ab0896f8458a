// Structured mean-field benchmarks (issue 10): cost per sweep of strips of width w, time to
// converge on a 256^2 +-J glass, and the gap per spin (exact - bound)/N against naive mean
// field. Figures: docs/benchmarks.md.
//
//   ./build/bench/isingmf_bench --benchmark_filter=Structured
//
// Counters: ns_per_site (CPU time of one block sweep divided by N), ns_per_site_2w (that over
// 2^w: flat when the cost is O(N 2^w)), sweeps, seconds (CPU time of the structured solve
// alone, one thread; wall_seconds its wall time), naive_seconds (the naive start it begins
// from), ln_z_per_spin, gap_naive and gap_structured ((exact -
// bound)/N with elimination or Kaufman's torus as the exact side).

#include <benchmark/benchmark.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/structured_plan.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"
#include "one_thread.hpp"

namespace isingmf {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU time of the calling thread: on a shared machine wall time also counts other people's
// work, so per-sweep costs are taken from this (every benchmark here runs on one thread).
double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

using bench::OneThread;

const Model& square(int L, Disorder disorder, Boundary boundary) {
    static std::map<std::tuple<int, int, int>, std::unique_ptr<Model>> cache;
    auto& model = cache[{L, static_cast<int>(disorder), static_cast<int>(boundary)}];
    if (!model) {
        CouplingSpec spec;
        spec.disorder = disorder;
        spec.seed = 1;
        model = std::make_unique<Model>(
            build_model(make_lattice({LatticeKind::square, {L, L}, boundary}), spec));
    }
    return *model;
}

// One block sweep (exact steps) of strips of width w on an L x L +-J lattice, one thread.
void BM_StructuredSweep(benchmark::State& state) {
    const int L = static_cast<int>(state.range(0));
    const int w = static_cast<int>(state.range(1));
    const Boundary boundary = state.range(2) != 0 ? Boundary::periodic : Boundary::open;
    const Model& model = square(L, Disorder::pm, boundary);
    const OneThread one;
    const StructuredPlan plan(model, make_cluster_partition(model, w));
    StructuredMeanFieldOptions options;
    options.method = MeanFieldMethod::sequential;
    options.tolerance = 0.0;
    options.max_iterations = 4;
    const std::vector<double> start(static_cast<std::size_t>(model.num_sites()), 0.1);
    double seconds = 0.0;
    int sweeps = 0;
    for (auto _ : state) {
        const double t0 = thread_cpu_seconds();
        const auto r = ascend_structured_mean_field(plan, 0.7, start, options, "bench");
        seconds += thread_cpu_seconds() - t0;
        sweeps += r.iterations;
        benchmark::DoNotOptimize(r.ln_z);
    }
    const double per_site = seconds / sweeps / model.num_sites() * 1e9;
    state.counters["ns_per_site"] = per_site;
    state.counters["ns_per_site_2w"] = per_site / std::ldexp(1.0, w);
}
BENCHMARK(BM_StructuredSweep)
    ->ArgNames({"L", "w", "periodic"})
    ->ArgsProduct({{256}, {1, 2, 3, 4, 5, 6, 8}, {0}})
    ->ArgsProduct({{128, 512}, {4}, {0}})
    ->ArgsProduct({{256}, {1, 2, 3, 4}, {1}})
    ->Unit(benchmark::kMillisecond);

// Default solve (naive start, adaptive over-relaxation) of a 256^2 +-J glass to 1e-9, one
// thread, at T = temperature / 10.
void BM_StructuredConverge(benchmark::State& state) {
    const double T = static_cast<double>(state.range(0)) / 10.0;
    const int w = static_cast<int>(state.range(1));
    const Boundary boundary = state.range(2) != 0 ? Boundary::periodic : Boundary::open;
    const Model& model = square(256, Disorder::pm, boundary);
    const OneThread one;
    StructuredMeanFieldOptions options;
    options.cluster_width = w;
    options.tolerance = 1e-9;
    const StructuredPlan plan(model, make_cluster_partition(model, w));
    for (auto _ : state) {
        const double t0 = thread_cpu_seconds();
        const MeanFieldResult naive = solve_mean_field(model, 1.0 / T, options.naive);
        const double naive_seconds = thread_cpu_seconds() - t0;
        const auto wall = Clock::now();
        const double t1 = thread_cpu_seconds();
        const auto r = solve_structured_mean_field(plan, 1.0 / T, options, {}, naive.m);
        state.counters["seconds"] = thread_cpu_seconds() - t1;
        state.counters["wall_seconds"] = seconds_since(wall);
        state.counters["naive_seconds"] = naive_seconds;
        state.counters["sweeps"] = r.iterations;
        state.counters["converged"] = r.converged ? 1 : 0;
        state.counters["omega"] = r.omega;
        state.counters["ln_z_per_spin"] = r.ln_z / model.num_sites();
        state.counters["gain_per_spin"] = (r.ln_z - naive.ln_z) / model.num_sites();
    }
}
BENCHMARK(BM_StructuredConverge)
    ->ArgNames({"T10", "w", "periodic"})
    ->ArgsProduct({{10, 15, 20, 25, 30}, {4}, {0}})
    ->ArgsProduct({{15, 25}, {4}, {1}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

// Gap per spin (exact - bound)/N of naive mean field and of strips of width w (0: naive
// only) at T = temperature / 1000: model 0 the 16x16 open ferromagnet, 1 the 16x16 open +-J
// glass (seed 1), both against elimination, 2 the 64x64 ferromagnetic torus against Kaufman.
void BM_StructuredGap(benchmark::State& state) {
    const double T = static_cast<double>(state.range(0)) / 1000.0;
    const int w = static_cast<int>(state.range(1));
    const int which = static_cast<int>(state.range(2));
    const Model& model = which == 0   ? square(16, Disorder::uniform, Boundary::open)
                         : which == 1 ? square(16, Disorder::pm, Boundary::open)
                                      : square(64, Disorder::uniform, Boundary::periodic);
    const std::vector<double> betas = {1.0 / T};
    const ExactMethod method = which == 2 ? ExactMethod::kaufman : ExactMethod::eliminate;
    for (auto _ : state) {
        const double exact = solve_exact(model, method, betas).front().ln_z;
        const MeanFieldResult naive = solve_mean_field(model, betas[0], {});
        const double n = model.num_sites();
        state.counters["gap_naive"] = (exact - naive.ln_z) / n;
        if (w > 0) {
            StructuredMeanFieldOptions options;
            options.cluster_width = w;
            const auto r = solve_structured_mean_field(model, betas[0], options);
            state.counters["gap_structured"] = (exact - r.ln_z) / n;
            state.counters["sweeps"] = r.iterations;
            state.counters["converged"] = r.converged ? 1 : 0;
        }
    }
}
BENCHMARK(BM_StructuredGap)
    ->ArgNames({"T1000", "w", "model"})
    ->ArgsProduct({{1500, 2000, 2269, 2500, 3000, 4000}, {1, 2, 4}, {0, 2}})
    ->ArgsProduct({{1000, 1500, 2000, 2500, 3000}, {1, 2, 4}, {1}})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace isingmf
