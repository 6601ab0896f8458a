#include "isingmf/util/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace isingmf {

namespace fs = std::filesystem;

namespace {

// The registry of live temporary names, readable from a signal handler: fixed storage, and
// a lock-free state per slot (free, being filled, named).
constexpr int kSlots = 32;
constexpr std::size_t kMaxPath = 4096;
constexpr int kFree = 0;
constexpr int kFilling = 1;
constexpr int kNamed = 2;

struct Slot {
    std::atomic<int> state{kFree};
    std::array<char, kMaxPath> path{};
};
std::array<Slot, kSlots> g_slots;
static_assert(std::atomic<int>::is_always_lock_free, "the registry is read in signal handlers");

[[noreturn]] void fail(const fs::path& path, const std::string& reason) {
    throw IoError(fmt::format("cannot write '{}': {}", path.string(), reason));
}

[[noreturn]] void fail_errno(const fs::path& path, int error) { fail(path, std::strerror(error)); }

fs::path directory_of(const fs::path& path) {
    return path.parent_path().empty() ? fs::path(".") : path.parent_path();
}

const char* kind_of(mode_t mode) {
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return "a special file";
}

// What may stand at the target path: nothing, or a regular file when replacing is allowed.
void check_target(const fs::path& path, bool overwrite) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        fail_errno(path, errno);  // e.g. "Not a directory" when a parent is a file
    }
    if (S_ISLNK(st.st_mode)) {
        fail(path, "it is a symbolic link (links are not followed; give the path it points to)");
    }
    if (S_ISDIR(st.st_mode)) fail(path, "it is a directory");
    if (!S_ISREG(st.st_mode))
        fail(path, fmt::format("it is not a regular file but {}", kind_of(st.st_mode)));
    if (!overwrite) throw OutputExistsError(fmt::format("'{}' exists", path.string()));
}

// Creates a new file with the permissions an ordinary new file gets (0666 less the umask).
int create_exclusive(const fs::path& path, int flags = O_WRONLY) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), flags | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

// Renames without replacing: fails with EEXIST when the target appeared meanwhile.
// Filesystems without RENAME_NOREPLACE get the check and the rename one after the other.
int rename_no_replace(const fs::path& from, const fs::path& to) {
#ifdef RENAME_NOREPLACE
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return errno;
#endif
    struct stat st {};
    if (::lstat(to.c_str(), &st) == 0) return EEXIST;
    return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

// Makes the rename itself durable; a failure here changes nothing the user can act on.
void sync_directory(const fs::path& directory) {
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// The <pid> of ".<name>.tmp-<pid>-<16 hex>" for this `prefix` (".<name>.tmp-"), or -1.
long stale_candidate_pid(const std::string& file_name, const std::string& prefix) {
    if (file_name.size() <= prefix.size() || file_name.compare(0, prefix.size(), prefix) != 0)
        return -1;
    const std::string rest = file_name.substr(prefix.size());
    const std::size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos || dash > 9 || rest.size() - dash - 1 != 16)
        return -1;
    long pid = 0;
    for (std::size_t k = 0; k < dash; ++k) {
        if (rest[k] < '0' || rest[k] > '9') return -1;
        pid = pid * 10 + (rest[k] - '0');
    }
    for (std::size_t k = dash + 1; k < rest.size(); ++k) {
        const char c = rest[k];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return -1;
    }
    return pid;
}

// ".<name>.tmp-" for the temporaries beside `path`. A file name holds at most 255 bytes
// (NAME_MAX), and the temporary adds up to 33 to the target's: the name is cut so that a
// legal target name always has a legal temporary (two long names with one beginning then
// share a prefix, which only lets each clean up the other's stale temporaries).
std::string temporary_prefix(const fs::path& path) {
    constexpr std::size_t kNameMax = 255;
    constexpr std::size_t kAdded = 1 + 5 + 10 + 1 + 16;  // ".", ".tmp-", pid, "-", salt
    std::string name = path.filename().string();
    if (name.size() > kNameMax - kAdded) name.resize(kNameMax - kAdded);
    return fmt::format(".{}.tmp-", name);
}

// 64 random bits for a temporary's name. getrandom(2) rather than std::random_device, whose
// set-up runs CPUID (a trap to the hypervisor on a virtual machine): some 30 us per name on
// this project's VM, 4% of writing a small results file. O_EXCL, not the salt, is what keeps names
// apart; a failed call falls back to a per-process counter mixed with the clock.
std::uint64_t random_salt() {
    std::uint64_t salt = 0;
    if (::getrandom(&salt, sizeof salt, GRND_NONBLOCK) == static_cast<ssize_t>(sizeof salt))
        return salt;
    static std::atomic<std::uint64_t> counter{0};
    const auto now =
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    return now * 0x9E3779B97F4A7C15ull + counter.fetch_add(1);
}

}  // namespace

fs::path temporary_path_beside(const fs::path& path) {
    const std::uint64_t salt = random_salt();
    return directory_of(path) /
           fmt::format("{}{}-{:016x}", temporary_prefix(path), ::getpid(), salt);
}

RemovedOnSignal::RemovedOnSignal(const fs::path& path) {
    const std::string& name = path.native();
    if (name.size() >= kMaxPath) return;  // unregistered
    for (int k = 0; k < kSlots; ++k) {
        int expected = kFree;
        if (g_slots[static_cast<std::size_t>(k)].state.compare_exchange_strong(expected,
                                                                               kFilling)) {
            Slot& slot = g_slots[static_cast<std::size_t>(k)];
            std::memcpy(slot.path.data(), name.c_str(), name.size() + 1);
            slot.state.store(kNamed, std::memory_order_release);
            slot_ = k;
            return;
        }
    }
}

