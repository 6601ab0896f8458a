// The huge-page storage of the sweep's arrays: an ordinary vector in every observable way,
// with large buffers aligned to 2 MiB (the precondition for transparent huge pages).
#include "isingmf/util/detail/huge_pages.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>

namespace isingmf {
namespace {

TEST(HugePages, LargeBuffersAreAlignedToTwoMebibytes) {
    HugePageVector<double> big(std::size_t{3} << 18);  // 6 MiB
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(big.data()) % (std::size_t{2} << 20), 0u);
    std::iota(big.begin(), big.end(), 0.0);
    EXPECT_EQ(big.back(), static_cast<double>(big.size() - 1));
}

TEST(HugePages, BehavesLikeAVectorAcrossTheSizeThreshold) {
    HugePageVector<int> v;
    for (int i = 0; i < 1 << 20; ++i) v.push_back(i);  // reallocates from small to huge buffers
    const HugePageVector<int> copy = v;
    ASSERT_EQ(copy.size(), std::size_t{1} << 20);
    for (std::size_t i = 0; i < copy.size(); i += 4099) EXPECT_EQ(copy[i], static_cast<int>(i));
    v.clear();
    v.shrink_to_fit();
    EXPECT_TRUE(v.empty());
}

// Blocks of 2 MiB or more are mapped past malloc, so AddressSanitizer's own guard zones do not
// cover them: the allocator poisons the rest of the last 2 MiB page itself.
#if defined(__SANITIZE_ADDRESS__)
TEST(HugePagesDeathTest, ReadingPastALargeBlockIsReportedUnderAddressSanitizer) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    HugePageVector<double> big((std::size_t{2} << 20) / sizeof(double) + 1);  // 2 MiB and 8 bytes
    volatile const double* past = big.data() + big.size();
    EXPECT_DEATH((void)*past, "use-after-poison");
}
#endif

}  // namespace
}  // namespace isingmf
