#include "isingmf/util/append_log.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/detail/bytes.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFileMagic("isingmf-log-v1\n\0", 16);
constexpr std::uint32_t kRecordMagic = 0x52464d49;  // "IMFR" little-endian
constexpr std::size_t kRecordHead = 16;             // magic, crc, length

constexpr std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t n = 0; n < 256; ++n) {
        std::uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0x82f63b78u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    return table;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

std::string encode_record(std::string_view payload) {
    detail::ByteWriter length;
    length.u64(payload.size());
    detail::ByteWriter record;
    record.u32(kRecordMagic);
    record.u32(crc32c(payload, crc32c(length.bytes())));
    record.u64(payload.size());
    std::string bytes = record.take();
    bytes.append(payload);
    return bytes;
}

[[noreturn]] void fail(const fs::path& path, const char* verb, int error) {
    throw IoError(fmt::format("cannot {} '{}': {}", verb, path.string(), std::strerror(error)));
}

std::string read_all(int fd, const fs::path& path) {
    std::string bytes;
    char buffer[1 << 16];
    while (true) {
        const ssize_t got = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(bytes.size()));
        if (got < 0) {
            if (errno == EINTR) continue;
            fail(path, "read", errno);
        }
        if (got == 0) return bytes;
        bytes.append(buffer, static_cast<std::size_t>(got));
    }
}

// The length of the intact record at `at` (head and payload), or 0 where there is none.
std::size_t intact_record(std::string_view bytes, std::size_t at, const fs::path& path) {
    if (bytes.size() - at < kRecordHead) return 0;
    detail::ByteReader head(bytes.substr(at, kRecordHead), path.string());
    const std::uint32_t magic = head.u32();
    const std::uint32_t crc = head.u32();
    const std::uint64_t length = head.u64();
    if (magic != kRecordMagic || length > bytes.size() - at - kRecordHead) return 0;
    const std::string_view payload = bytes.substr(at + kRecordHead, length);
    if (crc32c(payload, crc32c(bytes.substr(at + 8, 8))) != crc) return 0;
    return kRecordHead + static_cast<std::size_t>(length);
}

// Parses the bytes of a log; throws when it is not one or its header is damaged. A damaged
// record is skipped up to the next intact one (found by its magic, length and checksum), so
// that one bad sector costs the records it holds, not every record after it.
AppendLogContents parse(std::string_view bytes, const fs::path& path) {
    if (bytes.size() < kFileMagic.size() || bytes.substr(0, kFileMagic.size()) != kFileMagic) {
        throw IoError(fmt::format("'{}' is not an isingmf checkpoint", path.string()));
    }
    AppendLogContents contents;
    std::size_t at = kFileMagic.size();
    const std::size_t header = intact_record(bytes, at, path);
    if (header == 0) throw IoError(fmt::format("'{}': damaged checkpoint header", path.string()));
    contents.header.assign(bytes.substr(at + kRecordHead, header - kRecordHead));
    at += header;
    contents.valid_bytes = at;
    const std::string_view magic = bytes.substr(at - header, 4);  // the record magic's bytes
    while (at < bytes.size()) {
        const std::size_t length = intact_record(bytes, at, path);
        if (length > 0) {
            contents.skipped_bytes += at - contents.valid_bytes;
            contents.records.emplace_back(bytes.substr(at + kRecordHead, length - kRecordHead));
            at += length;
            contents.valid_bytes = at;
            continue;
        }
        at = bytes.find(magic, at + 1);
        if (at == std::string_view::npos) break;
    }
    contents.dropped_bytes = bytes.size() - contents.valid_bytes;
    return contents;
}

// An exclusive fcntl lock of the whole file for the lifetime of the object.
// The byte a run's claim locks (AppendLog::claim_for_run), far past any data: appends lock
// the bytes before it, so a claim and the appends of other processes never wait on each other.
constexpr off_t kClaimByte = off_t{1} << 62;

