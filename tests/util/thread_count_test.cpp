// The `threads` option: the guard sets the calling thread's OpenMP count and restores it
// however the scope ends; counts outside 0..kMaxThreads are refused with one message.
#include "isingmf/util/thread_count.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

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

// 0 means OpenMP's default. Set by OMP_NUM_THREADS beyond the limit it is refused like a
// --threads value (libgomp crashed trying to start 100000 threads); as a machine's core count
// it is capped by the guard instead.
TEST(ThreadCount, ChecksOrCapsTheDefaultThatZeroStandsFor) {
    const int before = omp_get_max_threads();
    const char* variable = std::getenv("OMP_NUM_THREADS");
    const std::string saved = variable != nullptr ? variable : "";
    omp_set_num_threads(kMaxThreads + 1);  // as OpenMP reads a variable or counts cores
    ::setenv("OMP_NUM_THREADS", "1025", 1);
    EXPECT_THROW(check_threads(0), ModelError);
    EXPECT_NO_THROW(check_threads(2));  // an explicit count overrides the default
    // Not a number as written, yet libgomp's count: refused by that count.
    ::setenv("OMP_NUM_THREADS", "+1025", 1);
    EXPECT_THROW(check_threads(0), ModelError);
    EXPECT_NO_THROW(check_threads(2));
    // Nested levels size nested regions, which nothing overrides: checked for any count.
    ::setenv("OMP_NUM_THREADS", "2, 4,1025", 1);
    EXPECT_THROW(check_threads(2), ModelError);
    ::setenv("OMP_NUM_THREADS", "2,64", 1);
    EXPECT_NO_THROW(check_threads(0));
    ::unsetenv("OMP_NUM_THREADS");
    EXPECT_NO_THROW(check_threads(0));
    {
        const ThreadCountGuard guard(0);
        EXPECT_EQ(omp_get_max_threads(), kMaxThreads);
    }
    EXPECT_EQ(omp_get_max_threads(), kMaxThreads + 1);
    if (variable != nullptr) ::setenv("OMP_NUM_THREADS", saved.c_str(), 1);
    omp_set_num_threads(before);
}

}  // namespace
}  // namespace isingmf
