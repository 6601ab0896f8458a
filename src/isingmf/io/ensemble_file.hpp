#pragma once
/// The HDF5 file of a disorder ensemble (ensemble/ensemble.hpp), and the encoded form of one
/// finished sample that the checkpoint holds and the file is built from. The layout is
/// documented in README.md ("Ensemble files"): the groups of a sweep (results_file.hpp)
/// with every per-temperature dataset stacked to [K x n_T] (per-site m not stored), the
/// seeds [K], and /average/<group>/<dataset> with <dataset>_stderr [n_T].

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "isingmf/io/results_file.hpp"
#include "isingmf/sweep/sweep.hpp"

namespace isingmf {

/// One finished sample as bytes (a checkpoint record): its index, seed and the datasets
/// its sweep gives in a results file (record.num_sites per spin; m is never kept), doubles
/// bit for bit. `sweep`'s T should be the temperatures as typed.
std::string encode_sample(std::size_t index, std::uint64_t seed, const RunRecord& record,
                          const SweepResult& sweep);

/// The index an encoded sample holds; throws IoError when the bytes are not one.
std::size_t encoded_sample_index(std::string_view sample);

/// What an ensemble file says about how it was made: the record of a sweep (model keys with
/// `seed` the base seed, solver options) and the ensemble's seeds.
struct EnsembleRecord {
    RunRecord run;                     ///< store_m is ignored (never stored)
    std::vector<std::uint64_t> seeds;  ///< seed of each sample, K = seeds.size()
};

/// Writes the ensemble file from `samples`, encoded samples each index 0 .. K-1 exactly
/// once (in any order), the same way as write_results (built in memory, renamed into place,
/// OutputExistsError without `overwrite`). The file's data depend only on the samples, not
/// on their order. Throws IoError when an index is missing, repeated or out of range, or
/// the samples do not have the same datasets of the same shapes.
void write_ensemble(const std::filesystem::path& path, const EnsembleRecord& record,
                    const std::vector<std::string>& samples, bool overwrite);

/// True when `path` is an HDF5 file whose root `format` says it is an ensemble file.
bool is_ensemble_file(const std::filesystem::path& path);

/// The mean and standard error of one per-temperature dataset over the samples.
struct EnsembleAverage {
    std::string group;    ///< "mean_field", "exact", "comparison", ...
    std::string dataset;  ///< "ln_z", "gap", ...
    std::vector<double> mean;
    std::vector<double> stderr_of_mean;
};

/// An ensemble file read back, without the per-sample datasets.
struct EnsembleSummary {
    RunRecord run;
    std::vector<std::uint64_t> seeds;
    std::vector<double> T;
    std::vector<std::string> groups;        ///< the method groups present, in file order
    std::vector<EnsembleAverage> averages;  ///< every /average/<group>/<dataset>
};

/// Reads an ensemble file's record, seeds, temperatures and averages; throws IoError when
/// it is not one.
EnsembleSummary read_ensemble_summary(const std::filesystem::path& path);

}  // namespace isingmf
