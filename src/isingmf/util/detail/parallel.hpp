#pragma once
/// Helpers for passes that run once per site or per edge: set-up (lattice generation, Model's
/// adjacency, the mean-field plan) and the solvers' own passes. Every helper gives the same
/// result for any thread count: they only decide who does which part of a fixed piece of work,
/// and whether a team is formed at all (team_pays: a small pass opens no parallel region).
///
/// Fresh memory is the main cost of set-up: the kernel faults in and zeroes every page on first
/// touch (0.4-1.5 ns per byte with 4 KiB pages on the development VM, several times what writing
/// the data costs; 0.1-0.3 ns with 2 MiB pages), and when one thread touches an array first,
/// every fault is serial. resize_touched() advises huge pages and spreads the faults over the
/// threads (first_touch.hpp) before std::vector's own (then cheap) value-initialisation.

#include <omp.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <type_traits>
#include <vector>

#include "isingmf/util/detail/first_touch.hpp"
#include "isingmf/util/thread_count.hpp"

namespace isingmf::detail {

/// Below this many items (sites, edges) a set-up pass runs on the calling thread alone: an
/// OpenMP fork and join costs microseconds, more than a short pass.
inline constexpr std::size_t kParallelSetupItems = std::size_t{1} << 15;

/// Whether a parallel region opened here would get a team of more than one thread: more than
/// one thread is allowed, and the region would be active. Inside a team (the temperatures of a
/// sweep, the samples of an ensemble) with no nesting allowed, a region is inactive and runs on
/// a team of one, though omp_get_max_threads() still says more.
inline bool team_possible() {
    return omp_get_max_threads() > 1 && omp_get_active_level() < omp_get_max_active_levels();
}

/// Threads a set-up pass over `items` items uses: 1 below kParallelSetupItems or where no team
/// is possible, else OpenMP's current maximum, at most kMaxThreads: a model built where no
/// thread count was checked or set (Python's isingmf.lattice under OMP_NUM_THREADS=100000)
/// must not start a team libgomp cannot.
inline int setup_threads(std::size_t items) {
    return items < kParallelSetupItems || !team_possible()
               ? 1
               : std::min(omp_get_max_threads(), kMaxThreads);
}

/// Whether a pass over `items` items, worth sharing from `threshold` items up, should run on a
/// team: only when it is that large and a team of more than one is possible. Else the
/// pass runs with no parallel region at all: libgomp runs even a team of one (`if (false)`,
/// `num_threads(1)`) as a region, allocating the team and waking its barrier with a futex
/// system call at every loop's end and at the join. Under this VM's hypervisor a system call
/// costs 1.1 us, more than a sweep of a 100-spin model, and a small model's solve makes
/// thousands of passes.
inline bool team_pays(std::size_t items, std::size_t threshold) {
    return items >= threshold && team_possible();
}

/// team_pays for work counted in other units (table entries, flops) than items.
inline bool team_pays(double work, double threshold) {
    return work >= threshold && team_possible();
}

/// Calls body(k) for every k in [0, n): shared statically over a team when `parallel`, else in
/// order on the calling thread with no parallel region (see team_pays). `body` must not throw
/// when `parallel`, and its result must not depend on which thread runs which k.
template <class Body>
void for_each_index(std::size_t n, bool parallel, const Body& body) {
    if (!parallel) {
        for (std::size_t k = 0; k < n; ++k) body(k);
        return;
    }
#pragma omp parallel for schedule(static)
    for (std::size_t k = 0; k < n; ++k) body(k);
}

/// The k-th of `parts` nearly equal consecutive pieces of [0, n).
inline std::size_t piece_begin(std::size_t n, std::size_t k, std::size_t parts) {
    // n k / parts without overflow: n / parts whole pieces plus a share of the remainder.
    return n / parts * k + n % parts * k / parts;
}

/// Makes `v` hold n value-initialised elements (its old contents are dropped). For large
/// sizes the pages of a fresh buffer are first faulted in by all threads (touch_pages), so
/// that the value-initialisation that follows only writes memory already mapped.
template <class T>
void resize_touched(std::vector<T>& v, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
    v.clear();
    if (v.capacity() < n) {
        std::vector<T>().swap(v);
        v.reserve(n);
        const std::size_t bytes = n * sizeof(T);
        if (n >= kParallelSetupItems) {
            // The whole 2 MiB pages inside the buffer on transparent huge pages, as the
            // sweep's own arrays are (huge_pages.hpp): one fault and one TLB entry per 2 MiB.
            // Advice only; where it is not taken, 4 KiB pages.
            constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
            const auto start = reinterpret_cast<std::uintptr_t>(v.data());
            const std::uintptr_t first = (start + kHuge - 1) & ~(kHuge - 1);
            const std::uintptr_t last = (start + bytes) & ~(kHuge - 1);
            if (last > first) {
                ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
            }
            touch_pages(v.data(), bytes);
        }
    }
    v.resize(n);
}

/// Sets every element of `values` to `value`, on all threads where it is large.
inline void fill_parallel(std::vector<double>& values, double value) {
    const auto size = static_cast<std::ptrdiff_t>(values.size());
#pragma omp parallel for schedule(static) num_threads(setup_threads(values.size()))
    for (std::ptrdiff_t k = 0; k < size; ++k) values[static_cast<std::size_t>(k)] = value;
}

/// Calls body(t, team) once for each piece t in [0, team): on a team of `threads` threads (team
/// is its size, which may come out smaller), or, for one thread, body(0, 1) on the calling
/// thread with no parallel region (see team_pays). `body` must not hold a barrier, `single` or
/// worksharing loop: on the calling thread they would bind to whatever team the caller is in.
template <class Body>
void for_each_piece(int threads, const Body& body) {
    if (threads <= 1) {
        body(std::size_t{0}, std::size_t{1});
        return;
    }
#pragma omp parallel num_threads(threads)
    body(static_cast<std::size_t>(omp_get_thread_num()),
         static_cast<std::size_t>(omp_get_num_threads()));
}

/// Calls task(k, scratch) for every k in [0, n): with `parallel` and a team possible, on
/// the threads of one team (dynamic schedule, one k at a time), else in order on the calling
/// thread. Each thread passes its own default-constructed Scratch (working memory kept from one
/// of its tasks to the next). The first exception a task throws is rethrown once every task has
/// run (parallel) or at once (serial).
/// The serial case opens no parallel region at all (team_pays): libgomp also counts an
/// inactive one as a nesting level, and then starts fresh threads for every parallel region
/// inside it (a sweep kernel's, an elimination step's) instead of reusing its pool, which cost
/// 10% of an exact sweep on two threads.
template <class Scratch, class Task>
void for_each_task_with(std::size_t n, bool parallel, const Task& task) {
    if (!parallel || !team_possible()) {
        Scratch scratch;
        for (std::size_t k = 0; k < n; ++k) task(k, scratch);
        return;
    }
    std::exception_ptr failure;  // an exception must not leave the parallel region
#pragma omp parallel
    {
        Scratch scratch;
#pragma omp for schedule(dynamic, 1)
        for (std::size_t k = 0; k < n; ++k) {
            try {
                task(k, scratch);
            } catch (...) {
#pragma omp critical(isingmf_for_each_task_failure)
                if (!failure) failure = std::current_exception();
            }
        }
    }
    if (failure) std::rethrow_exception(failure);
}

/// for_each_task_with for tasks that need no scratch: task(k).
template <class Task>
void for_each_task(std::size_t n, bool parallel, const Task& task) {
    struct NoScratch {};
    for_each_task_with<NoScratch>(n, parallel, [&](std::size_t k, NoScratch&) { task(k); });
}

/// The smallest k in [0, n) with bad(k), or n when there is none; `bad` is called from
/// several threads. Each thread scans one piece of the range in order and stops at its first
/// hit, so the answer is the same for any thread count.
template <class Bad>
std::size_t first_where(std::size_t n, const Bad& bad) {
    const int threads = setup_threads(n);
    std::size_t first = n;
#pragma omp parallel num_threads(threads) reduction(min : first)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto parts = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t end = piece_begin(n, t + 1, parts);
        for (std::size_t k = piece_begin(n, t, parts); k < end; ++k) {
            if (bad(k)) {
                first = k;
                break;
            }
        }
    }
    return first;
}

