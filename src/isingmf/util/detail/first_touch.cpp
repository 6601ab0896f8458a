#include "isingmf/util/detail/first_touch.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <new>
#include <vector>

#include "isingmf/util/detail/parallel.hpp"

namespace isingmf::detail {
namespace {

constexpr std::uintptr_t kChunk = std::uintptr_t{2} << 20;
constexpr std::uintptr_t kPage = 4096;

// The chunks of [start, end): cut at the 2 MiB boundaries inside it.
class Chunks {
public:
    Chunks(std::uintptr_t start, std::uintptr_t end)
        : start_(start), end_(end), first_boundary_((start + kChunk) & ~(kChunk - 1)) {}
    std::size_t count() const {
        if (end_ <= first_boundary_) return 1;
        return 1 + static_cast<std::size_t>((end_ - first_boundary_ + kChunk - 1) / kChunk);
    }
    void touch(std::size_t c) const {
        const std::uintptr_t begin = c == 0 ? start_ : first_boundary_ + (c - 1) * kChunk;
        const std::uintptr_t end = std::min(end_, first_boundary_ + c * kChunk);
        // The first byte of each page the chunk overlaps: one write faults a page.
        for (std::uintptr_t p = begin; p < end; p = (p + kPage) & ~(kPage - 1))
            *reinterpret_cast<volatile unsigned char*>(p) = 0;
    }

private:
    std::uintptr_t start_;
    std::uintptr_t end_;
    std::uintptr_t first_boundary_;
};

// The chunks of one thread's piece not taken yet, [front, back), in one word so that the
// owner (from the front) and the others (from the back) claim them with one compare-exchange.
class Piece {
public:
    void reset(std::size_t front, std::size_t back) {
        word_.store(pack(front, back), std::memory_order_relaxed);
    }
    // Claims the chunk at the front (from_front) or the back; false when none is left.
    bool claim(bool from_front, std::size_t& chunk) {
        std::uint64_t word = word_.load(std::memory_order_relaxed);
        for (;;) {
            const std::uint64_t front = word & 0xffffffffu;
            const std::uint64_t back = word >> 32;
            if (front >= back) return false;
            const std::uint64_t next = from_front ? pack(front + 1, back) : pack(front, back - 1);
            if (word_.compare_exchange_weak(word, next, std::memory_order_relaxed)) {
                chunk = static_cast<std::size_t>(from_front ? front : back - 1);
                return true;
            }
        }
    }

private:
    static std::uint64_t pack(std::uint64_t front, std::uint64_t back) {
        return front | (back << 32);
    }
    std::atomic<std::uint64_t> word_{0};
};

}  // namespace

void run_balanced(std::size_t count, int threads, const std::function<void(std::size_t)>& work) {
    const auto team_size = static_cast<std::size_t>(std::max(1, threads));
    // Item indices must fit the 32-bit halves of a Piece's word (for touch_pages, 2^32 chunks
    // are 8 PiB).
    constexpr std::size_t kMaxItems = 0xffffffffu;
    std::vector<Piece> pieces;
    if (team_size > 1 && count > 1 && count <= kMaxItems) {
        try {
            pieces = std::vector<Piece>(std::min(team_size, count));
        } catch (const std::bad_alloc&) {
            pieces.clear();  // below: the calling thread alone
        }
    }
    if (pieces.empty()) {
        for (std::size_t c = 0; c < count; ++c) work(c);
        return;
    }
    const int team_threads = static_cast<int>(pieces.size());
#pragma omp parallel num_threads(team_threads)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        pieces[t].reset(piece_begin(count, t, team), piece_begin(count, t + 1, team));
#pragma omp barrier
        std::size_t c = 0;
        while (pieces[t].claim(true, c)) work(c);
        for (std::size_t k = 1; k < team; ++k) {
            Piece& other = pieces[(t + k) % team];
            while (other.claim(false, c)) work(c);
        }
    }
}

void touch_pages(void* begin, std::size_t bytes) noexcept {
    if (bytes == 0) return;
    const auto start = reinterpret_cast<std::uintptr_t>(begin);
    const Chunks chunks(start, start + bytes);
    const int threads = team_possible() ? omp_get_max_threads() : 1;
    run_balanced(chunks.count(), threads, [&](std::size_t c) { chunks.touch(c); });
}

}  // namespace isingmf::detail
