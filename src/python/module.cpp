// The compiled part of the Python package isingmf (src/python/isingmf/__init__.py re-exports
// it). One bind_* call per solver: adding a solver is one file and one line here.

#include "bindings.hpp"
#include "isingmf/util/version.hpp"

PYBIND11_MODULE(_core, module) {
    namespace python = isingmf::python;
    module.doc() = "isingmf's C++ library, bound for Python (see the isingmf package).";
    module.attr("__version__") = isingmf::kVersion;
    // Classes and signatures name the package users import (isingmf.Model), not this module.
    module.attr("__name__") = "isingmf";
    python::bind_errors(module);
    python::bind_model(module);
    python::bind_mean_field(module);
    python::bind_exact(module);
    python::bind_bounds(module);
    python::bind_structured(module);
    python::bind_sweep(module);
    python::bind_ensemble(module);
    python::give_every_pickle_protocol(module);
    module.attr("__name__") = "isingmf._core";
}
