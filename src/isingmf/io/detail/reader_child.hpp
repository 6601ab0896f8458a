#pragma once
/// The errors of a child process that read a file for its parent (HDF5 1.10 can crash or loop
/// forever on a damaged file): one wording for the command line's isolated commands
/// (src/cli/isolated.hpp) and for read_results_checked (io/checked_read.hpp).

#include <string>

#include "isingmf/util/error.hpp"

namespace isingmf::detail {

/// How long a child may take to read a results file: ISINGMF_READ_TIMEOUT (seconds, 1 to
/// 86400) when set, else 60. Throws ModelError when it is set to anything else.
int read_timeout_seconds();

/// "cannot read 'FILE': the HDF5 library crashed reading it (SIGNAL): the file is damaged"
/// for a crash (SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP, SIGSYS), else "... the
/// process reading it was killed (SIGNAL)".
IoError child_reader_killed(const std::string& file, int signal_number);

/// "cannot read 'FILE': the HDF5 library did not finish reading it in N s (a damaged file it
/// loops on?)", for a child killed after `seconds`.
IoError child_reader_timed_out(const std::string& file, int seconds);

}  // namespace isingmf::detail
