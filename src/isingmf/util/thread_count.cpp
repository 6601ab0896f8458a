#include "isingmf/util/thread_count.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <cstdlib>

#include "isingmf/util/error.hpp"

namespace isingmf {

void check_threads(int threads) {
    if (threads < 0 || threads > kMaxThreads) {
        throw ModelError(
            fmt::format("thread count must be between 0 and {}, got {}", kMaxThreads, threads));
    }
    // Only the variable is the user's request; a larger machine is capped by the guard.
    if (threads == 0 && omp_get_max_threads() > kMaxThreads &&
        std::getenv("OMP_NUM_THREADS") != nullptr) {
        throw ModelError(
            fmt::format("OMP_NUM_THREADS asks for {} threads, more than the {} allowed",
                        omp_get_max_threads(), kMaxThreads));
    }
}

// omp_set_num_threads sets the calling thread's own nthreads-var, so guards on different
// threads (two Python threads solving at once) do not disturb each other.
ThreadCountGuard::ThreadCountGuard(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) {
        omp_set_num_threads(threads);
    } else if (saved_ > kMaxThreads) {
        omp_set_num_threads(kMaxThreads);
    }
}

ThreadCountGuard::~ThreadCountGuard() { omp_set_num_threads(saved_); }

}  // namespace isingmf
