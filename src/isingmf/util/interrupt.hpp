#pragma once
/// Stopping a long computation early. A front end that runs solvers where a signal cannot end
/// the process (the Python module: Ctrl-C must give the interpreter back) requests an
/// interrupt from its signal handler; every solver checks at points a few milliseconds apart
/// (between sweeps, iterations, elimination steps, blocks of states) and throws Interrupted,
/// leaving no file behind, as any other error does. The request is process-wide: it stops
/// every solve running at the time.

#include "isingmf/util/error.hpp"

namespace isingmf {

/// A solve stopped by request_interrupt(). Message: "interrupted".
class Interrupted : public Error {
public:
    using Error::Error;
};

/// Asks every running solve to stop at its next check. Async-signal-safe (one lock-free
/// atomic store).
void request_interrupt() noexcept;

/// Withdraws the request (before the next solve).
void clear_interrupt() noexcept;

/// Whether an interrupt is requested: for loops on OpenMP threads, which must not throw;
/// they skip their remaining work and the caller calls check_interrupt() after the loop.
bool interrupt_requested() noexcept;

/// Throws Interrupted when an interrupt is requested.
void check_interrupt();

}  // namespace isingmf
