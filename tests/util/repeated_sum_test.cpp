#include "isingmf/util/detail/repeated_sum.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace isingmf::detail {
namespace {

// The definition, one addition at a time.
double added_one_by_one(double value, std::size_t count) {
    double s = 0.0;
    for (std::size_t k = 0; k < count; ++k) s += value;
    return s;
}

void expect_same_bits(double value, std::size_t count) {
    const double expected = added_one_by_one(value, count);
    const double got = repeated_sum(value, count);
    if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(got)) << value << " x " << count;
    } else {
        EXPECT_EQ(std::bit_cast<std::uint64_t>(got), std::bit_cast<std::uint64_t>(expected))
            << std::hexfloat << value << " x " << std::dec << count << ": " << got << " vs "
            << expected;
    }
}

TEST(RepeatedSum, EqualsTheSumOneAdditionAtATime) {
    // Values whose sums round at every step (0.1, 1/3), are exact (1, 0.25), tie at every
    // step from the binade [2, 4) on (1 + 2^-52, 1 + 3 * 2^-52: half-ulp remainders there),
    // sit near the extremes, and random ones; counts across binade edges and the model's
    // block size 2^16.
    std::vector<double> values{0.0,       -0.0,        1.0,
                               0.25,      0.1,         1.0 / 3.0,
                               -0.7,      1 + 0x1p-52, 1 + 3 * 0x1p-52,
                               1e-300,    1e300,       0x1p-1020,
                               5e-324,    2.5e-310,    1.7e308,
                               123456.789};
    std::mt19937_64 rng(12);
    std::uniform_real_distribution<double> mantissa(1.0, 2.0);
    std::uniform_int_distribution<int> exponent(-60, 60);
    for (int k = 0; k < 40; ++k) values.push_back(std::ldexp(mantissa(rng), exponent(rng)));
    const std::vector<std::size_t> counts{0, 1,    2,    3,     4,     5,      7,     8,
                                          9, 1000, 4097, 65535, 65536, 131072, 200003};
    for (double value : values)
        for (std::size_t count : counts) expect_same_bits(value, count);
}

TEST(RepeatedSum, KeepsInfinityAndNaN) {
    const double inf = std::numeric_limits<double>::infinity();
    expect_same_bits(inf, 10);
    expect_same_bits(-inf, 10);
    expect_same_bits(std::numeric_limits<double>::quiet_NaN(), 10);
    expect_same_bits(1.7e308, 3);  // overflows on the second addition
}

// Far more additions than could be made one by one: 2^40 copies of 0.1 take a few dozen
// binades. The figure is 0.1 * 2^40 within the rounding a sequential sum accumulates.
TEST(RepeatedSum, TakesAnyCountInFewSteps) {
    const std::size_t count = std::size_t{1} << 40;
    const double s = repeated_sum(0.1, count);
    EXPECT_NEAR(s / (0.1 * static_cast<double>(count)), 1.0, 1e-3);
    EXPECT_EQ(repeated_sum(1.0, count), static_cast<double>(count));  // exact all the way
    // Sums of one: exact up to 2^53, then every addition rounds back (absorbed). The same at
    // the top of the range, and among subnormals (whose sums are exact).
    EXPECT_EQ(repeated_sum(1.0, (std::size_t{1} << 53) + 100), 0x1p53);
    const std::size_t most = std::numeric_limits<std::size_t>::max();
    EXPECT_EQ(repeated_sum(0x1p960, most), 0x1p1013);
    EXPECT_EQ(repeated_sum(0x1p-1074, count), 0x1p-1034);
    EXPECT_EQ(repeated_sum(0x1p-1000, most), 0x1p-947);
}

}  // namespace
}  // namespace isingmf::detail
