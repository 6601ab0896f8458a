#pragma once
/// How the isingmf tool meets signals while it runs.

#include <string_view>

namespace isingmf::cli {

/// SIGINT, SIGTERM and SIGHUP first delete the temporary file being written, if any
/// (remove_temporary_files_now), then end the process as the signal's default action would,
/// so the exit status still says which signal it was (128 + signal number in a shell).
/// SIGXFSZ is ignored, so that going over a file-size limit (ulimit -f) is reported like a
/// full disk ("File too large") instead of killing the process with a core dump.
void install_signal_handlers();

/// A line the handlers above write to stderr before the process ends (what was kept and how to
/// go on, e.g. an ensemble's checkpoint and --resume), up to 1 KiB of it. Set once (a later
/// note is ignored until it is cleared), cleared with an empty one; one thread at a time.
void set_interrupt_note(std::string_view note);

}  // namespace isingmf::cli
