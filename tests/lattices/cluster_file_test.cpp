// Cluster files: the documented format parsed, and every malformed input refused with the
// file and line at fault.

#include "isingmf/lattices/cluster_file.hpp"

#include <gtest/gtest.h>

#include <string>

#include "isingmf/util/error.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

TEST(ClusterFile, ParsesOneClusterPerLine) {
    const auto clusters = parse_cluster_file(
        "# two rows of a 3x2 lattice\n3 4\t5  # second row first\n\n0 1 2\r\n", "c.txt", 6);
    ASSERT_EQ(clusters.size(), 2u);
    EXPECT_EQ(clusters[0], (std::vector<int>{3, 4, 5}));
    EXPECT_EQ(clusters[1], (std::vector<int>{0, 1, 2}));
}

void expect_parse_error(const std::string& text, const std::string& expected) {
    try {
        (void)parse_cluster_file(text, "c.txt", 4);
        ADD_FAILURE() << "no error for: " << text;
    } catch (const ParseError& e) {
        EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
}

TEST(ClusterFile, NamesTheLineAtFault) {
    expect_parse_error("0 1\n2 x\n", "c.txt:2: site 'x' is not an integer");
    expect_parse_error("0 1\n2 -99999999999999999999\n",
                       "c.txt:2: site '-99999999999999999999' is out of range 0..3");
    expect_parse_error("0 1\n2 3 4\n", "c.txt:2: site 4 is out of range 0..3");
    expect_parse_error("0 1\n-1 2 3\n", "c.txt:2: site -1 is out of range");
    expect_parse_error("0 1 1\n2 3\n", "c.txt:1: site 1 is listed twice in this cluster");
    expect_parse_error("0 1\n# note\n2 1 3\n",
                       "c.txt:3: site 1 is already in the cluster on line 1");
    expect_parse_error("0 1\n3\n", "c.txt: site 2 is in no cluster");
    expect_parse_error("", "c.txt: site 0 is in no cluster");
}

// One cluster may hold every site (a helper found a 20000-site chain, 108894 bytes, refused
// at the 64 KiB that caps edge-list lines): the cap grows by 11 bytes a site, enough for any
// site index and its space, and a line past it is still refused.
TEST(ClusterFile, ALineHoldsEverySite) {
    constexpr int kSites = 20000;
    std::string line;
    for (int i = kSites - 1; i >= 0; --i) line += std::to_string(i) + "   ";
    const auto clusters = parse_cluster_file(line + "\n", "c.txt", kSites);
    ASSERT_EQ(clusters.size(), 1u);
    ASSERT_EQ(clusters[0].size(), static_cast<std::size_t>(kSites));
    EXPECT_EQ(clusters[0].front(), kSites - 1);
    EXPECT_EQ(clusters[0].back(), 0);
    const std::size_t cap = 65536 + 11 * 4;
    try {
        (void)parse_cluster_file("0 1 2 3" + std::string(cap, ' ') + "\n", "c.txt", 4);
        ADD_FAILURE() << "no error for a line past the cap";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()),
                  "c.txt:1: line longer than " + std::to_string(cap) + " bytes");
    }
}

TEST(ClusterFile, ReadsFilesAndReportsUnreadableOnes) {
    const test::TempDir dir("cluster_file");
    const auto path = dir.path() / "clusters.txt";
    test::write_file(path, "0 2\n1 3\n");
    const auto clusters = read_cluster_file(path, 4);
    ASSERT_EQ(clusters.size(), 2u);
    EXPECT_EQ(clusters[1], (std::vector<int>{1, 3}));
    EXPECT_THROW(read_cluster_file(dir.path() / "missing.txt", 4), IoError);
    EXPECT_THROW(read_cluster_file(dir.path(), 4), IoError);
}

}  // namespace
}  // namespace isingmf
