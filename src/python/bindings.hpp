#pragma once
// The pieces of the Python module isingmf._core. Each solver is one bind_* function in a
// file of its own (model.cpp, mean_field.cpp, exact.cpp, sweep.cpp, ...), registered in
// module.cpp; this header also holds the argument conversions they share, so that a bad
// argument gets the same message whichever function meets it.

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/io/results_file.hpp"
#include "isingmf/lattices/generated_model.hpp"
#include "isingmf/meanfield/cluster_partition.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/model/model.hpp"
#include "isingmf/sweep/sweep.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/thread_count.hpp"

namespace isingmf::python {

/// The classes this module binds, each read through the caster below: those of the library
/// here, a binding file's own next to their definitions (in this namespace). Every binding
/// file includes this header, so each sees the caster before its bindings.
template <class T>
inline constexpr bool kBound = false;
template <>
inline constexpr bool kBound<Model> = true;
template <>
inline constexpr bool kBound<MeanFieldResult> = true;
template <>
inline constexpr bool kBound<StructuredMeanFieldResult> = true;
template <>
inline constexpr bool kBound<UpperBoundResult> = true;
template <>
inline constexpr bool kBound<BetheResult> = true;
template <>
inline constexpr bool kBound<ExactResult> = true;
template <>
inline constexpr bool kBound<SweepPoint> = true;

}  // namespace isingmf::python

namespace pybind11::detail {

/// A bound object made by Type.__new__ alone (the first half of unpickling, before
/// __setstate__) holds nothing yet, and pybind11 would hand C++ uninitialised memory for it:
/// reading one, as an argument or as self, is a TypeError instead.
template <class T>
class type_caster<T, enable_if_t<isingmf::python::kBound<T>>> : public type_caster_base<T> {
public:
    bool load(handle source, bool convert) {
        if (isinstance<T>(source)) {
            auto* object = reinterpret_cast<instance*>(source.ptr());
            const value_and_holder held = object->get_value_and_holder(get_type_info(typeid(T)));
            if (held.value_ptr() == nullptr) {
                throw type_error(
                    fmt::format("this {} holds nothing: it was made by __new__ without __init__ or "
                                "__setstate__",
                                Py_TYPE(source.ptr())->tp_name));
            }
        }
        return type_caster_base<T>::load(source, convert);
    }
};

}  // namespace pybind11::detail

