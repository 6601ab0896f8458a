#include "isingmf/util/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <string>

#include "isingmf/util/error.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

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

TEST(AtomicFile, FailedWriteKeepsTheExistingTarget) {
    // A write that fails half way (here: the file-size limit, which root cannot bypass, as a
    // full disk would) must leave the old file as it was and no temporary beside it.
    const test::TempDir dir("isingmf_atomic");
    const auto target = dir.path() / "model.txt";
    test::write_file(target, "old contents");
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of a signal
    rlimit small = saved;
    small.rlim_cur = 4096;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    const std::string big(1 << 20, 'x');
    EXPECT_THROW(write_text_atomically(target, big), IoError);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous_handler);
    EXPECT_EQ(test::read_file(target), "old contents");
    EXPECT_EQ(dir.entry_count(), 1u);
}

TEST(AtomicFile, TemporaryIsHiddenBesideTheTarget) {
    const auto tmp = temporary_path_beside("/some/dir/run.h5");
    EXPECT_EQ(tmp.parent_path(), "/some/dir");
    EXPECT_EQ(tmp.filename().string().rfind(".run.h5.tmp-", 0), 0u);
    EXPECT_NE(temporary_path_beside("run.h5"), temporary_path_beside("run.h5"));
}

}  // namespace
}  // namespace isingmf
