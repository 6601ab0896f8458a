// isingmf.structured_mean_field: the structured mean-field lower bound at one temperature.

#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "bindings.hpp"
#include "interruptible.hpp"
#include "isingmf/lattices/cluster_file.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"
#include "isingmf/util/thread_count.hpp"
#include "result_state.hpp"

namespace isingmf::python {
namespace {

constexpr const char* kStructuredDoc =
    R"doc(Structured mean-field lower bound on ln Z at inverse temperature beta.

With H = E0 - sum_e J_e s_i s_j - sum_i h_i s_i, a partition of the sites into clusters c and
q(s) = prod_c q_c(s_c), each q_c any distribution on its cluster,

    ln Z >= F(q) = E_q[-beta H] + sum_c S(q_c)                     (Gibbs/Jensen).

Block coordinate ascent sets q_c to the Gibbs distribution of the cluster's own couplings in
the effective fields g_i = h_i + sum_{j outside c} J_ij m_j (solved exactly along strips,
chains or trees), which never lowers F; `ln_z` is F evaluated exactly at the returned q, a
lower bound whether or not the ascent converged. One cluster per site is naive mean field;
one cluster holding the whole model gives exact ln Z.

Arguments (the command line's structured options):
    model          an isingmf.Model
    beta           inverse temperature 1/T, finite and >= 0
    cluster_width  rows per strip on lattices (1: chains), frontier of the clusters on other
                   graphs (1: trees); 0: automatic (the whole lattice when its tables hold
                   <= 2^20 entries, else strips of cross-section <= 4)
    clusters       instead of cluster_width: a cluster file's path, or a sequence of
                   clusters, each a sequence of site indices (every site exactly once)
    starts         "naive" (the naive mean-field solution at beta, solved with
                   isingmf.mean_field's defaults), "up", "down", "random", as comma text or
                   a sequence; the best bound is kept
    restarts       number of random starts when "random" is named
    tol            stop when no m_i changed by more than tol in the last sweep
    max_iter       sweeps per start
    method         "over_relaxed" (safeguarded over-relaxed block steps) or "sequential"
    omega          over-relaxation factor in [1, 2), or 0 to adapt it
    seed           seed of the random starts
    warm_start     an extra start: N magnetizations (independent spins with these means)
    threads        OpenMP threads (0: all cores); the result does not depend on it

Returns a StructuredMeanFieldResult. The GIL is released while solving.)doc";

constexpr const char* kResultDoc =
    R"doc(The structured mean-field bound and how it was obtained.

    ln_z           F(q) <= ln Z (whole system), at the returned q
    energy         <H>_q
    entropy        sum_c S(q_c) in nats   (ln_z = -beta energy + entropy)
    magnetization  (1/N) sum_i m_i, m_i = E_q[s_i]
    m              per-site magnetizations (read-only view of the result's buffer)
    cluster_kind   strips, whole, trees, pieces or given
    cluster_width  the partition's width (the automatic choice when 0 was asked; 0 for given
                   clusters)
    num_clusters, colours (colour classes updated in turn), clusters (in words)
    iterations, converged, residual (largest change of an m_i in the last sweep),
    start ("naive", "up", "down", "random:r", "warm" or "zero"), omega)doc";

StructuredMeanFieldStarts structured_starts(py::handle names, int restarts, bool given_start) {
    check_restarts(restarts);
    StructuredMeanFieldStarts starts;
    starts.naive = false;
    const std::string list = name_list(names);
    std::size_t pos = 0;
    bool any = false;
    std::vector<std::string> seen;  // each at most once, as mean_field's starts
    while (pos < list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string item = list.substr(pos, comma - pos);
        pos = comma + 1;
        if (std::find(seen.begin(), seen.end(), item) != seen.end())
            throw ParseError(fmt::format("start {} listed twice in starts", quote_token(item)));
        seen.push_back(item);
        if (item == "naive")
            starts.naive = true;
        else if (item == "up")
            starts.all_up = true;
        else if (item == "down")
            starts.all_down = true;
        else if (item == "random")
            starts.random = restarts;
        else
            throw ModelError(fmt::format(
                "unknown start '{}' in starts (expected naive, up, down, random)", item));
        any = any || item != "random" || restarts > 0;
    }
    if (!any && !given_start) throw ModelError("starts names no start");
    return starts;
}

std::shared_ptr<StructuredMeanFieldResult> structured_mean_field(
    const Model& model, double beta, IntArgument<"cluster_width"> cluster_width,
    py::object clusters, py::object starts, IntArgument<"restarts"> restarts, double tol,
    IntArgument<"max_iter"> max_iter, const std::string& method, double omega,
    SeedArgument seed_argument, py::object warm_start, IntArgument<"threads"> threads) {
    const std::uint64_t seed = seed_argument.value;
    StructuredMeanFieldOptions options;
    const bool warm = !warm_start.is_none();
    options.starts = structured_starts(starts, restarts, warm);
    options.cluster_width = cluster_width;
    options.clusters = cluster_partition_argument(model, clusters, cluster_width);
    check_tolerance(tol, "tol");
    options.tolerance = tol;
    options.max_iterations = max_iter;
    options.method = method_argument(method, omega);
    options.omega = omega;
    options.seed = seed;
    check_threads(threads);
    const std::vector<double> start = warm_start_argument(warm_start, model);
    return interruptible([&] {
        const ThreadCountGuard guard(threads);
        return std::make_shared<StructuredMeanFieldResult>(
            solve_structured_mean_field(model, beta, options, start));
    });
}

}  // namespace

std::optional<ClusterPartition> cluster_partition_argument(const Model& model, py::handle clusters,
                                                           int cluster_width) {
    if (cluster_width < 0) throw ModelError("cluster_width must be >= 0 (0: automatic)");
    if (clusters.is_none()) return std::nullopt;
    if (cluster_width != 0) throw ModelError("give cluster_width or clusters, not both");
    if (py::isinstance<py::str>(clusters) ||
        py::isinstance(clusters, py::module_::import("os").attr("PathLike"))) {
        const auto path = clusters.cast<std::filesystem::path>();
        // A FIFO waits for its writer: without the GIL, and stopped by Ctrl-C.
        return given_partition(
            model, interruptible([&] { return read_cluster_file(path, model.num_sites()); }),
            path.string());
    }
    // Lists of Python ints (or NumPy integers, anything with __index__); a site out of range
    // is named here, where a cast to int would give pybind11's RuntimeError beyond 2^31.
    // Another type is a TypeError, as for any argument.
    const auto not_lists = [] {
        return py::type_error("clusters must be a path or lists of site indices (integers)");
    };
    if (!py::isinstance<py::iterable>(clusters)) throw not_lists();
    std::vector<std::vector<int>> lists;
    for (py::handle cluster : clusters) {
        if (!py::isinstance<py::iterable>(cluster) || py::isinstance<py::str>(cluster))
            throw not_lists();
        std::vector<int>& sites = lists.emplace_back();
        for (py::handle site : cluster) {
            if (!PyIndex_Check(site.ptr())) throw not_lists();
            const auto value = py::reinterpret_steal<py::int_>(PyNumber_Index(site.ptr()));
            if (!value) throw py::error_already_set();
            const long long index = PyLong_AsLongLong(value.ptr());
            const bool beyond = index == -1 && PyErr_Occurred() != nullptr;  // |value| >= 2^63
            if (beyond) PyErr_Clear();
            if (beyond || index < 0 || index >= model.num_sites()) {
                throw ModelError(
                    fmt::format("clusters, piece {}: site {} is out of range (model has {} sites)",
                                lists.size() - 1, py::str(py::handle(value)).cast<std::string>(),
                                model.num_sites()));
            }
            sites.push_back(static_cast<int>(index));
        }
    }
    return given_partition(model, std::move(lists), "clusters");
}

void bind_structured(py::module_& module) {
    py::class_<StructuredMeanFieldResult, std::shared_ptr<StructuredMeanFieldResult>> result(
        module, "StructuredMeanFieldResult", kResultDoc);
    result.def(result_pickle<StructuredMeanFieldResult>("isingmf.StructuredMeanFieldResult"));
    def_lower_bound_fields(result, "sum_c S(q_c)", "largest change of an m_i in the last sweep",
                           "naive, up, down, random:r, warm or zero");
    result
        .def_property_readonly(
            "cluster_kind",
            [](const StructuredMeanFieldResult& r) { return to_string(r.cluster_kind); },
            "strips, whole, trees, pieces or given")
        .def_readonly("cluster_width", &StructuredMeanFieldResult::cluster_width,
                      "the partition's width (0 for given clusters)")
        .def_readonly("num_clusters", &StructuredMeanFieldResult::num_clusters,
                      "clusters in the partition")
        .def_readonly("colours", &StructuredMeanFieldResult::colours,
                      "colour classes of the cluster graph")
        .def_readonly("clusters", &StructuredMeanFieldResult::clusters, "the partition in words")
        .def("__repr__", [](const StructuredMeanFieldResult& r) {
            return fmt::format(
                "<isingmf.StructuredMeanFieldResult: ln_z={}, clusters={} (width {}), "
                "converged={}, iterations={}, start={}>",
                r.ln_z, to_string(r.cluster_kind), r.cluster_width, r.converged ? "True" : "False",
                r.iterations, r.start);
        });

    const StructuredMeanFieldOptions defaults;
    module.def("structured_mean_field", &structured_mean_field, py::arg("model"), py::arg("beta"),
               py::kw_only(), py::arg("cluster_width") = defaults.cluster_width,
               py::arg("clusters") = py::none(), py::arg("starts") = "naive",
               py::arg("restarts") = 1, py::arg("tol") = defaults.tolerance,
               py::arg("max_iter") = defaults.max_iterations,
               py::arg("method") = to_string(defaults.method), py::arg("omega") = defaults.omega,
               py::arg("seed") = defaults.seed, py::arg("warm_start") = py::none(),
               py::arg("threads") = 0, kStructuredDoc);
}

}  // namespace isingmf::python
