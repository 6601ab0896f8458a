// isingmf.sweep and isingmf.read_results: per-temperature arrays of the bounds, the Bethe
// estimate and the exact side, grouped and named as in the HDF5 results file (README "HDF5
// results"): mean_field, upper_bound, bethe, structured_mean_field, exact, comparison.

#include "isingmf/sweep/sweep.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <limits>
#include <tuple>
#include <type_traits>

#include "bindings.hpp"
#include "interruptible.hpp"
#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/io/checked_read.hpp"
#include "isingmf/io/results_file.hpp"
#include "isingmf/util/error.hpp"
#include "result_state.hpp"

namespace isingmf::python {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One group of a run's columns (Python: isingmf.MeanFieldSeries, UpperBoundSeries, ...):
// the results of one solver at every temperature.
template <class Result, std::optional<Result> SweepPoint::*Member>
struct Group {
    using ResultType = Result;
    static constexpr auto member = Member;
    std::shared_ptr<const SweepRun> run;
    const Result& first() const { return *(run->sweep.points.front().*Member); }
};
}  // namespace
template <class Result, std::optional<Result> SweepPoint::*Member>
inline constexpr bool kBound<Group<Result, Member>> = true;
namespace {
using MeanFieldSeries = Group<MeanFieldResult, &SweepPoint::mean_field>;
using UpperBoundSeries = Group<UpperBoundResult, &SweepPoint::upper>;
using BetheSeries = Group<BetheResult, &SweepPoint::bethe>;
using StructuredSeries = Group<StructuredMeanFieldResult, &SweepPoint::structured>;

// Whether `run` has group G (the file's rule: present at the first temperature means present
// at all).
template <class G>
bool has_group(const SweepRun& run) {
    return !run.sweep.points.empty() && (run.sweep.points.front().*G::member).has_value();
}

// The group of the run `self`, or None when the run lacks it. Read as a SweepRun first: a
// SweepResult made by __new__ alone is refused in the words of the other attributes.
template <class G>
py::object group_of(const py::object& self) {
    if (!has_group<G>(self.cast<const SweepRun&>())) return py::none();
    return py::cast(G{self.cast<std::shared_ptr<const SweepRun>>()});
}

// Adds a per-temperature column: value_of(result) or value_of(result, point, N), gathered
// into a new NumPy array of T.
template <class T, class G, class F>
void add_column(py::class_<G>& cls, const char* name, F value_of, const char* doc) {
    cls.def_property_readonly(
        name,
        [value_of](const G& g) {
            const double n = g.run->num_sites;
            return gather<T>(g.run->sweep.points, [&](const SweepPoint& p) {
                const auto& r = *(p.*G::member);
                if constexpr (std::is_invocable_v<F, decltype(r)>) {
                    return value_of(r);
                } else {
                    return value_of(r, p, n);
                }
            });
        },
        doc);
}

// A group pickles as its whole run (the same bytes as the SweepResult's) and comes back as
// that group of the run; a run without the group is not such a state.
template <class G>
void add_group_pickle(py::class_<G>& cls) {
    const std::string name = "isingmf." + cls.attr("__name__").template cast<std::string>();
    cls.def(py::pickle([](const G& g) -> py::object { return result_state(*g.run); },
                       [name](const py::object& state) {
                           auto run = std::make_shared<const SweepRun>(
                               result_from_state<SweepRun>(state, name.c_str()));
                           if (!has_group<G>(*run)) {
                               throw IoError(
                                   fmt::format("not an {} pickle state: its run has no "
                                               "such group",
                                               name));
                           }
                           return G{std::move(run)};
                       }));
}

// The columns every group has: ln_z, iterations, converged; and its pickling.
template <class G>
void add_common_columns(py::class_<G>& cls, const char* ln_z_doc) {
    add_group_pickle(cls);
    add_column<double>(
        cls, "ln_z", [](const auto& r) { return r.ln_z; }, ln_z_doc);
    add_column<std::int32_t>(
        cls, "iterations", [](const auto& r) { return r.iterations; }, "iterations or sweeps");
    add_column<bool>(
        cls, "converged", [](const auto& r) { return r.converged; }, "met the tolerance");
    cls.def("__repr__", [](const G& g) {
        return fmt::format("<isingmf.{}: {} temperatures>",
                           py::type::of<G>().attr("__name__").template cast<std::string>(),
                           g.run->sweep.points.size());
    });
}

// A list of one string per temperature.
template <class G, class F>
void add_text_column(py::class_<G>& cls, const char* name, F value_of, const char* doc) {
    cls.def_property_readonly(
        name,
        [value_of](const G& g) {
            py::list out;
            for (const SweepPoint& p : g.run->sweep.points) out.append(value_of(*(p.*G::member)));
            return out;
        },
        doc);
}

// [n_T, N] copy of the per-site magnetizations, or None when they were not stored.
template <class G>
void add_m(py::class_<G>& cls) {
    cls.def_property_readonly(
        "m",
        [](const G& g) -> py::object {
            const auto& points = g.run->sweep.points;
            const auto n = static_cast<std::size_t>(g.run->num_sites);
            for (const SweepPoint& p : points)
                if ((p.*G::member)->m.size() != n) return py::none();
            py::array_t<double> m(
                {static_cast<py::ssize_t>(points.size()), static_cast<py::ssize_t>(n)});
            double* out = m.mutable_data();
            for (const SweepPoint& p : points)
                out = std::copy((p.*G::member)->m.begin(), (p.*G::member)->m.end(), out);
            return m;
        },
        "[n_T, N] copy of the per-site magnetizations, or None when not stored");
}

// A result of one temperature, or None (a view into the run, kept alive by it).
template <class Result>
void add_point_result(py::class_<SweepPoint>& cls, const char* name,
                      std::optional<Result> SweepPoint::*member, const char* doc) {
    cls.def_property_readonly(
        name,
        [member](const SweepPoint& p) -> const Result* {
            return p.*member ? &*(p.*member) : nullptr;
        },
        py::return_value_policy::reference_internal, doc);
}

constexpr const char* kSweepDoc =
    R"doc(Temperature sweep: the bounds asked for and the exact side at each temperature,
the same numbers as `isingmf sweep` writes to its results file for the same options.

Arguments (the command line's sweep options):
    model          an isingmf.Model
    T              temperatures: grid text "0.5:5:0.1" (stop included when on the grid) or
                   "0.5,1,2.27", a number or a 1-D array-like; default "0.5:5:0.1"
    beta           inverse temperatures instead of T (beta = 0 allowed)
    exact          "auto", "enumerate", "eliminate", "kaufman", "planar" or "none"
    bounds         what to compute: "mf,upper" (the default) or a sequence of "mf" (naive
                   mean-field lower bound), "upper" (certified upper bound), "bethe" (Bethe
                   estimate, not a bound), "structured" (structured mean-field lower bound)
    starts         "up,down,paramagnet,anneal,random,warm" (the default) or a sequence of
                   those names; "warm" also starts each temperature from its neighbours'
                   solutions, up and then down the grid
    restarts, tol, max_iter, method, omega, extrapolate, cut_off: as for
                   isingmf.mean_field; structured mean field takes the same tol, max_iter,
                   method and omega, and starts from the sweep's naive solution
    seed           seed of the random starts (the command line's --seed also seeds the
                   model: pass the same seed to isingmf.lattice to reproduce a run)
    cluster_width, clusters: structured's clusters (isingmf.structured_mean_field)
    ub_width       upper bound's strip width (0: automatic); ub_tol its tolerance
    bp_schedule, bp_damping: Bethe's schedule ("sequential" or "parallel") and damping
                   (each of these settings, given other than its default, needs its bound
                   in bounds: ModelError otherwise)
    threads        OpenMP threads (0: all cores); the numbers do not depend on it

Returns a SweepResult. The GIL is released while solving.)doc";

constexpr const char* kResultDoc =
    R"doc(A temperature sweep, run by isingmf.sweep or read by isingmf.read_results.

Groups of per-temperature NumPy arrays (copies), named as in the HDF5 file; a group is None
when the run did not compute it:
    T, beta                 temperatures as given, and 1/T (T = inf at beta = 0)
    mean_field              MeanFieldSeries: ln_z (<= ln Z, whole system),
                            free_energy_per_spin (-T ln_z / N), energy_per_spin (<H>_q / N),
                            entropy_per_spin (S(q) / N), magnetization, residual,
                            iterations, converged, start, cut, m ([n_T, N] copy, or None)
    upper_bound             UpperBoundSeries: ln_z (>= ln Z), disagreement, iterations,
                            converged; kind, width, num_pieces, decomposition, weights
    bethe                   BetheSeries: ln_z (an estimate, NOT a bound), residual,
                            iterations, converged, start; schedule, damping
    structured_mean_field   StructuredSeries: ln_z (<= ln Z), energy_per_spin,
                            entropy_per_spin, magnetization, residual, iterations,
                            converged, start, m; kind, width, num_clusters, clusters
    exact                   ExactResult (ln_z, energy_per_spin, specific_heat_per_spin,
                            magnetization, magnetization_abs, susceptibility), or None
                            when no exact method ran
    comparison              dict of the file's /comparison differences (gap,
                            exact_minus_lower, upper_minus_lower, upper_minus_exact,
                            exact_minus_structured, upper_minus_structured,
                            structured_minus_lower), each where its two sides exist
    gap                     exact ln_z - mean-field ln_z (NaN without either)
    exact_method, exact_note, upper_note (why the upper bound was skipped or ran on
                            trees although ub_width asked for strips), num_sites
    record                  for a file: how it was made (program_version, command_line,
                            created, model, parameters, ...); None for a sweep run here
