#include "isingmf/io/results_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <system_error>

#include "isingmf/io/detail/hdf5.hpp"
#include "isingmf/io/detail/result_groups.hpp"
#include "isingmf/io/ensemble_file.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/error.hpp"

// The layout written here is documented in README.md ("HDF5 results"); keep the two in step.

namespace isingmf {
namespace {

namespace h5 = detail::h5;
namespace fs = std::filesystem;

constexpr const char* kFormat = "isingmf-results";
constexpr std::int64_t kFormatVersion = 3;
// Version 2 lacks /mean_field/cut and is otherwise the same.
constexpr std::int64_t kOldestReadableVersion = 2;

void check_inputs(const fs::path& path, const RunRecord& record, const SweepResult& sweep) {
    if (record.num_sites < 1) {
        throw IoError(fmt::format("cannot write '{}': num_sites is {}, expected >= 1",
                                  path.string(), record.num_sites));
    }
    detail::check_record_keys(path, record);
    // Each result is present at every temperature or at none.
    const auto uniform = [&](auto has, const char* what) {
        for (std::size_t k = 1; k < sweep.points.size(); ++k) {
            if (has(sweep.points[k]) != has(sweep.points[0]))
                throw IoError(fmt::format("cannot write '{}': {} at some temperatures only",
                                          path.string(), what));
        }
    };
    uniform([](const SweepPoint& p) { return p.mean_field.has_value(); }, "mean field");
    uniform([](const SweepPoint& p) { return p.upper.has_value(); }, "upper bound");
    uniform([](const SweepPoint& p) { return p.bethe.has_value(); }, "Bethe estimate");
    uniform([](const SweepPoint& p) { return p.structured.has_value(); }, "structured mean field");
    if (record.store_m) {
        // m is stored for each mean-field group present, and at least one must be.
        const auto n = static_cast<std::size_t>(record.num_sites);
        for (std::size_t k = 0; k < sweep.points.size(); ++k) {
            const SweepPoint& p = sweep.points[k];
            const auto check = [&](const std::vector<double>& m, const char* what) {
                if (m.size() != n) {
                    throw IoError(fmt::format(
                        "cannot write '{}': temperature {} has {} {} magnetizations for {} sites",
                        path.string(), k, m.size(), what, n));
                }
            };
            if (!p.mean_field && !p.structured) check({}, "mean-field");
            if (p.mean_field) check(p.mean_field->m, "mean-field");
            if (p.structured) check(p.structured->m, "structured mean-field");
        }
    }
}

template <class F>
std::vector<double> collect(const SweepResult& sweep, F value_of) {
    std::vector<double> values;
    values.reserve(sweep.points.size());
    for (const SweepPoint& point : sweep.points) values.push_back(value_of(point));
    return values;
}

// The whole file, built in memory (see h5::create_file_in_memory) and returned as bytes.
std::string write_contents(const fs::path& path, const RunRecord& record,
                           const SweepResult& sweep) {
    h5::Handle file = h5::create_file_in_memory(path.string());
    {
        const h5::Handle root = h5::open_group(file, "/");
        detail::write_run_header(root, record, kFormat, kFormatVersion, sweep.exact_note,
                                 sweep.upper_note,
                                 collect(sweep, [](const SweepPoint& p) { return p.T; }),
                                 collect(sweep, [](const SweepPoint& p) { return p.beta; }));
        for (const detail::ResultGroup& group : detail::sweep_groups(record, sweep))
            detail::write_group(root, group);
    }
    std::string image = h5::file_image(file);
    file.close();
    return image;
}

// "a,b,c" -> {a, b, c}; "" -> {}.
std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> items;
    std::size_t begin = 0;
    while (begin < text.size()) {
        const std::size_t end = std::min(text.find(',', begin), text.size());
        items.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    return items;
}

// A count or width attribute of `group` (0 to INT_MAX): an edited file's 2^32 + 3 is refused,
// not read as 3.
int read_int_count(const h5::Handle& group, const std::string& name) {
    return static_cast<int>(
        h5::read_int_attribute_in(group, name, 0, std::numeric_limits<int>::max()));
}

// Reads a 1-D dataset of `group` with `read` and checks it has one entry per temperature.
template <class Read>
auto read_column(Read read, const h5::Handle& group, const char* name, std::size_t n_T) {
    auto values = read(group, name);
    if (values.size() != n_T) {
        throw IoError(fmt::format("{}: {} entries, expected {} (one per temperature)",
                                  h5::child_where(group, name), values.size(), n_T));
    }
    return values;
}

// A string attribute naming one value of an enum, read by `parse`: a name it does not know is
// the file's fault, reported where it stands.
template <class Parse>
auto read_name_attribute(const h5::Handle& object, const char* name, Parse parse) {
    const std::string text = h5::read_string_attribute(object, name);
    try {
        return parse(text);
    } catch (const ParseError& e) {
        throw IoError(fmt::format("{}@{}: {}", object.where(), name, e.what()));
    }
}

// Reads the [n_T x N] matrix m of `group` into m_of(point) of every point.
template <class M>
void read_m(const h5::Handle& group, int num_sites, SweepResult& sweep, M m_of) {
    const std::size_t n_T = sweep.points.size();
    const h5::Matrix m = h5::read_double_matrix(group, "m");
    if (m.rows != n_T || m.cols != static_cast<std::size_t>(num_sites)) {
        throw IoError(fmt::format("{}/m: {} x {}, expected {} x {} (temperatures x sites)",
                                  group.where(), m.rows, m.cols, n_T, num_sites));
    }
    for (std::size_t k = 0; k < n_T; ++k) {
        const auto row = m.values.begin() + static_cast<std::ptrdiff_t>(k * m.cols);
        m_of(sweep.points[k]).assign(row, row + static_cast<std::ptrdiff_t>(m.cols));
    }
}

// The per-temperature columns /mean_field and /structured_mean_field share.
struct LowerBoundColumns {
    std::vector<double> ln_z;
    std::vector<double> energy_per_spin;
    std::vector<double> entropy_per_spin;
    std::vector<double> magnetization;
    std::vector<double> residual;
    std::vector<std::int32_t> iterations;
    std::vector<std::uint8_t> converged;
    std::vector<std::string> start;

