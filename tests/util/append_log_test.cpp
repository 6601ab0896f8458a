// The checkpoint log's recovery rules (util/append_log.hpp): a torn tail is dropped and cut
// off on open; a record damaged in the middle is skipped and the intact records after it are
// still read, and kept when the log is opened for appending.

#include "isingmf/util/append_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "isingmf/util/error.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kRecords = {"first sample", "second sample, longer than the first",
                                           "third", "fourth sample", "fifth"};

// A log of kRecords; returns where each record's bytes start (16 magic bytes, the header,
// then 16 bytes of head before each payload).
std::vector<std::size_t> write_log(const fs::path& path) {
    AppendLog log = AppendLog::create(path, "the header");
    for (const std::string& r : kRecords) log.append(r);
    std::vector<std::size_t> starts;
    std::size_t at = 16 + 16 + std::string("the header").size();
    for (const std::string& r : kRecords) {
        starts.push_back(at);
        at += 16 + r.size();
    }
    EXPECT_EQ(fs::file_size(path), at);
    return starts;
}

void flip_byte(const fs::path& path, std::size_t at) {
    std::string bytes = test::read_file(path);
    bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
    test::write_file(path, bytes);
}

TEST(AppendLog, ReadsWhatWasAppended) {
    const test::TempDir dir("isingmf_log");
    write_log(dir.path() / "log");
    const AppendLogContents contents = read_append_log(dir.path() / "log");
    EXPECT_EQ(contents.header, "the header");
    EXPECT_EQ(contents.records, kRecords);
    EXPECT_EQ(contents.skipped_bytes, 0U);
    EXPECT_EQ(contents.dropped_bytes, 0U);
}

// A run's claim holds while its log is open and blocks every other claim, another open of the
// same file in this process included (the locks belong to the open file, not the process);
// appends are not blocked by it, and closing the claiming log ends it.
TEST(AppendLog, ClaimForRunIsExclusiveWhileTheLogIsOpen) {
    const test::TempDir dir("isingmf_log");
    const fs::path path = dir.path() / "log";
    EXPECT_FALSE(claimed_by_a_run(path)) << "no file, no claim";
    std::optional<AppendLog> first(AppendLog::create(path, "the header"));
    EXPECT_FALSE(claimed_by_a_run(path));
    ASSERT_TRUE(first->claim_for_run());
    EXPECT_TRUE(claimed_by_a_run(path));
    AppendLog second = AppendLog::open(path);
    EXPECT_FALSE(second.claim_for_run());
    second.append("from the second");  // not blocked by the first's claim
    first->append("from the first");
    EXPECT_EQ(read_append_log(path).records.size(), 2U);
    EXPECT_TRUE(claimed_by_a_run(path)) << "reading the file did not drop the claim";
    first.reset();
    EXPECT_FALSE(claimed_by_a_run(path));
    EXPECT_TRUE(second.claim_for_run());
}

// A flipped byte in the second record's payload, and one in the fourth's head: both are
// skipped, the other three read; opening for appending keeps them and appends after the last.
TEST(AppendLog, DamagedRecordsInTheMiddleAreSkippedNotTheRest) {
    const test::TempDir dir("isingmf_log");
    const fs::path path = dir.path() / "log";
    const std::vector<std::size_t> starts = write_log(path);
    flip_byte(path, starts[1] + 16 + 3);
    flip_byte(path, starts[3] + 1);  // the record magic
    const auto size = fs::file_size(path);
    const AppendLogContents contents = read_append_log(path);
    EXPECT_EQ(contents.records, (std::vector<std::string>{kRecords[0], kRecords[2], kRecords[4]}));
    EXPECT_EQ(contents.skipped_bytes, 32 + kRecords[1].size() + kRecords[3].size());
    EXPECT_EQ(contents.dropped_bytes, 0U);
    EXPECT_EQ(contents.valid_bytes, size);
    {
        AppendLog log = AppendLog::open(path);
        log.append("sixth");
    }
    EXPECT_EQ(fs::file_size(path), size + 16 + 5);
    EXPECT_EQ(read_append_log(path).records,
              (std::vector<std::string>{kRecords[0], kRecords[2], kRecords[4], "sixth"}));
}

// A writer killed halfway leaves a torn last record: dropped when read, cut off on open.
TEST(AppendLog, TornTailIsDroppedAndCutOffOnOpen) {
    const test::TempDir dir("isingmf_log");
    const fs::path path = dir.path() / "log";
    const std::vector<std::size_t> starts = write_log(path);
    fs::resize_file(path, starts[4] + 10);
    const AppendLogContents contents = read_append_log(path);
    EXPECT_EQ(contents.records, (std::vector<std::string>(kRecords.begin(), kRecords.end() - 1)));
    EXPECT_EQ(contents.skipped_bytes, 0U);
    EXPECT_EQ(contents.dropped_bytes, 10U);
    { const AppendLog log = AppendLog::open(path); }
    EXPECT_EQ(fs::file_size(path), starts[4]);
}

TEST(AppendLog, DamagedHeaderOrMagicIsAnError) {
    const test::TempDir dir("isingmf_log");
    const fs::path path = dir.path() / "log";
    write_log(path);
    flip_byte(path, 16 + 16 + 2);  // in the header's payload
    EXPECT_THROW(read_append_log(path), IoError);
    write_log(dir.path() / "other");
    flip_byte(dir.path() / "other", 3);  // the file magic
    EXPECT_THROW(read_append_log(dir.path() / "other"), IoError);
}

}  // namespace
}  // namespace isingmf