r[k] is the SweepPoint of temperature k; r[k].mean_field.m is a read-only view of that
temperature's magnetizations (no copy). Results pickle (multiprocessing, copy.deepcopy) and
come back equal to the last bit, as do every result, point and series type.)doc";

py::object exact_series(const SweepRun& run) {
    const SweepResult& sweep = run.sweep;
    if (sweep.exact_method == "none") return py::none();
    auto series = std::make_shared<ExactSeries>();
    series->method = sweep.exact_method;
    series->note = sweep.exact_note;
    for (const SweepPoint& point : sweep.points) {
        series->T.push_back(point.T);
        series->beta.push_back(point.beta);
        series->points.push_back(point.exact);
    }
    return py::cast(series);
}

// ln Z of a side at a point, NaN where it is missing.
double exact_ln_z(const SweepPoint& p) { return p.exact ? p.exact->ln_z : kNaN; }

// The differences the file's /comparison holds, by the same rule: each one whose two sides
// the run has, when it has at least two sides.
py::dict comparison(const SweepRun& run) {
    const SweepResult& sweep = run.sweep;
    py::dict out;
    if (sweep.points.empty()) return out;
    const SweepPoint& front = sweep.points.front();
    const bool mf = front.mean_field.has_value();
    const bool upper = front.upper.has_value();
    const bool structured = front.structured.has_value();
    const bool exact = sweep.exact_method != "none";
    if ((mf ? 1 : 0) + (upper ? 1 : 0) + (structured ? 1 : 0) + (exact ? 1 : 0) < 2) return out;
    const auto put = [&](const char* name, auto difference) {
        out[name] = gather<double>(sweep.points, difference);
    };
    if (exact && mf) {
        const auto gap = [](const SweepPoint& p) { return exact_ln_z(p) - p.mean_field->ln_z; };
        put("gap", gap);
        put("exact_minus_lower", gap);
    }
    if (mf && upper)
        put("upper_minus_lower",
            [](const SweepPoint& p) { return p.upper->ln_z - p.mean_field->ln_z; });
    if (exact && upper)
        put("upper_minus_exact", [](const SweepPoint& p) { return p.upper->ln_z - exact_ln_z(p); });
    if (exact && structured)
        put("exact_minus_structured",
            [](const SweepPoint& p) { return exact_ln_z(p) - p.structured->ln_z; });
    if (upper && structured)
        put("upper_minus_structured",
            [](const SweepPoint& p) { return p.upper->ln_z - p.structured->ln_z; });
    if (mf && structured)
        put("structured_minus_lower",
            [](const SweepPoint& p) { return p.structured->ln_z - p.mean_field->ln_z; });
    return out;
}

