#include "isingmf/sweep/temperature_grid.hpp"

#include <gtest/gtest.h>

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
