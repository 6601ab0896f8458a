#include "signals.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>

#include "isingmf/util/atomic_file.hpp"

namespace isingmf::cli {
namespace {

constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

// set_interrupt_note's line: its bytes are written while the length is 0 and published by
// the length (release), which the handler reads first (acquire).
char interrupt_note[1024];
std::atomic<std::size_t> interrupt_note_length{0};
static_assert(std::atomic<std::size_t>::is_always_lock_free, "read in a signal handler");

// Only async-signal-safe calls: unlink (inside remove_temporary_files_now), sigaction and
// raise. The default action goes back in place only after the files are gone, and the raised
// signal, blocked while the handler runs, ends the process as soon as it returns. (Not
// SA_RESETHAND: the kernel restores the default action as it takes the signal, a moment
// before it blocks the signal for the handler, and a second signal sent in that moment ended
// the process at once without the handler. `timeout` sends two, to the process and to its
// group: interrupted ensembles left their empty checkpoint behind in most runs.)
extern "C" void remove_temporaries_and_reraise(int signal_number) {
    isingmf::remove_temporary_files_now();
    if (const std::size_t length = interrupt_note_length.load(std::memory_order_acquire)) {
        const ssize_t ignored = ::write(STDERR_FILENO, interrupt_note, length);
        (void)ignored;
    }
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    sigaction(signal_number, &default_action, nullptr);
    std::raise(signal_number);
}

}  // namespace

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = remove_temporaries_and_reraise;
    sigemptyset(&action.sa_mask);
    for (const int signal_number : kCleanupSignals) sigaddset(&action.sa_mask, signal_number);
    action.sa_flags = 0;
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

void set_interrupt_note(std::string_view note) {
    if (note.empty()) {
        interrupt_note_length.store(0, std::memory_order_release);
        return;
    }
    if (interrupt_note_length.load(std::memory_order_relaxed) != 0) return;  // set once
    // Cut to fit, still ending its line.
    const std::size_t length = std::min(note.size(), sizeof interrupt_note - 1);
    std::memcpy(interrupt_note, note.data(), length);
    interrupt_note[length] = '\n';
    interrupt_note_length.store(note.back() == '\n' && length == note.size() ? length : length + 1,
                                std::memory_order_release);
}

}  // namespace isingmf::cli
