#pragma once
/// Running a step that may crash or hang for reasons outside isingmf in a child process.

#include <functional>
#include <string>

namespace isingmf::cli {

/// Runs `body` in a forked child and returns its exit status. An exception from `body` is
/// reported there as main would (one line, status 1). If the child is killed by a signal
/// (a crash) or runs longer than `timeout_seconds` (then it is killed), IoError
/// "cannot read 'FILE': ..." says so. Reading a damaged HDF5 file can crash or loop forever
/// inside HDF5 1.10 itself (bugs fixed only in later releases, found by fuzzing): this keeps
/// such a file one line like any other bad input.
int run_isolated(const std::function<int()>& body, const std::string& file, int timeout_seconds);

}  // namespace isingmf::cli
