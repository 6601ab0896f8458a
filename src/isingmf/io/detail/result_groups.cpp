#include "isingmf/io/detail/result_groups.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <type_traits>
#include <variant>

#include "isingmf/util/error.hpp"

// The layout built here is documented in README.md ("HDF5 results"); keep the two in step.

namespace isingmf::detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Root attributes with a fixed meaning; every other string attribute of / is a model key.
constexpr std::array<const char*, 10> kReservedRootAttributes = {
    "format",    "format_version", "program_version", "command_line", "created",
    "num_sites", "num_edges",      "energy_offset",   "exact_note",   "upper_note"};

bool is_reserved(const std::string& key) {
    return std::any_of(kReservedRootAttributes.begin(), kReservedRootAttributes.end(),
                       [&](const char* reserved) { return key == reserved; });
}

// HDF5 cannot hold two attributes of one name and refuses empty names; say which key is
// at fault before any file is touched rather than failing halfway through the write.
void check_keys(const std::filesystem::path& path, const Description& description,
                const char* where, bool root) {
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

// `m_of(point)` at every temperature as one row-major [n_T x N] matrix.
template <class M>
void add_m(ResultGroup& group, const RunRecord& record, const SweepResult& sweep, M m_of) {
    const auto cols = static_cast<std::size_t>(record.num_sites);
    std::vector<double> m;
    m.reserve(sweep.points.size() * cols);
    for (const SweepPoint& point : sweep.points) {
        const std::vector<double>& row = m_of(point);
        m.insert(m.end(), row.begin(), row.end());
    }
    group.matrix("m", std::move(m), sweep.points.size(), cols, "dimensionless",
                 "per-site magnetizations m_i, one row per temperature [n_T x N]");
}

// value_of(point) at every temperature, in the sweep's order; the element type is what
// value_of returns.
template <class F>
auto collect(const SweepResult& sweep, F value_of) {
    using Value = decltype(value_of(sweep.points.front()));
    std::vector<Value> values;
    values.reserve(sweep.points.size());
    for (const SweepPoint& point : sweep.points) values.push_back(value_of(point));
    return values;
}

// The exact value at a point, or NaN where the exact side was not computed.
template <class F>
std::vector<double> collect_exact(const SweepResult& sweep, F value_of) {
    return collect(
        sweep, [&](const SweepPoint& p) { return p.exact ? double(value_of(*p.exact)) : kNaN; });
}

std::uint8_t flag(bool value) { return value ? 1 : 0; }

// What the columns energy_per_spin ... start of a lower bound's group say: their names and
// units are the same in /mean_field and /structured_mean_field, their meaning is not.
struct LowerBoundText {
    const char* energy;
    const char* entropy;
    const char* magnetization;
    const char* residual;
    const char* iterations;
    const char* converged;
    const char* start;
};

// The columns /mean_field and /structured_mean_field share (results_file.cpp reads them back
// as LowerBoundColumns), from bound(point), a MeanFieldResult or StructuredMeanFieldResult.
template <class Bound>
void lower_bound_columns(ResultGroup& group, const SweepResult& sweep, double n, Bound bound,
                         const LowerBoundText& text) {
    group.column("energy_per_spin",
                 collect(sweep, [&](const SweepPoint& p) { return bound(p).energy / n; }), "energy",
                 text.energy);
    group.column("entropy_per_spin",
                 collect(sweep, [&](const SweepPoint& p) { return bound(p).entropy / n; }),
                 "dimensionless", text.entropy);
    group.column("magnetization",
                 collect(sweep, [&](const SweepPoint& p) { return bound(p).magnetization; }),
                 "dimensionless", text.magnetization);
    group.column("residual", collect(sweep, [&](const SweepPoint& p) { return bound(p).residual; }),
                 "dimensionless", text.residual);
    group.column(
        "iterations",
        collect(sweep, [&](const SweepPoint& p) -> std::int32_t { return bound(p).iterations; }),
        "sweeps", text.iterations);
    group.column("converged",
                 collect(sweep, [&](const SweepPoint& p) { return flag(bound(p).converged); }),
                 "boolean", text.converged);
    group.column("start", collect(sweep, [&](const SweepPoint& p) { return bound(p).start; }),
                 "text", text.start);
}

ResultGroup mean_field_group(const RunRecord& record, const SweepResult& sweep) {
    ResultGroup group{"mean_field", {}, {}};
    const double n = static_cast<double>(record.num_sites);
    group.column("ln_z", collect(sweep, [](const SweepPoint& p) { return p.mean_field->ln_z; }),
                 "dimensionless",
                 "naive mean-field lower bound on ln Z (whole system, not per spin): max over m "
                 "of F(m)");
    group.column(
        "free_energy_per_spin",
        collect(sweep, [&](const SweepPoint& p) { return -p.T * p.mean_field->ln_z / n; }),
        "energy",
        "mean-field upper bound on the free energy per spin, -T ln_z / N (-inf at T = inf)");
    lower_bound_columns(
        group, sweep, n,
        [](const SweepPoint& p) -> const MeanFieldResult& { return *p.mean_field; },
        {.energy = "<H>_q / N in the product distribution q that attains the bound",
         .entropy = "S(q) / N = (1/N) sum_i H_b(m_i), H_b the binary entropy in nats",
         .magnetization = "(1/N) sum_i m_i",
         .residual = "max_i |m_i - tanh(beta phi_i)| at the returned m",
         .iterations = "coordinate-ascent sweeps used by the winning start",
         .converged = "1 when the winning start met the tolerance, else 0",
         .start = "winning start: paramagnet, up, down, anneal, random:r (random start r, "
                  "counted from 0) or warm"});
    group.column("cut",
                 collect(sweep,
                         [](const SweepPoint& p) {
                             return fmt::format("{}", fmt::join(p.mean_field->cut, ","));
                         }),
                 "text",
                 "starts cut off early because they fell behind the best bound, comma-separated "
                 "in the order they ran (empty: none)");
    if (record.store_m) {
        add_m(group, record, sweep,
              [](const SweepPoint& p) -> const std::vector<double>& { return p.mean_field->m; });
    }
    return group;
}

ResultGroup structured_group(const RunRecord& record, const SweepResult& sweep) {
    ResultGroup group{"structured_mean_field", {}, {}};
    const StructuredMeanFieldResult& first = *sweep.points.front().structured;
    group.attribute("kind", to_string(first.cluster_kind));
    group.attribute("width", std::int64_t{first.cluster_width});
    group.attribute("num_clusters", std::int64_t{first.num_clusters});
    group.attribute("clusters", first.clusters);
    const double n = static_cast<double>(record.num_sites);
    group.column("ln_z", collect(sweep, [](const SweepPoint& p) { return p.structured->ln_z; }),
                 "dimensionless",
                 "structured mean-field lower bound on ln Z (whole system): E_q[-beta H] + sum_c "
                 "S(q_c) evaluated exactly at the returned q, whether or not the ascent "
                 "converged");
    lower_bound_columns(
        group, sweep, n,
        [](const SweepPoint& p) -> const StructuredMeanFieldResult& { return *p.structured; },
        {.energy = "<H>_q / N in the cluster-product distribution q that attains the bound",
         .entropy = "sum_c S(q_c) / N in nats",
         .magnetization = "(1/N) sum_i m_i, m_i = E_q[s_i]",
         .residual = "largest change of an m_i in the last sweep of block updates",
         .iterations = "sweeps of block updates (every cluster once) used by the winning start",
         .converged =
             "1 when the winning start met the tolerance, else 0 (the bound holds either way)",
         .start = "winning start: naive (the naive mean-field solution at this T) or warm"});
    if (record.store_m) {
        add_m(group, record, sweep,
              [](const SweepPoint& p) -> const std::vector<double>& { return p.structured->m; });
    }
    return group;
}

ResultGroup exact_group(const SweepResult& sweep) {
    ResultGroup group{"exact", {}, {}};
    group.attribute("method", sweep.exact_method);
    group.column("ln_z", collect_exact(sweep, [](const ExactResult& e) { return e.ln_z; }),
                 "dimensionless", "exact ln Z (whole system); NaN where not computed");
    group.column("energy_per_spin",
                 collect_exact(sweep, [](const ExactResult& e) { return e.energy_per_spin; }),
                 "energy", "<H> / N; NaN where not computed");
    group.column(
        "specific_heat_per_spin",
        collect_exact(sweep, [](const ExactResult& e) { return e.specific_heat_per_spin; }),
        "dimensionless", "beta^2 (<H^2> - <H>^2) / N; NaN where not computed");
    group.column("magnetization",
                 collect_exact(sweep, [](const ExactResult& e) { return e.magnetization; }),
                 "dimensionless", "<m>, m = (1/N) sum_i s_i; NaN where not computed");
    group.column("magnetization_abs",
                 collect_exact(sweep, [](const ExactResult& e) { return e.magnetization_abs; }),
                 "dimensionless", "<|m|>; NaN where the method cannot compute it");
    group.column("susceptibility",
                 collect_exact(sweep, [](const ExactResult& e) { return e.susceptibility; }),
                 "1/energy", "beta N (<m^2> - <m>^2); NaN where the method cannot compute it");
    return group;
}

ResultGroup upper_bound_group(const SweepResult& sweep) {
    ResultGroup group{"upper_bound", {}, {}};
    const UpperBoundResult& first = *sweep.points.front().upper;
    group.attribute("kind", to_string(first.kind));
    group.attribute("width", std::int64_t{first.width});
    group.attribute("num_pieces", std::int64_t{first.num_pieces});
    group.attribute("decomposition", first.description);
    group.fixed("weights", first.weights, {first.weights.size()}, "dimensionless",
                "weight rho_f of each family of pieces (sum 1), the same at every temperature");
    group.column("ln_z", collect(sweep, [](const SweepPoint& p) { return p.upper->ln_z; }),
                 "dimensionless",
                 "certified upper bound on ln Z (whole system): sum_f rho_f ln Z_f at the split "
                 "reached, whether or not the optimisation converged");
    group.column("disagreement",
                 collect(sweep, [](const SweepPoint& p) { return p.upper->disagreement; }),
                 "dimensionless",
                 "largest difference between a family's marginal and their weighted mean (0 at "
                 "the optimal split)");
    group.column(
        "iterations",
        collect(sweep, [](const SweepPoint& p) -> std::int32_t { return p.upper->iterations; }),
        "iterations", "L-BFGS iterations over the split");
    group.column(
        "converged", collect(sweep, [](const SweepPoint& p) { return flag(p.upper->converged); }),
        "boolean", "1 when the optimisation met its tolerance (the bound holds either way)");
    return group;
}

ResultGroup bethe_group(const SweepResult& sweep) {
    ResultGroup group{"bethe", {}, {}};
    const BetheResult& first = *sweep.points.front().bethe;
    group.attribute("schedule", to_string(first.schedule));
    group.attribute("damping", first.damping);
    group.column("ln_z", collect(sweep, [](const SweepPoint& p) { return p.bethe->ln_z; }),
                 "dimensionless",
                 "Bethe estimate of ln Z (whole system) at the final BP messages: an estimate, "
                 "NOT a bound");
    group.column("residual", collect(sweep, [](const SweepPoint& p) { return p.bethe->residual; }),
                 "dimensionless", "largest undamped message change of the last BP sweep");
    group.column(
        "iterations",
        collect(sweep, [](const SweepPoint& p) -> std::int32_t { return p.bethe->iterations; }),
        "sweeps", "BP sweeps of the run kept");
    group.column("converged",
                 collect(sweep, [](const SweepPoint& p) { return flag(p.bethe->converged); }),
                 "boolean",
                 "1 when BP met its tolerance, else 0 (the estimate is then at unconverged "
                 "messages)");
    group.column("start", collect(sweep, [](const SweepPoint& p) { return p.bethe->start; }),
                 "text", "messages BP started from: zero, polarized or warm");
    return group;
}

// Differences between the sides present; NaN where either side is missing. Absent (no
// group at all) unless two sides are there to compare.
std::optional<ResultGroup> comparison_group(const SweepResult& sweep) {
    const bool mf = has_mean_field(sweep);
    const bool upper = has_upper(sweep);
    const bool structured = has_structured(sweep);
    const bool exact = sweep.exact_method != "none";
    const int sides = (mf ? 1 : 0) + (upper ? 1 : 0) + (structured ? 1 : 0) + (exact ? 1 : 0);
    if (sides < 2) return std::nullopt;
    ResultGroup group{"comparison", {}, {}};
    const auto exact_minus_lower = [](const SweepPoint& p) {
        return p.exact ? p.exact->ln_z - p.mean_field->ln_z : kNaN;
    };
    if (exact && mf) {
        group.column("gap", collect(sweep, exact_minus_lower), "dimensionless",
                     "exact ln_z - mean-field ln_z (>= 0: the bound's gap, whole system)");
        group.column("exact_minus_lower", collect(sweep, exact_minus_lower), "dimensionless",
                     "exact ln_z - mean-field lower bound (>= 0; the same as gap)");
    }
    if (mf && upper) {
        group.column(
            "upper_minus_lower",
            collect(sweep, [](const SweepPoint& p) { return p.upper->ln_z - p.mean_field->ln_z; }),
            "dimensionless",
            "upper bound - mean-field lower bound: the width of the certified interval "
            "holding ln Z (whole system)");
    }
    if (exact && upper) {
        group.column("upper_minus_exact",
                     collect(sweep,
                             [](const SweepPoint& p) {
                                 return p.exact ? p.upper->ln_z - p.exact->ln_z : kNaN;
                             }),
                     "dimensionless", "upper bound - exact ln_z (>= 0 up to rounding)");
    }
    if (exact && structured) {
        group.column("exact_minus_structured",
                     collect(sweep,
                             [](const SweepPoint& p) {
                                 return p.exact ? p.exact->ln_z - p.structured->ln_z : kNaN;
                             }),
                     "dimensionless",
                     "exact ln_z - structured mean-field ln_z (>= 0: the structured bound's gap)");
    }
    if (upper && structured) {
        group.column(
            "upper_minus_structured",
            collect(sweep, [](const SweepPoint& p) { return p.upper->ln_z - p.structured->ln_z; }),
            "dimensionless",
            "upper bound - structured mean-field lower bound: the width of the certified "
            "interval with the structured bound as its lower end (whole system)");
    }
    if (mf && structured) {
        group.column(
            "structured_minus_lower",
            collect(sweep,
                    [](const SweepPoint& p) { return p.structured->ln_z - p.mean_field->ln_z; }),
            "dimensionless",
            "structured mean-field ln_z - mean-field ln_z: what the clusters gain over naive "
            "mean field (>= 0 when the naive solution is a start)");
    }
    return group;
}

}  // namespace

