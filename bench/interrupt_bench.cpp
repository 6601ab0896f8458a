// How long a solve takes to stop after an interrupt request (what Ctrl-C costs a Python user):
// the call runs on this thread while another requests an interrupt at evenly spaced fractions
// of the call's full duration, and the time from the request to Interrupted is recorded. The
// slowest stretches without a check are the long serial stages of the plans: the planar
// analysis (embedding, dimer graph, nested dissection; METIS's top separator cannot be
// stopped) and the upper bound's compilation of its pieces. Figures in docs/benchmarks.md;
// InterruptPlanar/1024 takes about 8 minutes (a full call of ~70 s, then 12 stopped ones),
// run it alone.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/exact/planar.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Model open_glass(int l) {
    return build_model(make_lattice({LatticeKind::square, {l, l}, Boundary::open}),
                       {.disorder = Disorder::pm, .seed = 1});
}

// Requests at fractions k / (probes + 1) of the full duration, k = 1 .. probes; counters in ms.
void measure_latency(benchmark::State& state, const std::function<void()>& call, int probes) {
    for (auto _ : state) {
        const Clock::time_point start = Clock::now();
        call();
        const double full = seconds(Clock::now() - start);
        double worst = 0.0;
        double sum = 0.0;
        int stopped = 0;
        for (int k = 1; k <= probes; ++k) {
            const auto delay = std::chrono::duration<double>(full * k / (probes + 1));
            Clock::time_point requested;
            std::thread requester([&] {
                std::this_thread::sleep_for(delay);
                requested = Clock::now();
                request_interrupt();
            });
            std::optional<Clock::time_point> caught;
            try {
                call();
            } catch (const Interrupted&) {
                caught = Clock::now();
            }
            requester.join();  // orders the requester's time before the read below
            clear_interrupt();
            if (caught) {
                const double latency = seconds(*caught - requested);
                worst = std::max(worst, latency);
                sum += latency;
                ++stopped;
            }
        }
        state.counters["full_s"] = full;
        state.counters["stopped"] = stopped;
        state.counters["worst_ms"] = 1e3 * worst;
        state.counters["mean_ms"] = stopped > 0 ? 1e3 * sum / stopped : 0.0;
    }
}

// The planar solver on an L x L open +-J glass at T = 2.27, analysis included: arg L.
void BM_InterruptPlanar(benchmark::State& state) {
    const Model model = open_glass(static_cast<int>(state.range(0)));
    const std::vector<double> betas{1.0 / 2.27};
    measure_latency(
        state, [&] { planar_exact(model, betas); }, 12);
}
BENCHMARK(BM_InterruptPlanar)
    ->Arg(512)
    ->Arg(1024)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

// The upper bound's plan alone (choose_decomposition and the pieces' compilation): arg L.
void BM_InterruptUpperBoundPlan(benchmark::State& state) {
    const Model model = open_glass(static_cast<int>(state.range(0)));
    measure_latency(
        state, [&] { const UpperBoundPlan plan(model, choose_decomposition(model, {})); }, 12);
}
BENCHMARK(BM_InterruptUpperBoundPlan)
    ->Arg(1024)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace isingmf
