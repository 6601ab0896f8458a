// Set-up against the sweep (issue 12): the Model, built from the lattice spec as `isingmf sweep`
// builds it (a uniform model generates its bonds when a pass reads them rather than storing
// them: Model::of_lattice; the adjacency is not built on this path), the mean-field plan (which
// writes a periodic lattice's rows from its geometry) and the results file, each in ns per site,
// beside one plain sweep of the same lattice on one thread. The target: set-up and writing together
// at most 10 sweeps on one thread, from 256^2 to 4096^2. Figures: docs/benchmarks.md.
//
//   ./build/bench/isingmf_bench --benchmark_filter=Setup
//
// Counters (ns per site, wall clock): model, plan, write, setup (their sum), sweep_1t
// (one plain sweep on one thread, best of five) and setup_in_sweeps (setup / sweep_1t: the
// target is <= 10). The file is that of a two-temperature run without per-site m.
//
// BM_WriteSmallResults is the file alone, written again and again (its first write also pays
// HDF5's start-up, which BM_SetupStages's three iterations share): ms per results file of a
// two-temperature run of 256^2 sites, durable (synced and renamed into place) in the system's
// temporary directory.
//
// BM_FreshPages is the floor under all of it: what the kernel charges to fault in and zero
// memory a process touches for the first time, in ns per byte, with 4 KiB pages and with
// transparent huge pages (advised), on one thread.

#include <benchmark/benchmark.h>
#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "isingmf/io/results_file.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/sweep_kernel.hpp"
#include "isingmf/util/detail/huge_pages.hpp"

namespace isingmf {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

SweepResult two_temperatures(int n) {
    SweepResult sweep;
    sweep.points.resize(2);
    for (std::size_t k = 0; k < 2; ++k) {
        SweepPoint& p = sweep.points[k];
        p.T = 2.0 + static_cast<double>(k);
        p.beta = 1.0 / p.T;
        MeanFieldResult mf;
        mf.ln_z = 1.0 * n;
        mf.start = "up";
        p.mean_field = mf;
    }
    return sweep;
}

// One plain sweep on one thread, best of five, in seconds.
double one_thread_sweep(const MeanFieldPlan& plan) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    HugePageVector<double> m(static_cast<std::size_t>(plan.model().num_sites()), 0.5);
    SweepKernel kernel(plan);
    kernel.sweep(1.0 / 3.0, 1.0, false, m);
    double best = 1e300;
    for (int k = 0; k < 5; ++k) {
        const auto start = Clock::now();
        benchmark::DoNotOptimize(kernel.sweep(1.0 / 3.0, 1.0, false, m));
        best = std::min(best, seconds_since(start));
    }
    omp_set_num_threads(saved);
    return best;
}

// An L x L periodic ferromagnet, h = 0.1, built as `isingmf sweep --size LxL --h 0.1` does.
void BM_SetupStages(benchmark::State& state) {
    const int L = static_cast<int>(state.range(0));
    // 0: every core (omp_get_num_procs), for hosts with more than two.
    const int threads = state.range(1) > 0 ? static_cast<int>(state.range(1)) : omp_get_num_procs();
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    const double n = static_cast<double>(L) * L;
    const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                       ("isingmf_setup_bench_" + std::to_string(L) + ".h5");
    double model = 0.0, plan = 0.0, write = 0.0, sweep = 0.0;
    for (auto _ : state) {
        auto start = Clock::now();
        CouplingSpec spec;
        spec.h = 0.1;
        const Model built = build_model({LatticeKind::square, {L, L}, Boundary::periodic}, spec,
                                        {{"lattice", "square"}});
        model += seconds_since(start);
        start = Clock::now();
        const MeanFieldPlan mf_plan(built);
        plan += seconds_since(start);
        start = Clock::now();
        RunRecord record;
        record.num_sites = built.num_sites();
        record.num_edges = built.num_edges();
        record.model = built.description();
        record.store_m = false;
        write_results(file, record, two_temperatures(built.num_sites()), true);
        write += seconds_since(start);
        state.PauseTiming();
        sweep += one_thread_sweep(mf_plan);
        state.ResumeTiming();
    }
    std::filesystem::remove(file);
    omp_set_num_threads(saved);
    const double per = 1e9 / (n * static_cast<double>(state.iterations()));
    state.counters["model"] = model * per;
    state.counters["plan"] = plan * per;
    state.counters["write"] = write * per;
    state.counters["setup"] = (model + plan + write) * per;
    state.counters["sweep_1t"] = sweep * per;
    state.counters["setup_in_sweeps"] = (model + plan + write) / sweep;
}
BENCHMARK(BM_SetupStages)
    ->ArgNames({"L", "threads"})
    ->ArgsProduct({{256, 1024, 2048, 4096}, {1, 2, 0}})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_WriteSmallResults(benchmark::State& state) {
    constexpr int kSites = 256 * 256;
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / "isingmf_write_bench.h5";
    RunRecord record;
    record.num_sites = kSites;
    record.num_edges = 2 * kSites;
    record.model = {{"lattice", "square"}, {"size", "256x256"}};
    record.store_m = false;
    const SweepResult sweep = two_temperatures(kSites);
    write_results(file, record, sweep, true);  // HDF5's start-up, outside the timing
    for (auto _ : state) write_results(file, record, sweep, true);
    std::filesystem::remove(file);
}
BENCHMARK(BM_WriteSmallResults)->Unit(benchmark::kMillisecond)->UseRealTime();

// Maps 256 MiB, writes one byte per 4 KiB page, unmaps: the first-touch cost per byte. With
// rest_ms > 0, each measured block follows another 256 MiB that was touched, unmapped and left
// free for rest_ms: on a virtual machine whose balloon reports free pages to the host (this
// project's VM, virtio_balloon), memory left free for a few seconds goes back to the host, and
// touching it again costs the host's fault as well as the guest's zeroing. rest_ms = 0 is
// memory the guest freed a moment ago.
void BM_FreshPages(benchmark::State& state) {
    const bool huge = state.range(0) != 0;
    const auto rest = std::chrono::milliseconds(state.range(1));
    constexpr std::size_t kBytes = std::size_t{256} << 20;
    constexpr std::size_t kPage = 4096;
    const auto touched_block = [&]() -> void* {
        void* p =
            ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return nullptr;
        if (huge) ::madvise(p, kBytes, MADV_HUGEPAGE);
        auto* bytes = static_cast<volatile unsigned char*>(p);
        for (std::size_t k = 0; k < kBytes; k += kPage) bytes[k] = 1;
        return p;
    };
    double seconds = 0.0;
    for (auto _ : state) {
        state.PauseTiming();
        void* previous = touched_block();
        if (previous != nullptr) ::munmap(previous, kBytes);
        std::this_thread::sleep_for(rest);
        state.ResumeTiming();
        const auto start = Clock::now();
        void* p = touched_block();
        seconds += seconds_since(start);
        if (p == nullptr) {
            state.SkipWithError("mmap failed");
            break;
        }
        ::munmap(p, kBytes);
    }
    state.counters["ns_per_byte"] =
        1e9 * seconds / (static_cast<double>(kBytes) * static_cast<double>(state.iterations()));
}
BENCHMARK(BM_FreshPages)
    ->ArgNames({"huge", "rest_ms"})
    ->ArgsProduct({{0, 1}, {0, 3000}})
    ->Iterations(4)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace isingmf
