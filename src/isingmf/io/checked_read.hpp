#pragma once
/// Reading a results file that may be damaged, from a process that cannot afford to crash.
/// HDF5 1.10 itself can crash or loop forever on some damaged files (bugs fixed only in later
/// releases, found by fuzzing). The command line reads in a child process for that reason
/// (src/cli/isolated.hpp); a caller that must read in its own process (the Python module)
/// has the file read by a forked child first, and reads it itself only once the child did.

#include <filesystem>

#include "isingmf/io/results_file.hpp"

namespace isingmf {

/// read_results(path, with_m), after a forked child has read the same file without crashing
/// within `timeout_seconds` (0: ISINGMF_READ_TIMEOUT or 60, as the command line). An interrupt
/// request (util/interrupt.hpp) kills the child and throws Interrupted. Throws what read_results
/// throws (the child's message), or the IoError of detail/reader_child.hpp for a child that
/// crashed, was killed or ran out of time
/// ("the HDF5 library crashed reading it", "did not finish reading it in N s"). POSIX
/// only; the child runs no Python and no OpenMP, so forking a threaded process is safe.
ResultsFile read_results_checked(const std::filesystem::path& path, bool with_m,
                                 int timeout_seconds = 0);

}  // namespace isingmf
