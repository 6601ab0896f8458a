#include "signals.hpp"

#include <csignal>

#include "isingmf/util/atomic_file.hpp"

namespace isingmf::cli {
namespace {

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

// Only async-signal-safe calls: unlink (inside remove_temporary_files_now) and raise. The
// handler was installed with SA_RESETHAND, so the default action is back in place, and the
// raised signal, blocked while the handler runs, ends the process as soon as it returns.
extern "C" void remove_temporaries_and_reraise(int signal_number) {
    isingmf::remove_temporary_files_now();
    std::raise(signal_number);
}

}  // namespace

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = remove_temporaries_and_reraise;
    sigemptyset(&action.sa_mask);
    for (const int signal_number : kCleanupSignals) sigaddset(&action.sa_mask, signal_number);
    action.sa_flags = SA_RESETHAND;
    for (const int signal_number : kCleanupSignals) {
        // A signal ignored by whoever started us (nohup's SIGHUP) stays ignored.
        struct sigaction previous {};
        sigaction(signal_number, nullptr, &previous);
        if (previous.sa_handler == SIG_IGN) continue;
        sigaction(signal_number, &action, nullptr);
    }
    std::signal(SIGXFSZ, SIG_IGN);
    // A reader that leaves early (`| head`, a pager quit) must not end a run before its results
    // file is written: writes to it fail with EPIPE instead, and stdout is then dropped
    // (diagnostics.hpp).
    std::signal(SIGPIPE, SIG_IGN);
}

}  // namespace isingmf::cli
