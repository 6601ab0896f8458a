#pragma once
/// A file of checksummed records that only ever grows at its end: the checkpoint of work
/// that finishes piece by piece (an ensemble's samples), safe against the writer being
/// killed at any moment and shared by several writing processes.
///
/// Layout: the 16 bytes "isingmf-log-v1\n\0", then records, the first of them the header.
/// A record is
///
///     u32 magic 0x52464d49 ("IMFR")   u32 CRC-32C of (length, payload)
///     u64 length                       payload (length bytes)
///
/// (integers little-endian). The file is created with its header complete (written to a
/// temporary name, synced, renamed), so it exists with a valid header or not at all. Each
/// further record is one write(2) at the end of the file (O_APPEND) under an exclusive
/// fcntl lock of the whole file, so that records of concurrent writers (processes of one
/// MPI job, threads holding one AppendLog) never interleave, also on NFS. A writer killed
/// halfway leaves a torn last record; opening the log for appending cuts it off again, and
/// reading ignores it. A record damaged later (a bad sector, a flipped bit) is skipped, and the
/// records after it are read. Records are pushed to the disk (fdatasync) at most once per
/// `sync_interval` and by sync(); data written survives the death of the process at once,
/// a power cut loses at most the records of the last interval. A symbolic link at the log's
/// path is refused, never followed.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace isingmf {

/// CRC-32C (Castagnoli), the checksum of the records.
std::uint32_t crc32c(std::string_view bytes, std::uint32_t crc = 0);

/// What a log holds: its header and the complete records after it, in file order.
struct AppendLogContents {
    std::string header;
    std::vector<std::string> records;
    /// Where the last intact record ends.
    std::size_t valid_bytes = 0;
    /// Damaged bytes between intact records (skipped: the records after them are read).
    std::size_t skipped_bytes = 0;
    /// Bytes after the last intact record: a torn or damaged tail.
    std::size_t dropped_bytes = 0;
};

/// Reads a log. Throws IoError when the file cannot be read, is not such a log, or its
/// header record is damaged. A damaged record is skipped up to the next intact one (its
/// magic, a length that fits and its checksum), so the records after it are still read;
/// damage after the last intact record is a torn or damaged tail.
AppendLogContents read_append_log(const std::filesystem::path& path);

/// Whether a live run holds the claim on the log at `path` (AppendLog::claim_for_run); false
/// when there is no regular file there. A run's claim ends with its process, however it ends.
/// Throws IoError when the file cannot be opened to tell (permissions).
bool claimed_by_a_run(const std::filesystem::path& path);

/// A run's claim on the file at `path` as it stands, taken by a run about to replace it:
/// while held, no other run can claim that file, so none is appending to it. held() is false
/// when a live run holds the claim already. Where no regular file stands, nothing is held and
/// held() is true. Throws IoError as claimed_by_a_run does.
class ReplacementClaim {
public:
    explicit ReplacementClaim(const std::filesystem::path& path);
    ~ReplacementClaim();
    ReplacementClaim(const ReplacementClaim&) = delete;
    ReplacementClaim& operator=(const ReplacementClaim&) = delete;
    bool held() const { return held_; }
    /// Whether a regular file stood at `path` (and is held): only then is there a file to
    /// replace; else a file that appeared since is another run's, not to be replaced.
    bool found() const { return fd_ >= 0; }

private:
    int fd_ = -1;
    bool held_ = true;
};

/// An open log, appending.
class AppendLog {
public:
    /// Creates the log at `path` with `header` (atomically, see above), replacing a file of
    /// that name, and opens it for appending.
    static AppendLog create(const std::filesystem::path& path, std::string_view header,
                            std::chrono::seconds sync_interval = std::chrono::seconds(10));
    /// Creates the log as create does, claimed for this run (claim_for_run) from before it
    /// appears at `path`; an existing file is replaced only with `overwrite` (else
    /// OutputExistsError). Throws IoError when another run claimed the new file meanwhile.
    static AppendLog create_for_run(const std::filesystem::path& path, std::string_view header,
                                    bool overwrite,
                                    std::chrono::seconds sync_interval = std::chrono::seconds(10));
    /// Opens an existing log for appending; a torn or damaged tail (contents.dropped_bytes
    /// of a read under the lock) is cut off first. Throws IoError as read_append_log does.
    static AppendLog open(const std::filesystem::path& path,
                          std::chrono::seconds sync_interval = std::chrono::seconds(10));

    AppendLog(AppendLog&& other) noexcept;
    AppendLog& operator=(AppendLog&& other) noexcept;
    AppendLog(const AppendLog&) = delete;
    AppendLog& operator=(const AppendLog&) = delete;
    /// Syncs (errors ignored) and closes.
    ~AppendLog();

    /// Appends one record; thread-safe. Throws IoError naming the file on a failed write
    /// (the file is then cut back to its previous end, best effort).
    void append(std::string_view payload);
    /// Pushes everything appended to the disk (fdatasync); throws IoError on failure.
    void sync();
    /// Claims the log for this process's run until it is closed: claimed_by_a_run() is then
    /// true for it in every other process, and their claims fail. False when another run
    /// holds the claim. Appends, this run's or another process's, are not affected.
    bool claim_for_run();
    const std::filesystem::path& path() const { return path_; }

private:
    AppendLog(std::filesystem::path path, int fd, std::chrono::seconds sync_interval);
    void close() noexcept;

    std::filesystem::path path_;
    int fd_ = -1;
    std::chrono::seconds sync_interval_;
    std::chrono::steady_clock::time_point last_sync_;
    bool dirty_ = false;
    std::unique_ptr<std::mutex> mutex_ = std::make_unique<std::mutex>();
};

}  // namespace isingmf
