#pragma once
/// The output file of a command, checked before any work.

#include <filesystem>

namespace isingmf::cli {

/// Removes the stale temporary files a killed earlier run left beside `path` (saying so on
/// stderr), then makes the library's one output check (check_output_file), so that an
/// output that cannot be written is refused before the computation rather than after it.
void prepare_output(const std::filesystem::path& path, bool force);

}  // namespace isingmf::cli