struct flock byte_range(short type, off_t start, off_t length) {
    struct flock range {};
    range.l_type = type;
    range.l_whence = SEEK_SET;
    range.l_start = start;
    range.l_len = length;
    return range;
}

class FileLock {
public:
    FileLock(int fd, const fs::path& path) : fd_(fd) {
        struct flock lock = byte_range(F_WRLCK, 0, kClaimByte);
        while (::fcntl(fd_, F_SETLKW, &lock) != 0) {
            if (errno != EINTR) fail(path, "lock", errno);
        }
    }
    ~FileLock() {
        struct flock lock = byte_range(F_UNLCK, 0, kClaimByte);
        ::fcntl(fd_, F_SETLK, &lock);
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_;
};

// The regular file at `path` opened with `flags`: -1 with errno set when it cannot be opened,
// and -1 with errno 0 when what stands there is not a regular file. Links are not followed,
// as for every file this program writes (atomic_file.hpp): appending through one would grow a
// file elsewhere that removing the log leaves behind. Non-blocking, so that a FIFO in the
// log's place is refused rather than waited on.
int open_regular(const fs::path& path, int flags) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        errno = 0;
        return -1;
    }
    return fd;
}

int open_checked(const fs::path& path, int flags) {
    const int fd = open_regular(path, flags);
    if (fd >= 0) return fd;
    if (errno == ELOOP) {
        throw IoError(fmt::format(
            "cannot open '{}': it is a symbolic link (links are not followed)", path.string()));
    }
    if (errno == 0)
        throw IoError(fmt::format("cannot open '{}': it is not a regular file", path.string()));
    fail(path, "open", errno);
}

// Takes the claim of a run on the open file `fd` (open for writing); false when another open
// of the file holds it. Open file description locks (Linux 3.15) belong to the open file, not
// the process, so that another descriptor of the file opened and closed by this process (a
// read) does not drop the claim, as closing drops a process's POSIX locks. Where they are
// missing (EINVAL), runs go unclaimed, as before claims existed.
bool take_claim(int fd, const fs::path& path) {
    struct flock claim = byte_range(F_WRLCK, kClaimByte, 1);
    if (::fcntl(fd, F_OFD_SETLK, &claim) == 0) return true;
    if (errno == EAGAIN || errno == EACCES) return false;
    if (errno == EINVAL) return true;
    fail(path, "lock", errno);
}

}  // namespace

std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc) {
    crc = ~crc;
    for (const char byte : bytes)
        crc = kCrcTable[(crc ^ static_cast<unsigned char>(byte)) & 0xff] ^ (crc >> 8);
    return ~crc;
}

