#include "isingmf/util/atomic_file.hpp"

#include <gtest/gtest.h>

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

TEST(AtomicFile, TemporaryIsHiddenBesideTheTarget) {
    const auto tmp = temporary_path_beside("/some/dir/run.h5");
    EXPECT_EQ(tmp.parent_path(), "/some/dir");
    EXPECT_EQ(tmp.filename().string().rfind(".run.h5.tmp-", 0), 0u);
    EXPECT_NE(temporary_path_beside("run.h5"), temporary_path_beside("run.h5"));
}

}  // namespace
}  // namespace isingmf
