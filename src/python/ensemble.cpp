// isingmf.ensemble: K disorder samples of a generated model (ensemble/ensemble.hpp), each the
// sweep `isingmf sweep --seed S+k` runs, as `isingmf ensemble` runs them.

#include "isingmf/ensemble/ensemble.hpp"

#include <fmt/format.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <bit>
#include <type_traits>
#include <variant>

#include "bindings.hpp"
#include "interruptible.hpp"
#include "isingmf/io/detail/result_groups.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/thread_count.hpp"
#include "result_state.hpp"

namespace isingmf::python {
namespace {

// One group of the ensemble file (/mean_field, ..., /comparison): each per-temperature
// dataset of a sweep's file stacked over the samples, row-major [K x n_T], and what the file
// holds under /average/<group>: <dataset>, <dataset>_stderr (and <dataset>_std in
// /comparison) for the numeric ones.
struct StackedGroup {
    std::string name;
    std::vector<std::pair<std::string, detail::DatasetValues>> datasets;
    std::vector<std::pair<std::string, std::vector<double>>> average;
};

// The samples of an ensemble (Python: isingmf.EnsembleResult).
struct EnsembleRun {
    std::vector<std::uint64_t> seeds;
    std::vector<std::shared_ptr<SweepRun>> samples;
    std::vector<StackedGroup> groups;  ///< in the file's order
};
}  // namespace
template <>
inline constexpr bool kBound<EnsembleRun> = true;
namespace {

// Whether two samples' groups hold the same datasets with values of the same types and
// counts: what stacking them takes for granted.
bool same_layout(const std::vector<detail::ResultGroup>& a,
                 const std::vector<detail::ResultGroup>& b) {
    const auto same_group = [](const detail::ResultGroup& x, const detail::ResultGroup& y) {
        return x.name == y.name &&
               std::equal(x.datasets.begin(), x.datasets.end(), y.datasets.begin(),
                          y.datasets.end(), [](const auto& u, const auto& v) {
                              return u.name == v.name && u.shape == v.shape &&
                                     u.values.index() == v.values.index() &&
                                     detail::value_count(u.values) == detail::value_count(v.values);
                          });
    };
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_group);
}

// The groups of the file `isingmf ensemble` writes, built from each sample's results-file
// groups (detail::sweep_groups) and averages (detail::column_moments), the writer's own
// functions, so that they equal the file's bit for bit (tests/python/test_ensemble.py).
// Throws IoError when the samples' results cannot be stacked (only a pickle state edited by
// hand can have them: every ensemble run here has one layout).
std::vector<StackedGroup> stack_groups(const std::vector<std::shared_ptr<SweepRun>>& samples) {
    std::vector<std::vector<detail::ResultGroup>> per_sample;
    for (const auto& sample : samples) {
        RunRecord record;
        record.num_sites = sample->num_sites;
        record.store_m = false;  // an ensemble file holds no per-site m
        per_sample.push_back(detail::sweep_groups(record, sample->sweep));
        if (!same_layout(per_sample.front(), per_sample.back()))
            throw IoError("its samples' results differ in their temperatures or groups");
    }
    const std::vector<detail::ResultGroup>& first = per_sample.front();
    std::vector<StackedGroup> out;
    for (std::size_t g = 0; g < first.size(); ++g) {
        StackedGroup group{first[g].name, {}, {}};
        for (std::size_t d = 0; d < first[g].datasets.size(); ++d) {
            const detail::ResultDataset& dataset = first[g].datasets[d];
            if (!dataset.per_temperature || dataset.shape.size() != 1) continue;
            detail::DatasetValues all = detail::stack_dataset(
                samples.size(), [&](std::size_t k) -> const auto& { return per_sample[k]; }, g, d);
            if (!std::holds_alternative<std::vector<std::string>>(all)) {
                detail::ResultGroup average{group.name, {}, {}};
                detail::add_average_columns(average, group.name, dataset, all, samples.size());
                for (detail::ResultDataset& column : average.datasets) {
                    group.average.emplace_back(
                        std::move(column.name),
                        std::move(std::get<std::vector<double>>(column.values)));
                }
            }
            group.datasets.emplace_back(dataset.name, std::move(all));
        }
        out.push_back(std::move(group));
    }
    return out;
}

// A stacked dataset as a new [K x n_T] NumPy array of its file type (float64, int32, uint8),
// or for text (start, cut) as K lists of n_T strings.
py::object stacked_array(const detail::DatasetValues& values, std::size_t K) {
    return std::visit(
        [&](const auto& v) -> py::object {
            using Value = typename std::decay_t<decltype(v)>::value_type;
            const std::size_t n_T = K == 0 ? 0 : v.size() / K;
            if constexpr (std::is_same_v<Value, std::string>) {
                py::list rows;
                for (std::size_t k = 0; k < K; ++k) {
                    py::list row;
                    for (std::size_t t = 0; t < n_T; ++t) row.append(v[k * n_T + t]);
                    rows.append(row);
                }
                return rows;
            } else {
                py::array_t<Value> array(
                    {static_cast<py::ssize_t>(K), static_cast<py::ssize_t>(n_T)});
                std::copy(v.begin(), v.end(), array.mutable_data());
                return array;
            }
        },
        values);
}

// Group `name` as a types.SimpleNamespace of its [K x n_T] datasets, None when not computed.
py::object group_namespace(const EnsembleRun& run, const std::string& name) {
    for (const StackedGroup& group : run.groups) {
        if (group.name != name) continue;
        py::dict fields;
        for (const auto& [dataset, values] : group.datasets)
            fields[py::str(dataset)] = stacked_array(values, run.samples.size());
        return py::module_::import("types").attr("SimpleNamespace")(**fields);
    }
    return py::none();
}

std::shared_ptr<EnsembleRun> ensemble(
    const std::string& kind, py::object size, const std::optional<std::string>& boundary, double J,
    double h, const std::string& disorder, double random_field, std::optional<double> J0,
    UnsignedArgument<"samples", 1, kMaxSamples> samples_argument, SeedArgument seed_argument,
    py::object T, py::object beta, const std::string& exact, py::object bounds, py::object starts,
    IntArgument<"restarts"> restarts, double tol, IntArgument<"max_iter"> max_iter,
    const std::string& method, double omega, bool extrapolate, bool cut_off,
    IntArgument<"cluster_width"> cluster_width, py::object clusters,
    IntArgument<"ub_width"> ub_width, double ub_tol, const std::string& bp_schedule,
    double bp_damping, IntArgument<"threads"> threads) {
    const std::uint64_t samples = samples_argument.value;
    const std::uint64_t seed = seed_argument.value;
    // The command line's limits: an absurd thread count fails at once, not after starting
    // thousands of threads (the sample count's range is its argument type's).
    check_threads(threads);
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
    EnsembleResult result = interruptible([&] { return run_ensemble(spec, grid.betas, options); });
    py::gil_scoped_release release;
    run->seeds = std::move(result.seeds);
    for (SweepResult& sweep : result.samples) {
        auto sample = std::make_shared<SweepRun>();
        sample->num_sites = first.num_sites();
        sample->sweep = std::move(sweep);
        keep_typed_temperatures(grid.temperatures, sample->sweep);
        run->samples.push_back(std::move(sample));
    }
    run->groups = stack_groups(run->samples);
    return run;
}

// Pickling: (version, seeds, the samples' SweepResult states); the stacked groups and
// averages are computed again from the samples, as isingmf.ensemble computes them.
constexpr int kEnsembleStateVersion = 1;

py::object ensemble_state(const EnsembleRun& run) {
    py::list samples;
    for (const auto& sample : run.samples) samples.append(result_state(*sample));
    return py::make_tuple(kEnsembleStateVersion, result_state(run.seeds), py::tuple(samples));
}

std::shared_ptr<EnsembleRun> ensemble_from_state(const py::object& object) {
    const std::string what = not_a_state("isingmf.EnsembleResult", kEnsembleStateVersion);
    const py::tuple state = versioned_state(object, 3, kEnsembleStateVersion, what);
    if (!py::isinstance<py::tuple>(state[2])) throw IoError(what);
    auto run = std::make_shared<EnsembleRun>();
    run->seeds = result_from_state<std::vector<std::uint64_t>>(
        py::reinterpret_borrow<py::object>(state[1]), "isingmf.EnsembleResult seeds");
    for (const py::handle sample : state[2].cast<py::tuple>()) {
        run->samples.push_back(std::make_shared<SweepRun>(result_from_state<SweepRun>(
            py::reinterpret_borrow<py::object>(sample), "isingmf.EnsembleResult sample")));
    }
    if (run->samples.empty() || run->seeds.size() != run->samples.size())
        throw IoError(fmt::format("{}: {} seeds for {} samples", what, run->seeds.size(),
                                  run->samples.size()));
    // One lattice and one grid: the same N and the same temperatures, bit for bit.
    const SweepRun& first = *run->samples.front();
    const auto same_grid = [&](const std::shared_ptr<SweepRun>& sample) {
        return sample->num_sites == first.num_sites &&
               std::equal(sample->sweep.points.begin(), sample->sweep.points.end(),
                          first.sweep.points.begin(), first.sweep.points.end(),
                          [](const SweepPoint& a, const SweepPoint& b) {
                              return std::bit_cast<std::uint64_t>(a.T) ==
                                         std::bit_cast<std::uint64_t>(b.T) &&
                                     std::bit_cast<std::uint64_t>(a.beta) ==
                                         std::bit_cast<std::uint64_t>(b.beta);
                          });
    };
    if (!std::all_of(run->samples.begin(), run->samples.end(), same_grid))
        throw IoError(fmt::format("{}: its samples differ in their sites or temperatures", what));
    try {
        run->groups = stack_groups(run->samples);
    } catch (const IoError& error) {
        throw IoError(fmt::format("{}: {}", what, error.what()));
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

Returns an EnsembleResult: seeds (uint64 [K]), samples (a list of K SweepResult), T, beta,
and the groups of the file `isingmf ensemble` writes: mean_field, upper_bound, bethe,
structured_mean_field, exact, comparison (None when not computed), each with the file's
per-temperature datasets as new [K x n_T] arrays (r.mean_field.ln_z[k] is sample k; ln_z is
for the whole system, *_per_spin divided by N; text datasets as K lists), and average:
{group: {dataset: mean, dataset + "_stderr": standard error, and in "comparison" dataset +
"_std": spread}} over the samples, as the file's /average/<group>: mean over the K samples,
stderr = sample standard deviation (ddof = 1) / sqrt(K), NaN for K = 1, e.g.
    r.average["exact"]["ln_z"] == r.exact.ln_z.mean(axis=0)   (to rounding)
    r.average["exact"]["ln_z_stderr"] == r.exact.ln_z.std(axis=0, ddof=1) / np.sqrt(K))doc";

}  // namespace

void bind_ensemble(py::module_& module) {
    py::class_<EnsembleRun, std::shared_ptr<EnsembleRun>>(
        module, "EnsembleResult", "The samples of a disorder ensemble (isingmf.ensemble).")
        .def(py::pickle(&ensemble_state, &ensemble_from_state))
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
        .def_property_readonly(
            "mean_field", [](const EnsembleRun& r) { return group_namespace(r, "mean_field"); },
            "/mean_field datasets, [K x n_T] arrays (None when not computed)")
        .def_property_readonly(
            "upper_bound", [](const EnsembleRun& r) { return group_namespace(r, "upper_bound"); },
            "/upper_bound datasets, [K x n_T] arrays (None when not computed)")
        .def_property_readonly(
            "bethe", [](const EnsembleRun& r) { return group_namespace(r, "bethe"); },
            "/bethe datasets, [K x n_T] arrays (None when not computed)")
        .def_property_readonly(
            "structured_mean_field",
            [](const EnsembleRun& r) { return group_namespace(r, "structured_mean_field"); },
            "/structured_mean_field datasets, [K x n_T] arrays (None when not computed)")
        .def_property_readonly(
            "exact", [](const EnsembleRun& r) { return group_namespace(r, "exact"); },
            "/exact datasets, [K x n_T] arrays (NaN where not computed; None when no exact "
            "side)")
        .def_property_readonly(
            "comparison", [](const EnsembleRun& r) { return group_namespace(r, "comparison"); },
            "/comparison datasets (gap, ...), [K x n_T] arrays (None with fewer than two sides)")
        .def_property_readonly(
            "average",
            [](const EnsembleRun& r) {
                py::dict out;
                for (const StackedGroup& group : r.groups) {
                    if (group.average.empty()) continue;
                    py::dict datasets;
                    for (const auto& [name, values] : group.average)
                        datasets[py::str(name)] = copy(values);
                    out[py::str(group.name)] = datasets;
                }
                return out;
            },
            "the file's /average: {group: {dataset: mean [n_T], dataset_stderr: std(ddof=1) / "
            "sqrt(K) [n_T], (comparison) dataset_std: std(ddof=1)}}, NaN stderr for K = 1")
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

    const CouplingSpec couplings;
    const auto keywords = std::tuple_cat(
        std::make_tuple(py::arg("kind") = "square", py::arg("size") = "4x4", py::kw_only(),
                        py::arg("boundary") = py::none(), py::arg("J") = couplings.J,
                        py::arg("h") = couplings.h, py::arg("disorder") = "none",
                        py::arg("random_field") = couplings.random_field,
                        py::arg("J0") = py::none(), py::arg("samples") = 1, py::arg("seed") = 1,
                        py::arg("T") = py::none(), py::arg("beta") = py::none()),
        solver_keywords(), decomposition_keywords());
    std::apply(
        [&](const auto&... args) { module.def("ensemble", &ensemble, args..., kEnsembleDoc); },
        keywords);
}

}  // namespace isingmf::python
