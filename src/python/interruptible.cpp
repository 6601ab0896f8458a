#include "interruptible.hpp"

#include <signal.h>
#include <unistd.h>

#include <mutex>

namespace isingmf::python {
namespace {

std::mutex watch_mutex;
int watches = 0;               // under watch_mutex
struct sigaction previous {};  // the handler on_sigint passes the signal on to

extern "C" void on_sigint(int signal, siginfo_t* info, void* context) {
    request_interrupt();
    if ((previous.sa_flags & SA_SIGINFO) != 0) {
        previous.sa_sigaction(signal, info, context);
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(signal);
    }
}

bool installed_is_ours() {
    struct sigaction now {};
    return ::sigaction(SIGINT, nullptr, &now) == 0 && (now.sa_flags & SA_SIGINFO) != 0 &&
           now.sa_sigaction == on_sigint;
}

// Python's own handler, which raises KeyboardInterrupt. A handler of the user's own (or
// SIG_IGN) is left alone: Ctrl-C then does what the user made it do, after the solve.
bool python_handler_is_default() {
    const py::module_ signal_module = py::module_::import("signal");
    return signal_module.attr("getsignal")(SIGINT).is(signal_module.attr("default_int_handler"));
}

// Puts on_sigint in front of Python's handler. It stays there once installed (one query per
// call, no install and restore): a signal outside a solve only sets a request that the next
// solve clears. Python's signal.signal replaces it like any handler; the next solve then
// looks again.
void hook_sigint() {
    struct sigaction current {};
    if (::sigaction(SIGINT, nullptr, &current) != 0) return;
    // Only in front of the C handler found the first time (Python's): a handler that passes
    // the signal on to on_sigint itself would otherwise make the two call each other.
    static const struct sigaction first = current;
    const bool same = (current.sa_flags & SA_SIGINFO) == (first.sa_flags & SA_SIGINFO) &&
                      current.sa_handler == first.sa_handler;
    if (!same) return;
    previous = current;
    struct sigaction hook {};
    hook.sa_sigaction = on_sigint;
    hook.sa_mask = current.sa_mask;
    // Python's flags (no SA_RESTART: a blocking read of a FIFO returns EINTR and sees the
    // request).
    hook.sa_flags = (current.sa_flags & ~SA_RESETHAND) | SA_SIGINFO;
    ::sigaction(SIGINT, &hook, nullptr);
}

}  // namespace

InterruptWatch::InterruptWatch() {
    // Asked before the mutex is taken: Python code may run here and give up the GIL.
    const bool python_default = python_handler_is_default();
    {
        const std::lock_guard lock(watch_mutex);
        // A request that Python has handled already is stale: a Ctrl-C caught as
        // KeyboardInterrupt, perhaps while another thread's solve (a read of a FIFO) still
        // runs. Python handles signals on the main thread only, so there, and when nothing
        // else runs, the request is withdrawn. Python may still hold a signal that came while
        // the arguments were converted (the hook stays installed): the check below raises it
        // before the solve starts. Withdrawn first, so that a signal between the two is not
        // lost.
        if (watches == 0 || ::gettid() == ::getpid()) clear_interrupt();
        if (python_default && !installed_is_ours()) hook_sigint();
        ++watches;
    }
    if (PyErr_CheckSignals() != 0) {
        const std::lock_guard lock(watch_mutex);
        --watches;
        throw py::error_already_set();
    }
}

InterruptWatch::~InterruptWatch() {
    const std::lock_guard lock(watch_mutex);
    --watches;
}

void InterruptWatch::raise_python_error() {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
}

}  // namespace isingmf::python
