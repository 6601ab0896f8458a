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

// Root attributes with a fixed meaning; every other string attribute of / is a model key.
constexpr std::array<const char*, 10> kReservedRootAttributes = {
    "format",    "format_version", "program_version", "command_line", "created",
    "num_sites", "num_edges",      "energy_offset",   "exact_note",   "upper_note"};

bool is_reserved(const std::string& key) {
    return std::any_of(kReservedRootAttributes.begin(), kReservedRootAttributes.end(),
                       [&](const char* reserved) { return key == reserved; });
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// HDF5 cannot hold two attributes of one name and refuses empty names; say which key is
// at fault before any file is touched rather than failing halfway through the write.
void check_keys(const fs::path& path, const Description& description, const char* where,
                bool root) {
    std::set<std::string> seen;
    for (const auto& [key, value] : description) {
        // A NUL would cut the name short in the C API, and could make two keys one.
        if (key.empty() || key.find('\0') != std::string::npos) {
            throw IoError(
                fmt::format("cannot write '{}': invalid {} key '{}'", path.string(), where, key));
        }
        if (root && is_reserved(key)) {
            throw IoError(fmt::format("cannot write '{}': {} key '{}' is a reserved root attribute",
                                      path.string(), where, key));
        }
        if (!seen.insert(key).second) {
            throw IoError(fmt::format("cannot write '{}': {} key '{}' given twice", path.string(),
                                      where, key));
        }
    }
}

void check_inputs(const fs::path& path, const RunRecord& record, const SweepResult& sweep) {
    if (record.num_sites < 1) {
        throw IoError(fmt::format("cannot write '{}': num_sites is {}, expected >= 1",
                                  path.string(), record.num_sites));
    }
    check_keys(path, record.model, "model", true);
    check_keys(path, record.solver, "solver", false);
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

bool has_mean_field(const SweepResult& sweep) {
    return !sweep.points.empty() && sweep.points[0].mean_field.has_value();
}
bool has_upper(const SweepResult& sweep) {
    return !sweep.points.empty() && sweep.points[0].upper.has_value();
}
bool has_bethe(const SweepResult& sweep) {
    return !sweep.points.empty() && sweep.points[0].bethe.has_value();
}
bool has_structured(const SweepResult& sweep) {
    return !sweep.points.empty() && sweep.points[0].structured.has_value();
}

void describe(const h5::Handle& dataset, const char* units, const char* description) {
    h5::write_string_attribute(dataset, "units", units);
    h5::write_string_attribute(dataset, "description", description);
}

template <class F>
std::vector<double> collect(const SweepResult& sweep, F value_of) {
    std::vector<double> values;
    values.reserve(sweep.points.size());
    for (const SweepPoint& point : sweep.points) values.push_back(value_of(point));
    return values;
}

// The exact value at a point, or NaN where the exact side was not computed.
template <class F>
std::vector<double> collect_exact(const SweepResult& sweep, F value_of) {
    return collect(sweep, [&](const SweepPoint& p) { return p.exact ? value_of(*p.exact) : kNaN; });
}

// The [n_T x N] matrix of per-site magnetizations m_of(point).
template <class M>
void write_m(const h5::Handle& group, const RunRecord& record, const SweepResult& sweep, M m_of) {
    const auto cols = static_cast<std::size_t>(record.num_sites);
    std::vector<double> m;
    m.reserve(sweep.points.size() * cols);
    for (const SweepPoint& point : sweep.points) {
        const std::vector<double>& row = m_of(point);
        m.insert(m.end(), row.begin(), row.end());
    }
    describe(h5::write_double_matrix(group, "m", m, sweep.points.size(), cols), "dimensionless",
             "per-site magnetizations m_i, one row per temperature [n_T x N]");
}

void write_mean_field(const h5::Handle& root, const RunRecord& record, const SweepResult& sweep) {
    const h5::Handle group = h5::create_group(root, "mean_field");
    const double n = static_cast<double>(record.num_sites);
    describe(
        h5::write_doubles(group, "ln_z",
                          collect(sweep, [](const SweepPoint& p) { return p.mean_field->ln_z; })),
        "dimensionless",
        "naive mean-field lower bound on ln Z (whole system, not per spin): max over m of F(m)");
    describe(
        h5::write_doubles(
            group, "free_energy_per_spin",
            collect(sweep, [&](const SweepPoint& p) { return -p.T * p.mean_field->ln_z / n; })),
        "energy",
        "mean-field upper bound on the free energy per spin, -T ln_z / N (-inf at T = inf)");
    describe(h5::write_doubles(
                 group, "energy_per_spin",
                 collect(sweep, [&](const SweepPoint& p) { return p.mean_field->energy / n; })),
             "energy", "<H>_q / N in the product distribution q that attains the bound");
    describe(h5::write_doubles(
                 group, "entropy_per_spin",
                 collect(sweep, [&](const SweepPoint& p) { return p.mean_field->entropy / n; })),
             "dimensionless", "S(q) / N = (1/N) sum_i H_b(m_i), H_b the binary entropy in nats");
    describe(h5::write_doubles(
                 group, "magnetization",
                 collect(sweep, [](const SweepPoint& p) { return p.mean_field->magnetization; })),
             "dimensionless", "(1/N) sum_i m_i");
    describe(h5::write_doubles(
                 group, "residual",
                 collect(sweep, [](const SweepPoint& p) { return p.mean_field->residual; })),
             "dimensionless", "max_i |m_i - tanh(beta phi_i)| at the returned m");

    std::vector<std::int32_t> iterations;
    std::vector<std::uint8_t> converged;
    std::vector<std::string> starts;
    std::vector<std::string> cut;
    for (const SweepPoint& point : sweep.points) {
        iterations.push_back(point.mean_field->iterations);
        converged.push_back(point.mean_field->converged ? 1 : 0);
        starts.push_back(point.mean_field->start);
        cut.push_back(fmt::format("{}", fmt::join(point.mean_field->cut, ",")));
    }
    describe(h5::write_int32s(group, "iterations", iterations), "sweeps",
             "coordinate-ascent sweeps used by the winning start");
    describe(h5::write_uint8s(group, "converged", converged), "boolean",
             "1 when the winning start met the tolerance, else 0");
    describe(h5::write_strings(group, "start", starts), "text",
             "winning start: paramagnet, up, down, anneal, random:K or warm");
    describe(h5::write_strings(group, "cut", cut), "text",
             "starts cut off early because they fell behind the best bound, comma-separated in "
             "the order they ran (empty: none)");

    if (record.store_m) {
        write_m(group, record, sweep,
                [](const SweepPoint& p) -> const std::vector<double>& { return p.mean_field->m; });
    }
}

void write_exact(const h5::Handle& root, const SweepResult& sweep) {
    const h5::Handle group = h5::create_group(root, "exact");
    h5::write_string_attribute(group, "method", sweep.exact_method);
    describe(h5::write_doubles(group, "ln_z",
                               collect_exact(sweep, [](const ExactResult& e) { return e.ln_z; })),
             "dimensionless", "exact ln Z (whole system); NaN where not computed");
    describe(h5::write_doubles(
                 group, "energy_per_spin",
                 collect_exact(sweep, [](const ExactResult& e) { return e.energy_per_spin; })),
             "energy", "<H> / N; NaN where not computed");
    describe(
        h5::write_doubles(
            group, "specific_heat_per_spin",
            collect_exact(sweep, [](const ExactResult& e) { return e.specific_heat_per_spin; })),
        "dimensionless", "beta^2 (<H^2> - <H>^2) / N; NaN where not computed");
    describe(h5::write_doubles(
                 group, "magnetization",
                 collect_exact(sweep, [](const ExactResult& e) { return e.magnetization; })),
             "dimensionless", "<m>, m = (1/N) sum_i s_i; NaN where not computed");
    describe(h5::write_doubles(
                 group, "magnetization_abs",
                 collect_exact(sweep, [](const ExactResult& e) { return e.magnetization_abs; })),
             "dimensionless", "<|m|>; NaN where the method cannot compute it");
    describe(h5::write_doubles(
                 group, "susceptibility",
                 collect_exact(sweep, [](const ExactResult& e) { return e.susceptibility; })),
             "1/energy", "beta N (<m^2> - <m>^2); NaN where the method cannot compute it");
}

void write_upper_bound(const h5::Handle& root, const SweepResult& sweep) {
    const h5::Handle group = h5::create_group(root, "upper_bound");
    const UpperBoundResult& first = *sweep.points.front().upper;
    h5::write_string_attribute(group, "kind", to_string(first.kind));
    h5::write_int_attribute(group, "width", first.width);
    h5::write_int_attribute(group, "num_pieces", first.num_pieces);
    h5::write_string_attribute(group, "decomposition", first.description);
    describe(h5::write_doubles(group, "weights", first.weights), "dimensionless",
             "weight rho_f of each family of pieces (sum 1), the same at every temperature");
    describe(h5::write_doubles(group, "ln_z",
                               collect(sweep, [](const SweepPoint& p) { return p.upper->ln_z; })),
             "dimensionless",
             "certified upper bound on ln Z (whole system): sum_f rho_f ln Z_f at the split "
             "reached, whether or not the optimisation converged");
    describe(h5::write_doubles(
                 group, "disagreement",
                 collect(sweep, [](const SweepPoint& p) { return p.upper->disagreement; })),
             "dimensionless",
             "largest difference between a family's marginal and their weighted mean (0 at "
             "the optimal split)");
    std::vector<std::int32_t> iterations;
    std::vector<std::uint8_t> converged;
    for (const SweepPoint& p : sweep.points) {
        iterations.push_back(p.upper->iterations);
        converged.push_back(p.upper->converged ? 1 : 0);
    }
    describe(h5::write_int32s(group, "iterations", iterations), "iterations",
             "L-BFGS iterations over the split");
    describe(h5::write_uint8s(group, "converged", converged), "boolean",
             "1 when the optimisation met its tolerance (the bound holds either way)");
}

void write_bethe(const h5::Handle& root, const SweepResult& sweep) {
    const h5::Handle group = h5::create_group(root, "bethe");
    const BetheResult& first = *sweep.points.front().bethe;
    h5::write_string_attribute(group, "schedule", to_string(first.schedule));
    h5::write_double_attribute(group, "damping", first.damping);
    describe(h5::write_doubles(group, "ln_z",
                               collect(sweep, [](const SweepPoint& p) { return p.bethe->ln_z; })),
             "dimensionless",
             "Bethe estimate of ln Z (whole system) at the final BP messages: an estimate, NOT "
             "a bound");
    describe(
        h5::write_doubles(group, "residual",
                          collect(sweep, [](const SweepPoint& p) { return p.bethe->residual; })),
        "dimensionless", "largest undamped message change of the last BP sweep");
    std::vector<std::int32_t> iterations;
    std::vector<std::uint8_t> converged;
    std::vector<std::string> starts;
    for (const SweepPoint& p : sweep.points) {
        iterations.push_back(p.bethe->iterations);
        converged.push_back(p.bethe->converged ? 1 : 0);
        starts.push_back(p.bethe->start);
    }
    describe(h5::write_int32s(group, "iterations", iterations), "sweeps",
             "BP sweeps of the run kept");
    describe(h5::write_uint8s(group, "converged", converged), "boolean",
             "1 when BP met its tolerance, else 0 (the estimate is then at unconverged messages)");
    describe(h5::write_strings(group, "start", starts), "text",
             "messages BP started from: zero, polarized or warm");
}

void write_structured(const h5::Handle& root, const RunRecord& record, const SweepResult& sweep) {
    const h5::Handle group = h5::create_group(root, "structured_mean_field");
    const StructuredMeanFieldResult& first = *sweep.points.front().structured;
    h5::write_string_attribute(group, "kind", to_string(first.cluster_kind));
    h5::write_int_attribute(group, "width", first.cluster_width);
    h5::write_int_attribute(group, "num_clusters", first.num_clusters);
    h5::write_string_attribute(group, "clusters", first.clusters);
    const double n = static_cast<double>(record.num_sites);
    describe(
        h5::write_doubles(group, "ln_z",
                          collect(sweep, [](const SweepPoint& p) { return p.structured->ln_z; })),
        "dimensionless",
        "structured mean-field lower bound on ln Z (whole system): E_q[-beta H] + sum_c S(q_c) "
        "evaluated exactly at the returned q, whether or not the ascent converged");
    describe(h5::write_doubles(
                 group, "energy_per_spin",
                 collect(sweep, [&](const SweepPoint& p) { return p.structured->energy / n; })),
             "energy", "<H>_q / N in the cluster-product distribution q that attains the bound");
    describe(h5::write_doubles(
                 group, "entropy_per_spin",
                 collect(sweep, [&](const SweepPoint& p) { return p.structured->entropy / n; })),
             "dimensionless", "sum_c S(q_c) / N in nats");
    describe(h5::write_doubles(
                 group, "magnetization",
                 collect(sweep, [](const SweepPoint& p) { return p.structured->magnetization; })),
             "dimensionless", "(1/N) sum_i m_i, m_i = E_q[s_i]");
    describe(h5::write_doubles(
                 group, "residual",
                 collect(sweep, [](const SweepPoint& p) { return p.structured->residual; })),
             "dimensionless", "largest change of an m_i in the last sweep of block updates");
    std::vector<std::int32_t> iterations;
    std::vector<std::uint8_t> converged;
    std::vector<std::string> starts;
    for (const SweepPoint& p : sweep.points) {
        iterations.push_back(p.structured->iterations);
        converged.push_back(p.structured->converged ? 1 : 0);
        starts.push_back(p.structured->start);
    }
    describe(h5::write_int32s(group, "iterations", iterations), "sweeps",
             "sweeps of block updates (every cluster once) used by the winning start");
    describe(h5::write_uint8s(group, "converged", converged), "boolean",
             "1 when the winning start met the tolerance, else 0 (the bound holds either way)");
    describe(h5::write_strings(group, "start", starts), "text",
             "winning start: naive (the naive mean-field solution at this T) or warm");
    if (record.store_m) {
        write_m(group, record, sweep,
                [](const SweepPoint& p) -> const std::vector<double>& { return p.structured->m; });
    }
}

// Differences between the sides present; NaN where either side is missing.
void write_comparison(const h5::Handle& root, const SweepResult& sweep) {
    const bool mf = has_mean_field(sweep);
    const bool upper = has_upper(sweep);
    const bool structured = has_structured(sweep);
    const bool exact = sweep.exact_method != "none";
    const int sides = (mf ? 1 : 0) + (upper ? 1 : 0) + (structured ? 1 : 0) + (exact ? 1 : 0);
    if (sides < 2) return;
    const h5::Handle comparison = h5::create_group(root, "comparison");
    const auto exact_minus_lower = [](const SweepPoint& p) {
        return p.exact ? p.exact->ln_z - p.mean_field->ln_z : kNaN;
    };
    if (exact && mf) {
        describe(h5::write_doubles(comparison, "gap", collect(sweep, exact_minus_lower)),
                 "dimensionless",
                 "exact ln_z - mean-field ln_z (>= 0: the bound's gap, whole system)");
        describe(
            h5::write_doubles(comparison, "exact_minus_lower", collect(sweep, exact_minus_lower)),
            "dimensionless", "exact ln_z - mean-field lower bound (>= 0; the same as gap)");
    }
    if (mf && upper) {
        describe(h5::write_doubles(comparison, "upper_minus_lower",
                                   collect(sweep,
                                           [](const SweepPoint& p) {
                                               return p.upper->ln_z - p.mean_field->ln_z;
                                           })),
                 "dimensionless",
                 "upper bound - mean-field lower bound: the width of the certified interval "
                 "holding ln Z (whole system)");
    }
    if (exact && upper) {
        describe(h5::write_doubles(comparison, "upper_minus_exact",
                                   collect(sweep,
                                           [](const SweepPoint& p) {
                                               return p.exact ? p.upper->ln_z - p.exact->ln_z
                                                              : kNaN;
                                           })),
                 "dimensionless", "upper bound - exact ln_z (>= 0 up to rounding)");
    }
    if (exact && structured) {
        describe(h5::write_doubles(comparison, "exact_minus_structured",
                                   collect(sweep,
                                           [](const SweepPoint& p) {
                                               return p.exact ? p.exact->ln_z - p.structured->ln_z
                                                              : kNaN;
                                           })),
                 "dimensionless",
                 "exact ln_z - structured mean-field ln_z (>= 0: the structured bound's gap)");
    }
    if (upper && structured) {
        describe(h5::write_doubles(comparison, "upper_minus_structured",
                                   collect(sweep,
                                           [](const SweepPoint& p) {
                                               return p.upper->ln_z - p.structured->ln_z;
                                           })),
                 "dimensionless",
                 "upper bound - structured mean-field lower bound: the width of the certified "
                 "interval with the structured bound as its lower end (whole system)");
    }
    if (mf && structured) {
        describe(h5::write_doubles(comparison, "structured_minus_lower",
                                   collect(sweep,
                                           [](const SweepPoint& p) {
                                               return p.structured->ln_z - p.mean_field->ln_z;
                                           })),
                 "dimensionless",
                 "structured mean-field ln_z - mean-field ln_z: what the clusters gain over "
                 "naive mean field (>= 0 when the naive solution is a start)");
    }
}

// The whole file, built in memory (see h5::create_file_in_memory) and returned as bytes.
std::string write_contents(const fs::path& path, const RunRecord& record,
                           const SweepResult& sweep) {
    h5::Handle file = h5::create_file_in_memory(path.string());
    {
        const h5::Handle root = h5::open_group(file, "/");
        h5::write_string_attribute(root, "format", kFormat);
        h5::write_int_attribute(root, "format_version", kFormatVersion);
        h5::write_string_attribute(root, "program_version", record.program_version);
        h5::write_string_attribute(root, "command_line", record.command_line);
        h5::write_string_attribute(root, "created", record.created);
        h5::write_int_attribute(root, "num_sites", record.num_sites);
        h5::write_int_attribute(root, "num_edges", static_cast<std::int64_t>(record.num_edges));
        h5::write_double_attribute(root, "energy_offset", record.energy_offset);
        h5::write_string_attribute(root, "exact_note", sweep.exact_note);
        h5::write_string_attribute(root, "upper_note", sweep.upper_note);
        for (const auto& [key, value] : record.model) h5::write_string_attribute(root, key, value);

        {
            const h5::Handle parameters = h5::create_group(root, "parameters");
            for (const auto& [key, value] : record.solver)
                h5::write_string_attribute(parameters, key, value);
        }

        describe(
            h5::write_doubles(root, "T", collect(sweep, [](const SweepPoint& p) { return p.T; })),
            "energy", "temperature T = 1/beta (k_B = 1); inf at beta = 0");
        describe(h5::write_doubles(root, "beta",
                                   collect(sweep, [](const SweepPoint& p) { return p.beta; })),
                 "1/energy", "inverse temperature beta = 1/T");

        if (has_mean_field(sweep)) write_mean_field(root, record, sweep);
        if (has_upper(sweep)) write_upper_bound(root, sweep);
        if (has_bethe(sweep)) write_bethe(root, sweep);
        if (has_structured(sweep)) write_structured(root, record, sweep);
        if (sweep.exact_method != "none") write_exact(root, sweep);
        write_comparison(root, sweep);
    }
    std::string image = h5::file_image(file);
    file.close();
    return image;
}

// HDF5 needs a seekable file: an existing regular file, or a link to one. Said in words here,
// before HDF5 reports a directory or a device in its own terms.
void check_input(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw IoError(fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode))
        throw IoError(fmt::format("cannot read '{}': it is a directory", path.string()));
    if (!S_ISREG(st.st_mode))
        throw IoError(fmt::format("cannot read '{}': it is not a regular file", path.string()));
}

// Reads a 1-D dataset of `group` with `read` and checks it has one entry per temperature.
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

template <class Read>
auto read_column(Read read, const h5::Handle& group, const char* name, std::size_t n_T) {
    auto values = read(group, name);
    if (values.size() != n_T) {
        throw IoError(fmt::format("{}/{}: {} entries, expected {} (one per temperature)",
                                  group.where(), name, values.size(), n_T));
    }
    return values;
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

}  // namespace

void write_results(const fs::path& path, const RunRecord& record, const SweepResult& sweep,
                   bool overwrite) {
    check_output_file(path, overwrite);
    check_inputs(path, record, sweep);
    const h5::QuietErrors quiet;
    // HDF5 builds the file in memory; only write_text_atomically touches the disk, so a full
    // disk or a signal leaves no temporary file and is reported with the system's reason.
    const std::string image = write_contents(path, record, sweep);
    write_text_atomically(path, image, overwrite);
}

ResultsFile read_results(const fs::path& path, bool with_m) {
    const h5::QuietErrors quiet;
    check_input(path);
    if (!h5::is_hdf5_file(path))
        throw IoError(fmt::format("'{}' is not an HDF5 file", path.string()));
    const h5::Handle file = h5::open_file_read(path);
    const h5::Handle root = h5::open_group(file, "/");
    if (!h5::has_attribute(root, "format") || !h5::is_string_attribute(root, "format") ||
        h5::read_string_attribute(root, "format") != kFormat) {
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
    record.program_version = h5::read_string_attribute(root, "program_version");
    record.command_line = h5::read_string_attribute(root, "command_line");
    record.created = h5::read_string_attribute(root, "created");
    const std::int64_t num_sites = h5::read_int_attribute(root, "num_sites");
    const std::int64_t num_edges = h5::read_int_attribute(root, "num_edges");
    if (num_sites < 1 || num_sites > std::numeric_limits<int>::max() || num_edges < 0) {
        throw IoError(fmt::format("{}: num_sites {} / num_edges {} out of range", root.where(),
                                  num_sites, num_edges));
    }
    record.num_sites = static_cast<int>(num_sites);
    record.num_edges = static_cast<std::size_t>(num_edges);
    record.energy_offset = h5::read_double_attribute(root, "energy_offset");
    for (const std::string& name : h5::attribute_names(root)) {
        if (!is_reserved(name) && h5::is_string_attribute(root, name)) {
            record.model.emplace_back(name, h5::read_string_attribute(root, name));
        }
    }
    {
        const h5::Handle parameters = h5::open_group(root, "parameters");
        for (const std::string& name : h5::attribute_names(parameters)) {
            record.solver.emplace_back(name, h5::read_string_attribute(parameters, name));
        }
    }

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
        const auto doubles = [&](const char* name) {
            return read_column(h5::read_doubles, group, name, n_T);
        };
        const std::vector<double> ln_z = doubles("ln_z");
        const std::vector<double> energy = doubles("energy_per_spin");
        const std::vector<double> entropy = doubles("entropy_per_spin");
        const std::vector<double> magnetization = doubles("magnetization");
        const std::vector<double> residual = doubles("residual");
        const auto iterations = read_column(h5::read_int32s, group, "iterations", n_T);
        const auto converged = read_column(h5::read_uint8s, group, "converged", n_T);
        const auto starts = read_column(h5::read_strings, group, "start", n_T);
        const auto cut = version >= 3 ? read_column(h5::read_strings, group, "cut", n_T)
                                      : std::vector<std::string>(n_T);
        for (std::size_t k = 0; k < n_T; ++k) {
            MeanFieldResult& mf = sweep.points[k].mean_field.emplace();
            mf.ln_z = ln_z[k];
            mf.energy = energy[k] * n;
            mf.entropy = entropy[k] * n;
            mf.magnetization = magnetization[k];
            mf.residual = residual[k];
            mf.iterations = iterations[k];
            mf.converged = converged[k] != 0;
            mf.start = starts[k];
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
        shared.kind = parse_decomposition_kind(h5::read_string_attribute(group, "kind"));
        shared.width = static_cast<int>(h5::read_int_attribute(group, "width"));
        shared.num_pieces = static_cast<int>(h5::read_int_attribute(group, "num_pieces"));
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
        const BpSchedule schedule = parse_bp_schedule(h5::read_string_attribute(group, "schedule"));
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
        shared.cluster_kind = parse_cluster_kind(h5::read_string_attribute(group, "kind"));
        shared.cluster_width = static_cast<int>(h5::read_int_attribute(group, "width"));
        shared.num_clusters = static_cast<int>(h5::read_int_attribute(group, "num_clusters"));
        shared.clusters = h5::read_string_attribute(group, "clusters");
        const auto doubles = [&](const char* name) {
            return read_column(h5::read_doubles, group, name, n_T);
        };
        const std::vector<double> ln_z = doubles("ln_z");
        const std::vector<double> energy = doubles("energy_per_spin");
        const std::vector<double> entropy = doubles("entropy_per_spin");
        const std::vector<double> magnetization = doubles("magnetization");
        const std::vector<double> residual = doubles("residual");
        const auto iterations = read_column(h5::read_int32s, group, "iterations", n_T);
        const auto converged = read_column(h5::read_uint8s, group, "converged", n_T);
        const auto starts = read_column(h5::read_strings, group, "start", n_T);
        for (std::size_t k = 0; k < n_T; ++k) {
            StructuredMeanFieldResult& r = sweep.points[k].structured.emplace(shared);
            r.ln_z = ln_z[k];
            r.energy = energy[k] * n;
            r.entropy = entropy[k] * n;
            r.magnetization = magnetization[k];
            r.residual = residual[k];
            r.iterations = iterations[k];
            r.converged = converged[k] != 0;
            r.start = starts[k];
        }
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