AppendLogContents read_append_log(const fs::path& path) {
    const int fd = open_checked(path, O_RDONLY);
    try {
        AppendLogContents contents = parse(read_all(fd, path), path);
        ::close(fd);
        return contents;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

AppendLog::AppendLog(fs::path path, int fd, std::chrono::seconds sync_interval)
    : path_(std::move(path)),
      fd_(fd),
      sync_interval_(sync_interval),
      last_sync_(std::chrono::steady_clock::now()) {}

namespace {

// The bytes of a new log: the file's magic and the header record.
std::string new_log_bytes(std::string_view header) {
    std::string bytes(kFileMagic);
    bytes += encode_record(header);
    return bytes;
}

}  // namespace

AppendLog AppendLog::create(const fs::path& path, std::string_view header,
                            std::chrono::seconds sync_interval) {
    return AppendLog(path, create_file_atomically(path, new_log_bytes(header), true),
                     sync_interval);
}

AppendLog AppendLog::create_for_run(const fs::path& path, std::string_view header, bool overwrite,
                                    std::chrono::seconds sync_interval) {
    // Claimed on the temporary, before the rename: no other run can claim the file the
    // moment it appears, and the claim goes with the open file through the rename.
    const int fd =
        create_file_atomically(path, new_log_bytes(header), overwrite, [&](int temporary) {
            if (!take_claim(temporary, path)) fail(path, "lock", EAGAIN);
        });
    return AppendLog(path, fd, sync_interval);
}

AppendLog AppendLog::open(const fs::path& path, std::chrono::seconds sync_interval) {
    AppendLog log(path, open_checked(path, O_RDWR | O_APPEND), sync_interval);
    const FileLock lock(log.fd_, path);
    const AppendLogContents contents = parse(read_all(log.fd_, path), path);
    if (contents.dropped_bytes > 0) {
        if (::ftruncate(log.fd_, static_cast<off_t>(contents.valid_bytes)) != 0)
            fail(path, "repair", errno);
        log.dirty_ = true;
    }
    return log;
}

AppendLog::AppendLog(AppendLog&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      sync_interval_(other.sync_interval_),
      last_sync_(other.last_sync_),
      dirty_(other.dirty_),
      mutex_(std::move(other.mutex_)) {}

AppendLog& AppendLog::operator=(AppendLog&& other) noexcept {
    if (this != &other) {
        close();
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        sync_interval_ = other.sync_interval_;
        last_sync_ = other.last_sync_;
        dirty_ = other.dirty_;
        mutex_ = std::move(other.mutex_);
    }
    return *this;
}

AppendLog::~AppendLog() { close(); }

void AppendLog::close() noexcept {
    if (fd_ < 0) return;
    if (dirty_) ::fdatasync(fd_);
    ::close(fd_);
    fd_ = -1;
}

void AppendLog::append(std::string_view payload) {
    const std::string record = encode_record(payload);
    const std::lock_guard guard(*mutex_);
    {
        const FileLock lock(fd_, path_);
        struct stat st {};
        if (::fstat(fd_, &st) != 0) fail(path_, "write", errno);
        if (const int error = detail::write_all(fd_, record); error != 0) {
            // Best effort: no torn record stays behind for the next writer to follow.
            [[maybe_unused]] const int ignored = ::ftruncate(fd_, st.st_size);
            fail(path_, "write", error);
        }
    }
    dirty_ = true;
    if (std::chrono::steady_clock::now() - last_sync_ >= sync_interval_) {
        if (::fdatasync(fd_) != 0) fail(path_, "sync", errno);
        last_sync_ = std::chrono::steady_clock::now();
        dirty_ = false;
    }
}

bool AppendLog::claim_for_run() { return take_claim(fd_, path_); }

namespace {

// The regular file at `path` opened with `flags`, or -1 when there is none (nothing there, a
// link, a FIFO or another special file: none is a run's log). Throws when it cannot be opened
// to tell (permissions): a run's claim on it could not be seen.
int open_if_log(const fs::path& path, int flags) {
    const int fd = open_regular(path, flags);
    if (fd >= 0 || errno == 0 || errno == ENOENT || errno == ELOOP || errno == ENXIO) return fd;
    throw IoError(fmt::format("cannot open '{}' to see whether a run is using it ({})",
                              path.string(), std::strerror(errno)));
}

}  // namespace

bool claimed_by_a_run(const fs::path& path) {
    const int fd = open_if_log(path, O_RDONLY);
    if (fd < 0) return false;
    struct flock claim = byte_range(F_WRLCK, kClaimByte, 1);
    const bool claimed = ::fcntl(fd, F_OFD_GETLK, &claim) == 0 && claim.l_type != F_UNLCK;
    ::close(fd);
    return claimed;
}

ReplacementClaim::ReplacementClaim(const fs::path& path) : fd_(open_if_log(path, O_RDWR)) {
    if (fd_ >= 0) held_ = take_claim(fd_, path);
}

ReplacementClaim::~ReplacementClaim() {
    if (fd_ >= 0) ::close(fd_);
}

void AppendLog::sync() {
    const std::lock_guard guard(*mutex_);
    if (::fdatasync(fd_) != 0) fail(path_, "sync", errno);
    last_sync_ = std::chrono::steady_clock::now();
    dirty_ = false;
}

}  // namespace isingmf
