// Mean-field benchmarks (issue 4): ns per spin update, memory bandwidth, sweeps and time to
// tolerance, thread scaling and a warm-started temperature sweep. Figures: docs/benchmarks.md.
//
//   ./build/bench/isingmf_bench --benchmark_filter=MeanField
//
// Counters: ns_per_update, GBps (the kernel's streamed bytes per second, from
// mean_field_sweep_bytes_per_site), bw_fraction (GBps over the streaming triad measured in
// the same run with the same thread count), sweeps, ln_z and dlnz_vs_plain (the accelerated
// bound minus the plain one from the same start; >= 0 is the target).

#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/detail/sweep_kernel.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/sweep/sweep.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

using Clock = std::chrono::steady_clock;

// Sets the OpenMP thread count for one benchmark and restores it afterwards.
class Threads {
public:
    explicit Threads(int n) : saved_(omp_get_max_threads()) { omp_set_num_threads(n); }
    ~Threads() { omp_set_num_threads(saved_); }
    Threads(const Threads&) = delete;
    Threads& operator=(const Threads&) = delete;

private:
    int saved_;
};

// Models are built once per process: the 4096^2 one takes seconds and ~3 GB.
struct Built {
    std::unique_ptr<Model> model;
    std::unique_ptr<MeanFieldPlan> plan;
};

const Built& square_model(int L, Disorder disorder, double h) {
    static std::map<std::tuple<int, int, double>, Built> cache;
    Built& b = cache[{L, static_cast<int>(disorder), h}];
    if (!b.model) {
        CouplingSpec spec;
        spec.disorder = disorder;
        spec.h = h;
        spec.seed = 1;
        b.model = std::make_unique<Model>(
            build_model(make_lattice({LatticeKind::square, {L, L}, Boundary::periodic}), spec));
        b.plan = std::make_unique<MeanFieldPlan>(*b.model);
    }
    return b;
}

// Streaming triad a = b + s c over arrays far larger than the caches, best of several
// passes; bytes counted as 24 per element (two reads, one write; write-allocate not counted).
// Measured afresh each time: on a shared VM the attainable bandwidth drifts by tens of percent
// within minutes, so a kernel is compared with a triad taken next to it.
double triad_gbps(int threads) {
    const Threads guard(threads);
    const std::size_t n = std::size_t{1} << 24;  // 3 x 128 MiB
    std::vector<double> a(n), b(n, 1.0), c(n, 2.0);
    double best = 0.0;
    for (int pass = 0; pass < 6; ++pass) {
        const auto t0 = Clock::now();
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < n; ++i) a[i] = b[i] + 3.0 * c[i];
        const double s = std::chrono::duration<double>(Clock::now() - t0).count();
        benchmark::DoNotOptimize(a.data());
        best = std::max(best, 24.0 * static_cast<double>(n) / s * 1e-9);
    }
    return best;
}

void BM_MeanFieldStreamTriad(benchmark::State& state) {
    // 0: every core (omp_get_num_procs), for hosts with more than two.
    const int threads = state.range(0) > 0 ? static_cast<int>(state.range(0)) : omp_get_num_procs();
    double gbps = 0.0;
    for (auto _ : state) gbps = triad_gbps(threads);
    state.counters["GBps"] = gbps;
}
BENCHMARK(BM_MeanFieldStreamTriad)
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Arg(0)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// One sweep per iteration on the L x L lattice of `b` (beta = 0.3), m in the plan's order,
// omega = 1 (plain) or 1.5 (over-relaxed, with the safeguard). The sweep is the ordinary one
// of a solve, without the gain bound that only the last few compute. bw_fraction divides by
// the better of two triads taken just before and just after.
void time_spin_updates(benchmark::State& state, const Built& b, int threads, double omega) {
    const double stream_before = triad_gbps(threads);
    const Threads guard(threads);
    HugePageVector<double> m(static_cast<std::size_t>(b.model->num_sites()));
    Rng rng(7);
    for (double& x : m) x = rng.uniform_symmetric();
    mean_field_sweep(*b.plan, 0.3, omega, m, false);  // warm the caches and page tables
    const auto t0 = Clock::now();
    for (auto _ : state) benchmark::DoNotOptimize(mean_field_sweep(*b.plan, 0.3, omega, m, false));
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double stream = std::max(stream_before, triad_gbps(threads));
    const double updates = static_cast<double>(state.iterations()) * static_cast<double>(m.size());
    const double gbps = mean_field_sweep_bytes_per_site(*b.plan) * updates / seconds * 1e-9;
    state.counters["ns_per_update"] = seconds / updates * 1e9;
    state.counters["GBps"] = gbps;
    state.counters["bw_fraction"] = gbps / stream;
    state.counters["bytes_per_update"] = mean_field_sweep_bytes_per_site(*b.plan);
    state.counters["triad_GBps"] = stream;
}