void ResultGroup::column(std::string dataset_name, DatasetValues values, std::string units,
                         std::string description) {
    const std::size_t n = value_count(values);
    datasets.push_back({std::move(dataset_name),
                        std::move(values),
                        {n},
                        true,
                        false,
                        std::move(units),
                        std::move(description)});
}

void ResultGroup::fixed(std::string dataset_name, DatasetValues values,
                        std::vector<std::size_t> shape, std::string units,
                        std::string description) {
    datasets.push_back({std::move(dataset_name), std::move(values), std::move(shape), false, false,
                        std::move(units), std::move(description)});
}

void ResultGroup::matrix(std::string dataset_name, std::vector<double> values, std::size_t n_t,
                         std::size_t cols, std::string units, std::string description) {
    datasets.push_back({std::move(dataset_name),
                        std::move(values),
                        {n_t, cols},
                        true,
                        true,
                        std::move(units),
                        std::move(description)});
}

void ResultGroup::attribute(std::string attribute_name, AttributeValue value) {
    attributes.emplace_back(std::move(attribute_name), std::move(value));
}

std::vector<ResultGroup> sweep_groups(const RunRecord& record, const SweepResult& sweep) {
    std::vector<ResultGroup> groups;
    if (has_mean_field(sweep)) groups.push_back(mean_field_group(record, sweep));
    if (has_upper(sweep)) groups.push_back(upper_bound_group(sweep));
    if (has_bethe(sweep)) groups.push_back(bethe_group(sweep));
    if (has_structured(sweep)) groups.push_back(structured_group(record, sweep));
    if (sweep.exact_method != "none") groups.push_back(exact_group(sweep));
    if (std::optional<ResultGroup> comparison = comparison_group(sweep))
        groups.push_back(std::move(*comparison));
    return groups;
}

