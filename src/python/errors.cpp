// isingmf's errors as Python exceptions with the library's one-line messages:
//   isingmf.Error(RuntimeError)            any isingmf::Error
//   isingmf.ParseError(Error, ValueError)  malformed text: grids, sizes, names, files' contents
//   isingmf.ModelError(Error, ValueError)  a model or an argument that cannot be used as asked
//   isingmf.IoError(Error, OSError)        a file that cannot be read or written
// so `except ValueError` and `except OSError` work as for any Python library.

#include <cstring>
#include <new>

#include "bindings.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf::python {
namespace {

// The classes live as long as the interpreter (module objects are never unloaded), so plain
// references that are never released avoid any order-of-destruction question at exit.
PyObject* new_exception(py::module_& module, const char* name, py::tuple bases, const char* doc) {
    const std::string qualified = std::string("isingmf.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
    if (type == nullptr) throw py::error_already_set();
    module.add_object(name, py::handle(type));
    return type;
}

// The message as a str. A path that is not UTF-8 (bytes given as a path) would make
// PyErr_SetString fail to decode it and leave an empty message: such bytes show as \xff.
void set_error(PyObject* type, const char* message) {
    const py::object text = py::reinterpret_steal<py::object>(PyUnicode_DecodeUTF8(
        message, static_cast<Py_ssize_t>(std::strlen(message)), "backslashreplace"));
    if (!text) return;  // the decoding's own error (out of memory) stands
    PyErr_SetObject(type, text.ptr());
}

}  // namespace

void bind_errors(py::module_& module) {
    static PyObject* error = nullptr;
    static PyObject* parse_error = nullptr;
    static PyObject* model_error = nullptr;
    static PyObject* io_error = nullptr;
    error = new_exception(module, "Error", py::make_tuple(py::handle(PyExc_RuntimeError)),
                          "Any failure isingmf reports; the message is one line.");
    const py::handle base(error);
    parse_error =
        new_exception(module, "ParseError", py::make_tuple(base, py::handle(PyExc_ValueError)),
                      "Malformed text: temperature grids, sizes, names, file contents.");
    model_error = new_exception(
        module, "ModelError", py::make_tuple(base, py::handle(PyExc_ValueError)),
        "A model or an argument that cannot be used as asked (bad value, too large).");
    io_error = new_exception(module, "IoError", py::make_tuple(base, py::handle(PyExc_OSError)),
                             "A file that cannot be read or written.");
    py::register_exception_translator([](std::exception_ptr failure) {
        try {
            if (failure) std::rethrow_exception(failure);
        } catch (const IoError& e) {
            set_error(io_error, e.what());
        } catch (const ParseError& e) {
            set_error(parse_error, e.what());
        } catch (const ModelError& e) {
            set_error(model_error, e.what());
        } catch (const Error& e) {
            set_error(error, e.what());
        } catch (const std::bad_alloc&) {
            // pybind11's own translation says only "std::bad_alloc".
            PyErr_SetString(PyExc_MemoryError,
                            "out of memory (the model or the temperature grid is too large for "
                            "the memory this process may use)");
        }
    });
}

}  // namespace isingmf::python
