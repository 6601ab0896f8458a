#pragma once
/// The output file of a command, checked before any work.

#include <filesystem>
#include <string>
#include <vector>

namespace isingmf::cli {

/// A file a command reads, and the option that named it.
struct InputFile {
    std::string option;  ///< without the dashes: "lattice-file", "uai", "clusters"
    std::filesystem::path path;
};

/// Refuses (UsageError) an output that is one of the command's input files, under any name
/// (a link, another spelling), with or without --force: the input would be lost. Then removes
/// the stale temporary files a killed earlier run left beside `path` (saying so on stderr), and
/// makes the library's one output check (check_output_file), so that an output that cannot be
/// written is refused before the computation rather than after it.
void prepare_output(const std::filesystem::path& path, bool force,
                    const std::vector<InputFile>& inputs = {});

}  // namespace isingmf::cli
