#pragma once
/// Test helpers for round trips through files: a fresh directory per test and whole-file
/// text I/O. Header-only: the test binary globs only *_test.cpp.

#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>

namespace isingmf::test {

/// A new empty directory under the system temporary directory, removed with its contents
/// on destruction. The name holds the pid and a random number, so parallel test processes
/// (ctest -j) never share one.
class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        std::random_device device;
        path_ = std::filesystem::temp_directory_path() /
                (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(device()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;  // a destructor cannot fail the test; leftovers are harmless
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

    /// Number of entries in the directory (temporary files left behind show up here).
    std::size_t entry_count() const {
        return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path_),
                                                      std::filesystem::directory_iterator()));
    }

private:
    std::filesystem::path path_;
};

/// The whole file as bytes ("" when it cannot be opened).
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Replaces the file's contents with `text`.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace isingmf::test
