#include "isingmf/sweep/temperature_grid.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

TEST(TemperatureGrid, RangeIncludesStopOnTheGrid) {
    // 0.5:5:0.1 is 46 points although 0.1 has no exact binary form.
    const auto grid = parse_grid("0.5:5:0.1");
    ASSERT_EQ(grid.size(), 46u);
    EXPECT_DOUBLE_EQ(grid.front(), 0.5);
    EXPECT_DOUBLE_EQ(grid[10], 1.5);
    EXPECT_DOUBLE_EQ(grid.back(), 5.0);
    // A stop off the grid is not included.
    EXPECT_EQ(parse_grid("1:2.05:0.1").size(), 11u);
    EXPECT_EQ(parse_grid("2:2:1").size(), 1u);
}

// Each point of a range is the double nearest to start + k step in decimal: what typing the
// point would give. In binary, start + k step gave 0.30000000000000004 and 0.7000000000000001
// for 0.1:0.7:0.2, so the stop typed was not the stop stored.
TEST(TemperatureGrid, RangePointsAreTheDecimalsTheyStandFor) {
    EXPECT_EQ(parse_grid("0.1:0.7:0.2"), (std::vector<double>{0.1, 0.3, 0.5, 0.7}));
    EXPECT_EQ(parse_grid("0.2:1.6:0.7"), (std::vector<double>{0.2, 0.9, 1.6}));
    EXPECT_EQ(parse_grid("1e-1:3e-1:5e-2"), (std::vector<double>{0.1, 0.15, 0.2, 0.25, 0.3}));
    EXPECT_EQ(parse_grid("+2:2.5:.25"), (std::vector<double>{2.0, 2.25, 2.5}));
    EXPECT_EQ(parse_grid("0:0.3:0.1"), (std::vector<double>{0.0, 0.1, 0.2, 0.3}));  // --beta
    const auto grid = parse_grid("0.5:5:0.1");
    for (std::size_t k = 0; k < grid.size(); ++k) {
        const std::string typed = std::to_string(5 + k) + "e-1";
        EXPECT_EQ(grid[k], std::stod(typed)) << typed;
    }
    // Trailing zeros of a fraction are no digits; a million and one points, counted in
    // decimal, are refused (in binary the stop fell off the grid and a million were taken).
    EXPECT_EQ(parse_grid("0.1:0.7:0.2000000000000000000000"),
              (std::vector<double>{0.1, 0.3, 0.5, 0.7}));
    EXPECT_THROW(parse_grid("100000000:100000000.1:0.0000001"), ParseError);
    EXPECT_EQ(parse_grid("100000000:100000000.1:0.000001").back(), 100000000.1);
    // Beyond 18 digits the grid is computed in binary, as before: start + k step, with the
    // step read as the double 0.1 and a slack that keeps a stop on the grid.
    const auto long_grid = parse_grid("0.1:0.7:0.2000000000000000000001");
    ASSERT_EQ(long_grid.size(), 4u);
    EXPECT_EQ(long_grid[1], 0.1 + 1.0 * 0.2);
    EXPECT_EQ(long_grid[3], 0.1 + 3.0 * 0.2);
    EXPECT_NE(long_grid[3], 0.7);
}

TEST(TemperatureGrid, CommaList) {
    EXPECT_EQ(parse_grid("0.5, 1,2.269"), (std::vector<double>{0.5, 1.0, 2.269}));
    EXPECT_EQ(parse_grid("3"), (std::vector<double>{3.0}));
    // A leading '+', as edge lists take it for couplings.
    EXPECT_EQ(parse_grid("+1,+2.5"), (std::vector<double>{1.0, 2.5}));
    EXPECT_EQ(parse_grid("+1:+2:+0.5"), (std::vector<double>{1.0, 1.5, 2.0}));
}

TEST(TemperatureGrid, RejectsMalformedGrids) {
    for (const char* bad : {"", "1:2", "1:2:0", "1:2:-0.1", "2:1:0.1", "a,b", "1,,2", "1:2:3:4",
                            "1e400", "nan", "0:1e9:1e-3", "++1", "+-1", "+", "+ 1"}) {
        EXPECT_THROW(parse_grid(bad), ParseError) << bad;
    }
}

TEST(TemperatureGrid, TemperaturesMustBePositiveBetasNonNegative) {
    EXPECT_EQ(betas_from_temperatures({0.5, 2.0}), (std::vector<double>{2.0, 0.5}));
    EXPECT_THROW(betas_from_temperatures({1.0, 0.0}), ParseError);
    EXPECT_THROW(betas_from_temperatures({-1.0}), ParseError);
    EXPECT_NO_THROW(checked_betas({0.0, 1.0}));
    EXPECT_THROW(checked_betas({-0.1}), ParseError);
    // A subnormal beta: its temperature is beyond double (it was written as T = inf).
    EXPECT_THROW(checked_betas({1e-320}), ParseError);
    EXPECT_NO_THROW(checked_betas({1e-300}));
}

}  // namespace
}  // namespace isingmf