void RemovedOnSignal::release() noexcept {
    if (slot_ >= 0) g_slots[static_cast<std::size_t>(slot_)].state.store(kFree);
    slot_ = -1;
}

// Registered before the file is created; an unregistered one is still removed by the
// destructor.
TemporaryFile::TemporaryFile(const fs::path& target)
    : path_(temporary_path_beside(target)), registration_(path_) {}

TemporaryFile::~TemporaryFile() {
    if (!committed_) ::unlink(path_.c_str());  // ENOENT (never created) is fine
}

void TemporaryFile::commit() noexcept {
    committed_ = true;
    registration_.release();
}

void remove_temporary_files_now() noexcept {
    for (Slot& slot : g_slots) {
        if (slot.state.load(std::memory_order_acquire) == kNamed) ::unlink(slot.path.data());
    }
}

void check_output_target(const fs::path& path, bool overwrite) {
    if (path.empty()) fail(path, "no file name given");
    if (!path.has_filename()) fail(path, "it names a directory, not a file");
    check_target(path, overwrite);
    const fs::path directory = directory_of(path);
    struct stat st {};
    if (::stat(directory.c_str(), &st) != 0) {
        if (errno == ENOENT)
            fail(path, fmt::format("directory '{}' does not exist", directory.string()));
        fail_errno(path, errno);
    }
    if (!S_ISDIR(st.st_mode))
        fail(path, fmt::format("'{}' is not a directory", directory.string()));
}

void check_output_file(const fs::path& path, bool overwrite) {
    check_output_target(path, overwrite);
    // Permissions, read-only mounts, /proc and the like: only trying tells for sure.
    const TemporaryFile probe(path);
    const int fd = create_exclusive(probe.path());
    if (fd < 0) fail_errno(path, errno);
    ::close(fd);
}

namespace {

// Renames the written and synced temporary into place at `path` (without `overwrite`, never
// over a file that appeared meanwhile) and makes the rename durable.
void publish(TemporaryFile& temporary, const fs::path& path, bool overwrite) {
    // Whatever appeared at the target meanwhile gets the same check as before.
    check_target(path, overwrite);
    if (overwrite) {
        if (::rename(temporary.path().c_str(), path.c_str()) != 0) fail_errno(path, errno);
    } else if (const int rename_error = rename_no_replace(temporary.path(), path);
               rename_error != 0) {
        if (rename_error == EEXIST)
            throw OutputExistsError(fmt::format("'{}' exists", path.string()));
        fail_errno(path, rename_error);
    }
    temporary.commit();
    sync_directory(directory_of(path));
}

// Creates the temporary with `flags` (besides O_CREAT | O_EXCL | O_CLOEXEC), writes
// `contents` and syncs them; the descriptor, or an IoError naming `path`.
int write_temporary(const TemporaryFile& temporary, const fs::path& path, int flags,
                    std::string_view contents) {
    const int fd = create_exclusive(temporary.path(), flags);
    // Creating the temporary is check_output_file's probe, with the same message on failure.
    if (fd < 0) fail_errno(path, errno);
    int error = detail::write_all(fd, contents);
    if (error == 0 && ::fsync(fd) != 0) error = errno;
    if (error != 0) {
        ::close(fd);
        fail_errno(path, error);
    }
    return fd;
}

}  // namespace

void write_text_atomically(const fs::path& path, std::string_view contents, bool overwrite) {
    check_output_target(path, overwrite);
    TemporaryFile temporary(path);
    const int fd = write_temporary(temporary, path, O_WRONLY, contents);
    // close can report what a network filesystem could not store.
    if (::close(fd) != 0) fail_errno(path, errno);
    publish(temporary, path, overwrite);
}

int create_file_atomically(const fs::path& path, std::string_view contents, bool overwrite,
                           const std::function<void(int)>& before_rename) {
    check_output_target(path, overwrite);
    TemporaryFile temporary(path);
    const int fd = write_temporary(temporary, path, O_RDWR | O_APPEND, contents);
    try {
        if (before_rename) before_rename(fd);
        publish(temporary, path, overwrite);
    } catch (...) {
        ::close(fd);
        throw;
    }
    return fd;
}

std::vector<fs::path> remove_stale_temporaries(const fs::path& path) {
    std::vector<fs::path> removed;
    if (!path.has_filename()) return removed;
    const std::string prefix = temporary_prefix(path);
    std::error_code error;
    fs::directory_iterator entries(directory_of(path), error);
    if (error) return removed;
    for (const fs::directory_entry& entry : entries) {
        const long pid = stale_candidate_pid(entry.path().filename().string(), prefix);
        if (pid <= 0 || pid == ::getpid()) continue;
        // ESRCH: no such process. EPERM means it runs under another user: not stale.
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
        if (!entry.is_regular_file(error) || entry.is_symlink(error)) continue;
        if (fs::remove(entry.path(), error)) removed.push_back(entry.path());
    }
    return removed;
}

namespace detail {

int write_all(int fd, std::string_view contents) {
    const char* data = contents.data();
    std::size_t left = contents.size();
    while (left > 0) {
        const ssize_t written = ::write(fd, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    return 0;
}

}  // namespace detail

}  // namespace isingmf
