// Replays the fuzzing corpus kept in tests/fuzz/corpus/ through the same entry points as the
// libFuzzer targets (fuzz_inputs.hpp), in the regular build and under the sanitizers of CI:
// every input a fuzzer found worth keeping, crashes included, stays a test.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/fuzz_inputs.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> corpus(const std::string& target) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fs::path(ISINGMF_SOURCE_DIR) / "tests" /
                                                    "fuzz" / "corpus" / target))
        files.push_back(entry.path());
    return files;
}

// Every kept input of `target` through `entry` (a crash or a sanitizer report fails).
template <class Entry>
void replay(const std::string& target, Entry entry, std::size_t at_least) {
    const auto files = corpus(target);
    EXPECT_GE(files.size(), at_least);
    for (const fs::path& file : files) {
        SCOPED_TRACE(file.filename().string());
        entry(test::read_file(file));
    }
}

TEST(FuzzCorpus, EdgeListInputsEndInAModelOrAnError) { replay("edge_list", fuzz::edge_list, 5); }

TEST(FuzzCorpus, UaiInputsEndInAModelOrAnError) { replay("uai", fuzz::uai, 4); }

TEST(FuzzCorpus, ResultsInputsEndInAFileOrAnError) { replay("results", fuzz::results, 4); }

// The harness itself: it must reach the readers (a good input parses, a bad one throws).
TEST(FuzzCorpus, EntryPointsReachTheReaders) {
    EXPECT_EQ(fuzz::declared_sites("# c\n\n  N 12 # twelve\n0 1 1\n"), 12u);
    EXPECT_EQ(fuzz::declared_sites("0 1 1\n"), 0u);
    EXPECT_GT(fuzz::declared_sites("N 99999999999999999999999\n"), std::uint64_t{1} << 40);
    // A byte-order mark is skipped, as the reader skips it.
    EXPECT_EQ(fuzz::declared_sites("\xef\xbb\xbfN 217846431"), 217846431u);
    EXPECT_TRUE(fuzz::edge_list("N 2\n0 1 1.5\n"));
    EXPECT_FALSE(fuzz::edge_list("N 2\n0 1 x\n"));
    EXPECT_FALSE(fuzz::edge_list("N 2000000\n"));  // skipped: the cost of N, not a bug
    EXPECT_TRUE(fuzz::uai("MARKOV\n1\n2\n1\n1 0\n2\n1 2\n"));
    EXPECT_FALSE(fuzz::uai("MARKOV\n1\n3\n0\n"));
    EXPECT_FALSE(fuzz::results("not hdf5"));
    const fs::path seeds = fs::path(ISINGMF_SOURCE_DIR) / "tests" / "fuzz" / "corpus";
    EXPECT_TRUE(fuzz::edge_list(test::read_file(seeds / "edge_list" / "pm_4x4_periodic.txt")));
    EXPECT_TRUE(fuzz::uai(test::read_file(seeds / "uai" / "square_3x3_glass.uai")));
    EXPECT_TRUE(fuzz::results(test::read_file(seeds / "results" / "chain4.hdf5")));
    EXPECT_FALSE(fuzz::results(test::read_file(seeds / "results" / "truncated.hdf5")));
    // The known HDF5 1.10 bugs with damaged global heaps (a loop, a copy past the end) are
    // recognised, and sound files are not taken for them.
    for (const char* damaged : {"hdf5_heap_loop.hdf5", "hdf5_heap_overflow.hdf5"})
        EXPECT_TRUE(fuzz::damaged_global_heap(test::read_file(seeds / "results" / damaged)));
    for (const char* sound : {"chain4.hdf5", "no_exact.hdf5", "bounds.hdf5"})
        EXPECT_FALSE(fuzz::damaged_global_heap(test::read_file(seeds / "results" / sound)));
}

}  // namespace
}  // namespace isingmf