namespace isingmf::python {

namespace py = pybind11;

/// A parameter name as a template argument (for the messages of UnsignedArgument).
template <std::size_t N>
struct ArgumentName {
    char text[N];
    constexpr ArgumentName(const char (&name)[N]) { std::copy_n(name, N, text); }  // NOLINT
};

/// An unsigned 64-bit argument (a seed, a count) in [Min, Max]. Any Python int (or object
/// with __index__, as NumPy's integers) converts; one outside the range is an
/// isingmf.ModelError (a ValueError) naming the argument and the range (the caster below)
/// instead of pybind11's TypeError about incompatible function arguments.
template <ArgumentName Name, std::uint64_t Min = 0,
          std::uint64_t Max = std::numeric_limits<std::uint64_t>::max()>
struct UnsignedArgument {
    std::uint64_t value = 0;
};
using SeedArgument = UnsignedArgument<"seed">;

/// An int argument (a count, a width, threads), passed on as the int it holds. pybind11
/// answers a Python int beyond int's range with a TypeError listing the whole signature; the
/// caster below names the argument instead: one beyond int's range either way is an
/// isingmf.ModelError that names it and the number as given.
template <ArgumentName Name>
struct IntArgument {
    int value = 0;
    operator int() const { return value; }  // NOLINT(google-explicit-constructor)
};

void bind_errors(py::module_& module);
void bind_model(py::module_& module);
void bind_mean_field(py::module_& module);
void bind_exact(py::module_& module);
void bind_sweep(py::module_& module);
void bind_bounds(py::module_& module);
void bind_structured(py::module_& module);
void bind_ensemble(py::module_& module);
/// Gives each class of `module` that pickles (has __setstate__) a __reduce__ with protocol
/// 2's recipe, cls.__new__(cls) then __setstate__(state), for every protocol: protocols 0
/// and 1 would otherwise rebuild the object with object.__new__, which cannot make a pybind11
/// instance and aborts the interpreter.
void give_every_pickle_protocol(py::module_& module);

/// A sweep run here or read from a results file (then with the file's record); Python:
/// isingmf.SweepResult.
struct SweepRun {
    SweepResult sweep;
    int num_sites = 0;
    std::optional<RunRecord> record;
};
template <>
inline constexpr bool kBound<SweepRun> = true;

/// Exact thermodynamics over a temperature grid (Python: isingmf.ExactResult). A point the
/// exact side did not compute (a results file may hold such) is empty and reads as NaN.
struct ExactSeries {
    std::vector<double> T;
    std::vector<double> beta;
    std::vector<std::optional<ExactResult>> points;
    std::string method = "none";  ///< enumerate, eliminate, kaufman, ... or none
    std::string note;             ///< why this method, or why none
};
template <>
inline constexpr bool kBound<ExactSeries> = true;

/// Held while a model is built with no `threads` argument (the constructors, isingmf.lattice,
/// the readers, unpickling): OMP_NUM_THREADS then sizes the set-up's team, so it is checked as
/// for threads = 0 (ModelError beyond kMaxThreads), and the team is capped meanwhile.
class DefaultTeam {
public:
    DefaultTeam() : guard_((check_threads(0), 0)) {}

private:
    ThreadCountGuard guard_;
};

/// Clears NumPy's writeable flag: views of immutable models and of results stay read-only.
inline void make_readonly(py::array& array) {
    py::detail::array_proxy(array.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
}

/// A read-only 1-D NumPy view of `count` values at `data` (no copy), kept alive by `owner`.
template <class T>
py::array_t<T> view(const T* data, std::size_t count, py::handle owner) {
    py::array_t<T> array({static_cast<py::ssize_t>(count)}, {static_cast<py::ssize_t>(sizeof(T))},
                         data, owner);
    make_readonly(array);
    return array;
}

/// A new 1-D array with the values of `values` (a copy).
template <class T>
py::array_t<T> copy(const std::vector<T>& values) {
    return py::array_t<T>(static_cast<py::ssize_t>(values.size()), values.data());
}

/// A new 1-D array holding value_of(item) for each item (a copy: per-temperature columns).
template <class T, class Items, class F>
py::array_t<T> gather(const Items& items, F value_of) {
    py::array_t<T> array(static_cast<py::ssize_t>(items.size()));
    T* out = array.mutable_data();
    for (const auto& item : items) *out++ = static_cast<T>(value_of(item));
    return array;
}

/// Binds the fields naive and structured mean-field results share: ln_z, energy, entropy,
/// magnetization, m (a read-only view of the result's buffer, None when empty), iterations,
/// converged, residual, start and omega; the docs that differ between the two are given.
template <class Result>
void def_lower_bound_fields(py::class_<Result, std::shared_ptr<Result>>& cls,
                            const char* entropy_doc, const char* residual_doc,
                            const char* start_doc) {
    cls.def_readonly("ln_z", &Result::ln_z, "F, the lower bound on ln Z at the returned q")
        .def_readonly("energy", &Result::energy, "<H>_q")
        .def_readonly("entropy", &Result::entropy, entropy_doc)
        .def_readonly("magnetization", &Result::magnetization, "(1/N) sum_i m_i")
        .def_property_readonly(
            "m",
            [](py::object self) -> py::object {
                const std::vector<double>& m = self.cast<const Result&>().m;
                if (m.empty()) return py::none();
                return view(m.data(), m.size(), self);
            },
            "per-site magnetizations, a read-only view of the result's buffer")
        .def_readonly("iterations", &Result::iterations, "sweeps of the winning start")
        .def_readonly("converged", &Result::converged,
                      "whether the winning start met the tolerance")
        .def_readonly("residual", &Result::residual, residual_doc)
        .def_readonly("start", &Result::start, start_doc)
        .def_readonly("omega", &Result::omega, "over-relaxation factor reached");
}

/// `values` as `count` doubles: one number for every entry, or a 1-D array-like of length
/// `count`. Throws ModelError "NAME has K entries for COUNT WHAT" otherwise.
std::vector<double> doubles_argument(py::handle values, std::size_t count, const char* name,
                                     const char* what);

/// The warm_start argument of a single solve: N magnetizations, or empty for None.
std::vector<double> warm_start_argument(py::handle warm_start, const Model& model);

/// An inverse-temperature grid from the T or beta argument (exactly one may be given; a
/// number, a 1-D array-like, or grid text "start:stop:step" / "t1,t2" as on the command
/// line). `temperatures` keeps T as given (empty when betas were given); with neither,
/// `default_grid` is used, or ModelError when it is null.
struct Temperatures {
    std::vector<double> temperatures;
    std::vector<double> betas;
};
Temperatures temperatures_argument(py::handle T, py::handle beta, const char* default_grid);

/// T = 1/beta for each beta (inf at beta = 0), or the temperatures as given.
std::vector<double> temperatures_of(const Temperatures& grid);

/// A list of names given as comma text or as a sequence of names, as comma text.
std::string name_list(py::handle names);

/// Throws ModelError unless 0 <= restarts <= kMaxRestarts (the command line's limit).
void check_restarts(int restarts);

/// Throws ModelError "<name> must be a finite number > 0" unless tolerance is one.
void check_tolerance(double tolerance, const char* name);

/// The coordinate-ascent method named `method`; a nonzero omega with "sequential", which does
/// not use it, is refused (the command line's --omega without over_relaxed).
MeanFieldMethod method_argument(const std::string& method, double omega);

/// Mean-field options from the keyword arguments shared by mean_field and sweep, checked
/// with the command line's rules. `starts` is "up,down,paramagnet,anneal,random,warm" text or
/// a sequence of those names (parse_mean_field_starts); `warm` receives whether "warm" was
/// named (null: "warm" is refused); `given_start` says the caller has a start of its own (no
/// named start is then needed).
MeanFieldOptions mean_field_options(py::handle starts, int restarts, double tol, int max_iter,
                                    const std::string& method, double omega, bool extrapolate,
                                    std::uint64_t seed, bool cut_off, bool* warm, bool given_start);

/// The `clusters` argument of structured_mean_field and sweep: None (then cluster_width, >= 0,
/// chooses), a cluster file's path, or a sequence of clusters, each a sequence of sites.
/// Throws ModelError when both a width and clusters are given or the clusters are no
/// partition, ParseError/IoError for a bad or unreadable file.
std::optional<ClusterPartition> cluster_partition_argument(const Model& model, py::handle clusters,
                                                           int cluster_width);

/// The lattice model the command line's --lattice ... --seed options describe, checked as
/// there (isingmf.lattice's arguments).
GeneratedModelSpec generated_model_argument(const std::string& kind, py::handle size,
                                            const std::optional<std::string>& boundary, double J,
                                            double h, const std::string& disorder,
                                            double random_field, std::optional<double> J0,
                                            std::uint64_t seed);

/// A sweep's options from isingmf.sweep's keyword arguments (the command line's sweep
/// options); `model` places the structured clusters.
SweepOptions sweep_options_argument(const Model& model, const std::string& exact, py::handle bounds,
                                    py::handle starts, int restarts, double tol, int max_iter,
                                    const std::string& method, double omega, bool extrapolate,
                                    bool cut_off, std::uint64_t seed, int cluster_width,
                                    py::handle clusters, int ub_width, double ub_tol,
                                    const std::string& bp_schedule, double bp_damping, int threads);

/// The keyword arguments, with their defaults, of the sweep options isingmf.sweep and
/// isingmf.ensemble share, written once so that the two cannot drift apart: `exact` to
/// `cut_off` (solver_keywords) and `cluster_width` to `threads` (decomposition_keywords);
/// sweep's own `seed` stands between them. Spliced into module.def with std::apply.
inline auto solver_keywords() {
    const SweepOptions defaults;
    const MeanFieldOptions& mf = defaults.mean_field;
    return std::make_tuple(
        py::arg("exact") = "auto", py::arg("bounds") = "mf,upper",
        py::arg("starts") = "up,down,paramagnet,anneal,random,warm", py::arg("restarts") = 1,
        py::arg("tol") = mf.tolerance, py::arg("max_iter") = mf.max_iterations,
        py::arg("method") = to_string(mf.method), py::arg("omega") = mf.omega,
        py::arg("extrapolate") = mf.extrapolate, py::arg("cut_off") = mf.cut_off);
}

inline auto decomposition_keywords() {
    const SweepOptions defaults;
    return std::make_tuple(py::arg("cluster_width") = defaults.structured.cluster_width,
                           py::arg("clusters") = py::none(),
                           py::arg("ub_width") = defaults.upper.width,
                           py::arg("ub_tol") = defaults.upper.tolerance,
                           py::arg("bp_schedule") = to_string(defaults.bethe.schedule),
                           py::arg("bp_damping") = defaults.bethe.damping, py::arg("threads") = 0);
}

}  // namespace isingmf::python

namespace pybind11::detail {

/// `source` as a Python int when it is one, or an integer that says so (__index__: NumPy's
/// uint64 and int64, such as EnsembleResult.seeds[k]); a null object for anything else (a
/// float, a string), which the argument casters below leave to the usual TypeError.
inline object index_of(handle source) {
    if (!PyIndex_Check(source.ptr())) return object();  // ints have __index__ too
    object number = reinterpret_steal<object>(PyNumber_Index(source.ptr()));
    if (!number) PyErr_Clear();
    return number;
}

template <isingmf::python::ArgumentName Name, std::uint64_t Min, std::uint64_t Max>
struct type_caster<isingmf::python::UnsignedArgument<Name, Min, Max>> {
    using Argument = isingmf::python::UnsignedArgument<Name, Min, Max>;  // one macro argument
    PYBIND11_TYPE_CASTER(Argument, const_name("int"));

