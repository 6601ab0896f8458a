#pragma once
/// Benchmarks that time one core: OpenMP limited to one thread while an object lives.

#include "isingmf/util/thread_count.hpp"

namespace isingmf::bench {

/// Sets OpenMP's thread count to 1 and restores the previous count on destruction.
class OneThread {
public:
    OneThread() = default;

private:
    ThreadCountGuard guard_{1};
};

}  // namespace isingmf::bench
