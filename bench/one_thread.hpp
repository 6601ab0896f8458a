#pragma once
/// Benchmarks that time one core: OpenMP limited to one thread while an object lives.

#include <omp.h>

namespace isingmf::bench {

/// Sets OpenMP's thread count to 1 and restores the previous count on destruction.
class OneThread {
public:
    OneThread() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
    ~OneThread() { omp_set_num_threads(saved_); }
    OneThread(const OneThread&) = delete;
    OneThread& operator=(const OneThread&) = delete;

private:
    int saved_;
};

}  // namespace isingmf::bench
