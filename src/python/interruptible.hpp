#pragma once
// Ctrl-C during a solve. The solvers run without the GIL, so Python's SIGINT handler only
// records the signal until the call returns, which may be hours. While a solve runs, SIGINT
// also requests an interrupt of the library (isingmf/util/interrupt.hpp): the solver stops at
// its next check and the call raises KeyboardInterrupt. With a SIGINT handler of the user's
// own, solves run on as before and the handler runs when the call returns.

#include <pybind11/pybind11.h>

#include "isingmf/util/interrupt.hpp"

namespace isingmf::python {

namespace py = pybind11;

/// Makes SIGINT request an interrupt and then go on to Python's handler, while that handler is
/// Python's default (KeyboardInterrupt); a handler of the user's own, SIG_IGN or SIG_DFL
/// (Python embedded without signal handling) is left alone. The first of the watches alive at
/// once clears any earlier request.
class InterruptWatch {
public:
    InterruptWatch();
    ~InterruptWatch();
    InterruptWatch(const InterruptWatch&) = delete;
    InterruptWatch& operator=(const InterruptWatch&) = delete;

    /// With the GIL held, after Interrupted: runs Python's signal handlers and throws what they
    /// raised (py::error_already_set), or KeyboardInterrupt when they raised nothing (on a
    /// thread other than the main one, where Python runs no handler).
    [[noreturn]] static void raise_python_error();
};

/// solve() without the GIL, stopped by Ctrl-C (see above).
template <class Solve>
auto interruptible(const Solve& solve) -> decltype(solve()) {
    const InterruptWatch watch;
    try {
        py::gil_scoped_release release;
        return solve();
    } catch (const Interrupted&) {
        InterruptWatch::raise_python_error();  // the GIL is back: `release` has ended
    }
}

}  // namespace isingmf::python