py::object record_dict(const SweepRun& run) {
    if (!run.record) return py::none();
    const RunRecord& record = *run.record;
    const auto pairs = [](const Description& description) {
        py::dict out;
        for (const auto& [key, value] : description) out[py::str(key)] = value;
        return out;
    };
    py::dict out;
    out["program_version"] = record.program_version;
    out["command_line"] = record.command_line;
    out["created"] = record.created;
    out["model"] = pairs(record.model);
    out["num_sites"] = record.num_sites;
    out["num_edges"] = record.num_edges;
    out["energy_offset"] = record.energy_offset;
    out["parameters"] = pairs(record.solver);
    out["store_m"] = record.store_m;
    return out;
}

}  // namespace

SweepOptions sweep_options_argument(const Model& model, const std::string& exact, py::handle bounds,
                                    py::handle starts, int restarts, double tol, int max_iter,
                                    const std::string& method, double omega, bool extrapolate,
                                    bool cut_off, std::uint64_t seed, int cluster_width,
                                    py::handle clusters, int ub_width, double ub_tol,
                                    const std::string& bp_schedule, double bp_damping,
                                    int threads) {
    SweepOptions options;
    options.mean_field = mean_field_options(starts, restarts, tol, max_iter, method, omega,
                                            extrapolate, seed, cut_off, &options.warm_start, false);
    options.exact = parse_exact_method(exact);
    options.bounds = parse_sweep_bounds(name_list(bounds));
    // Structured mean field takes the same convergence and update settings (as the CLI).
    const bool structured = options.computes(SweepBound::structured);
    if ((cluster_width != 0 || !clusters.is_none()) && !structured)
        throw ModelError(fmt::format("{} needs structured in bounds",
                                     clusters.is_none() ? "cluster_width" : "clusters"));
    options.structured.tolerance = tol;
    options.structured.max_iterations = max_iter;
    options.structured.method = options.mean_field.method;
    options.structured.omega = omega;
    options.structured.cluster_width = cluster_width;
    options.structured.clusters = cluster_partition_argument(model, clusters, cluster_width);
    if (ub_width < 0) throw ModelError("ub_width must be >= 0 (0: automatic)");
    options.upper.width = ub_width;
    check_tolerance(ub_tol, "ub_tol");
    options.upper.tolerance = ub_tol;
    options.bethe.schedule = parse_bp_schedule(bp_schedule);
    if (!(bp_damping >= 0.0 && bp_damping < 1.0)) throw ModelError("bp_damping must be in [0, 1)");
    options.bethe.damping = bp_damping;
    // A setting of a bound that is not computed would be silently ignored: refused, as the
    // CLI does (Python cannot tell a default given from one left out: values other than it).
    const SweepOptions defaults;
    const bool upper = options.computes(SweepBound::upper);
    const bool bethe = options.computes(SweepBound::bethe);
    for (const auto& [changed, needs_upper, name] :
         {std::tuple{options.upper.width != defaults.upper.width, true, "ub_width"},
          std::tuple{options.upper.tolerance != defaults.upper.tolerance, true, "ub_tol"},
          std::tuple{options.bethe.schedule != defaults.bethe.schedule, false, "bp_schedule"},
          std::tuple{options.bethe.damping != defaults.bethe.damping, false, "bp_damping"}}) {
        if (changed && !(needs_upper ? upper : bethe))
            throw ModelError(
                fmt::format("{} needs {} in bounds", name, needs_upper ? "upper" : "bethe"));
    }
    options.threads = threads;
    return options;
}

