#include "isingmf/util/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>

#include "isingmf/util/error.hpp"
#include "support/error_of.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

template <class F>
std::string io_error_of(F f) {
    return test::error_of<IoError>(f);
}

TEST(AtomicFile, ReplacesTheTargetWholeAndLeavesNothingElse) {
    const test::TempDir dir("isingmf_atomic");
    const auto target = dir.path() / "model.txt";
    test::write_file(target, "old contents");
    write_text_atomically(target, "new contents\n");
    EXPECT_EQ(test::read_file(target), "new contents\n");
    EXPECT_EQ(dir.entry_count(), 1u);  // no temporary left beside it
}

TEST(AtomicFile, FailureLeavesTheTargetUntouched) {
    const test::TempDir dir("isingmf_atomic");
    EXPECT_THROW(write_text_atomically(dir.path() / "no" / "such" / "dir.txt", "x"), IoError);
    EXPECT_THROW(write_text_atomically(dir.path(), "x"), IoError);  // a directory
    EXPECT_EQ(dir.entry_count(), 0u);
}

TEST(AtomicFile, WithoutOverwriteAnExistingFileStays) {
    const test::TempDir dir("isingmf_atomic");
    const auto target = dir.path() / "kept.txt";
    test::write_file(target, "precious");
    EXPECT_THROW(write_text_atomically(target, "new", false), OutputExistsError);
    EXPECT_EQ(test::read_file(target), "precious");
    write_text_atomically(dir.path() / "fresh.txt", "new", false);
    EXPECT_EQ(test::read_file(dir.path() / "fresh.txt"), "new");
    EXPECT_EQ(dir.entry_count(), 2u);
}

TEST(AtomicFile, TemporaryIsHiddenBesideTheTarget) {
    const auto tmp = temporary_path_beside("/some/dir/run.h5");
    EXPECT_EQ(tmp.parent_path(), "/some/dir");
    EXPECT_EQ(tmp.filename().string().rfind(".run.h5.tmp-", 0), 0u);
    EXPECT_NE(temporary_path_beside("run.h5"), temporary_path_beside("run.h5"));
}

// A target name of up to 255 bytes is legal, and so must its temporary be: names of about 226
// bytes and more (with the pid's digits) used to fail with "File name too long".
TEST(AtomicFile, LongestLegalNamesAreWritten) {
    const test::TempDir dir("isingmf_atomic");
    for (const std::size_t length : {200u, 222u, 223u, 240u, 255u}) {
        const std::string name = std::string(length - 3, 'x') + ".h5";
        const auto tmp = temporary_path_beside(dir.path() / name);
        EXPECT_LE(tmp.filename().string().size(), 255u) << length;
        EXPECT_NO_THROW(write_text_atomically(dir.path() / name, "data", false)) << length;
        EXPECT_EQ(test::read_file(dir.path() / name), "data") << length;
    }
    EXPECT_EQ(dir.entry_count(), 5u);  // no temporary left
}

TEST(OutputCheck, RefusesWhatIsNotARegularFileWithOneWording) {
    const test::TempDir dir("isingmf_atomic");
    const fs::path d = dir.path();
    fs::create_directory(d / "sub");
    test::write_file(d / "plain", "x");
    fs::create_symlink(d / "plain", d / "link");
    fs::create_symlink(d / "nowhere", d / "dangling");
    ASSERT_EQ(::mkfifo((d / "fifo").c_str(), 0600), 0);
    const auto message = [](const fs::path& path, bool overwrite) {
        return io_error_of([&] { check_output_file(path, overwrite); });
    };
    const std::string prefix = "cannot write '" + d.string();
    EXPECT_EQ(message(d / "sub", true), prefix + "/sub': it is a directory");
    EXPECT_EQ(message(d / "sub/", true), prefix + "/sub/': it names a directory, not a file");
    EXPECT_EQ(message(d / "link", true),
              prefix +
                  "/link': it is a symbolic link (links are not followed; give the path it "
                  "points to)");
    EXPECT_NE(message(d / "dangling", true).find("symbolic link"), std::string::npos);
    EXPECT_EQ(message(d / "fifo", true), prefix + "/fifo': it is not a regular file but a FIFO");
    EXPECT_EQ(message("/dev/null", true),
              "cannot write '/dev/null': it is not a regular file but a character device");
    EXPECT_EQ(message("", true), "cannot write '': no file name given");
    EXPECT_EQ(message(d / "no" / "r.h5", true),
              prefix + "/no/r.h5': directory '" + d.string() + "/no' does not exist");
    EXPECT_EQ(message(d / "plain" / "r.h5", true),
              prefix + "/plain/r.h5': " + std::strerror(ENOTDIR));
    // /proc takes no new files (ENOENT for root, EACCES for others): found by trying.
    EXPECT_EQ(message("/proc/r.h5", true).rfind("cannot write '/proc/r.h5': ", 0), 0u);
    // An existing regular file: a distinct error that names no command-line flag.
    try {
        check_output_file(d / "plain", false);
        ADD_FAILURE() << "expected OutputExistsError";
    } catch (const OutputExistsError& e) {
        EXPECT_EQ(std::string(e.what()), "'" + (d / "plain").string() + "' exists");
    }
    EXPECT_NO_THROW(check_output_file(d / "plain", true));
    EXPECT_NO_THROW(check_output_file(d / "new.h5", false));
    // The writer makes the same check; nothing was replaced, no probe file is left.
    EXPECT_EQ(io_error_of([&] { write_text_atomically(d / "link", "y"); }),
              message(d / "link", true));
    EXPECT_TRUE(fs::is_symlink(d / "link"));
    EXPECT_EQ(test::read_file(d / "plain"), "x");
    EXPECT_EQ(dir.entry_count(), 5u);
}

