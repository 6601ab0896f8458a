#pragma once
/// Writing files so that no reader ever sees half of one: write a temporary file beside the
/// target, push it to stable storage, rename it into place (atomic on one filesystem).

#include <filesystem>
#include <string_view>

namespace isingmf {

/// ".<name>.tmp-<pid>-<random>" in the target's directory: hidden, unique per process and
/// call, and on the same filesystem as the target so that the final rename is atomic.
std::filesystem::path temporary_path_beside(const std::filesystem::path& path);

/// fsyncs a closed file; errors name `shown_path` (the file the user asked for).
void sync_file(const std::filesystem::path& file_path, const std::filesystem::path& shown_path);

/// Writes `contents` to `path` through a temporary file and a rename; on any failure the
/// temporary is removed, the target is untouched, and IoError names `path`.
void write_text_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace isingmf