ColumnMoments column_moments(const DatasetValues& stacked, std::size_t K) {
    const auto at = [&](std::size_t i) {
        return std::visit(
            [&](const auto& v) -> double {
                using Value = typename std::decay_t<decltype(v)>::value_type;
                if constexpr (std::is_same_v<Value, std::string>) {
                    return std::numeric_limits<double>::quiet_NaN();
                } else {
                    return static_cast<double>(v[i]);
                }
            },
            stacked);
    };
    const std::size_t n_T = K == 0 ? 0 : value_count(stacked) / K;
    const double k_count = static_cast<double>(K);
    ColumnMoments m;
    m.mean.assign(n_T, 0.0);
    m.stderr_of_mean.assign(n_T, 0.0);
    m.std_dev.assign(n_T, 0.0);
    for (std::size_t t = 0; t < n_T; ++t) {
        double sum = 0.0;
        for (std::size_t k = 0; k < K; ++k) sum += at(k * n_T + t);
        const double mean = sum / k_count;
        double squares = 0.0;
        for (std::size_t k = 0; k < K; ++k) {
            const double x = at(k * n_T + t) - mean;
            squares += x * x;
        }
        // One sample has no spread to estimate: NaN, as numpy's std(ddof=1) gives.
        const double std_dev =
            K > 1 ? std::sqrt(squares / (k_count - 1.0)) : std::numeric_limits<double>::quiet_NaN();
        m.mean[t] = mean;
        m.std_dev[t] = std_dev;
        m.stderr_of_mean[t] = std_dev / std::sqrt(k_count);
    }
    return m;
}

