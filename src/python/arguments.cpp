// Argument conversions shared by the bindings: NumPy arrays, temperature grids and the
// mean-field options, each checked with the command line's rules and wording.

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "bindings.hpp"
#include "isingmf/sweep/temperature_grid.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf::python {
namespace {

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

DoubleArray as_double_array(py::handle values, const char* name) {
    // NumPy would cast text ("7") and complex numbers (dropping the imaginary part, with only
    // a warning) to doubles: those are refused, booleans, integers and reals are taken.
    const py::array given = py::array::ensure(values);
    if (!given) throw ModelError(fmt::format("{} must be numbers", name));
    const char kind = given.dtype().kind();
    if (kind != 'b' && kind != 'i' && kind != 'u' && kind != 'f' && kind != 'O') {
        // A TypeError, as for any argument of the wrong type (README, Python).
        throw py::type_error(fmt::format("{} must be real numbers, got dtype {}", name,
                                         py::str(given.dtype()).cast<std::string>()));
    }
    if (kind == 'O') {
        // NumPy reads None as NaN, which would then be reported as a non-finite number.
        std::size_t k = 0;
        for (py::handle item : given.attr("flat")) {
            if (item.is_none()) {
                throw py::type_error(given.ndim() == 0
                                         ? fmt::format("{} must be real numbers, got None", name)
                                         : fmt::format("{} must be real numbers, got None at "
                                                       "flat index {}",
                                                       name, k));
            }
            ++k;
        }
    }
    DoubleArray array = DoubleArray::ensure(given);
    if (!array) throw ModelError(fmt::format("{} must be numbers", name));
    return array;
}

// A grid given as numbers: one value or a 1-D array-like.
std::vector<double> grid_values(py::handle values, const char* name) {
    if (py::isinstance<py::str>(values)) return parse_grid(values.cast<std::string>());
    const DoubleArray array = as_double_array(values, name);
    if (array.ndim() > 1) {
        throw ModelError(fmt::format("{} must be a number or a 1-D array, got {} dimensions", name,
                                     array.ndim()));
    }
    std::vector<double> out(array.data(), array.data() + array.size());
    if (out.empty()) throw ModelError(fmt::format("{} is empty: give at least one value", name));
    return out;
}

}  // namespace

std::vector<double> doubles_argument(py::handle values, std::size_t count, const char* name,
                                     const char* what) {
    const DoubleArray array = as_double_array(values, name);
    if (array.ndim() == 0) return std::vector<double>(count, *array.data());
    if (array.ndim() != 1) {
        throw ModelError(fmt::format("{} must be a number or a 1-D array, got {} dimensions", name,
                                     array.ndim()));
    }
    if (static_cast<std::size_t>(array.size()) != count)
        throw ModelError(
            fmt::format("{} has {} entries for {} {}", name, array.size(), count, what));
    return {array.data(), array.data() + count};
}

std::vector<double> warm_start_argument(py::handle warm_start, const Model& model) {
    if (warm_start.is_none()) return {};
    std::vector<double> m = doubles_argument(
        warm_start, static_cast<std::size_t>(model.num_sites()), "warm_start", "sites");
    // A NaN was dropped silently (where no start can beat the aligned one) and 5 clamped.
    for (std::size_t k = 0; k < m.size(); ++k) {
        if (!(std::abs(m[k]) <= 1.0))
            throw ModelError(
                fmt::format("warm_start[{}] = {} is not a magnetization in [-1, 1]", k, m[k]));
    }
    return m;
}

Temperatures temperatures_argument(py::handle T, py::handle beta, const char* default_grid) {
    Temperatures grid;
    if (!T.is_none() && !beta.is_none()) throw ModelError("give T or beta, not both");
    if (!beta.is_none()) {
        grid.betas = checked_betas(grid_values(beta, "beta"));
        return grid;
    }
    if (T.is_none() && default_grid == nullptr) throw ModelError("give the betas or T");
    grid.temperatures = T.is_none() ? parse_grid(default_grid) : grid_values(T, "T");
    grid.betas = betas_from_temperatures(grid.temperatures);
    return grid;
}

std::vector<double> temperatures_of(const Temperatures& grid) {
    if (!grid.temperatures.empty()) return grid.temperatures;
    std::vector<double> T;
    T.reserve(grid.betas.size());
    for (double beta : grid.betas)
        T.push_back(beta > 0.0 ? 1.0 / beta : std::numeric_limits<double>::infinity());
    return T;
}

std::string name_list(py::handle names) {
    if (py::isinstance<py::str>(names)) return names.cast<std::string>();
    std::string list;
    for (py::handle item : names) {
        if (!list.empty()) list += ',';
        list += py::str(item).cast<std::string>();
    }
    return list;
}

void check_restarts(int restarts) {
    if (restarts < 0 || restarts > kMaxRestarts)
        throw ModelError(fmt::format("restarts must be between 0 and {}", kMaxRestarts));
}

void check_tolerance(double tolerance, const char* name) {
    if (!(tolerance > 0.0) || !std::isfinite(tolerance))
        throw ModelError(fmt::format("{} must be a finite number > 0", name));
}

MeanFieldMethod method_argument(const std::string& method, double omega) {
    const MeanFieldMethod parsed = parse_mean_field_method(method);
    if (omega != 0.0 && parsed == MeanFieldMethod::sequential)
        throw ModelError("omega needs method='over_relaxed' (sequential sweeps do not use it)");
    return parsed;
}

MeanFieldOptions mean_field_options(py::handle starts, int restarts, double tol, int max_iter,
                                    const std::string& method, double omega, bool extrapolate,
                                    std::uint64_t seed, bool cut_off, bool* warm,
                                    bool given_start) {
    check_restarts(restarts);
    MeanFieldOptions options;
    const std::string list = name_list(starts);
    // A single solve given its own start needs no named one.
    const StartList parsed =
        list.empty() && given_start ? StartList{} : parse_mean_field_starts(list, restarts);
    if (parsed.warm && warm == nullptr) {
        throw ModelError(
            "start 'warm' needs a sweep; give a single solve its start as warm_start=m");
    }
    if (warm != nullptr) *warm = parsed.warm;
    // As the command line's --restarts without 'random' (restarts = 1 is the default, which
    // a call cannot be told apart from).
    if (restarts > 1 && parsed.starts.random == 0)
        throw ModelError("restarts needs 'random' in starts");
    options.starts = parsed.starts;
    check_tolerance(tol, "tol");
    if (max_iter < 1) throw ModelError("max_iter must be >= 1");
    options.tolerance = tol;
    options.max_iterations = max_iter;
    options.method = method_argument(method, omega);
    check_omega(omega);
    options.omega = omega;
    options.extrapolate = extrapolate;
    options.seed = seed;
    options.cut_off = cut_off;
    return options;
}

}  // namespace isingmf::python