TEST(OutputCheck, RefusesASocket) {
    const test::TempDir dir("isingmf_atomic");
    const fs::path path = dir.path() / "sock";
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    ASSERT_LT(path.string().size(), sizeof address.sun_path);
    std::strcpy(address.sun_path, path.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(io_error_of([&] { check_output_file(path, true); }),
              "cannot write '" + path.string() + "': it is not a regular file but a socket");
    ::close(fd);
}

// A write that fails half way (here: a file-size limit, which root cannot bypass, fails
// write(2) with EFBIG as a full disk fails it with ENOSPC) must name the file and the reason,
// leave the old file as it was, and no temporary beside it.
TEST(AtomicFile, FailedWriteKeepsTheExistingTargetAndSaysWhy) {
    const test::TempDir dir("isingmf_atomic");
    const fs::path target = dir.path() / "model.txt";
    test::write_file(target, "old contents");
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto previous = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a signal
    rlimit limited = saved;
    limited.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    const std::string message =
        io_error_of([&] { write_text_atomically(target, std::string(1 << 20, 'x')); });
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous);
    EXPECT_EQ(message, "cannot write '" + target.string() + "': " + std::strerror(EFBIG));
    EXPECT_EQ(test::read_file(target), "old contents");
    EXPECT_EQ(dir.entry_count(), 1u);
}

TEST(TemporaryFiles, RemovedOnRequestAsFromASignalHandler) {
    const test::TempDir dir("isingmf_atomic");
    const fs::path target = dir.path() / "run.h5";
    {
        TemporaryFile first(target);
        TemporaryFile second(target);
        test::write_file(first.path(), "half a file");
        test::write_file(second.path(), "another half");
        EXPECT_EQ(dir.entry_count(), 2u);
        remove_temporary_files_now();
        EXPECT_EQ(dir.entry_count(), 0u);
    }
    // A committed temporary (renamed into place) is no longer touched.
    {
        TemporaryFile temporary(target);
        test::write_file(temporary.path(), "whole");
        fs::rename(temporary.path(), target);
        temporary.commit();
        test::write_file(temporary.path(), "same name again");  // not ours any more
        remove_temporary_files_now();
        EXPECT_EQ(dir.entry_count(), 2u);
    }
    EXPECT_EQ(test::read_file(target), "whole");
    // An uncommitted one is removed when it goes out of scope.
    {
        TemporaryFile temporary(dir.path() / "other.h5");
        test::write_file(temporary.path(), "x");
        EXPECT_EQ(dir.entry_count(), 3u);
    }
    EXPECT_EQ(dir.entry_count(), 2u);
}

// A file registered with RemovedOnSignal (an ensemble's checkpoint before its first sample) is
// removed by the signal-time cleanup until released, and only then; nothing else removes it.
TEST(TemporaryFiles, RegisteredFileRemovedOnlyUntilReleased) {
    const test::TempDir dir("isingmf_atomic");
    const fs::path file = dir.path() / ".run.h5.ensemble-checkpoint";
    test::write_file(file, "header");
    {
        RemovedOnSignal registered(file);
        remove_temporary_files_now();
        EXPECT_FALSE(fs::exists(file));
    }
    test::write_file(file, "header");
    {
        RemovedOnSignal registered(file);
        registered.release();
        remove_temporary_files_now();
        EXPECT_TRUE(fs::exists(file));
    }
    EXPECT_TRUE(fs::exists(file)) << "going out of scope removes nothing";
}

TEST(TemporaryFiles, StaleOnesOfDeadProcessesAreRemoved) {
    const test::TempDir dir("isingmf_atomic");
    const fs::path d = dir.path();
    // 4194305 is above PID_MAX_LIMIT (2^22) on Linux: no process can have it.
    const std::string stale = ".run.h5.tmp-4194305-0123456789abcdef";
    const std::string live = ".run.h5.tmp-" + std::to_string(::getpid()) + "-0123456789abcdef";
    const std::string other_target = ".other.h5.tmp-4194305-0123456789abcdef";
    const std::string not_ours = ".run.h5.tmp-4194305-notahexnumber!!";
    for (const std::string& name : {stale, live, other_target, not_ours})
        test::write_file(d / name, "x");
    const auto removed = remove_stale_temporaries(d / "run.h5");
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0], d / stale);
    EXPECT_FALSE(fs::exists(d / stale));
    EXPECT_EQ(dir.entry_count(), 3u);
    EXPECT_TRUE(remove_stale_temporaries(d / "missing" / "run.h5").empty());
}

}  // namespace
}  // namespace isingmf