    LowerBoundColumns(const h5::Handle& group, std::size_t n_T)
        : ln_z(read_column(h5::read_doubles, group, "ln_z", n_T)),
          energy_per_spin(read_column(h5::read_doubles, group, "energy_per_spin", n_T)),
          entropy_per_spin(read_column(h5::read_doubles, group, "entropy_per_spin", n_T)),
          magnetization(read_column(h5::read_doubles, group, "magnetization", n_T)),
          residual(read_column(h5::read_doubles, group, "residual", n_T)),
          iterations(read_column(h5::read_int32s, group, "iterations", n_T)),
          converged(read_column(h5::read_uint8s, group, "converged", n_T)),
          start(read_column(h5::read_strings, group, "start", n_T)) {}

    /// Temperature k's values into a MeanFieldResult or StructuredMeanFieldResult of n sites.
    template <class Result>
    void assign(std::size_t k, double n, Result& r) const {
        r.ln_z = ln_z[k];
        r.energy = energy_per_spin[k] * n;
        r.entropy = entropy_per_spin[k] * n;
        r.magnetization = magnetization[k];
        r.residual = residual[k];
        r.iterations = iterations[k];
        r.converged = converged[k] != 0;
        r.start = start[k];
    }
};

}  // namespace

void write_results(const fs::path& path, const RunRecord& record, const SweepResult& sweep,
                   bool overwrite) {
    check_output_target(path, overwrite);
    check_inputs(path, record, sweep);
    const h5::QuietErrors quiet;
    // HDF5 builds the file in memory; only write_text_atomically touches the disk, so a full
    // disk or a signal leaves no temporary file and is reported with the system's reason.
    const std::string image = write_contents(path, record, sweep);
    write_text_atomically(path, image, overwrite);
}

ResultsFile read_results(const fs::path& path, bool with_m) {
    const h5::QuietErrors quiet;
    detail::check_input(path);
    if (!h5::is_hdf5_file(path))
        throw IoError(fmt::format("'{}' is not an HDF5 file", path.string()));
    const h5::Handle file = h5::open_file_read(path);
    const h5::Handle root = h5::open_group(file, "/");
    if (!h5::has_attribute(root, "format") || !h5::is_string_attribute(root, "format") ||
        h5::read_string_attribute(root, "format") != kFormat) {
        if (is_ensemble_file(path)) {  // named for what it is, as the scripts do
            throw IoError(fmt::format(
                "'{}' is an isingmf ensemble file, not a sweep's results file (isingmf info "
                "summarises it)",
                path.string()));
        }
        throw IoError(fmt::format("'{}' is not an isingmf results file (no format attribute '{}')",
                                  path.string(), kFormat));
    }
    const std::int64_t version = h5::read_int_attribute(root, "format_version");
    if (version < kOldestReadableVersion || version > kFormatVersion) {
        throw IoError(
            fmt::format("'{}' has format_version {}; this isingmf reads versions {} to {}",
                        path.string(), version, kOldestReadableVersion, kFormatVersion));
    }

    ResultsFile out;
    RunRecord& record = out.record;
    record = detail::read_run_record(root);

    SweepResult& sweep = out.sweep;
    sweep.exact_note = h5::read_string_attribute(root, "exact_note");
    sweep.upper_note = h5::read_string_attribute(root, "upper_note");
    const std::vector<double> T = h5::read_doubles(root, "T");
    const std::size_t n_T = T.size();
    const std::vector<double> beta = read_column(h5::read_doubles, root, "beta", n_T);
    sweep.points.resize(n_T);
    for (std::size_t k = 0; k < n_T; ++k) {
        sweep.points[k].T = T[k];
        sweep.points[k].beta = beta[k];
    }

    const double n = static_cast<double>(record.num_sites);
    record.store_m = false;
    if (h5::has_link(root, "mean_field")) {
        const h5::Handle group = h5::open_group(root, "mean_field");
        const LowerBoundColumns columns(group, n_T);
        const auto cut = version >= 3 ? read_column(h5::read_strings, group, "cut", n_T)
                                      : std::vector<std::string>(n_T);
        for (std::size_t k = 0; k < n_T; ++k) {
            MeanFieldResult& mf = sweep.points[k].mean_field.emplace();
            columns.assign(k, n, mf);
            mf.cut = split_list(cut[k]);
        }
        record.store_m = h5::has_link(group, "m");
        if (record.store_m && with_m) {
            read_m(group, record.num_sites, sweep,
                   [](SweepPoint& p) -> std::vector<double>& { return p.mean_field->m; });
        }
    }

    if (h5::has_link(root, "upper_bound")) {
        const h5::Handle group = h5::open_group(root, "upper_bound");
        UpperBoundResult shared;
        shared.kind = read_name_attribute(group, "kind", parse_decomposition_kind);
        shared.width = read_int_count(group, "width");
        shared.num_pieces = read_int_count(group, "num_pieces");
        shared.description = h5::read_string_attribute(group, "decomposition");
        shared.weights = h5::read_doubles(group, "weights");
        const auto ln_z = read_column(h5::read_doubles, group, "ln_z", n_T);
        const auto disagreement = read_column(h5::read_doubles, group, "disagreement", n_T);
        const auto iterations = read_column(h5::read_int32s, group, "iterations", n_T);
        const auto converged = read_column(h5::read_uint8s, group, "converged", n_T);
        for (std::size_t k = 0; k < n_T; ++k) {
            UpperBoundResult& r = sweep.points[k].upper.emplace(shared);
            r.beta = beta[k];
            r.ln_z = ln_z[k];
            r.disagreement = disagreement[k];
            r.iterations = iterations[k];
            r.converged = converged[k] != 0;
        }
    }

    if (h5::has_link(root, "bethe")) {
        const h5::Handle group = h5::open_group(root, "bethe");
        const BpSchedule schedule = read_name_attribute(group, "schedule", parse_bp_schedule);
        const double damping = h5::read_double_attribute(group, "damping");
        const auto ln_z = read_column(h5::read_doubles, group, "ln_z", n_T);
        const auto residual = read_column(h5::read_doubles, group, "residual", n_T);
        const auto iterations = read_column(h5::read_int32s, group, "iterations", n_T);
        const auto converged = read_column(h5::read_uint8s, group, "converged", n_T);
        const auto starts = read_column(h5::read_strings, group, "start", n_T);
        for (std::size_t k = 0; k < n_T; ++k) {
            BetheResult& r = sweep.points[k].bethe.emplace();
            r.beta = beta[k];
            r.schedule = schedule;
            r.damping = damping;
            r.ln_z = ln_z[k];
            r.residual = residual[k];
            r.iterations = iterations[k];
            r.converged = converged[k] != 0;
            r.start = starts[k];
        }
    }

    if (h5::has_link(root, "structured_mean_field")) {
        const h5::Handle group = h5::open_group(root, "structured_mean_field");
        StructuredMeanFieldResult shared;
        shared.cluster_kind = read_name_attribute(group, "kind", parse_cluster_kind);
        shared.cluster_width = read_int_count(group, "width");
        shared.num_clusters = read_int_count(group, "num_clusters");
        shared.clusters = h5::read_string_attribute(group, "clusters");
        const LowerBoundColumns columns(group, n_T);
        for (std::size_t k = 0; k < n_T; ++k)
            columns.assign(k, n, sweep.points[k].structured.emplace(shared));
        const bool stored = h5::has_link(group, "m");
        record.store_m = record.store_m || stored;
        if (stored && with_m) {
            read_m(group, record.num_sites, sweep,
                   [](SweepPoint& p) -> std::vector<double>& { return p.structured->m; });
        }
    }

    if (h5::has_link(root, "exact")) {
        const h5::Handle group = h5::open_group(root, "exact");
        sweep.exact_method = h5::read_string_attribute(group, "method");
        const auto doubles = [&](const char* name) {
            return read_column(h5::read_doubles, group, name, n_T);
        };
        const std::vector<double> ln_z = doubles("ln_z");
        const std::vector<double> energy = doubles("energy_per_spin");
        const std::vector<double> heat = doubles("specific_heat_per_spin");
        const std::vector<double> magnetization = doubles("magnetization");
        const std::vector<double> magnetization_abs = doubles("magnetization_abs");
        const std::vector<double> susceptibility = doubles("susceptibility");
        for (std::size_t k = 0; k < n_T; ++k) {
            // NaN ln Z is how a point without an exact result is written.
            if (std::isnan(ln_z[k])) continue;
            sweep.points[k].exact = ExactResult{
                ln_z[k],          energy[k], heat[k], magnetization[k], magnetization_abs[k],
                susceptibility[k]};
        }
    } else {
        sweep.exact_method = "none";
    }
    return out;
}

}  // namespace isingmf
