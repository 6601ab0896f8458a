// isingmf.exact: exact ln Z and thermodynamics over a grid of temperatures.

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "bindings.hpp"
#include "interruptible.hpp"
#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/util/thread_count.hpp"
#include "result_state.hpp"

namespace isingmf::python {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr const char* kExactDoc = R"doc(Exact ln Z and thermodynamics at each inverse temperature.

For H = E0 - sum_e J_e s_i s_j - sum_i h_i s_i (J > 0 ferromagnetic) and m = (1/N) sum_i s_i:

    ln_z                    ln Z(beta),  Z = sum_s exp(-beta H(s))   (whole system)
    energy_per_spin         <H> / N
    specific_heat_per_spin  beta^2 (<H^2> - <H>^2) / N
    magnetization           <m>
    magnetization_abs       <|m|>   (NaN unless the method can compute it: enumeration)
    susceptibility          beta N (<m^2> - <m>^2)   (NaN when unavailable)

Arguments:
    model    an isingmf.Model
    betas    inverse temperatures: a number, a 1-D array-like, or grid text "0.1:1:0.1"
    method   "auto" (the cheapest that applies), "enumerate" (N <= 34), "eliminate"
             (small treewidth), "kaufman" (uniform zero-field periodic square lattice,
             extents >= 3), "planar" (zero field, planar or toroidal graph: Pfaffians of
             a Kasteleyn-oriented dimer graph), or "none"
    T        temperatures instead of betas (T > 0; grid text as on the command line)
    threads  OpenMP threads (0: all cores); the numbers do not depend on it

An explicit method that cannot run on the model raises isingmf.ModelError (a ValueError)
saying why; "auto" with nothing that applies returns method "none", NaN values and the
reason in `note`. The planar method leaves NaN at a temperature where it cannot vouch for
1e-9 relative accuracy of ln Z. The GIL is released while solving.)doc";

constexpr const char* kSeriesDoc = R"doc(Exact thermodynamics over a temperature grid.

NumPy arrays, one entry per temperature (copies): T, beta, ln_z, energy_per_spin,
specific_heat_per_spin, magnetization, magnetization_abs, susceptibility (NaN where not
computed); `method` (enumerate, eliminate, kaufman, planar or none) and `note` (why). len(r) is the
number of temperatures; r[k] is an ExactPoint, or None where nothing was computed.)doc";

template <class F>
py::array_t<double> column(const ExactSeries& series, F value_of) {
    return gather<double>(series.points, [&](const std::optional<ExactResult>& point) {
        return point ? value_of(*point) : kNaN;
    });
}

std::shared_ptr<ExactSeries> exact(const Model& model, py::object betas, const std::string& method,
                                   py::object T, IntArgument<"threads"> threads) {
    const Temperatures grid = temperatures_argument(T, betas, nullptr);
    const ExactMethod requested = parse_exact_method(method);
    check_threads(threads);
    auto series = std::make_shared<ExactSeries>();
    series->T = temperatures_of(grid);
    series->beta = grid.betas;
    interruptible([&] {
        const ThreadCountGuard guard(threads);
        const ExactChoice choice = choose_exact_method(model, requested);
        series->method = to_string(choice.method);
        series->note = choice.note;
        const std::vector<ExactResult> results = solve_exact(model, choice.method, grid.betas);
        series->points.assign(grid.betas.size(), std::nullopt);
        for (std::size_t k = 0; k < results.size(); ++k) series->points[k] = results[k];
    });
    return series;
}

}  // namespace

void bind_exact(py::module_& module) {
    py::class_<ExactResult>(module, "ExactPoint", "Exact thermodynamics at one temperature.")
        .def(result_pickle<ExactResult>("isingmf.ExactPoint"))
        .def_readonly("ln_z", &ExactResult::ln_z, "ln Z")
        .def_readonly("energy_per_spin", &ExactResult::energy_per_spin, "<H> / N")
        .def_readonly("specific_heat_per_spin", &ExactResult::specific_heat_per_spin,
                      "beta^2 (<H^2> - <H>^2) / N")
        .def_readonly("magnetization", &ExactResult::magnetization, "<m>")
        .def_readonly("magnetization_abs", &ExactResult::magnetization_abs, "<|m|> or NaN")
        .def_readonly("susceptibility", &ExactResult::susceptibility,
                      "beta N (<m^2> - <m>^2) or NaN")
        .def("__repr__", [](const ExactResult& e) {
            return fmt::format("<isingmf.ExactPoint: ln_z={}, energy_per_spin={}>", e.ln_z,
                               e.energy_per_spin);
        });

    py::class_<ExactSeries, std::shared_ptr<ExactSeries>>(module, "ExactResult", kSeriesDoc)
        .def(result_pickle<ExactSeries>("isingmf.ExactResult"))
        .def_property_readonly("T", [](const ExactSeries& s) { return copy(s.T); })
        .def_property_readonly("beta", [](const ExactSeries& s) { return copy(s.beta); })
        .def_property_readonly("ln_z",
                               [](const ExactSeries& s) {
                                   return column(s, [](const ExactResult& e) { return e.ln_z; });
                               })
        .def_property_readonly("energy_per_spin",
                               [](const ExactSeries& s) {
                                   return column(
                                       s, [](const ExactResult& e) { return e.energy_per_spin; });
                               })
        .def_property_readonly(
            "specific_heat_per_spin",
            [](const ExactSeries& s) {
                return column(s, [](const ExactResult& e) { return e.specific_heat_per_spin; });
            })
        .def_property_readonly("magnetization",
                               [](const ExactSeries& s) {
                                   return column(
                                       s, [](const ExactResult& e) { return e.magnetization; });
                               })
        .def_property_readonly("magnetization_abs",
                               [](const ExactSeries& s) {
                                   return column(
                                       s, [](const ExactResult& e) { return e.magnetization_abs; });
                               })
        .def_property_readonly("susceptibility",
                               [](const ExactSeries& s) {
                                   return column(
                                       s, [](const ExactResult& e) { return e.susceptibility; });
                               })
        .def_readonly("method", &ExactSeries::method,
                      "enumerate, eliminate, kaufman, planar or none")
        .def_readonly("note", &ExactSeries::note, "why this method, or why none")
        .def("__len__", [](const ExactSeries& s) { return s.points.size(); })
        .def("__getitem__",
             [](const ExactSeries& s, py::ssize_t k) -> py::object {
                 const auto n = static_cast<py::ssize_t>(s.points.size());
                 if (k < 0) k += n;
                 if (k < 0 || k >= n) throw py::index_error("temperature index out of range");
                 const auto& point = s.points[static_cast<std::size_t>(k)];
                 return point ? py::cast(*point) : py::none();
             })
        .def("__repr__", [](const ExactSeries& s) {
            return fmt::format("<isingmf.ExactResult: {} temperatures, method {}>", s.points.size(),
                               s.method);
        });

    module.def("exact", &exact, py::arg("model"), py::arg("betas") = py::none(),
               py::arg("method") = "auto", py::kw_only(), py::arg("T") = py::none(),
               py::arg("threads") = 0, kExactDoc);
}

}  // namespace isingmf::python
