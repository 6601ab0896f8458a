#pragma once
// Runs a computation with a given OpenMP thread count and restores the previous count
// afterwards (also when the computation throws): the thread-count independence tests.

#include <omp.h>

namespace isingmf::test {

template <class F>
auto with_threads(int threads, F&& compute) {
    struct Restore {
        int saved = omp_get_max_threads();
        ~Restore() { omp_set_num_threads(saved); }
    } restore;
    omp_set_num_threads(threads);
    return compute();
}

}  // namespace isingmf::test