    [[noreturn]] static void out_of_range(handle source) {
        constexpr bool whole_range = Max == std::numeric_limits<std::uint64_t>::max();
        const std::string range = whole_range
                                      ? fmt::format("an integer in [{}, 2^64 - 1]", Min)
                                      : fmt::format("an integer between {} and {}", Min, Max);
        throw isingmf::ModelError(fmt::format("{} must be {}, got {}", Name.text, range,
                                              str(source).cast<std::string>()));
    }

    bool load(handle source, bool /*convert*/) {
        const object number = index_of(source);
        if (!number) return false;
        const unsigned long long v = PyLong_AsUnsignedLongLong(number.ptr());
        if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred() != nullptr) {
            PyErr_Clear();  // negative, or beyond 2^64 - 1
            out_of_range(source);
        }
        if (v < Min || v > Max) out_of_range(source);
        value.value = static_cast<std::uint64_t>(v);
        return true;
    }

    static handle cast(const Argument& argument, return_value_policy /*policy*/,
                       handle /*parent*/) {
        return PyLong_FromUnsignedLongLong(argument.value);
    }
};

template <isingmf::python::ArgumentName Name>
struct type_caster<isingmf::python::IntArgument<Name>> {
    using Argument = isingmf::python::IntArgument<Name>;
    PYBIND11_TYPE_CASTER(Argument, const_name("int"));

    bool load(handle source, bool /*convert*/) {
        const object number = index_of(source);
        if (!number) return false;
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(number.ptr(), &overflow);
        // The argument's own limits may be far narrower (restarts: 0 to 10000), checked once
        // it is read; a number beyond int cannot even be read, and is named as given.
        if (overflow > 0 || (overflow == 0 && v > std::numeric_limits<int>::max())) {
            throw isingmf::ModelError(fmt::format(
                "{} = {} is too large to be read (no whole-number argument takes more than {})",
                Name.text, str(source).cast<std::string>(), std::numeric_limits<int>::max()));
        }
        if (overflow < 0 || v < std::numeric_limits<int>::min()) {
            throw isingmf::ModelError(fmt::format(
                "{} = {} is too small to be read (no whole-number argument takes less than {})",
                Name.text, str(source).cast<std::string>(), std::numeric_limits<int>::min()));
        }
        value.value = static_cast<int>(v);
        return true;
    }

    static handle cast(const Argument& argument, return_value_policy /*policy*/,
                       handle /*parent*/) {
        return PyLong_FromLong(argument.value);
    }
};

}  // namespace pybind11::detail