/// The middle step of a stable parallel counting sort. On entry cursor[u * buckets + b] counts
/// the items of thread u's piece (pieces in order) that go to bucket b; on return it is where
/// the first of them goes, items ordered by bucket, then by piece; bucket_start[b] (buckets + 1
/// entries) is where bucket b begins. Called by one thread of a team of `team`.
inline void bucket_cursors(std::size_t* cursor, std::size_t team, std::size_t buckets,
                           std::size_t* bucket_start) {
    std::size_t running = 0;
    for (std::size_t b = 0; b < buckets; ++b) {
        bucket_start[b] = running;
        for (std::size_t u = 0; u < team; ++u) {
            const std::size_t count = cursor[u * buckets + b];
            cursor[u * buckets + b] = running;
            running += count;
        }
    }
    bucket_start[buckets] = running;
}

/// Exclusive prefix sum in place: x[k] becomes the sum of the old x[0 .. k); returns the total.
/// Integer sums are exact, so the split over threads does not matter.
template <class T>
T exclusive_scan_parallel(std::span<T> x) {
    const std::size_t n = x.size();
    const int threads = setup_threads(n);
    if (threads == 1) {
        T running = 0;
        for (T& v : x) {
            const T c = v;
            v = running;
            running += c;
        }
        return running;
    }
    std::vector<T> block_sum(static_cast<std::size_t>(threads) + 1, 0);
    T total = 0;
#pragma omp parallel num_threads(threads)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto parts = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t begin = piece_begin(n, t, parts);
        const std::size_t end = piece_begin(n, t + 1, parts);
        T sum = 0;
        for (std::size_t k = begin; k < end; ++k) sum += x[k];
        block_sum[t + 1] = sum;
#pragma omp barrier
#pragma omp single
        {
            for (std::size_t k = 0; k < parts; ++k) block_sum[k + 1] += block_sum[k];
            total = block_sum[parts];
        }
        T running = block_sum[t];
        for (std::size_t k = begin; k < end; ++k) {
            const T c = x[k];
            x[k] = running;
            running += c;
        }
    }
    return total;
}

}  // namespace isingmf::detail
