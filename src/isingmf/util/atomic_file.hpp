#pragma once
/// Writing files so that no reader ever sees half of one: write a temporary file beside the
/// target, push it to stable storage, rename it into place (atomic on one filesystem).
///
/// Temporary files are named ".<name>.tmp-<pid>-<16 hex digits>" beside the target <name>
/// (<name> cut to its first 222 bytes, so that any legal target name gives a legal one):
/// hidden, unique per process and call, on the same filesystem as the target. While one
/// exists it is registered, so that remove_temporary_files_now() can delete it from a
/// signal handler. A temporary can only outlive its process when the process is killed
/// outright (SIGKILL, a crash, a power cut); such a file is stale once the process with
/// that <pid> no longer runs, and remove_stale_temporaries() deletes it.

#include <filesystem>
#include <functional>
#include <string_view>
#include <vector>

#include "isingmf/util/error.hpp"

namespace isingmf {

/// The output file exists and replacing it was not asked for. The message is
/// "'PATH' exists"; a front end may add how to ask for it.
class OutputExistsError : public IoError {
public:
    using IoError::IoError;
};

/// The one check of an output path, made by every writer and, before any work, by every
/// command that writes: `path` must name a file (not a directory, symbolic link, device,
/// FIFO or socket; links are refused, not followed, so that a link is never replaced by a
/// regular file) in an existing directory where this process can create files (checked by
/// creating and removing a temporary file there). An existing regular file is accepted only
/// with `overwrite`. Throws OutputExistsError for an existing file without `overwrite`, and
/// IoError "cannot write 'PATH': reason" otherwise.
void check_output_file(const std::filesystem::path& path, bool overwrite);

/// check_output_file without its probe (no file is created): for a writer that is about to
/// create its temporary file beside `path` anyway, which tells the same.
void check_output_target(const std::filesystem::path& path, bool overwrite);

/// ".<name>.tmp-<pid>-<random>" in the target's directory (see above).
std::filesystem::path temporary_path_beside(const std::filesystem::path& path);

/// A path registered for remove_temporary_files_now() from construction until release() or
/// destruction; nothing else removes it. For a file this process made that a signal should
/// not leave behind, such as a checkpoint that holds no result yet. At most 32 paths of
/// under 4096 bytes are registered at once; beyond that a path is not (a signal then leaves
/// its file, as it would without this).
class RemovedOnSignal {
public:
    explicit RemovedOnSignal(const std::filesystem::path& path);
    ~RemovedOnSignal() { release(); }
    RemovedOnSignal(const RemovedOnSignal&) = delete;
    RemovedOnSignal& operator=(const RemovedOnSignal&) = delete;

    /// Unregisters: a signal leaves the file from now on.
    void release() noexcept;

private:
    int slot_ = -1;
};

/// The name of a temporary file beside a target, registered for remove_temporary_files_now()
/// from construction (before the file is created) until commit() or destruction. The
/// destructor removes the file unless commit() was called after it was renamed away.
class TemporaryFile {
public:
    explicit TemporaryFile(const std::filesystem::path& target);
    ~TemporaryFile();
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    const std::filesystem::path& path() const { return path_; }
    /// The file now lives under another name: keep it and unregister.
    void commit() noexcept;

private:
    std::filesystem::path path_;
    RemovedOnSignal registration_;
    bool committed_ = false;
};

/// Deletes every file a TemporaryFile or RemovedOnSignal of this process names now.
/// Async-signal-safe (it only calls unlink(2) on names stored in advance): meant for
/// SIGINT/SIGTERM/SIGHUP handlers, which should then re-raise the signal with its default action.
void remove_temporary_files_now() noexcept;

/// Writes `contents` to `path` through a temporary file: create it, write, fsync, rename
/// (without `overwrite`, a rename that refuses to replace a file that appeared meanwhile).
/// Checks `path` first as check_output_file does (creating the temporary is the probe). On any
/// failure the temporary is removed, the target is untouched, and IoError "cannot write 'PATH':
/// <strerror>" names the file the caller asked for (No space left on device, File too large,
/// ...).
void write_text_atomically(const std::filesystem::path& path, std::string_view contents,
                           bool overwrite = true);

/// write_text_atomically, keeping the file open: returns a descriptor of the file now at
/// `path`, open for reading and appending (the caller closes it). `before_rename(fd)`, when
/// given, runs on the complete, synced temporary just before it is renamed into place: for a
/// lock that must hold from the moment the file appears. What it throws is passed on, and
/// the temporary is removed.
int create_file_atomically(const std::filesystem::path& path, std::string_view contents,
                           bool overwrite, const std::function<void(int)>& before_rename = {});

/// Removes the stale temporaries of `path` (".<name>.tmp-<pid>-<16 hex>" in its directory
/// whose <pid> is not a running process of this machine) and returns their paths. Best
/// effort: unreadable directories and files that cannot be removed are skipped.
std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& path);

namespace detail {
/// Writes all of `bytes` to `fd`, again after short writes and EINTR: 0, or the errno of the
/// write that failed. (Also the checkpoint log's appends, append_log.cpp.)
int write_all(int fd, std::string_view bytes);
}  // namespace detail

}  // namespace isingmf
