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

}  // namespace

Distinct distinct_when_nearly_sorted(std::span<const Edge> edges) {
    // In list order, an edge whose key exceeds every key before it extends a strictly increasing
    // chain; the others are "unsorted". The later copy of a repeated bond is always unsorted
    // (its twin came before), so bonds repeat exactly when two unsorted keys are equal or an
    // unsorted key equals a chain key: the sorted unsorted keys are compared with each other,
    // then merged with the chain. In parallel, each piece of the list enters with the largest
    // key of the pieces before it, so chain and unsorted edges are those of one pass in order.
    const std::size_t m = edges.size();
    const int threads = setup_threads(m);
    const auto most = static_cast<std::size_t>(threads);
    const std::size_t limit = m / kMaxUnsortedShare / most + kMinUnsorted;  // per piece
    std::vector<Key> piece_max(most + 1, 0);  // keys are > 0 (j > i >= 0)
    std::vector<std::vector<Key>> unsorted(most);
    for (std::vector<Key>& keys : unsorted) keys.reserve(limit);  // no allocation in the region
    std::vector<Key> all;
    std::atomic<bool> gave_up{false};
    std::atomic<bool> repeated{false};
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
        const Key entry = *std::max_element(piece_max.begin(), piece_max.begin() + t + 1);
        std::vector<Key>& mine = unsorted[t];
        Key running = entry;
        for (std::size_t e = begin; e < end; ++e) {
            const Key key = key_of(edges[e]);
            if (key > running) {
                running = key;
                continue;
            }
            if (mine.size() == limit || gave_up.load(std::memory_order_relaxed)) {
                gave_up = true;
                break;
            }
            mine.push_back(key);
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
        }
        if (!gave_up && !repeated) {
            // This piece's chain keys lie above `entry` and rise: one walk through `all`.
            auto next = std::upper_bound(all.begin(), all.end(), entry);
            Key chain = entry;
            for (std::size_t e = begin; e < end && next != all.end(); ++e) {
                const Key key = key_of(edges[e]);
                if (key <= chain) continue;  // unsorted
                chain = key;
                while (next != all.end() && *next < key) ++next;
                if (next != all.end() && *next == key) {
                    repeated = true;
                    break;
                }
            }
        }
    }
    if (gave_up) return Distinct::unknown;
    return repeated ? Distinct::no : Distinct::yes;
}

}  // namespace isingmf::detail