namespace {

std::shared_ptr<SweepRun> sweep(
    const Model& model, py::object T, py::object beta, const std::string& exact, py::object bounds,
    py::object starts, IntArgument<"restarts"> restarts, double tol,
    IntArgument<"max_iter"> max_iter, const std::string& method, double omega, bool extrapolate,
    bool cut_off, SeedArgument seed_argument, IntArgument<"cluster_width"> cluster_width,
    py::object clusters, IntArgument<"ub_width"> ub_width, double ub_tol,
    const std::string& bp_schedule, double bp_damping, IntArgument<"threads"> threads) {
    const std::uint64_t seed = seed_argument.value;
    const Temperatures grid = temperatures_argument(T, beta, "0.5:5:0.1");
    const SweepOptions options = sweep_options_argument(
        model, exact, bounds, starts, restarts, tol, max_iter, method, omega, extrapolate, cut_off,
        seed, cluster_width, clusters, ub_width, ub_tol, bp_schedule, bp_damping, threads);
    auto run = std::make_shared<SweepRun>();
    run->num_sites = model.num_sites();
    run->sweep = interruptible([&] { return run_sweep(model, grid.betas, options); });
    keep_typed_temperatures(grid.temperatures, run->sweep);
    return run;
}

std::shared_ptr<SweepRun> read(const std::filesystem::path& path, bool with_m) {
    // Read by a child process first: HDF5 1.10 can crash or hang on a damaged file, and this
    // process is the user's interpreter. Up to ISINGMF_READ_TIMEOUT (60 s), or Ctrl-C.
    ResultsFile file = interruptible([&] { return read_results_checked(path, with_m); });
    auto run = std::make_shared<SweepRun>();
    run->num_sites = file.record.num_sites;
    run->sweep = std::move(file.sweep);
    run->record = std::move(file.record);
    return run;
}

const SweepPoint& point_at(const SweepRun& run, py::ssize_t k) {
    const auto n = static_cast<py::ssize_t>(run.sweep.points.size());
    if (k < 0) k += n;
    if (k < 0 || k >= n) throw py::index_error("temperature index out of range");
    return run.sweep.points[static_cast<std::size_t>(k)];
}

void bind_groups(py::module_& module) {
    py::class_<MeanFieldSeries> mf(module, "MeanFieldSeries",
                                   "The naive mean-field columns of a sweep (/mean_field).");
    add_common_columns(mf, "ln Z_MF <= ln Z (whole system)");
    add_column<double>(
        mf, "free_energy_per_spin",
        [](const MeanFieldResult& r, const SweepPoint& p, double n) { return -p.T * r.ln_z / n; },
        "-T ln_z / N");
    add_column<double>(
        mf, "energy_per_spin",
        [](const MeanFieldResult& r, const SweepPoint&, double n) { return r.energy / n; },
        "<H>_q / N");
    add_column<double>(
        mf, "entropy_per_spin",
        [](const MeanFieldResult& r, const SweepPoint&, double n) { return r.entropy / n; },
        "S(q) / N");
    add_column<double>(
        mf, "magnetization", [](const MeanFieldResult& r) { return r.magnetization; },
        "(1/N) sum_i m_i");
    add_column<double>(
        mf, "residual", [](const MeanFieldResult& r) { return r.residual; },
        "max_i |m_i - tanh(beta phi_i)|");
    add_text_column(
        mf, "start", [](const MeanFieldResult& r) { return r.start; }, "winning start");
    add_text_column(
        mf, "cut",
        [](const MeanFieldResult& r) { return fmt::format("{}", fmt::join(r.cut, ",")); },
        "starts cut off, comma-separated in the order they ran (as in the file)");
    add_m(mf);

    py::class_<UpperBoundSeries> ub(
        module, "UpperBoundSeries",
        "The certified upper bound's columns of a sweep (/upper_bound).");
    add_common_columns(ub, "U >= ln Z (whole system)");
    add_column<double>(
        ub, "disagreement", [](const UpperBoundResult& r) { return r.disagreement; },
        "largest |marginal of a family - their weighted mean| at the split");
    ub.def_property_readonly("kind",
                             [](const UpperBoundSeries& g) { return to_string(g.first().kind); })
        .def_property_readonly("width", [](const UpperBoundSeries& g) { return g.first().width; })
        .def_property_readonly("num_pieces",
                               [](const UpperBoundSeries& g) { return g.first().num_pieces; })
        .def_property_readonly("decomposition",
                               [](const UpperBoundSeries& g) { return g.first().description; })
        .def_property_readonly("weights",
                               [](const UpperBoundSeries& g) { return copy(g.first().weights); });

    py::class_<BetheSeries> bp(module, "BetheSeries",
                               "The Bethe estimate's columns of a sweep (/bethe): NOT a bound.");
    add_common_columns(bp, "ln Z_Bethe (whole system): an estimate, NOT a bound");
    add_column<double>(
        bp, "residual", [](const BetheResult& r) { return r.residual; },
        "largest undamped message change of the last sweep");
    add_text_column(
        bp, "start", [](const BetheResult& r) { return r.start; }, "zero, polarized or warm");
    bp.def_property_readonly("schedule", [](const BetheSeries& g) {
          return to_string(g.first().schedule);
      }).def_property_readonly("damping", [](const BetheSeries& g) { return g.first().damping; });

    py::class_<StructuredSeries> smf(
        module, "StructuredSeries",
        "The structured mean-field columns of a sweep (/structured_mean_field).");
    add_common_columns(smf, "ln Z_SMF <= ln Z (whole system)");
    add_column<double>(
        smf, "energy_per_spin",
        [](const StructuredMeanFieldResult& r, const SweepPoint&, double n) {
            return r.energy / n;
        },
        "<H>_q / N");
    add_column<double>(
        smf, "entropy_per_spin",
        [](const StructuredMeanFieldResult& r, const SweepPoint&, double n) {
            return r.entropy / n;
        },
        "sum_c S(q_c) / N");
    add_column<double>(
        smf, "magnetization", [](const StructuredMeanFieldResult& r) { return r.magnetization; },
        "(1/N) sum_i m_i");
    add_column<double>(
        smf, "residual", [](const StructuredMeanFieldResult& r) { return r.residual; },
        "largest change of an m_i in the last sweep");
    add_text_column(
        smf, "start", [](const StructuredMeanFieldResult& r) { return r.start; }, "winning start");
    add_m(smf);
    smf.def_property_readonly(
           "kind", [](const StructuredSeries& g) { return to_string(g.first().cluster_kind); })
        .def_property_readonly("width",
                               [](const StructuredSeries& g) { return g.first().cluster_width; })
        .def_property_readonly("num_clusters",
                               [](const StructuredSeries& g) { return g.first().num_clusters; })
        .def_property_readonly("clusters",
                               [](const StructuredSeries& g) { return g.first().clusters; });
}

}  // namespace

