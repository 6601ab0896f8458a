// isingmf.mean_field: the naive mean-field lower bound at one temperature.

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "interruptible.hpp"
#include "isingmf/util/thread_count.hpp"
#include "result_state.hpp"

namespace isingmf::python {
namespace {

constexpr const char* kMeanFieldDoc =
    R"doc(Naive mean-field lower bound on ln Z at inverse temperature beta.

With q(s) = prod_i (1 + m_i s_i)/2 and H = E0 - sum_e J_e s_i s_j - sum_i h_i s_i,

    ln Z >= F(m) = -beta E0 + beta (sum_e J_e m_i m_j + sum_i h_i m_i) + sum_i H_b(m_i),
    H_b(m) = -(1+m)/2 ln((1+m)/2) - (1-m)/2 ln((1-m)/2),

for every m in [-1, 1]^N. Coordinate ascent m_i <- tanh(beta phi_i), phi_i = sum_j J_ij m_j
+ h_i, never lowers F; the best F over the starts is returned, evaluated at the returned m,
so `ln_z` is a lower bound whether or not the iteration converged.

Starts run in the order up, down, paramagnet (m_i = tanh(beta h_i)), anneal (continuation in
beta from the paramagnet), random:0, ..., warm; once one has finished, a later start still
running after max(32, 4 c) sweeps (c: the fewest sweeps in which a start reached the best
bound) is cut off unless it is already ahead (listed in `cut`; anneal is never cut). Where
beta max_i sum_j |J_ij| <= 1 only the paramagnet runs (F is concave), and on a ferromagnet
in a field of one sign only the aligned start (no start can end higher).

Arguments (the command line's sweep options, one temperature):
    model       an isingmf.Model
    beta        inverse temperature 1/T, finite and >= 0
    starts      "up,down,paramagnet,anneal,random" (the default) or a sequence of those
                names
    restarts    number of random starts (m_i uniform in [-1, 1]) when "random" is named
    tol         stop when max_i |m_i - tanh(beta phi_i)| and the bound's change are below tol
    max_iter    sweeps per start
    method      "over_relaxed" (safeguarded over-relaxation, default) or "sequential"
    omega       over-relaxation factor in [1, 2), or 0 to adapt it
    extrapolate line searches along the last sweep's change when progress is slow
    seed        seed of the random starts
    cut_off     cut off starts that fall behind (False runs every start to the end)
    warm_start  an extra start: N magnetizations (e.g. another temperature's m)
    threads     OpenMP threads (0: all cores); the result does not depend on it

Returns a MeanFieldResult. The GIL is released while solving.)doc";

constexpr const char* kResultDoc =
    R"doc(The mean-field bound and the product distribution that attains it.

    ln_z           F(m) <= ln Z (whole system)
    energy         <H>_q = E0 - sum_e J_e m_i m_j - sum_i h_i m_i
    entropy        S(q) = sum_i H_b(m_i) in nats   (ln_z = -beta energy + entropy)
    magnetization  (1/N) sum_i m_i
    m              per-site magnetizations: a read-only NumPy view of the result's own
                   buffer (no copy; it keeps the result alive), None when not stored
    iterations     sweeps of the start that won (anneal: with its rungs)
    converged, residual (max_i |m_i - tanh(beta phi_i)|), start ("up", "down", "paramagnet",
    "anneal", "random:r", "warm"), cut (starts cut off, in the order they ran),
    total_sweeps (of every start tried), method, omega (over-relaxation factor reached),
    extrapolations)doc";

std::shared_ptr<MeanFieldResult> mean_field(const Model& model, double beta, py::object starts,
                                            IntArgument<"restarts"> restarts, double tol,
                                            IntArgument<"max_iter"> max_iter,
                                            const std::string& method, double omega,
                                            bool extrapolate, SeedArgument seed, bool cut_off,
                                            py::object warm_start, IntArgument<"threads"> threads) {
    const bool warm = !warm_start.is_none();
    const MeanFieldOptions options =
        mean_field_options(starts, restarts, tol, max_iter, method, omega, extrapolate, seed.value,
                           cut_off, nullptr, warm);
    check_threads(threads);
    const std::vector<double> start = warm_start_argument(warm_start, model);
    return interruptible([&] {
        const ThreadCountGuard guard(threads);
        return std::make_shared<MeanFieldResult>(solve_mean_field(model, beta, options, start));
    });
}

std::string result_repr(const MeanFieldResult& r) {
    return fmt::format(
        "<isingmf.MeanFieldResult: ln_z={}, magnetization={}, converged={}, iterations={}, "
        "start={}>",
        r.ln_z, r.magnetization, r.converged ? "True" : "False", r.iterations, r.start);
}

}  // namespace

void bind_mean_field(py::module_& module) {
    py::class_<MeanFieldResult, std::shared_ptr<MeanFieldResult>> result(module, "MeanFieldResult",
                                                                         kResultDoc);
    result.def(result_pickle<MeanFieldResult>("isingmf.MeanFieldResult"));
    def_lower_bound_fields(result, "S(q) = sum_i H_b(m_i)",
                           "max_i |m_i - tanh(beta phi_i)| at the returned m",
                           "up, down, paramagnet, anneal, random:r or warm");
    result
        .def_readonly("cut", &MeanFieldResult::cut,
                      "starts cut off before the end, in the order they ran (a list)")
        .def_readonly("total_sweeps", &MeanFieldResult::total_sweeps,
                      "sweeps of every start tried (cut ones, anneal's rungs)")
        .def_property_readonly(
            "method", [](const MeanFieldResult& r) { return to_string(r.method); },
            "update rule: over_relaxed or sequential")
        .def_readonly("extrapolations", &MeanFieldResult::extrapolations,
                      "accepted extrapolation steps of the winning start")
        .def("__repr__", &result_repr);

    module.def("mean_field", &mean_field, py::arg("model"), py::arg("beta"), py::kw_only(),
               py::arg("starts") = "up,down,paramagnet,anneal,random", py::arg("restarts") = 1,
               py::arg("tol") = 1e-10, py::arg("max_iter") = 10000,
               py::arg("method") = "over_relaxed", py::arg("omega") = 0.0,
               py::arg("extrapolate") = true, py::arg("seed") = 1, py::arg("cut_off") = true,
               py::arg("warm_start") = py::none(), py::arg("threads") = 0, kMeanFieldDoc);
}

}  // namespace isingmf::python