void add_average_columns(ResultGroup& average, const std::string& group_name,
                         const ResultDataset& dataset, const DatasetValues& stacked,
                         std::size_t K) {
    ColumnMoments m = column_moments(stacked, K);
    const std::string& name = dataset.name;
    // The mean of a 0/1 flag (converged) is the fraction of samples where it is 1.
    const bool flag = dataset.units == "boolean";
    const std::string units = flag ? "fraction" : dataset.units;
    average.column(
        name, std::move(m.mean), units,
        flag ? fmt::format("fraction of the K = {} samples where /{}/{} is 1", K, group_name, name)
             : fmt::format("mean over the K = {} samples of /{}/{}", K, group_name, name));
    average.column(name + "_stderr", std::move(m.stderr_of_mean), units,
                   fmt::format("standard error of that mean: sample standard deviation "
                               "(ddof = 1) of /{}/{} over sqrt(K), K = {}; NaN for K = 1",
                               group_name, name, K));
    if (group_name == "comparison") {
        average.column(name + "_std", std::move(m.std_dev), units,
                       fmt::format("spread of /{}/{} over the samples: sample standard "
                                   "deviation (ddof = 1); NaN for K = 1",
                                   group_name, name));
    }
}

std::size_t value_count(const std::vector<std::size_t>& shape) {
    std::size_t count = 1;
    for (const std::size_t extent : shape) count *= extent;
    return count;
}

