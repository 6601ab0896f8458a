#pragma once
/// The parts of a results file that the sweep writer (results_file.cpp) and the ensemble
/// writer (ensemble_file.cpp) share, internal to io/: the root record (attributes,
/// /parameters, T, beta) and the method groups as plain data (/mean_field, /upper_bound,
/// /bethe, /structured_mean_field, /exact, /comparison), built by one function
/// (sweep_groups) so that an ensemble stacks exactly the datasets a sweep file holds.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "isingmf/io/detail/hdf5.hpp"
#include "isingmf/io/results_file.hpp"
#include "isingmf/sweep/sweep.hpp"

namespace isingmf::detail {

/// Values of a dataset, row-major. The four types a results file uses.
using DatasetValues = std::variant<std::vector<double>, std::vector<std::int32_t>,
                                   std::vector<std::uint8_t>, std::vector<std::string>>;
/// A scalar attribute of a group.
using AttributeValue = std::variant<std::string, std::int64_t, double>;

struct ResultDataset {
    std::string name;
    DatasetValues values;
    std::vector<std::size_t> shape;  ///< extents; shape[0] = n_T when per_temperature
    bool per_temperature = true;     ///< one entry (row) per temperature
    bool compress = false;           ///< chunked and deflate-compressed (large matrices)
    std::string units;
    std::string description;
};

struct ResultGroup {
    std::string name;  ///< "mean_field", "upper_bound", ...
    std::vector<std::pair<std::string, AttributeValue>> attributes;
    std::vector<ResultDataset> datasets;

    /// Adds a per-temperature column [n_T].
    void column(std::string name, DatasetValues values, std::string units, std::string description);
    /// Adds a dataset of the given shape that is not per temperature (e.g. weights [n_f]).
    void fixed(std::string name, DatasetValues values, std::vector<std::size_t> shape,
               std::string units, std::string description);
    /// Adds a compressed per-temperature matrix [n_T x cols] of doubles.
    void matrix(std::string name, std::vector<double> values, std::size_t n_t, std::size_t cols,
                std::string units, std::string description);
    /// Adds a scalar attribute.
    void attribute(std::string name, AttributeValue value);
};

/// The groups a sweep's results file holds, in the order written: /mean_field,
/// /upper_bound, /bethe, /exact (each when present) and /comparison (when two sides are).
std::vector<ResultGroup> sweep_groups(const RunRecord& record, const SweepResult& sweep);

/// Mean, standard error of the mean and spread of each column of a numeric [K x n_T] stack
/// (row k = sample k; flags and counts read as doubles): the ensemble file's /average.
struct ColumnMoments {
    std::vector<double> mean;            ///< sum over the rows in row order, / K
    std::vector<double> stderr_of_mean;  ///< std_dev / sqrt(K)
    std::vector<double> std_dev;         ///< sample standard deviation, ddof = 1; NaN for K = 1
};
/// The moments of `stacked` (K rows, two passes: mean, then squares about it); text gives NaN.
ColumnMoments column_moments(const DatasetValues& stacked, std::size_t K);

/// Dataset d of group g stacked over K samples, row-major [K x n_T]: row k is
/// groups_of(k)[g].datasets[d].values (every sample holds sample 0's groups and datasets, of
/// the same types: the caller checks).
template <class GroupsOf>
DatasetValues stack_dataset(std::size_t K, const GroupsOf& groups_of, std::size_t g,
                            std::size_t d) {
    DatasetValues out = groups_of(std::size_t{0})[g].datasets[d].values;
    std::visit([](auto& v) { v.clear(); }, out);
    for (std::size_t k = 0; k < K; ++k) {
        std::visit(
            [&](auto& all) {
                using Vector = std::decay_t<decltype(all)>;
                const auto& row = std::get<Vector>(groups_of(k)[g].datasets[d].values);
                all.insert(all.end(), row.begin(), row.end());
            },
            out);
    }
    return out;
}

/// Adds to `average` what the ensemble file's /average/<group_name> holds for one numeric
/// per-temperature dataset (its name and units) given its stack over K samples: <name> (the
/// mean), <name>_stderr and, in /comparison, <name>_std (the spread of the gap).
void add_average_columns(ResultGroup& average, const std::string& group_name,
                         const ResultDataset& dataset, const DatasetValues& stacked, std::size_t K);

/// Number of values a shape holds.
std::size_t value_count(const std::vector<std::size_t>& shape);
/// Number of values held, whatever the type.
std::size_t value_count(const DatasetValues& values);

/// Writes a group (attributes, then datasets with their units and description) under
/// `parent`.
void write_group(const h5::Handle& parent, const ResultGroup& group);
/// Writes one dataset with its `units` and `description` attributes.
h5::Handle write_dataset(const h5::Handle& parent, const ResultDataset& dataset);
/// Writes one attribute.
void write_attribute(const h5::Handle& object, const std::string& name,
                     const AttributeValue& value);

/// Checks the record's model keys (root attributes: not empty, no NUL, not reserved, not
/// repeated) and solver keys before anything is written; throws IoError naming the key.
void check_record_keys(const std::filesystem::path& path, const RunRecord& record);

/// Writes the root attributes (format, format_version, program_version, command_line,
/// created, num_sites, num_edges, energy_offset, exact_note, upper_note, then the model
/// keys), the /parameters group of solver keys, and the datasets T and beta.
void write_run_header(const h5::Handle& root, const RunRecord& record, std::string_view format,
                      std::int64_t format_version, const std::string& exact_note,
                      const std::string& upper_note, std::span<const double> T,
                      std::span<const double> beta);

/// Reads back what write_run_header wrote of `record` (store_m is left as it is).
RunRecord read_run_record(const h5::Handle& root);

/// HDF5 needs a seekable file: throws IoError "cannot read 'PATH': ..." unless `path` is an
/// existing regular file (or a link to one).
void check_input(const std::filesystem::path& path);

}  // namespace isingmf::detail