// +-J couplings, h = 0.1: the plan keeps the field once and streams the couplings.
void BM_MeanFieldSpinUpdate(benchmark::State& state) {
    const int L = static_cast<int>(state.range(0));
    time_spin_updates(state, square_model(L, Disorder::pm, 0.1), static_cast<int>(state.range(1)),
                      state.range(2) == 0 ? 1.0 : 1.5);
}
BENCHMARK(BM_MeanFieldSpinUpdate)
    ->ArgNames({"L", "threads", "sor"})
    ->ArgsProduct({{64, 256, 1024, 4096}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

// The ferromagnet, J = 1 and h = 0.1 everywhere: the plan keeps both once, and a sweep streams
// only m (16 bytes per update instead of 48).
void BM_MeanFieldSpinUpdateFerromagnet(benchmark::State& state) {
    const int L = static_cast<int>(state.range(0));
    time_spin_updates(state, square_model(L, Disorder::uniform, 0.1),
                      static_cast<int>(state.range(1)), 1.5);
}
BENCHMARK(BM_MeanFieldSpinUpdateFerromagnet)
    ->ArgNames({"L", "threads"})
    ->ArgsProduct({{1024, 4096}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->MinTime(1.0);

// One evaluation of the bound F(m) with its residual (evaluate_mean_field on the plan, as every
// solve does near its end), against the sweep it ends: ns_per_site, and in_sweeps = one
// evaluation over one over-relaxed sweep of the same lattice and thread count. A magnetised m
// (tanh of a random field around 0.8) as near a fixed point; glass 1 streams the couplings.
void BM_MeanFieldEvaluate(benchmark::State& state) {
    const int L = static_cast<int>(state.range(0));
    const bool glass = state.range(2) != 0;
    const Built& b = square_model(L, glass ? Disorder::pm : Disorder::uniform, 0.1);
    const Threads guard(static_cast<int>(state.range(1)));
    const auto n = static_cast<std::size_t>(b.model->num_sites());
    MeanFieldResult r;
    r.m.resize(n);
    Rng rng(5);
    for (double& x : r.m) x = std::tanh(1.1 + 0.5 * rng.uniform_symmetric());
    HugePageVector<double> m(n);
    for (std::size_t p = 0; p < n; ++p) m[p] = r.m[static_cast<std::size_t>(b.plan->order()[p])];
    evaluate_mean_field(*b.plan, 0.3, r);  // warm the caches and page tables
    mean_field_sweep(*b.plan, 0.3, 1.5, m, false);
    auto t0 = Clock::now();
    for (auto _ : state) {
        evaluate_mean_field(*b.plan, 0.3, r);
        benchmark::DoNotOptimize(r.ln_z);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double evaluations = static_cast<double>(state.iterations());
    constexpr int kSweeps = 5;
    t0 = Clock::now();
    for (int k = 0; k < kSweeps; ++k)
        benchmark::DoNotOptimize(mean_field_sweep(*b.plan, 0.3, 1.5, m, false));
    const double sweep = std::chrono::duration<double>(Clock::now() - t0).count() / kSweeps;
    state.counters["ns_per_site"] = seconds / evaluations / static_cast<double>(n) * 1e9;
    state.counters["in_sweeps"] = seconds / evaluations / sweep;
}
BENCHMARK(BM_MeanFieldEvaluate)
    ->ArgNames({"L", "threads", "glass"})
    ->ArgsProduct({{256, 2048}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Sweeps and time to tolerance 1e-9 on 128 x 128 lattices from a fixed random start.
// Arguments: model (0: +-J glass, 1: ferromagnet), 100 h, 100 beta, method (0 plain, 1 SOR).
void BM_MeanFieldConverge(benchmark::State& state) {
    const bool glass = state.range(0) == 0;
    const double h = static_cast<double>(state.range(1)) / 100.0;
    const double beta = static_cast<double>(state.range(2)) / 100.0;
    const Built& b = square_model(128, glass ? Disorder::pm : Disorder::uniform, h);
    const Threads guard(1);
    std::vector<double> start(static_cast<std::size_t>(b.model->num_sites()));
    Rng rng(11);
    for (double& x : start) x = rng.uniform_symmetric();
    MeanFieldOptions options;
    options.tolerance = 1e-9;
    options.max_iterations = 100000;
    options.method = MeanFieldMethod::sequential;
    const MeanFieldResult plain = ascend_mean_field(*b.plan, beta, start, options, "random");
    options.method =
        state.range(3) == 0 ? MeanFieldMethod::sequential : MeanFieldMethod::over_relaxed;
    MeanFieldResult r;
    for (auto _ : state) r = ascend_mean_field(*b.plan, beta, start, options, "random");
    state.counters["sweeps"] = r.iterations;
    state.counters["converged"] = r.converged ? 1 : 0;
    state.counters["residual"] = r.residual;
    state.counters["ln_z"] = r.ln_z;
    state.counters["dlnz_vs_plain"] = r.ln_z - plain.ln_z;
    state.counters["omega"] = r.omega;
}
BENCHMARK(BM_MeanFieldConverge)
    ->ArgNames({"glass", "h100", "beta100", "sor"})
    ->ArgsProduct({{0}, {0, 10}, {30, 44}, {0, 1}})
    ->ArgsProduct({{1}, {10}, {30, 44}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

// 100 temperatures T = 0.08, 0.16, ..., 8 (mean-field T_c = 4) on a 1024 x 1024 ferromagnet,
// warm starts only (the first temperature from all up), no exact side. sweeps_kept counts
// the sweeps of the kept results only (discarded warm candidates also cost sweeps). With
// h = 0 the grid hits T_c exactly, where m -> 0 only algebraically and the solve runs to
// max_iterations (10000 sweeps): run it with --benchmark_filter=WarmSweep/h100:0 on purpose.
void BM_MeanFieldWarmSweep(benchmark::State& state) {
    const double h = static_cast<double>(state.range(0)) / 100.0;
    const Built& b = square_model(1024, Disorder::uniform, h);
    std::vector<double> betas;
    for (int k = 1; k <= 100; ++k) betas.push_back(1.0 / (0.08 * k));
    SweepOptions options;
    options.bounds = {SweepBound::mean_field};  // the default adds the upper bound (minutes here)
    options.exact = ExactMethod::none;
    options.warm_start = true;
    options.mean_field.starts = MeanFieldStarts::none();
    options.threads = static_cast<int>(state.range(1));
    SweepResult sweep;
    for (auto _ : state) sweep = run_sweep(*b.model, betas, options);
    double sweeps = 0.0;
    int unconverged = 0;
    for (const SweepPoint& p : sweep.points) {
        sweeps += p.mean_field->iterations;
        unconverged += p.mean_field->converged ? 0 : 1;
    }
    state.counters["sweeps_kept"] = sweeps;
    state.counters["unconverged"] = unconverged;
}
BENCHMARK(BM_MeanFieldWarmSweep)
    ->ArgNames({"h100", "threads"})
    ->Args({10, 1})
    ->Args({10, 2})
    ->Args({0, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace isingmf
