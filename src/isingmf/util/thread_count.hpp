#pragma once
/// The `threads` option of the sweep, the command line and the Python module: how many
/// OpenMP threads a solve may use. Results never depend on it.

namespace isingmf {

/// Largest thread count the checks accept: more is a typo, not a machine.
inline constexpr int kMaxThreads = 1024;

/// Throws ModelError unless 0 <= threads <= kMaxThreads. 0 is OpenMP's default: all cores
/// (capped at kMaxThreads by ThreadCountGuard), or OMP_NUM_THREADS, which is refused beyond
/// kMaxThreads like a --threads value (libgomp crashed starting 100000 threads). The counts
/// of its nested levels (OMP_NUM_THREADS=2,64) are checked for any `threads`.
void check_threads(int threads);

/// Sets the calling thread's OpenMP thread count for the guard's lifetime (threads > 0; 0
/// keeps the current count, capped at kMaxThreads on a machine with more cores) and restores
/// the previous count when it ends, however it ends.
class ThreadCountGuard {
public:
    explicit ThreadCountGuard(int threads);
    ~ThreadCountGuard();
    ThreadCountGuard(const ThreadCountGuard&) = delete;
    ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

private:
    int saved_;
};

}  // namespace isingmf
