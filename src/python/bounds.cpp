// isingmf.upper_bound and isingmf.bethe: the certified upper bound on ln Z and the Bethe
// estimate at one temperature.

#include <fmt/format.h>
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.hpp"
#include "interruptible.hpp"
#include "isingmf/bounds/bethe.hpp"
#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/thread_count.hpp"
#include "result_state.hpp"

namespace isingmf::python {
namespace {

constexpr const char* kUpperDoc =
    R"doc(Certified upper bound on ln Z at inverse temperature beta.

With theta_i = beta h_i, theta_e = beta J_e (H = E0 - sum_e J_e s_i s_j - sum_i h_i s_i) and
A(theta) = ln Z + beta E0, convex in theta: for families f of pieces (strips, chains, trees
or the whole model) with weights rho_f (sum 1) and parameters theta^f on family f's pieces
with sum_f rho_f theta^f = theta, Jensen's inequality gives

    ln Z <= U = -beta E0 + sum_f rho_f sum_{pieces P of f} ln Z_P(theta^f|_P).

The split is optimised by L-BFGS; U is evaluated exactly at the split returned, so `ln_z`
is an upper bound whether or not the optimisation converged (for spanning trees the
optimum is the tree-reweighted bound).

Arguments (the command line's --ub-* options):
    model           an isingmf.Model
    beta            inverse temperature 1/T, finite and >= 0
    width           strip width on lattices: 1 = chains, 0 = automatic (the whole lattice
                    when its tables are small, else strips; spanning trees on other graphs)
    rotations       strips along every axis, not only along x (widths >= 2)
    rings           rings rather than cut strips on periodic lattices
    tol             stop when U decreased by less than tol * max(1, |U|) in each of the last
                    two iterations (or the families agree to marginal_tol)
    marginal_tol    agreement of the shared marginals that also stops
    max_iter        L-BFGS iterations
    memory          L-BFGS correction pairs kept
    trace           record U after each iteration in `trace`
    threads         OpenMP threads (0: all cores); the result does not depend on it

Returns an UpperBoundResult. The GIL is released while solving.)doc";

constexpr const char* kUpperResultDoc = R"doc(The certified upper bound and how it was obtained.

    ln_z          U >= ln Z (whole system), evaluated at `split`
    iterations, converged, evaluations (of U and its gradient)
    disagreement  largest |marginal of a family - their weighted mean| at the split (0 at
                  the optimum)
    beta, kind ("whole", "strips" or "trees"), width (1: chains or trees; 0: whole model),
    num_pieces, description (the decomposition in words)
    weights       rho_f of each family (NumPy array, a copy)
    split         the split variables x^f_c (read-only view of the result's buffer)
    trace         U after each iteration (entry 0: the start) when asked, else empty)doc";

constexpr const char* kBetheDoc =
    R"doc(Bethe estimate of ln Z at inverse temperature beta (loopy belief propagation):
an ESTIMATE, not a bound.

Messages are cavity fields, u_{i->j} = atanh(tanh(theta_ij) tanh(H_i - u_{j->i})),
H_i = theta_i + sum_k u_{k->i}, theta_i = beta h_i, theta_e = beta J_e; damping d mixes
u <- (1 - d) u_new + d u_old. At the final messages

    ln Z_B = sum_ij [theta_ij <s t>_bij + S(b_ij)] + sum_i [theta_i <s>_bi - (d_i - 1) S(b_i)]
             - beta E0.

Exact on trees; on loopy graphs neither a lower nor an upper bound in general (for
ferromagnets Z_B <= Z at BP fixed points). BP may not converge on frustrated graphs: that
is reported (converged, residual), never hidden.

Arguments (the command line's --bp-* options):
    model       an isingmf.Model
    beta        inverse temperature 1/T, finite and >= 0
    schedule    "sequential" (site by site, updates seen at once) or "parallel"
    polarized   also start from u_{i->j} = theta_ij (all up) besides zero messages; the
                converged run with the largest ln Z_B is kept
    damping     in [0, 1): weight of the old message
    tol         on the residual max |u_new - u_old|
    max_iter    sweeps
    threads     OpenMP threads (0: all cores); the result does not depend on it

Returns a BetheResult. The GIL is released while solving.)doc";

constexpr const char* kBetheResultDoc = R"doc(The Bethe estimate and how it was obtained.

