// The `threads` option: the guard sets the calling thread's OpenMP count and restores it
// however the scope ends; counts outside 0..kMaxThreads are refused with one message.
#include "isingmf/util/thread_count.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <stdexcept>

#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

TEST(ThreadCount, GuardSetsAndRestoresTheCount) {
    const int before = omp_get_max_threads();
    {
        const ThreadCountGuard guard(before + 3);
        EXPECT_EQ(omp_get_max_threads(), before + 3);
    }
    EXPECT_EQ(omp_get_max_threads(), before);
    {
        const ThreadCountGuard guard(0);  // 0 keeps the current count
        EXPECT_EQ(omp_get_max_threads(), before);
    }
    EXPECT_EQ(omp_get_max_threads(), before);
}

TEST(ThreadCount, GuardRestoresTheCountWhenTheScopeThrows) {
    const int before = omp_get_max_threads();
    EXPECT_THROW(
        {
            const ThreadCountGuard guard(before + 1);
            throw std::runtime_error("solve failed");
        },
        std::runtime_error);
    EXPECT_EQ(omp_get_max_threads(), before);
}

TEST(ThreadCount, ChecksTheRange) {
    EXPECT_NO_THROW(check_threads(0));
    EXPECT_NO_THROW(check_threads(kMaxThreads));
    EXPECT_THROW(check_threads(-1), ModelError);
    try {
        check_threads(kMaxThreads + 1);
        FAIL() << "no error";
    } catch (const ModelError& e) {
        EXPECT_STREQ(e.what(), "thread count must be between 0 and 1024, got 1025");
    }
}

// 0 means OpenMP's default, as OMP_NUM_THREADS may set it: beyond the limit it is refused too
// (libgomp crashed trying to start 100000 threads).
TEST(ThreadCount, ChecksTheDefaultThatZeroStandsFor) {
    const int before = omp_get_max_threads();
    omp_set_num_threads(kMaxThreads + 1);
    EXPECT_THROW(check_threads(0), ModelError);
    EXPECT_NO_THROW(check_threads(2));  // an explicit count overrides the default
    omp_set_num_threads(kMaxThreads);
    EXPECT_NO_THROW(check_threads(0));
    omp_set_num_threads(before);
}

}  // namespace
}  // namespace isingmf
