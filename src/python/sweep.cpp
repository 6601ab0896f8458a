// isingmf.sweep and isingmf.read_results: per-temperature arrays of the mean-field bound and
// the exact side, named as in the HDF5 results file (README "HDF5 results").

#include "isingmf/sweep/sweep.hpp"

#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <limits>

#include "bindings.hpp"
#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/io/results_file.hpp"

namespace isingmf::python {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A sweep run here or read from a results file (then with the file's record).
struct SweepRun {
    SweepResult sweep;
    int num_sites = 0;
    std::optional<RunRecord> record;
};

// The mean-field columns of a run (Python: isingmf.MeanFieldSeries).
struct MeanFieldSeries {
    std::shared_ptr<const SweepRun> run;
};

constexpr const char* kSweepDoc =
    R"doc(Temperature sweep: the mean-field bound and the exact side at each temperature,
the same numbers as `isingmf sweep` writes to its results file for the same options.

Arguments (the command line's sweep options):
    model     an isingmf.Model
    T         temperatures: grid text "0.5:5:0.1" (stop included when on the grid) or
              "0.5,1,2.27", a number or a 1-D array-like; default "0.5:5:0.1"
    beta      inverse temperatures instead of T (beta = 0 allowed)
    exact     "auto", "enumerate", "eliminate", "kaufman" or "none"
    starts    "up,down,random,warm" or a sequence of those names; "warm" also starts each
              temperature from its neighbours' solutions, up and then down the grid
    restarts, tol, max_iter, method, omega, extrapolate: as for isingmf.mean_field
    seed      seed of the random starts (the command line's --seed also seeds the model:
              pass the same seed to isingmf.lattice to reproduce a command-line run)
    threads   OpenMP threads (0: all cores); the numbers do not depend on it

Returns a SweepResult. The GIL is released while solving.)doc";

constexpr const char* kResultDoc =
    R"doc(A temperature sweep, run by isingmf.sweep or read by isingmf.read_results.

Per-temperature NumPy arrays (copies), named as in the HDF5 file:
    T, beta                 temperatures as given, and 1/T (T = inf at beta = 0)
    mean_field              MeanFieldSeries: ln_z (<= ln Z, whole system),
                            free_energy_per_spin (-T ln_z / N), energy_per_spin (<H>_q / N),
                            entropy_per_spin (S(q) / N), magnetization, residual,
                            iterations, converged, start, m ([n_T, N] copy, or None)
    exact                   ExactResult (ln_z, energy_per_spin, specific_heat_per_spin,
                            magnetization, magnetization_abs, susceptibility), or None
                            when no exact method ran
    gap                     exact ln_z - mean-field ln_z (>= 0; NaN without exact)
    exact_method, exact_note, num_sites
    record                  for a file: how it was made (program_version, command_line,
                            created, model, parameters, ...); None for a sweep run here
r[k] is the SweepPoint of temperature k; r[k].mean_field.m is a read-only view of that
temperature's magnetizations (no copy).)doc";

template <class F>
py::array_t<double> mean_field_column(const SweepRun& run, F value_of) {
    return gather<double>(run.sweep.points, value_of);
}

py::object mean_field_m(const SweepRun& run) {
    const auto& points = run.sweep.points;
    const auto n = static_cast<std::size_t>(run.num_sites);
    for (const SweepPoint& point : points)
        if (point.mean_field.m.size() != n) return py::none();
    py::array_t<double> m({static_cast<py::ssize_t>(points.size()), static_cast<py::ssize_t>(n)});
    double* out = m.mutable_data();
    for (const SweepPoint& point : points)
        out = std::copy(point.mean_field.m.begin(), point.mean_field.m.end(), out);
    return m;
}

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

std::shared_ptr<SweepRun> sweep(const Model& model, py::object T, py::object beta,
                                const std::string& exact, py::object starts, int restarts,
                                double tol, int max_iter, const std::string& method, double omega,
                                bool extrapolate, std::uint64_t seed, int threads) {
    const Temperatures grid = temperatures_argument(T, beta, "0.5:5:0.1");
    SweepOptions options;
    options.mean_field = mean_field_options(starts, restarts, tol, max_iter, method, omega,
                                            extrapolate, seed, &options.warm_start, false);
    options.exact = parse_exact_method(exact);
    options.threads = threads;
    auto run = std::make_shared<SweepRun>();
    run->num_sites = model.num_sites();
    py::gil_scoped_release release;
    run->sweep = run_sweep(model, grid.betas, options);
    // T as given rather than 1/(1/T), as the command line stores it.
    for (std::size_t k = 0; k < grid.temperatures.size(); ++k)
        run->sweep.points[k].T = grid.temperatures[k];
    return run;
}

std::shared_ptr<SweepRun> read(const std::filesystem::path& path, bool with_m) {
    py::gil_scoped_release release;
    ResultsFile file = read_results(path, with_m);
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

}  // namespace

void bind_sweep(py::module_& module) {
    py::class_<SweepPoint>(module, "SweepPoint", "One temperature of a sweep.")
        .def_readonly("T", &SweepPoint::T, "temperature (inf at beta = 0)")
        .def_readonly("beta", &SweepPoint::beta, "inverse temperature")
        .def_property_readonly(
            "mean_field",
            [](const SweepPoint& p) -> const MeanFieldResult& { return p.mean_field; },
            py::return_value_policy::reference_internal,
            "the MeanFieldResult of this temperature (its m is a view, no copy)")
        .def_readonly("exact", &SweepPoint::exact, "an ExactPoint, or None");

    py::class_<MeanFieldSeries>(module, "MeanFieldSeries",
                                "The mean-field columns of a sweep, one entry per temperature.")
        .def_property_readonly("ln_z",
                               [](const MeanFieldSeries& s) {
                                   return mean_field_column(*s.run, [](const SweepPoint& p) {
                                       return p.mean_field.ln_z;
                                   });
                               })
        .def_property_readonly("free_energy_per_spin",
                               [](const MeanFieldSeries& s) {
                                   const double n = s.run->num_sites;
                                   return mean_field_column(*s.run, [&](const SweepPoint& p) {
                                       return -p.T * p.mean_field.ln_z / n;
                                   });
                               })
        .def_property_readonly("energy_per_spin",
                               [](const MeanFieldSeries& s) {
                                   const double n = s.run->num_sites;
                                   return mean_field_column(*s.run, [&](const SweepPoint& p) {
                                       return p.mean_field.energy / n;
                                   });
                               })
        .def_property_readonly("entropy_per_spin",
                               [](const MeanFieldSeries& s) {
                                   const double n = s.run->num_sites;
                                   return mean_field_column(*s.run, [&](const SweepPoint& p) {
                                       return p.mean_field.entropy / n;
                                   });
                               })
        .def_property_readonly("magnetization",
                               [](const MeanFieldSeries& s) {
                                   return mean_field_column(*s.run, [](const SweepPoint& p) {
                                       return p.mean_field.magnetization;
                                   });
                               })
        .def_property_readonly("residual",
                               [](const MeanFieldSeries& s) {
                                   return mean_field_column(*s.run, [](const SweepPoint& p) {
                                       return p.mean_field.residual;
                                   });
                               })
        .def_property_readonly("iterations",
                               [](const MeanFieldSeries& s) {
                                   return gather<std::int32_t>(
                                       s.run->sweep.points,
                                       [](const SweepPoint& p) { return p.mean_field.iterations; });
                               })
        .def_property_readonly("converged",
                               [](const MeanFieldSeries& s) {
                                   return gather<bool>(
                                       s.run->sweep.points,
                                       [](const SweepPoint& p) { return p.mean_field.converged; });
                               })
        .def_property_readonly("start",
                               [](const MeanFieldSeries& s) {
                                   py::list out;
                                   for (const SweepPoint& p : s.run->sweep.points)
                                       out.append(p.mean_field.start);
                                   return out;
                               })
        .def_property_readonly(
            "m", [](const MeanFieldSeries& s) { return mean_field_m(*s.run); },
            "[n_T, N] copy of the per-site magnetizations, or None when not stored")
        .def("__repr__", [](const MeanFieldSeries& s) {
            return fmt::format("<isingmf.MeanFieldSeries: {} temperatures>",
                               s.run->sweep.points.size());
        });

    py::class_<SweepRun, std::shared_ptr<SweepRun>>(module, "SweepResult", kResultDoc)
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
        .def_property_readonly("mean_field",
                               [](std::shared_ptr<const SweepRun> r) { return MeanFieldSeries{r}; })
        .def_property_readonly("exact", &exact_series)
        .def_property_readonly("gap",
                               [](const SweepRun& r) {
                                   return gather<double>(r.sweep.points, [](const SweepPoint& p) {
                                       return p.exact ? p.exact->ln_z - p.mean_field.ln_z : kNaN;
                                   });
                               })
        .def_property_readonly("exact_method",
                               [](const SweepRun& r) { return r.sweep.exact_method; })
        .def_property_readonly("exact_note", [](const SweepRun& r) { return r.sweep.exact_note; })
        .def_readonly("num_sites", &SweepRun::num_sites)
        .def_property_readonly("record", &record_dict)
        .def("__len__", [](const SweepRun& r) { return r.sweep.points.size(); })
        .def("__getitem__", &point_at, py::return_value_policy::reference_internal)
        .def("__repr__", [](const SweepRun& r) {
            return fmt::format("<isingmf.SweepResult: {} temperatures, {} sites, exact {}>",
                               r.sweep.points.size(), r.num_sites, r.sweep.exact_method);
        });

    module.def(
        "sweep", &sweep, py::arg("model"), py::arg("T") = py::none(), py::kw_only(),
        py::arg("beta") = py::none(), py::arg("exact") = "auto",
        py::arg("starts") = "up,down,random,warm", py::arg("restarts") = 1, py::arg("tol") = 1e-10,
        py::arg("max_iter") = 10000, py::arg("method") = "over_relaxed", py::arg("omega") = 0.0,
        py::arg("extrapolate") = true, py::arg("seed") = 1, py::arg("threads") = 0, kSweepDoc);

    module.def("read_results", &read, py::arg("path"), py::arg("with_m") = true,
               R"doc(Reads a results file written by `isingmf sweep` into a SweepResult (with its
`record`). with_m=False skips the per-site magnetizations. Raises isingmf.IoError (an
OSError) when the file is missing or is not an isingmf results file of a known version.
Per-spin columns are the file's values (energies and entropies are stored per spin and
multiplied back by N on reading, so they may differ from the file in the last bit).)doc");
}

}  // namespace isingmf::python
