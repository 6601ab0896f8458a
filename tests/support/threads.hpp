#pragma once
// Runs a computation with a given OpenMP thread count and restores the previous count
// afterwards (also when the computation throws): the thread-count independence tests.

#include "isingmf/util/thread_count.hpp"

namespace isingmf::test {

template <class F>
auto with_threads(int threads, F&& compute) {
    const ThreadCountGuard guard(threads);
    return compute();
}

}  // namespace isingmf::test
