#pragma once
/// First touch of fresh memory on all threads, balanced by the time each page takes.
///
/// The kernel faults in and zeroes a page when it is first written, and places it on the NUMA
/// node of the thread that wrote it. Large arrays are therefore first touched by all threads,
/// each its own static piece, the piece it later streams. But a page's fault does not always
/// cost the same: on a virtual machine whose balloon has returned free memory to the host
/// (this project's VM: 0.09 ns per byte for memory freed a moment ago, 1.3 ns once returned;
/// docs/benchmarks.md), one thread's piece can take ten times the other's, and the other waits.
/// So each thread touches its own piece from the front, and a thread that has finished takes
/// the unfinished pieces' pages from the back: where the costs are even nothing moves and
/// every page lands where a static split puts it, and where they are not the threads finish
/// together.

#include <cstddef>
#include <functional>

namespace isingmf::detail {

/// Writes a zero byte into every 4 KiB page of [begin, begin + bytes), which must be storage
/// that holds no object yet, in chunks of 2 MiB (aligned, so that a transparent huge page is
/// faulted by one thread) as described above. Uses OpenMP's current thread count, at most one
/// thread per chunk; inside a parallel region that cannot nest another team (team_possible in
/// parallel.hpp), or below two chunks, the calling thread touches everything.
void touch_pages(void* begin, std::size_t bytes) noexcept;

/// The schedule of touch_pages: calls work(c) once for every c in [0, count), on `threads`
/// threads (at most count), each first taking the items of its own static piece from the
/// front, then the other pieces' remaining items from the back. Falls back to the calling
/// thread alone where the per-thread cursors cannot be allocated. `work` must not throw.
void run_balanced(std::size_t count, int threads, const std::function<void(std::size_t)>& work);

}  // namespace isingmf::detail
