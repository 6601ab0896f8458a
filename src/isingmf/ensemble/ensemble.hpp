#pragma once
/// Disorder ensembles: the same temperature sweep (sweep/sweep.hpp) on K samples of a
/// generated model that differ only in their seed. Sample k (k = 0 .. K-1) uses the seed
///
///     seed_k = S + k        (S the base seed),
///
/// for its couplings and fields and for its mean-field random starts, so that sample k is
/// exactly the model and the run of `isingmf sweep --seed seed_k` with the same options,
/// whatever the number of threads or processes and the order in which samples finish.
/// Ensembles whose seed range would pass 2^64 - 1 are refused (no wrap-around, so two
/// samples never share a seed).
///
/// Samples run in parallel (OpenMP), each sweep on one thread when there are at least as
/// many samples left as threads; with fewer samples the threads are shared out among them.
/// run_sweep's results do not depend on its thread count and each sample is computed on its
/// own and placed by its index, so an ensemble's results do not depend on the thread count.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "isingmf/lattices/generated_model.hpp"
#include "isingmf/model/model.hpp"
#include "isingmf/sweep/sweep.hpp"

namespace isingmf {

/// The seeds S, S+1, ..., S+K-1 of K samples. Throws ModelError naming the largest base
/// seed that fits when S + K - 1 overflows 2^64 - 1.
std::vector<std::uint64_t> ensemble_seeds(std::uint64_t base_seed, std::uint64_t samples);

/// The most samples an ensemble takes: a million is a large study; more on one command line is a
/// typo (every finished sample stays in memory until the file is written: a few KB each).
inline constexpr unsigned long long kMaxSamples = 10'000'000;

struct EnsembleOptions {
    std::uint64_t samples = 1;  ///< K >= 1
    std::uint64_t seed = 1;     ///< S, the seed of sample 0
    /// Each sample's sweep; mean_field.seed is replaced by the sample's seed and threads is
    /// ignored (see `threads`).
    SweepOptions sweep;
    int threads = 0;  ///< OpenMP threads for the whole ensemble (0: OpenMP's default)
};

/// The model of the sample with seed `seed`: `model` with couplings.seed = seed, built by
/// build_generated_model on `lattice` (which must be make_lattice(model.lattice)).
Model sample_model(const GeneratedModelSpec& model, std::uint64_t seed,
                   const LatticeGraph& lattice);

/// The sweep options of that sample: `options` with mean_field.seed = seed.
SweepOptions sample_sweep_options(const SweepOptions& options, std::uint64_t seed);

/// Hands out the next sample to run (an index into the seeds), or nullopt when there is
/// none left. Called by one thread at a time.
using NextSample = std::function<std::optional<std::size_t>()>;
/// Receives a finished sample, by one thread at a time, in the order samples finish.
using SampleDone = std::function<void(std::size_t sample, SweepResult&& result)>;

/// Runs the samples `next` hands out until it has none, on options.threads OpenMP threads.
/// `samples_left` (the samples still to run, here or in other processes) sets how many run
/// at once: min(threads, samples_left), each sweep with threads / that many threads. After
/// a sample fails, no further sample is started; the first failure is rethrown once the
/// running samples have finished. options.samples and options.seed are not used: `seeds`
/// (ensemble_seeds) are the samples' seeds.
void run_samples(const GeneratedModelSpec& model, const std::vector<double>& betas,
                 const std::vector<std::uint64_t>& seeds, const EnsembleOptions& options,
                 const NextSample& next, const SampleDone& done, std::size_t samples_left);

/// All samples of an ensemble, by index.
struct EnsembleResult {
    std::vector<std::uint64_t> seeds;  ///< seed of each sample (ensemble_seeds)
    std::vector<SweepResult> samples;  ///< sweep of each sample, T = 1/beta
};

/// Runs every sample of the ensemble (run_samples over 0 .. K-1). `betas` as for run_sweep.
/// Throws ModelError for K = 0 or an overflowing seed range, and whatever a sample's
/// build or sweep throws.
EnsembleResult run_ensemble(const GeneratedModelSpec& model, const std::vector<double>& betas,
                            const EnsembleOptions& options);

}  // namespace isingmf
