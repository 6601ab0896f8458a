#pragma once
// Pickle states of the result types (multiprocessing, copy.deepcopy): (version, bytes), the
// bytes every field of the result encoded bit for bit (util/detail/bytes.hpp), so that a
// result comes back equal to the last bit, its m, split, messages and trace included.
//
// A state that is not one (not a tuple, another version, bytes cut short or left over, an
// enum or count out of range, groups present at some temperatures of a sweep only) is an
// isingmf.IoError naming the type, never a result that could crash a later read.

#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "bindings.hpp"

namespace isingmf::python {

/// "not an <type_name> pickle state of version <version>": how every refused state begins.
std::string not_a_state(std::string_view type_name, int version);

/// `state` as a tuple of `size` entries whose first is `version`, compared as Python ints so
/// that one beyond 64 bits is refused too; throws IoError(what) otherwise.
py::tuple versioned_state(const py::object& state, std::size_t size, int version,
                          const std::string& what);

/// (version, bytes) of `value`, for __getstate__.
template <class T>
py::tuple result_state(const T& value);

/// The value result_state(value) was made from, for __setstate__; `type_name` names the
/// Python type in the error ("isingmf.SweepResult").
template <class T>
T result_from_state(const py::object& state, const char* type_name);

/// __getstate__ / __setstate__ of a result class, for class_::def.
template <class T>
auto result_pickle(const char* type_name) {
    // An object, not a tuple: pybind11 gives __setstate__ the type __getstate__ returns, and
    // __setstate__ must take anything to refuse a non-tuple in our words.
    return py::pickle(
        [](const T& value) -> py::object { return result_state(value); },
        [type_name](const py::object& state) { return result_from_state<T>(state, type_name); });
}

}  // namespace isingmf::python
