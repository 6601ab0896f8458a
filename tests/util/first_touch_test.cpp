// touch_pages writes one zero byte at the start of every page of its range, and nothing else,
// whatever the thread count, alignment and size (the balance between threads is a matter of
// time, measured in bench/whole_run.sh, not of what is written).
#include "isingmf/util/detail/first_touch.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "support/threads.hpp"

namespace isingmf {
namespace {

constexpr std::size_t kPage = 4096;
constexpr unsigned char kFill = 0xab;

// Touches [offset, offset + bytes) of a filled buffer and checks every byte: 0 at the first byte
// of the range and at each page start inside it, kFill everywhere else.
void check_touch(std::size_t offset, std::size_t bytes, int threads) {
    std::vector<unsigned char> buffer(offset + bytes + 3 * kPage, kFill);
    unsigned char* begin = buffer.data() + offset;
    test::with_threads(threads, [&] {
        detail::touch_pages(begin, bytes);
        return 0;
    });
    std::size_t wrong = 0;
    for (std::size_t k = 0; k < buffer.size(); ++k) {
        const bool inside = k >= offset && k < offset + bytes;
        const auto address = reinterpret_cast<std::uintptr_t>(buffer.data() + k);
        const bool written = inside && (k == offset || address % kPage == 0);
        wrong += buffer[k] != (written ? 0 : kFill) ? 1 : 0;
    }
    EXPECT_EQ(wrong, 0u) << "offset " << offset << ", " << bytes << " bytes, " << threads
                         << " threads";
}

TEST(FirstTouch, WritesOneByteAtEachPageStartAndNothingElse) {
    const std::size_t mib = std::size_t{1} << 20;
    for (int threads : {1, 2, 3}) {
        for (std::size_t offset :
             {std::size_t{0}, std::size_t{1}, std::size_t{4095}, 3 * mib + 17}) {
            for (std::size_t bytes :
                 {std::size_t{0}, std::size_t{1}, kPage, 2 * mib - 5, 2 * mib + 1, 9 * mib + 123}) {
                check_touch(offset, bytes, threads);
            }
        }
    }
}

TEST(FirstTouch, RunsOnTheCallingThreadInsideAParallelRegion) {
    const std::size_t bytes = std::size_t{8} << 20;
    std::vector<unsigned char> a(bytes, kFill), b(bytes, kFill);
#pragma omp parallel num_threads(2)
    {
#pragma omp single nowait
        detail::touch_pages(a.data(), bytes);
#pragma omp single nowait
        detail::touch_pages(b.data(), bytes);
    }
    for (const auto* v : {&a, &b}) {
        std::size_t zeros = 0;
        for (unsigned char c : *v) zeros += c == 0 ? 1 : 0;
        EXPECT_GE(zeros, bytes / kPage);
        EXPECT_LE(zeros, bytes / kPage + 1);
    }
}

}  // namespace
}  // namespace isingmf