void bind_sweep(py::module_& module) {
    py::class_<SweepPoint> point(module, "SweepPoint", "One temperature of a sweep.");
    point.def(result_pickle<SweepPoint>("isingmf.SweepPoint"));
    point.def_readonly("T", &SweepPoint::T, "temperature (inf at beta = 0)")
        .def_readonly("beta", &SweepPoint::beta, "inverse temperature");
    add_point_result(point, "mean_field", &SweepPoint::mean_field,
                     "the MeanFieldResult of this temperature (its m is a view), or None");
    add_point_result(point, "upper", &SweepPoint::upper, "the UpperBoundResult, or None");
    add_point_result(point, "bethe", &SweepPoint::bethe, "the BetheResult, or None");
    add_point_result(point, "structured", &SweepPoint::structured,
                     "the StructuredMeanFieldResult (its m is a view), or None");
    point.def_readonly("exact", &SweepPoint::exact, "an ExactPoint, or None")
        .def("__repr__", [](const SweepPoint& p) {
            std::string text = fmt::format("<isingmf.SweepPoint: T={}, beta={}", p.T, p.beta);
            const auto add = [&](const char* name, const auto& result) {
                if (result) text += fmt::format(", {}={}", name, result->ln_z);
            };
            add("mean_field.ln_z", p.mean_field);
            add("structured.ln_z", p.structured);
            add("upper.ln_z", p.upper);
            add("bethe.ln_z", p.bethe);
            add("exact.ln_z", p.exact);
            return text + ">";
        });

    bind_groups(module);

    py::class_<SweepRun, std::shared_ptr<SweepRun>>(module, "SweepResult", kResultDoc)
        .def(result_pickle<SweepRun>("isingmf.SweepResult"))
        .def_property_readonly("T",
                               [](const SweepRun& r) {
                                   return gather<double>(r.sweep.points,
                                                         [](const SweepPoint& p) { return p.T; });
                               })
        .def_property_readonly("beta",
                               [](const SweepRun& r) {
                                   return gather<double>(
                                       r.sweep.points, [](const SweepPoint& p) { return p.beta; });
                               })
        .def_property_readonly("mean_field", &group_of<MeanFieldSeries>)
        .def_property_readonly("upper_bound", &group_of<UpperBoundSeries>)
        .def_property_readonly("bethe", &group_of<BetheSeries>)
        .def_property_readonly("structured_mean_field", &group_of<StructuredSeries>)
        .def_property_readonly("exact", &exact_series)
        .def_property_readonly("comparison", &comparison)
        .def_property_readonly("gap",
                               [](const SweepRun& r) {
                                   return gather<double>(r.sweep.points, [](const SweepPoint& p) {
                                       return p.mean_field ? exact_ln_z(p) - p.mean_field->ln_z
                                                           : kNaN;
                                   });
                               })
        .def_property_readonly("exact_method",
                               [](const SweepRun& r) { return r.sweep.exact_method; })
        .def_property_readonly("exact_note", [](const SweepRun& r) { return r.sweep.exact_note; })
        .def_property_readonly("upper_note", [](const SweepRun& r) { return r.sweep.upper_note; })
        .def_readonly("num_sites", &SweepRun::num_sites)
        .def_property_readonly("record", &record_dict)
        .def("__len__", [](const SweepRun& r) { return r.sweep.points.size(); })
        .def("__getitem__", &point_at, py::return_value_policy::reference_internal)
        .def("__repr__", [](const SweepRun& r) {
            return fmt::format("<isingmf.SweepResult: {} temperatures, {} sites, exact {}>",
                               r.sweep.points.size(), r.num_sites, r.sweep.exact_method);
        });

    const SweepOptions defaults;
    const auto keywords = std::tuple_cat(
        std::make_tuple(py::arg("model"), py::arg("T") = py::none(), py::kw_only(),
                        py::arg("beta") = py::none()),
        solver_keywords(), std::make_tuple(py::arg("seed") = defaults.mean_field.seed),
        decomposition_keywords());
    std::apply([&](const auto&... args) { module.def("sweep", &sweep, args..., kSweepDoc); },
               keywords);

    module.def("read_results", &read, py::arg("path"), py::arg("with_m") = true,
               R"doc(Reads a results file written by `isingmf sweep` (format_version 2 or 3;
version 2 files read as having no cut starts) into a SweepResult (with its `record`).
with_m=False skips the per-site magnetizations. Raises isingmf.IoError (an OSError) when
the file is missing or is not an isingmf results file of a known version. Per-spin columns
are the file's values (energies and entropies are stored per spin and multiplied back by N
on reading, so they may differ from the file in the last bit).)doc");
}

}  // namespace isingmf::python
