#include "isingmf/ensemble/ensemble.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <utility>

#include "isingmf/util/error.hpp"
#include "isingmf/util/thread_count.hpp"

namespace isingmf {
namespace {

// Restores OpenMP's nesting limit however run_samples ends.
class ActiveLevelsGuard {
public:
    explicit ActiveLevelsGuard(int levels) : saved_(omp_get_max_active_levels()) {
        omp_set_max_active_levels(levels);
    }
    ~ActiveLevelsGuard() { omp_set_max_active_levels(saved_); }
    ActiveLevelsGuard(const ActiveLevelsGuard&) = delete;
    ActiveLevelsGuard& operator=(const ActiveLevelsGuard&) = delete;

private:
    int saved_;
};

}  // namespace

std::vector<std::uint64_t> ensemble_seeds(std::uint64_t base_seed, std::uint64_t samples) {
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    if (samples == 0) throw ModelError("an ensemble needs at least one sample");
    if (base_seed > kMax - (samples - 1)) {
        throw ModelError(fmt::format(
            "the seeds of {} samples from {} (seed of sample k = seed + k) pass 2^64 - 1; the "
            "largest base seed for {} samples is {}",
            samples, base_seed, samples, kMax - (samples - 1)));
    }
    std::vector<std::uint64_t> seeds(static_cast<std::size_t>(samples));
    for (std::uint64_t k = 0; k < samples; ++k) seeds[static_cast<std::size_t>(k)] = base_seed + k;
    return seeds;
}

Model sample_model(const GeneratedModelSpec& model, std::uint64_t seed,
                   const LatticeGraph& lattice) {
    GeneratedModelSpec spec = model;
    spec.couplings.seed = seed;
    return build_generated_model(spec, lattice);
}

SweepOptions sample_sweep_options(const SweepOptions& options, std::uint64_t seed) {
    SweepOptions out = options;
    out.mean_field.seed = seed;
    out.keep_m = false;  // a sample's record holds no per-site m
    return out;
}

void run_samples(const GeneratedModelSpec& model, const std::vector<double>& betas,
                 const std::vector<std::uint64_t>& seeds, const EnsembleOptions& options,
                 const NextSample& next, const SampleDone& done, std::size_t samples_left) {
    if (samples_left == 0) return;
    const LatticeGraph lattice = make_lattice(model.lattice);
    const int team = options.threads > 0 ? options.threads : omp_get_max_threads();
    const int concurrent =
        static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(team), samples_left));
    SweepOptions sweep = options.sweep;
    sweep.threads = std::max(1, team / concurrent);
    // Threads left over by the samples run inside their sweeps (nested parallel regions).
    const ActiveLevelsGuard levels(sweep.threads > 1 && concurrent > 1 ? 2 : 1);

    std::exception_ptr failure;
    bool stop = false;
    const auto worker = [&] {
        while (true) {
            std::optional<std::size_t> sample;
#pragma omp critical(isingmf_ensemble_next)
            if (!stop) sample = next();
            if (!sample) break;
            std::exception_ptr error;
            try {
                // The sample's model is built on the sweep's team too: inside a nested team a
                // thread's own count would be OMP_NUM_THREADS's second level, or libgomp's.
                const ThreadCountGuard sample_team(sweep.threads);
                const std::uint64_t seed = seeds.at(*sample);
                SweepResult result = run_sweep(sample_model(model, seed, lattice), betas,
                                               sample_sweep_options(sweep, seed));
                // An exception may not leave a critical section: `done`'s is caught inside.
#pragma omp critical(isingmf_ensemble_done)
                try {
                    done(*sample, std::move(result));
                } catch (...) {
                    error = std::current_exception();
                }
            } catch (...) {
                error = std::current_exception();
            }
            if (error) {
#pragma omp critical(isingmf_ensemble_next)
                {
                    if (!failure) failure = error;
                    stop = true;
                }
            }
        }
    };
    // One sample at a time runs outside any parallel region: libgomp would count even a team
    // of one as nesting and start fresh threads for every region of the sweep inside it.
    if (concurrent == 1) {
        worker();
    } else {
#pragma omp parallel num_threads(concurrent)
        worker();
    }
    if (failure) std::rethrow_exception(failure);
}

EnsembleResult run_ensemble(const GeneratedModelSpec& model, const std::vector<double>& betas,
                            const EnsembleOptions& options) {
    EnsembleResult result;
    result.seeds = ensemble_seeds(options.seed, options.samples);
    result.samples.resize(result.seeds.size());
    std::size_t handed_out = 0;
    run_samples(
        model, betas, result.seeds, options,
        [&]() -> std::optional<std::size_t> {
            if (handed_out == result.seeds.size()) return std::nullopt;
            return handed_out++;
        },
        [&](std::size_t sample, SweepResult&& sweep) { result.samples[sample] = std::move(sweep); },
        result.seeds.size());
    return result;
}

}  // namespace isingmf
