#include "isingmf/util/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>

#include "isingmf/util/error.hpp"

namespace isingmf {

namespace fs = std::filesystem;

fs::path temporary_path_beside(const fs::path& path) {
    std::random_device device;
    const std::uint64_t salt = (static_cast<std::uint64_t>(device()) << 32) | device();
    const fs::path directory = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    return directory /
           fmt::format(".{}.tmp-{}-{:016x}", path.filename().string(), ::getpid(), salt);
}

void sync_file(const fs::path& file_path, const fs::path& shown_path) {
    const int fd = ::open(file_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int error = errno;
        if (fd >= 0) ::close(fd);
        throw IoError(
            fmt::format("cannot write '{}': {}", shown_path.string(), std::strerror(error)));
    }
    ::close(fd);
}

void write_text_atomically(const fs::path& path, std::string_view contents) {
    std::error_code ignored;
    if (fs::is_directory(path, ignored)) {
        throw IoError(fmt::format("cannot write '{}': it is a directory", path.string()));
    }
    const fs::path temporary = temporary_path_beside(path);
    std::FILE* file = std::fopen(temporary.c_str(), "wbx");
    if (file == nullptr) {
        throw IoError(fmt::format("cannot write '{}': {}", path.string(), std::strerror(errno)));
    }
    const bool written = std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
    const bool closed = std::fclose(file) == 0;
    try {
        if (!written || !closed) throw IoError(fmt::format("cannot write '{}'", path.string()));
        sync_file(temporary, path);
        std::error_code error;
        fs::rename(temporary, path, error);
        if (error) {
            throw IoError(fmt::format("cannot write '{}': {}", path.string(), error.message()));
        }
    } catch (...) {
        fs::remove(temporary, ignored);
        throw;
    }
}

}  // namespace isingmf
