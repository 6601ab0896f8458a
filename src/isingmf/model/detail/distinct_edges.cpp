#include "isingmf/model/detail/distinct_edges.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <vector>

#include "isingmf/util/detail/parallel.hpp"

namespace isingmf::detail {
namespace {

// An edge (i, j), i < j, as one number ordered like the pair.
using Key = std::uint64_t;
Key key_of(const Edge& e) {
    return (static_cast<Key>(static_cast<std::uint32_t>(e.i)) << 32) |
           static_cast<std::uint32_t>(e.j);
}

// Short lists may be in any order: sorting a few keys costs nothing.
constexpr std::size_t kMinUnsorted = 64;

// Edges per block of the running maximum: each unsorted key reads at most this many edges
// again, so even at the give-up share (one edge in kMaxUnsortedShare) the look-ups read about
// twice as many edges as the list holds; the maxima take a quarter of a byte per edge.
constexpr std::size_t kBlock = 32;

}  // namespace

Distinct distinct_when_nearly_sorted(std::span<const Edge> edges) {
    // In list order, an edge whose key exceeds every key before it extends a strictly increasing
    // chain; the others are "unsorted". The later copy of a repeated bond is always unsorted
    // (its twin came before), so bonds repeat exactly when two unsorted keys are equal or an
    // unsorted key u equals a chain key. The chain key equal to u, if there is one, is where the
    // running maximum of the keys first reaches u (the chain is where it rises), so the pass
    // that collects the unsorted keys also keeps the running maximum at the end of every block
    // of kBlock edges; each unsorted key is then looked up in the first block whose maximum
    // reaches it, reading at most kBlock edges instead of the whole list again. In parallel,
    // each piece of the list enters with the largest key of the pieces before it, so chain and
    // unsorted edges, and the block maxima, are those of one pass in order.
    const std::size_t m = edges.size();
    const int threads = setup_threads(m);
    const auto most = static_cast<std::size_t>(threads);
    const std::size_t limit = m / kMaxUnsortedShare / most + kMinUnsorted;  // per piece
    const std::size_t blocks = (m + kBlock - 1) / kBlock;
    std::vector<Key> piece_max(most + 1, 0);  // keys are > 0 (j > i >= 0)
    std::vector<Key> block_max(blocks);       // the running maximum at each block's end
    std::vector<std::vector<Key>> unsorted(most);
    for (std::vector<Key>& keys : unsorted) keys.reserve(limit);  // no allocation in the region
    std::vector<Key> all;
    std::atomic<bool> gave_up{false};
    std::atomic<bool> repeated{false};
    bool look_up = false;  // set by one thread: every thread must meet the loop below, or none
#pragma omp parallel num_threads(threads)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t begin = piece_begin(m, t, team);
        const std::size_t end = piece_begin(m, t + 1, team);
        if (team > 1) {
            Key top = 0;
            for (std::size_t e = begin; e < end; ++e) top = std::max(top, key_of(edges[e]));
            piece_max[t + 1] = top;
        }
#pragma omp barrier
        std::vector<Key>& mine = unsorted[t];
        Key running = *std::max_element(piece_max.begin(), piece_max.begin() + t + 1);
        for (std::size_t e = begin; e < end && !gave_up.load(std::memory_order_relaxed);) {
            // Up to the end of e's block or of the piece; a block that ends in the next piece
            // has its maximum written there.
            const std::size_t stop = std::min(end, (e / kBlock + 1) * kBlock);
            for (; e < stop; ++e) {
                const Key key = key_of(edges[e]);
                if (key > running) {
                    running = key;
                    continue;
                }
                if (mine.size() == limit) {
                    gave_up = true;
                    break;
                }
                mine.push_back(key);
            }
            if (e == stop && (stop % kBlock == 0 || stop == m))
                block_max[(stop - 1) / kBlock] = running;
        }
#pragma omp barrier
#pragma omp single
        if (!gave_up) {
            try {
                for (const std::vector<Key>& keys : unsorted)
                    all.insert(all.end(), keys.begin(), keys.end());
                std::sort(all.begin(), all.end());
                repeated = std::adjacent_find(all.begin(), all.end()) != all.end();
            } catch (const std::exception&) {
                gave_up = true;  // out of memory: the caller's rows will say
            }
            look_up = !gave_up && !repeated;
        }
        if (look_up) {
            // Each unsorted key u against the chain. One block's maximum reaches u (u is at
            // most the running maximum where it stands); in the first such block the running
            // maximum enters below u, so it first reaches u at the block's first key >= u. That
            // key is a chain key, and it is u exactly when u is one.
#pragma omp for schedule(static)
            for (std::size_t k = 0; k < all.size(); ++k) {
                const Key u = all[k];
                const auto b = static_cast<std::size_t>(
                    std::lower_bound(block_max.begin(), block_max.end(), u) - block_max.begin());
                const std::size_t last = std::min(m, (b + 1) * kBlock);
                for (std::size_t e = b * kBlock; e < last; ++e) {
                    const Key key = key_of(edges[e]);
                    if (key < u) continue;
                    if (key == u) repeated = true;
                    break;
                }
            }
        }
    }
    if (gave_up) return Distinct::unknown;
    return repeated ? Distinct::no : Distinct::yes;
}

}  // namespace isingmf::detail