    ln_z        ln Z_Bethe at the final messages (whole system): NOT a bound
    iterations, converged, residual (largest undamped message change of the last sweep)
    m           belief means <s_i>_b = tanh(H_i) (read-only view of the result's buffer)
    messages    u_{i->j}, two per edge: i->j, then j->i (read-only view)
    beta, schedule, damping, start ("zero", "polarized" or "warm"))doc";

// A read-only view of a vector the result object `self` owns, or an empty array.
template <class Result>
py::array_t<double> member_view(py::object self, std::vector<double> Result::*member) {
    const std::vector<double>& values = self.cast<const Result&>().*member;
    return view(values.data(), values.size(), self);
}

std::shared_ptr<UpperBoundResult> upper_bound(const Model& model, double beta,
                                              IntArgument<"width"> width, bool rotations,
                                              bool rings, double tol, double marginal_tol,
                                              IntArgument<"max_iter"> max_iter,
                                              IntArgument<"memory"> memory, bool trace,
                                              IntArgument<"threads"> threads) {
    UpperBoundOptions options;
    options.width = width;
    options.rotations = rotations;
    options.rings = rings;
    if (width < 0) throw ModelError("width must be >= 0 (0: automatic)");
    check_tolerance(tol, "tol");
    if (!(marginal_tol >= 0.0) || !std::isfinite(marginal_tol))
        throw ModelError("marginal_tol must be >= 0");
    if (max_iter < 0) throw ModelError("max_iter must be >= 0");
    if (memory < 1) throw ModelError("memory must be >= 1");
    options.tolerance = tol;
    options.marginal_tolerance = marginal_tol;
    options.max_iterations = max_iter;
    options.memory = memory;
    options.record_trace = trace;
    check_threads(threads);
    return interruptible([&] {
        const ThreadCountGuard guard(threads);
        return std::make_shared<UpperBoundResult>(solve_upper_bound(model, beta, options));
    });
}

std::shared_ptr<BetheResult> bethe(const Model& model, double beta, const std::string& schedule,
                                   bool polarized, double damping, double tol,
                                   IntArgument<"max_iter"> max_iter,
                                   IntArgument<"threads"> threads) {
    BetheOptions options;
    options.schedule = parse_bp_schedule(schedule);
    options.polarized = polarized;
    options.damping = damping;
    options.tolerance = tol;
    if (max_iter < 1) throw ModelError("max_iter must be >= 1");
    options.max_iterations = max_iter;
    check_threads(threads);
    return interruptible([&] {
        const ThreadCountGuard guard(threads);
        return std::make_shared<BetheResult>(solve_bethe(model, beta, options));
    });
}

}  // namespace

void bind_bounds(py::module_& module) {
    py::class_<UpperBoundResult, std::shared_ptr<UpperBoundResult>>(module, "UpperBoundResult",
                                                                    kUpperResultDoc)
        .def(result_pickle<UpperBoundResult>("isingmf.UpperBoundResult"))
        .def_readonly("ln_z", &UpperBoundResult::ln_z, "U >= ln Z at the split returned")
        .def_readonly("iterations", &UpperBoundResult::iterations, "L-BFGS iterations")
        .def_readonly("converged", &UpperBoundResult::converged, "met the tolerance")
        .def_readonly("disagreement", &UpperBoundResult::disagreement,
                      "largest |mu^f_c - mubar_c| over shared coordinates")
        .def_readonly("evaluations", &UpperBoundResult::evaluations, "evaluations of U")
        .def_readonly("beta", &UpperBoundResult::beta, "inverse temperature")
        .def_property_readonly(
            "kind", [](const UpperBoundResult& r) { return to_string(r.kind); },
            "decomposition: whole, strips or trees")
        .def_readonly("width", &UpperBoundResult::width, "strip width (0: whole model)")
        .def_readonly("num_pieces", &UpperBoundResult::num_pieces, "pieces over all families")
        .def_readonly("description", &UpperBoundResult::description, "the decomposition")
        .def_property_readonly(
            "weights", [](const UpperBoundResult& r) { return copy(r.weights); },
            "rho_f per family (a copy)")
        .def_property_readonly(
            "split", [](py::object self) { return member_view(self, &UpperBoundResult::split); },
            "the split variables x^f_c (read-only view)")
        .def_property_readonly(
            "trace", [](py::object self) { return member_view(self, &UpperBoundResult::trace); },
            "U after each iteration when asked (read-only view)")
        .def("__repr__", [](const UpperBoundResult& r) {
            return fmt::format(
                "<isingmf.UpperBoundResult: ln_z={}, converged={}, iterations={}, kind={}, "
                "width={}>",
                r.ln_z, r.converged ? "True" : "False", r.iterations, to_string(r.kind), r.width);
        });

    py::class_<BetheResult, std::shared_ptr<BetheResult>>(module, "BetheResult", kBetheResultDoc)
        .def(result_pickle<BetheResult>("isingmf.BetheResult"))
        .def_readonly("ln_z", &BetheResult::ln_z, "ln Z_Bethe: an estimate, NOT a bound")
        .def_readonly("iterations", &BetheResult::iterations, "BP sweeps of the run kept")
        .def_readonly("converged", &BetheResult::converged, "BP met its tolerance")
        .def_readonly("residual", &BetheResult::residual,
                      "largest undamped message change of the last sweep")
        .def_property_readonly(
            "m", [](py::object self) { return member_view(self, &BetheResult::m); },
            "belief means <s_i>_b (read-only view)")
        .def_property_readonly(
            "messages", [](py::object self) { return member_view(self, &BetheResult::messages); },
            "u_{i->j}, two per edge (read-only view)")
        .def_readonly("beta", &BetheResult::beta, "inverse temperature")
        .def_property_readonly(
            "schedule", [](const BetheResult& r) { return to_string(r.schedule); },
            "sequential or parallel")
        .def_readonly("damping", &BetheResult::damping, "weight of the old message")
        .def_readonly("start", &BetheResult::start, "zero, polarized or warm")
        .def("__repr__", [](const BetheResult& r) {
            return fmt::format("<isingmf.BetheResult: ln_z={}, converged={}, iterations={}>",
                               r.ln_z, r.converged ? "True" : "False", r.iterations);
        });

    const UpperBoundOptions upper;
    module.def("upper_bound", &upper_bound, py::arg("model"), py::arg("beta"), py::kw_only(),
               py::arg("width") = upper.width, py::arg("rotations") = upper.rotations,
               py::arg("rings") = upper.rings, py::arg("tol") = upper.tolerance,
               py::arg("marginal_tol") = upper.marginal_tolerance,
               py::arg("max_iter") = upper.max_iterations, py::arg("memory") = upper.memory,
               py::arg("trace") = upper.record_trace, py::arg("threads") = 0, kUpperDoc);

    const BetheOptions bp;
    module.def("bethe", &bethe, py::arg("model"), py::arg("beta"), py::kw_only(),
               py::arg("schedule") = to_string(bp.schedule), py::arg("polarized") = bp.polarized,
               py::arg("damping") = bp.damping, py::arg("tol") = bp.tolerance,
               py::arg("max_iter") = bp.max_iterations, py::arg("threads") = 0, kBetheDoc);
}

}  // namespace isingmf::python