std::size_t value_count(const DatasetValues& values) {
    return std::visit([](const auto& v) { return v.size(); }, values);
}

void write_attribute(const h5::Handle& object, const std::string& name,
                     const AttributeValue& value) {
    if (const auto* text = std::get_if<std::string>(&value)) {
        h5::write_string_attribute(object, name, *text);
    } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        h5::write_int_attribute(object, name, *integer);
    } else {
        h5::write_double_attribute(object, name, std::get<double>(value));
    }
}

h5::Handle write_dataset(const h5::Handle& parent, const ResultDataset& dataset) {
    const auto write = [&](const auto& values) -> h5::Handle {
        using Value = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<Value, double>) {
            return h5::write_double_array(parent, dataset.name, values, dataset.shape,
                                          dataset.compress);
        } else if constexpr (std::is_same_v<Value, std::int32_t>) {
            return h5::write_int32_array(parent, dataset.name, values, dataset.shape,
                                         dataset.compress);
        } else if constexpr (std::is_same_v<Value, std::uint8_t>) {
            return h5::write_uint8_array(parent, dataset.name, values, dataset.shape,
                                         dataset.compress);
        } else {
            return h5::write_string_array(parent, dataset.name, values, dataset.shape,
                                          dataset.compress);
        }
    };
    h5::Handle handle = std::visit(write, dataset.values);
    h5::write_string_attribute(handle, "units", dataset.units);
    h5::write_string_attribute(handle, "description", dataset.description);
    return handle;
}

