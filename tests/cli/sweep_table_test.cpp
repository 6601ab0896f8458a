// The printed sweep table: fixed precision per column, so that every column's decimal
// points line up, and the temperature's unit convention in the header.

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "support/cli_runner.hpp"

namespace isingmf {
namespace {

// Positions of the '.' characters of a line.
std::vector<std::size_t> points_of(const std::string& line) {
    std::vector<std::size_t> points;
    for (std::size_t k = 0; k < line.size(); ++k) {
        if (line[k] == '.') points.push_back(k);
    }
    return points;
}

// The table's data rows (after the '#' lines and the column header).
std::vector<std::string> data_rows(const std::string& out) {
    std::vector<std::string> rows;
    std::istringstream lines(out);
    std::string line;
    bool header_seen = false;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (!header_seen) {
            header_seen = true;
            continue;
        }
        rows.push_back(line);
    }
    return rows;
}

TEST(SweepTable, DecimalPointsAlignInEveryColumn) {
    const test::TempDir dir("isingmf_cli");
    // 0.5 + k * 0.25 and 0.1 steps are not exact in binary; the column must still show
    // 2 and 1 decimals, and values from 1e-17 to 4 keep their points in line.
    for (const std::string grid : {"0.5:3:0.25", "0.5:5:0.1", "0.05,0.5,5,50"}) {
        SCOPED_TRACE(grid);
        const auto run = test::run_cli("sweep --size 3x3 --h 0.2 --T " + grid + " --force", dir);
        ASSERT_EQ(run.status, 0) << run.err;
        EXPECT_NE(run.out.find("# T in the energy units of H (k_B = 1); per spin: lnZ_MF <= lnZ "
                               "<= lnZ_UB (certified); width = lnZ_UB - lnZ_MF; gap = "
                               "lnZ_exact - lnZ_MF\n"),
                  std::string::npos)
            << run.out;
        const auto rows = data_rows(run.out);
        ASSERT_GE(rows.size(), 4u) << run.out;
        const auto expected = points_of(rows.front());
        EXPECT_EQ(expected.size(), 7u) << rows.front();  // T, three ln Z, width, gap, m
        for (const std::string& row : rows) EXPECT_EQ(points_of(row), expected) << run.out;
    }
    const auto tenth = test::run_cli("sweep --size 3x3 --T 0.5:1:0.1 --force", dir);
    EXPECT_NE(tenth.out.find("\n       0.6 "), std::string::npos) << tenth.out;
    EXPECT_NE(tenth.out.find("\n       1.0 "), std::string::npos) << tenth.out;
}

// The legend explains the columns printed and no others, and gives T's units: the file's T is
// absolute (with --J 2, T = 2 is the J = 1 model at T = 1), not T / J.
TEST(SweepTable, LegendExplainsThePrintedColumnsOnly) {
    const test::TempDir dir("isingmf_cli");
    const auto legend = [&](const std::string& bounds) {
        const auto run =
            test::run_cli("sweep --size 3x3 --J 2 --T 1 --force --bounds " + bounds, dir);
        EXPECT_EQ(run.status, 0) << run.err;
        const std::size_t at = run.out.find("# T in");
        return at == std::string::npos ? run.out : run.out.substr(at, run.out.find('\n', at) - at);
    };
    const std::string units = "# T in the energy units of H (k_B = 1); per spin: ";
    EXPECT_EQ(legend("bethe"), units + "lnZ_Bethe is an estimate, not a bound");
    EXPECT_EQ(legend("mf"), units + "lnZ_MF <= lnZ; gap = lnZ_exact - lnZ_MF");
    EXPECT_EQ(legend("upper"), units + "lnZ <= lnZ_UB (certified)");
    EXPECT_EQ(legend("structured,upper"),
              units +
                  "lnZ <= lnZ_UB (certified); lnZ_SMF <= lnZ (structured); widthS = "
                  "lnZ_UB - lnZ_SMF; gapS = lnZ_exact - lnZ_SMF");
}

}  // namespace
}  // namespace isingmf
