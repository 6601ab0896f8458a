// touch_pages writes one zero byte at the start of every page of its range, and nothing else,
// whatever the thread count, alignment and size; and its schedule runs every item once, with a
// finished thread taking a slow thread's remaining items (the time this saves is measured in
// bench/whole_run.sh).
#include "isingmf/util/detail/first_touch.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <utility>
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

TEST(FirstTouch, AFinishedThreadTakesTheSlowThreadsItemsFromTheBack) {
    // 40 items on 2 threads: thread 0 owns 0..19 and takes 20 ms each, thread 1 owns 20..39 and
    // is instant, so it finishes at once and works through 19, 18, ... while thread 0 does 0, 1,
    // ... Every item runs exactly once, and thread 1 runs most of thread 0's piece.
    if (omp_get_thread_limit() < 2) GTEST_SKIP() << "OpenMP is limited to one thread";
    constexpr std::size_t kItems = 40;
    std::vector<std::atomic<int>> runs(kItems);
    std::vector<int> by(kItems, -1);
    detail::run_balanced(kItems, 2, [&](std::size_t c) {
        const int t = omp_get_thread_num();
        if (t == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        runs[c].fetch_add(1);
        by[c] = t;
    });
    std::size_t taken = 0;
    for (std::size_t c = 0; c < kItems; ++c) {
        EXPECT_EQ(runs[c].load(), 1) << "item " << c;
        if (c < kItems / 2 && by[c] == 1) ++taken;
    }
    for (std::size_t c = kItems / 2; c < kItems; ++c) EXPECT_EQ(by[c], 1) << "item " << c;
    EXPECT_GE(taken, 5u);  // ~19 when both threads run; fewer only if thread 1 waits > 0.3 s
    // Items taken from the back: thread 1's share of piece 0 is a suffix of it.
    bool thread1 = false;
    for (std::size_t c = 0; c < kItems / 2; ++c) {
        if (by[c] == 1) thread1 = true;
        if (thread1) {
            EXPECT_EQ(by[c], 1) << "item " << c;
        }
    }
}

TEST(FirstTouch, OneThreadOrOneItemRunsInOrderOnTheCaller) {
    for (const auto& [items, threads] :
         {std::pair{std::size_t{7}, 1}, std::pair{std::size_t{1}, 4}}) {
        std::vector<std::size_t> order;
        detail::run_balanced(items, threads, [&](std::size_t c) { order.push_back(c); });
        ASSERT_EQ(order.size(), items);
        for (std::size_t c = 0; c < items; ++c) EXPECT_EQ(order[c], c);
    }
}

}  // namespace
}  // namespace isingmf
