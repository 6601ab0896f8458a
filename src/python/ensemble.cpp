// isingmf.ensemble: K disorder samples of a generated model (ensemble/ensemble.hpp), each the
// sweep `isingmf sweep --seed S+k` runs, as `isingmf ensemble` runs them.

#include "isingmf/ensemble/ensemble.hpp"

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "isingmf/lattices/lattice.hpp"

namespace isingmf::python {
namespace {

// The samples of an ensemble (Python: isingmf.EnsembleResult).
struct EnsembleRun {
    std::vector<std::uint64_t> seeds;
    std::vector<std::shared_ptr<SweepRun>> samples;
};

std::shared_ptr<EnsembleRun> ensemble(
    const std::string& kind, py::object size, const std::optional<std::string>& boundary, double J,
    double h, const std::string& disorder, double random_field, std::optional<double> J0,
    std::uint64_t samples, std::uint64_t seed, py::object T, py::object beta,
    const std::string& exact, py::object bounds, py::object starts, int restarts, double tol,
    int max_iter, const std::string& method, double omega, bool extrapolate, bool cut_off,
    int cluster_width, py::object clusters, int ub_width, double ub_tol,
    const std::string& bp_schedule, double bp_damping, int threads) {
    const GeneratedModelSpec spec =
        generated_model_argument(kind, size, boundary, J, h, disorder, random_field, J0, seed);
    const Temperatures grid = temperatures_argument(T, beta, "0.5:5:0.1");
    EnsembleOptions options;
    options.samples = samples;
    options.seed = seed;
    options.threads = threads;
    // Sample 0's model places the clusters (every sample has the same graph).
    const std::vector<std::uint64_t> seeds = ensemble_seeds(seed, samples);
    const Model first = sample_model(spec, seeds.front(), make_lattice(spec.lattice));
    options.sweep = sweep_options_argument(
        first, exact, bounds, starts, restarts, tol, max_iter, method, omega, extrapolate, cut_off,
        seed, cluster_width, clusters, ub_width, ub_tol, bp_schedule, bp_damping, threads);
    auto run = std::make_shared<EnsembleRun>();
    py::gil_scoped_release release;
    EnsembleResult result = run_ensemble(spec, grid.betas, options);
    run->seeds = std::move(result.seeds);
    for (SweepResult& sweep : result.samples) {
        auto sample = std::make_shared<SweepRun>();
        sample->num_sites = first.num_sites();
        sample->sweep = std::move(sweep);
        // T as given rather than 1/(1/T), as the command line stores it.
        for (std::size_t k = 0; k < grid.temperatures.size(); ++k)
            sample->sweep.points[k].T = grid.temperatures[k];
        run->samples.push_back(std::move(sample));
    }
    return run;
}

constexpr const char* kEnsembleDoc =
    R"doc(Disorder ensemble: K samples of a lattice model that differ only in their seed,
sample k with seed S + k (its couplings, fields and mean-field random starts), each the
same sweep as isingmf.sweep(isingmf.lattice(..., seed=S+k), ...) and as `isingmf ensemble
--samples K --seed S` runs it. Seed ranges beyond 2^64 - 1 are refused.

Arguments: the model options of isingmf.lattice (kind, size, boundary, J, h, disorder,
random_field, J0), samples (K >= 1), seed (S), and the sweep options of isingmf.sweep (T or
beta, exact, bounds, starts, ..., threads). Samples run in parallel over `threads` OpenMP
threads; the numbers do not depend on the thread count. The GIL is released while solving.

Returns an EnsembleResult: seeds (uint64 [K]), samples (a list of K SweepResult), T, beta.
The averages `isingmf ensemble` writes under /average are the mean over samples and its
standard error, std(ddof=1) / sqrt(K), e.g. for ln Z per spin
    x = np.stack([s.mean_field.ln_z for s in r.samples]) / r.samples[0].num_sites
    x.mean(axis=0), x.std(axis=0, ddof=1) / np.sqrt(len(x)))doc";

}  // namespace

void bind_ensemble(py::module_& module) {
    py::class_<EnsembleRun, std::shared_ptr<EnsembleRun>>(
        module, "EnsembleResult", "The samples of a disorder ensemble (isingmf.ensemble).")
        .def_property_readonly(
            "seeds", [](const EnsembleRun& r) { return copy(r.seeds); },
            "seed of each sample, S + k (a copy)")
        .def_property_readonly(
            "samples",
            [](const EnsembleRun& r) {
                py::list out;
                for (const auto& s : r.samples) out.append(py::cast(s));
                return out;
            },
            "the sweep of each sample (SweepResult), in sample order")
        .def_property_readonly(
            "T",
            [](const EnsembleRun& r) {
                return gather<double>(r.samples.front()->sweep.points,
                                      [](const SweepPoint& p) { return p.T; });
            },
            "temperatures as given")
        .def_property_readonly(
            "beta",
            [](const EnsembleRun& r) {
                return gather<double>(r.samples.front()->sweep.points,
                                      [](const SweepPoint& p) { return p.beta; });
            },
            "inverse temperatures")
        .def("__len__", [](const EnsembleRun& r) { return r.samples.size(); })
        .def("__getitem__",
             [](const EnsembleRun& r, py::ssize_t k) {
                 const auto n = static_cast<py::ssize_t>(r.samples.size());
                 if (k < 0) k += n;
                 if (k < 0 || k >= n) throw py::index_error("sample index out of range");
                 return r.samples[static_cast<std::size_t>(k)];
             })
        .def("__repr__", [](const EnsembleRun& r) {
            return fmt::format("<isingmf.EnsembleResult: {} samples, seeds {}..{}>",
                               r.samples.size(), r.seeds.front(), r.seeds.back());
        });

    const SweepOptions defaults;
    const CouplingSpec couplings;
    module.def(
        "ensemble", &ensemble, py::arg("kind") = "square", py::arg("size") = "4x4", py::kw_only(),
        py::arg("boundary") = py::none(), py::arg("J") = couplings.J, py::arg("h") = couplings.h,
        py::arg("disorder") = "none", py::arg("random_field") = couplings.random_field,
        py::arg("J0") = py::none(), py::arg("samples") = 1, py::arg("seed") = 1,
        py::arg("T") = py::none(), py::arg("beta") = py::none(), py::arg("exact") = "auto",
        py::arg("bounds") = "mf,upper", py::arg("starts") = "up,down,paramagnet,anneal,random,warm",
        py::arg("restarts") = 1, py::arg("tol") = defaults.mean_field.tolerance,
        py::arg("max_iter") = defaults.mean_field.max_iterations,
        py::arg("method") = to_string(defaults.mean_field.method),
        py::arg("omega") = defaults.mean_field.omega,
        py::arg("extrapolate") = defaults.mean_field.extrapolate,
        py::arg("cut_off") = defaults.mean_field.cut_off,
        py::arg("cluster_width") = defaults.structured.cluster_width,
        py::arg("clusters") = py::none(), py::arg("ub_width") = defaults.upper.width,
        py::arg("ub_tol") = defaults.upper.tolerance,
        py::arg("bp_schedule") = to_string(defaults.bethe.schedule),
        py::arg("bp_damping") = defaults.bethe.damping, py::arg("threads") = 0, kEnsembleDoc);
}

}  // namespace isingmf::python