void write_group(const h5::Handle& parent, const ResultGroup& group) {
    const h5::Handle handle = h5::create_group(parent, group.name);
    for (const auto& [name, value] : group.attributes) write_attribute(handle, name, value);
    for (const ResultDataset& dataset : group.datasets) write_dataset(handle, dataset);
}

void check_record_keys(const std::filesystem::path& path, const RunRecord& record) {
    check_keys(path, record.model, "model", true);
    check_keys(path, record.solver, "solver", false);
}

void write_run_header(const h5::Handle& root, const RunRecord& record, std::string_view format,
                      std::int64_t format_version, const std::string& exact_note,
                      const std::string& upper_note, std::span<const double> T,
                      std::span<const double> beta) {
    h5::write_string_attribute(root, "format", std::string(format));
    h5::write_int_attribute(root, "format_version", format_version);
    h5::write_string_attribute(root, "program_version", record.program_version);
    h5::write_string_attribute(root, "command_line", record.command_line);
    h5::write_string_attribute(root, "created", record.created);
    h5::write_int_attribute(root, "num_sites", record.num_sites);
    h5::write_int_attribute(root, "num_edges", static_cast<std::int64_t>(record.num_edges));
    h5::write_double_attribute(root, "energy_offset", record.energy_offset);
    h5::write_string_attribute(root, "exact_note", exact_note);
    h5::write_string_attribute(root, "upper_note", upper_note);
    for (const auto& [key, value] : record.model) h5::write_string_attribute(root, key, value);
    {
        const h5::Handle parameters = h5::create_group(root, "parameters");
        for (const auto& [key, value] : record.solver)
            h5::write_string_attribute(parameters, key, value);
    }
    const auto describe = [](const h5::Handle& dataset, const char* units, const char* text) {
        h5::write_string_attribute(dataset, "units", units);
        h5::write_string_attribute(dataset, "description", text);
    };
    describe(h5::write_doubles(root, "T", T), "energy",
             "temperature T = 1/beta (k_B = 1); inf at beta = 0");
    describe(h5::write_doubles(root, "beta", beta), "1/energy", "inverse temperature beta = 1/T");
}

RunRecord read_run_record(const h5::Handle& root) {
    RunRecord record;
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
    return record;
}

// HDF5 needs a seekable file: an existing regular file, or a link to one. Said in words here,
// before HDF5 reports a directory or a device in its own terms.
void check_input(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw IoError(fmt::format("cannot read '{}': {}", path.string(), std::strerror(errno)));
    }
    if (S_ISDIR(st.st_mode))
        throw IoError(fmt::format("cannot read '{}': it is a directory", path.string()));
    if (!S_ISREG(st.st_mode))
        throw IoError(fmt::format("cannot read '{}': it is not a regular file", path.string()));
}

}  // namespace isingmf::detail
