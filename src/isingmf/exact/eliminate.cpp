#include "isingmf/exact/eliminate.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <exception>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <tuple>

#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace detail {

// One table entry. `v` is the value (linear mode: relative to the table's scale; log mode:
// its logarithm); the others are derivatives of the entry's logarithm:
// b1 = d/dbeta, b2 = d2/dbeta2, e1 = d/deta, e2 = d2/deta2. Log-derivatives add under
// products and combine as a weighted mean and variance under sums, which keeps the second
// derivatives free of the cancellation that raw moments <H^2> - <H>^2 would suffer.
namespace {
struct TableEntry {
    double v;
    double b1;
    double b2;
    double e1;
    double e2;
};
static_assert(sizeof(TableEntry) == kEliminationEntryBytes);
}  // namespace

// Output bits of a step that are treated as free at most (see StepPlan): 2^kMaxFreeBits
// offsets are stored per step.
constexpr std::size_t kMaxFreeBits = 4;

// What one elimination step does, independent of beta. The site summed out is bit 0 of
// every input table, because every table's variables are sorted by elimination rank and
// all lower-ranked sites are gone by then; the output's variables are `scope_size` sites,
// also sorted by rank.
struct StepPlan {
    int site = 0;
    int scope_size = 0;
    std::vector<int> inputs;  // steps whose output tables this step consumes
    // Local factor exp(s_v (beta phi + eta)) with phi = h_v + sum_u J_uv s_u over the
    // original neighbours u not yet summed out (in rank order; bit i of its index = u_i).
    // Built per temperature rather than stored: it has 2^(number of such u) entries.
    double field = 0.0;
    std::vector<double> later_coupling;
    // The output bits fall in two kinds. "Free" bits (at most kMaxFreeBits of them) index no
    // input table, only the local factor: typically the site that joins the scope at this
    // step. For each combination of the other, "shared" bits the input entries are read and
    // multiplied once, then combined with the local factor for each of the 2^free
    // combinations, which saves the repeated reads of the inputs (a third of a front step's
    // memory traffic) and their products.
    // stride[q * num_tables + t]: how far shared bit q moves the index into table t (t =
    // inputs.size() is the local factor); delta: the same as odometer increments, so that
    // when the shared index s becomes s+1, with q = ctz(s+1), index t grows by
    // delta[q * num_tables + t] (one add per table instead of gathering bits).
    std::vector<std::ptrdiff_t> stride;
    std::vector<std::ptrdiff_t> delta;
    std::vector<std::size_t> out_stride;     // [q]: 2^(output bit of shared bit q)
    std::vector<std::size_t> out_delta;      // [q]: its odometer increment
    std::vector<std::size_t> free_out;       // [f]: output offset of free combination f
    std::vector<std::ptrdiff_t> free_local;  // [f]: its offset into the local factor
    std::size_t shared_bits() const { return out_stride.size(); }
    int num_tables() const { return static_cast<int>(inputs.size()) + 1; }
};

struct Schedule {
    std::vector<StepPlan> steps;
    EliminationOrder order;
};

namespace {

double table_bytes(std::size_t scope_size) {
    return std::ldexp(static_cast<double>(kEliminationEntryBytes), static_cast<int>(scope_size));
}

bool adjacent(const std::vector<std::vector<int>>& adj, int a, int b) {
    const auto& la = adj[static_cast<std::size_t>(a)];
    const auto& lb = adj[static_cast<std::size_t>(b)];
    if (la.size() <= lb.size()) return std::binary_search(la.begin(), la.end(), b);
    return std::binary_search(lb.begin(), lb.end(), a);
}

void insert_sorted(std::vector<int>& list, int x) {
    list.insert(std::lower_bound(list.begin(), list.end(), x), x);
}

// Number of edges missing among the neighbours of u: the fill summing out u would add.
long long fill_of(const std::vector<std::vector<int>>& adj, int u) {
    const auto& nb = adj[static_cast<std::size_t>(u)];
    long long missing = 0;
    for (std::size_t a = 0; a < nb.size(); ++a) {
        for (std::size_t b = a + 1; b < nb.size(); ++b) {
            if (!adjacent(adj, nb[a], nb[b])) ++missing;
        }
    }
    return missing;
}

std::string format_bytes(double bytes) {
    if (bytes >= 1024.0 * 1024.0 * 1024.0)
        return fmt::format("{:.3g} GiB", bytes / (1024.0 * 1024.0 * 1024.0));
    if (bytes >= 1024.0 * 1024.0) return fmt::format("{:.3g} MiB", bytes / (1024.0 * 1024.0));
    return fmt::format("{:.3g} KiB", bytes / 1024.0);
}

}  // namespace

// One greedy order with the neighbours each site has when it is summed out (its clique
// minus itself), in the order of summation.
struct Candidate {
    EliminationOrder plan;
    std::vector<std::vector<int>> clique;
};

// Pseudo-peripheral site of the component of `start` among sites not yet summed out: the
// farthest site (lowest index on ties) from the farthest site from `start`. `dist` is a
// workspace of N entries, all -1 on entry and again on return: only the component is touched,
// so that a graph of many components costs O(N + E) in all rather than O(N) per component.
int peripheral_site(const Adjacency& graph, const std::vector<char>& done, int start,
                    std::vector<int>& dist) {
    std::vector<int> queue;
    int far = start;
    for (int round = 0; round < 2; ++round) {
        for (int u : queue) dist[static_cast<std::size_t>(u)] = -1;
        queue.assign(1, far);
        dist[static_cast<std::size_t>(far)] = 0;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const auto u = static_cast<std::size_t>(queue[q]);
            for (std::size_t k = graph.offset[u]; k < graph.offset[u + 1]; ++k) {
                const auto w = static_cast<std::size_t>(graph.neighbour[k]);
                if (done[w] == 0 && dist[w] < 0) {
                    dist[w] = dist[u] + 1;
                    queue.push_back(graph.neighbour[k]);
                }
            }
        }
        far = queue.front();
        for (int u : queue) {
            const auto uu = static_cast<std::size_t>(u);
            const auto uf = static_cast<std::size_t>(far);
            if (dist[uu] > dist[uf] || (dist[uu] == dist[uf] && u < far)) far = u;
        }
    }
    for (int u : queue) dist[static_cast<std::size_t>(u)] = -1;
    return far;
}

// The graph as elimination changes it: sorted neighbour lists of the sites not yet summed
// out, joined pairwise (fill edges) as each site is summed out.
class EliminationGraph {
public:
    explicit EliminationGraph(const Adjacency& graph) : adj_(graph.offset.size() - 1) {
        for (std::size_t i = 0; i < adj_.size(); ++i) {
            adj_[i].assign(
                graph.neighbour.begin() + static_cast<std::ptrdiff_t>(graph.offset[i]),
                graph.neighbour.begin() + static_cast<std::ptrdiff_t>(graph.offset[i + 1]));
            std::sort(adj_[i].begin(), adj_[i].end());
        }
    }

    const std::vector<int>& neighbours(int u) const { return adj_[static_cast<std::size_t>(u)]; }

    long long fill(int u) const { return fill_of(adj_, u); }

    /// Sums out v: drops it from its neighbours' lists and joins them pairwise. Returns
    /// whether any fill edge was added.
    bool sum_out(int v) {
        const auto uv = static_cast<std::size_t>(v);
        const std::vector<int>& nb = adj_[uv];
        for (int a : nb) {
            auto& la = adj_[static_cast<std::size_t>(a)];
            la.erase(std::lower_bound(la.begin(), la.end(), v));
        }
        bool filled = false;
        for (std::size_t a = 0; a < nb.size(); ++a) {
            for (std::size_t b = a + 1; b < nb.size(); ++b) {
                if (!adjacent(adj_, nb[a], nb[b])) {
                    insert_sorted(adj_[static_cast<std::size_t>(nb[a])], nb[b]);
                    insert_sorted(adj_[static_cast<std::size_t>(nb[b])], nb[a]);
                    filled = true;
                }
            }
        }
        adj_[uv].clear();
        return filled;
    }

private:
    std::vector<std::vector<int>> adj_;
};

// Records summing out a site with neighbours `nb` in `plan` (width), unless its table alone
// exceeds the memory limit: then planning stops there (complete = false) and this says no.
bool admit(EliminationOrder& plan, std::size_t neighbours, double max_memory_bytes) {
    plan.width = std::max(plan.width, static_cast<int>(neighbours));
    if (table_bytes(neighbours) <= max_memory_bytes) return true;
    plan.complete = false;
    return false;
}

// The elimination of a given order, with the clique of each step.
Candidate follow_order(const Model& model, const std::vector<int>& order, double max_memory_bytes) {
    EliminationGraph graph(model.adjacency());
    Candidate result;
    for (int v : order) {
        std::vector<int> nb = graph.neighbours(v);
        if (!admit(result.plan, nb.size(), max_memory_bytes)) break;
        result.plan.order.push_back(v);
        graph.sum_out(v);
        result.clique.push_back(std::move(nb));
    }
    return result;
}

// The candidates of greedy min-fill, keyed (fill, degree, site) so that the first is the
// site whose neighbours lack the fewest edges among themselves (ties: fewest neighbours,
// then lowest index). A site is queued by enqueue(), and re-keyed by update() once it is
// queued or once a neighbour of it is summed out (how a front grows).
class MinFillQueue {
public:
    MinFillQueue(std::size_t n, double max_memory_bytes)
        : key_(n), state_(n, kOutside), max_memory_bytes_(max_memory_bytes) {}

    bool empty() const { return queue_.empty(); }

    int pop() {
        const int v = std::get<2>(*queue_.begin());
        queue_.erase(queue_.begin());
        return v;
    }

    /// (Re)computes u's key and queues it.
    void enqueue(const EliminationGraph& graph, int u) {
        const auto uu = static_cast<std::size_t>(u);
        if (state_[uu] != kOutside) queue_.erase(key_[uu]);
        // A site with more neighbours than the memory limit allows cannot be summed out yet
        // (that is where planning stops), so its fill is not worth O(degree^2): on a complete
        // graph or at the hub of a star that cost made planning take minutes.
        const std::size_t degree = graph.neighbours(u).size();
        const bool too_wide = table_bytes(degree) > max_memory_bytes_;
        key_[uu] = {too_wide ? kTooWide : graph.fill(u), degree, u};
        state_[uu] = kQueued;
        queue_.insert(key_[uu]);
    }

    /// After v (with neighbours nb) was summed out: the neighbours join the front, and every
    /// queued site whose fill may have changed is re-keyed. Only the neighbours and their
    /// neighbours can see their fill change, and the latter only through a fill edge: without
    /// one their neighbourhoods and its edges are as before (skipping them keeps a star's hub
    /// from requeueing every leaf at every step).
    void update(const EliminationGraph& graph, const std::vector<int>& nb, bool filled, int step) {
        if (stamp_.empty()) stamp_.assign(key_.size(), -1);
        affected_.clear();
        const auto touch = [&](int u) {
            if (stamp_[static_cast<std::size_t>(u)] == step) return;
            stamp_[static_cast<std::size_t>(u)] = step;
            affected_.push_back(u);
        };
        for (int a : nb) {
            touch(a);
            if (!filled) continue;
            for (int c : graph.neighbours(a)) touch(c);
        }
        for (int a : nb) state_[static_cast<std::size_t>(a)] |= kJoinsFront;
        for (int u : affected_) {
            const auto uu = static_cast<std::size_t>(u);
            if (state_[uu] == kJoinsFront) {
                state_[uu] = kOutside;
                enqueue(graph, u);
            } else if (state_[uu] != kOutside) {
                state_[uu] = kQueued;
                enqueue(graph, u);
            }
        }
    }

private:
    using Key = std::tuple<long long, std::size_t, int>;  // (fill, degree, site)
    static constexpr char kOutside = 0;                   // not (yet) a candidate
    static constexpr char kQueued = 1;
    static constexpr char kJoinsFront = 2;  // or-ed in: a neighbour was just summed out
    static constexpr long long kTooWide = std::numeric_limits<long long>::max();

    std::set<Key> queue_;
    std::vector<Key> key_;
    std::vector<char> state_;
    std::vector<int> stamp_;
    std::vector<int> affected_;
    double max_memory_bytes_;
};

// Greedy min-fill (see MinFillQueue). With `frontier`, only sites next to the region
// already summed out are candidates, starting from a pseudo-peripheral site of each
// component: on lattices this sweeps one front across the system, where the unrestricted
// greedy grows fronts from every corner and pays when they meet (width 27 instead of 20 on
// a 20x20 open grid).
Candidate min_fill_order(const Model& model, bool frontier, double max_memory_bytes) {
    const int n = model.num_sites();
    const auto un = static_cast<std::size_t>(n);
    EliminationGraph graph(model.adjacency());
    MinFillQueue queue(un, max_memory_bytes);
    if (!frontier) {
        for (int i = 0; i < n; ++i) queue.enqueue(graph, i);
    }
    Candidate result;
    std::vector<char> done(un, 0);
    std::vector<int> dist(un, -1);  // workspace of peripheral_site
    int lowest_left = 0;            // no site below this is left
    for (int step = 0; step < n; ++step) {
        if (queue.empty()) {  // frontier mode: a new component starts
            while (done[static_cast<std::size_t>(lowest_left)] != 0) ++lowest_left;
            queue.enqueue(graph, peripheral_site(model.adjacency(), done, lowest_left, dist));
        }
        const int v = queue.pop();
        std::vector<int> nb = graph.neighbours(v);
        if (!admit(result.plan, nb.size(), max_memory_bytes)) break;
        result.plan.order.push_back(v);
        done[static_cast<std::size_t>(v)] = 1;
        const bool filled = graph.sum_out(v);
        queue.update(graph, nb, filled, step);
        result.clique.push_back(std::move(nb));
    }
    return result;
}

// Tables are 2^k entries. Freed tables are kept and reused (the smallest free one that is
// large enough) because fresh pages from the system cost more to fault in and zero than the
// elimination itself costs to fill them. `Buffer` is a real allocation or, for planning,
// nothing, so that the planner predicts exactly what a run will hold.
template <class Buffer>
class TablePool {
public:
    struct Slot {
        int log2_capacity = 0;
        Buffer buffer{};
    };
    Slot acquire(int log2_size) {
        auto it = free_.lower_bound(log2_size);
        held_ += it == free_.end() ? table_bytes(static_cast<std::size_t>(log2_size)) : 0.0;
        peak_ = std::max(peak_, held_);
        if (it == free_.end()) return {log2_size, Buffer::make(std::size_t{1} << log2_size)};
        Slot slot{it->first, std::move(it->second)};
        free_.erase(it);
        return slot;
    }
    void release(Slot slot) { free_.emplace(slot.log2_capacity, std::move(slot.buffer)); }
    double peak() const { return peak_; }

private:
    std::multimap<int, Buffer> free_;
    double held_ = 0.0;
    double peak_ = 0.0;
};

struct NoBuffer {
    static NoBuffer make(std::size_t) { return {}; }
};

// Breadth-first order from a pseudo-peripheral site of each component: on an open grid the
// layers are anti-diagonals, whose front is shorter near the corners than a row-by-row
// sweep, which saves a factor ~L/8 in work.
std::vector<int> breadth_first_order(const Model& model) {
    const Adjacency& graph = model.adjacency();
    const auto n = static_cast<std::size_t>(model.num_sites());
    std::vector<char> seen(n, 0);
    std::vector<int> dist(n, -1);  // workspace of peripheral_site
    std::vector<int> order;
    order.reserve(n);
    for (std::size_t first = 0; first < n; ++first) {
        if (seen[first] != 0) continue;
        // Sites already seen are in other components, so `seen` bounds the search as well.
        const int root = peripheral_site(graph, seen, static_cast<int>(first), dist);
        std::size_t head = order.size();
        order.push_back(root);
        seen[static_cast<std::size_t>(root)] = 1;
        for (; head < order.size(); ++head) {
            const auto u = static_cast<std::size_t>(order[head]);
            for (std::size_t k = graph.offset[u]; k < graph.offset[u + 1]; ++k) {
                const auto w = static_cast<std::size_t>(graph.neighbour[k]);
                if (seen[w] == 0) {
                    seen[w] = 1;
                    order.push_back(graph.neighbour[k]);
                }
            }
        }
    }
    return order;
}

// Sorts each clique by elimination rank and fills in the peak memory and work. The peak
// counts the pooled tables and the local-factor scratch (2^(later neighbours + 1) entries).
void evaluate(const Model& model, Candidate& c) {
    EliminationOrder& plan = c.plan;
    if (!plan.complete) {
        plan.peak_bytes = table_bytes(static_cast<std::size_t>(plan.width));
        plan.work = std::ldexp(1.0, plan.width + 1);
        return;
    }
    const std::size_t n = plan.order.size();
    std::vector<int> rank(n);
    for (std::size_t r = 0; r < n; ++r)
        rank[static_cast<std::size_t>(plan.order[r])] = static_cast<int>(r);
    for (auto& scope : c.clique) {
        std::sort(scope.begin(), scope.end(), [&](int a, int b) {
            return rank[static_cast<std::size_t>(a)] < rank[static_cast<std::size_t>(b)];
        });
    }
    // A table lives from its step to the step of its lowest-ranked site; replay the pool.
    TablePool<NoBuffer> pool;
    std::vector<TablePool<NoBuffer>::Slot> slot(n);
    std::vector<std::vector<std::size_t>> consumed(n);
    for (std::size_t r = 0; r < n; ++r) {
        const std::size_t k = c.clique[r].size();
        slot[r] = pool.acquire(static_cast<int>(k));
        for (std::size_t in : consumed[r]) pool.release(slot[in]);
        if (k > 0)
            consumed[static_cast<std::size_t>(rank[static_cast<std::size_t>(c.clique[r][0])])]
                .push_back(r);
        else
            pool.release(slot[r]);
        plan.work += std::ldexp(1.0, static_cast<int>(k) + 1);
    }
    const Adjacency& graph = model.adjacency();
    std::size_t most_later = 0;
    for (std::size_t r = 0; r < n; ++r) {
        const auto v = static_cast<std::size_t>(plan.order[r]);
        std::size_t later = 0;
        for (std::size_t q = graph.offset[v]; q < graph.offset[v + 1]; ++q) {
            later +=
                rank[static_cast<std::size_t>(graph.neighbour[q])] > static_cast<int>(r) ? 1 : 0;
        }
        most_later = std::max(most_later, later);
    }
    plan.peak_bytes = pool.peak() + table_bytes(most_later + 1);
}

constexpr int kUnrestrictedMinFillSites = 20000;

// Three orders (min-fill, min-fill along one front, breadth-first); keeps one that fits in
// memory, with the smallest width, then the least work. No single heuristic wins on every
// lattice (see min_fill_order), and planning costs far less than one elimination.
Candidate best_order(const Model& model, double max_memory_bytes) {
    Candidate best;
    bool have = false;
    const auto fits = [&](const Candidate& c) {
        return c.plan.complete && c.plan.peak_bytes <= max_memory_bytes;
    };
    // The front-sweeping orders stop as soon as a table overflows; the unrestricted
    // min-fill on a large 2-D lattice eliminates most of the graph before its fronts meet
    // (70 s on a 1024x1024 torus), so it runs there only when a front order already fits.
    for (const int kind : {1, 2, 0}) {
        if (kind == 0 && have && !fits(best) && model.num_sites() > kUnrestrictedMinFillSites)
            break;
        const bool frontier = kind == 1;
        Candidate c = kind < 2 ? min_fill_order(model, frontier, max_memory_bytes)
                               : follow_order(model, breadth_first_order(model), max_memory_bytes);
        evaluate(model, c);
        const auto better = [&](const Candidate& a, const Candidate& b) {
            if (fits(a) != fits(b)) return fits(a);
            if (a.plan.width != b.plan.width) return a.plan.width < b.plan.width;
            return a.plan.work < b.plan.work;
        };
        if (!have || better(c, best)) best = std::move(c);
        have = true;
    }
    return best;
}

// Fills one step's own field and couplings (to original neighbours not yet summed out, in
// rank order) and the odometer increments that walk its input tables. `position` is a
// workspace of N entries, all -1 on entry and on return.
void plan_step_tables(StepPlan& st, std::size_t r, const Model& model,
                      const std::vector<std::vector<int>>& clique, const std::vector<int>& rank,
                      std::vector<int>& position) {
    const Adjacency& graph = model.adjacency();
    const std::vector<int>& scope = clique[r];
    const std::size_t k = scope.size();
    for (std::size_t p = 0; p < k; ++p)
        position[static_cast<std::size_t>(scope[p])] = static_cast<int>(p);

    const auto us = static_cast<std::size_t>(st.site);
    std::vector<std::pair<int, double>> later;
    for (std::size_t q = graph.offset[us]; q < graph.offset[us + 1]; ++q) {
        const int u = graph.neighbour[q];
        if (rank[static_cast<std::size_t>(u)] > static_cast<int>(r))
            later.emplace_back(u, graph.coupling[q]);
    }
    std::sort(later.begin(), later.end(), [&](const auto& a, const auto& b) {
        return rank[static_cast<std::size_t>(a.first)] < rank[static_cast<std::size_t>(b.first)];
    });
    st.field = model.fields()[us];
    for (const auto& [u, coupling] : later) st.later_coupling.push_back(coupling);

    // Stride of each output bit in each input table (bit 0 of an input is the site summed
    // out), then split into shared and free bits (see StepPlan).
    const auto tables = static_cast<std::size_t>(st.num_tables());
    std::vector<std::ptrdiff_t> stride(k * tables, 0);
    for (std::size_t t = 0; t < st.inputs.size(); ++t) {
        const std::vector<int>& in_scope = clique[static_cast<std::size_t>(st.inputs[t])];
        for (std::size_t q = 1; q < in_scope.size(); ++q) {
            const auto p =
                static_cast<std::size_t>(position[static_cast<std::size_t>(in_scope[q])]);
            stride[p * tables + t] = std::ptrdiff_t{1} << q;
        }
    }
    for (std::size_t i = 0; i < later.size(); ++i) {
        const auto p = static_cast<std::size_t>(position[static_cast<std::size_t>(later[i].first)]);
        stride[p * tables + tables - 1] = std::ptrdiff_t{1} << (i + 1);
    }
    std::vector<std::size_t> free_bits;
    for (std::size_t p = k; p-- > 0 && free_bits.size() < kMaxFreeBits;) {
        bool free = true;
        for (std::size_t t = 0; t + 1 < tables; ++t) free = free && stride[p * tables + t] == 0;
        if (free) free_bits.push_back(p);
    }
    std::vector<std::ptrdiff_t> below(tables, 0);
    std::size_t out_below = 0;
    for (std::size_t p = 0; p < k; ++p) {
        if (std::find(free_bits.begin(), free_bits.end(), p) != free_bits.end()) continue;
        for (std::size_t t = 0; t < tables; ++t) {
            st.stride.push_back(stride[p * tables + t]);
            st.delta.push_back(stride[p * tables + t] - below[t]);
            below[t] += stride[p * tables + t];
        }
        st.out_stride.push_back(std::size_t{1} << p);
        st.out_delta.push_back((std::size_t{1} << p) - out_below);
        out_below += std::size_t{1} << p;
    }
    const std::size_t combos = std::size_t{1} << free_bits.size();
    st.free_out.assign(combos, 0);
    st.free_local.assign(combos, 0);
    for (std::size_t f = 0; f < combos; ++f) {
        for (std::size_t j = 0; j < free_bits.size(); ++j) {
            if (((f >> j) & 1u) == 0) continue;
            st.free_out[f] += std::size_t{1} << free_bits[j];
            st.free_local[f] += stride[free_bits[j] * tables + tables - 1];
        }
    }
    for (int site : scope) position[static_cast<std::size_t>(site)] = -1;
}

// The steps of a complete order. Every scope is sorted by rank, so the site summed out next
// in a table is its bit 0, and a step's output is an input of the step of its lowest site.
std::vector<StepPlan> plan_steps(const Model& model, const Candidate& best) {
    const std::vector<int>& order = best.plan.order;
    const std::vector<std::vector<int>>& clique = best.clique;
    const std::size_t n = order.size();
    std::vector<int> rank(n);
    for (std::size_t r = 0; r < n; ++r)
        rank[static_cast<std::size_t>(order[r])] = static_cast<int>(r);

    std::vector<StepPlan> steps(n);
    for (std::size_t r = 0; r < n; ++r) {
        steps[r].site = order[r];
        steps[r].scope_size = static_cast<int>(clique[r].size());
        if (!clique[r].empty()) {
            steps[static_cast<std::size_t>(rank[static_cast<std::size_t>(clique[r][0])])]
                .inputs.push_back(static_cast<int>(r));
        }
    }
    std::vector<int> position(n, -1);
    for (std::size_t r = 0; r < n; ++r)
        plan_step_tables(steps[r], r, model, clique, rank, position);
    return steps;
}

Schedule make_schedule(const Model& model, double max_memory_bytes) {
    const Candidate best = best_order(model, max_memory_bytes);
    Schedule schedule;
    schedule.order = best.plan;
    if (schedule.order.complete) schedule.steps = plan_steps(model, best);
    return schedule;
}

namespace {

// A table of one step's output: true entry = stored * exp(log_scale) (linear mode) or
// stored + log_scale (log mode); `max` is the largest stored value.
// Uninitialised: every entry is written before it is read. (Not on transparent huge pages:
// where free memory is fragmented, faulting in a gigabyte of tables through MADV_HUGEPAGE
// spent 2.4 s compacting memory on the development VM, against 0.6 s for 4 KiB pages, and the
// pool keeps the tables for every later temperature anyway.)
struct EntryBuffer {
    std::unique_ptr<TableEntry[]> data;
    static EntryBuffer make(std::size_t size) {
        return {std::make_unique_for_overwrite<TableEntry[]>(size)};
    }
};

struct Table {
    TablePool<EntryBuffer>::Slot slot;
    double log_scale = 0.0;
    double max = 0.0;
    const TableEntry* data() const { return slot.buffer.data.get(); }
};

// Below this, a linear-mode entry may have lost relative precision to underflow in the
// products that formed it; the temperature is then redone in log mode.
constexpr double kSmallestTrusted = 1e-290;

struct Totals {
    double ln_z = 0.0;
    double b1 = 0.0;
    double b2 = 0.0;
    double e1 = 0.0;
    double e2 = 0.0;
};

// Sums the two branches s_v = -1 (a) and s_v = +1 (b) of one output entry. With p_a, p_b
// the branch weights, first derivatives average and second derivatives gain the
// variance term p_a p_b (a' - b')^2.
template <bool Log>
inline TableEntry sum_out(const TableEntry& a, const TableEntry& b) {
    double v;
    double pa;
    double pb;
    if constexpr (Log) {
        const double hi = std::max(a.v, b.v);
        const double t = std::exp(-std::abs(a.v - b.v));
        const double inv = 1.0 / (1.0 + t);
        v = hi + std::log1p(t);
        pa = a.v >= b.v ? inv : t * inv;
        pb = 1.0 - pa;
    } else {
        v = a.v + b.v;
        const double inv = 1.0 / v;
        pa = a.v * inv;
        pb = b.v * inv;
    }
    const double db = a.b1 - b.b1;
    const double de = a.e1 - b.e1;
    const double papb = pa * pb;
    return {v, pa * a.b1 + pb * b.b1, pa * a.b2 + pb * b.b2 + papb * db * db, pa * a.e1 + pb * b.e1,
            pa * a.e2 + pb * b.e2 + papb * de * de};
}

// Multiplies the entry pair p[0] (s_v = -1) and p[1] (s_v = +1) of one table, scaled by
// norm, into the running products a and b: values multiply (add in log mode), log-derivatives
// add.
template <bool Log>
[[gnu::always_inline]] inline void multiply_in(TableEntry& a, TableEntry& b, const TableEntry* p,
                                               double norm) {
    if constexpr (Log) {
        a.v += p[0].v + norm;
        b.v += p[1].v + norm;
    } else {
        a.v *= p[0].v * norm;
        b.v *= p[1].v * norm;
    }
    a.b1 += p[0].b1;
    a.b2 += p[0].b2;
    a.e1 += p[0].e1;
    a.e2 += p[0].e2;
    b.b1 += p[1].b1;
    b.b2 += p[1].b2;
    b.e1 += p[1].e1;
    b.e2 += p[1].e2;
}

// Output entries of the shared-bit combinations [begin, end) of one elimination step over
// `tables` tables, the last of them the local factor (compile-time count when Tables > 0).
// Each entry depends only on its own index, so a step can be split between threads anywhere
// with the same bits. Sets hi and lo to the largest and smallest value written.
template <bool Log, int Tables>
void combine(const StepPlan& st, const TableEntry* const* in, const double* norm, TableEntry* out,
             std::size_t begin, std::size_t end, double& out_hi, double& out_lo) {
    const int tables = Tables > 0 ? Tables : st.num_tables();
    const int inputs = tables - 1;
    const auto ut = static_cast<std::size_t>(tables);
    // A site can consume any number of tables (the centre of a star takes one per leaf).
    std::vector<std::ptrdiff_t> indices(ut, 0);
    std::ptrdiff_t* idx = indices.data();
    std::size_t o = 0;
    for (std::size_t q = 0; (begin >> q) != 0; ++q) {
        if (((begin >> q) & 1u) == 0) continue;
        for (std::size_t t = 0; t < ut; ++t) idx[t] += st.stride[q * ut + t];
        o += st.out_stride[q];
    }
    const std::ptrdiff_t* delta = st.delta.data();
    const std::size_t combos = st.free_out.size();
    const double local_norm = norm[inputs];
    double hi = -HUGE_VAL;
    double lo = HUGE_VAL;
    for (std::size_t s = begin; s < end; ++s) {
        // The inputs' product for s_v = -1 (a) and +1 (b), in table order as always.
        TableEntry a{Log ? 0.0 : 1.0, 0.0, 0.0, 0.0, 0.0};
        TableEntry b = a;
        for (int t = 0; t < inputs; ++t) multiply_in<Log>(a, b, in[t] + idx[t], norm[t]);
        const TableEntry* local = in[inputs] + idx[inputs];
        for (std::size_t f = 0; f < combos; ++f) {
            TableEntry x = a;
            TableEntry y = b;
            multiply_in<Log>(x, y, local + st.free_local[f], local_norm);
            const TableEntry r = sum_out<Log>(x, y);
            out[o + st.free_out[f]] = r;
            hi = std::max(hi, r.v);
            lo = std::min(lo, r.v);
        }
        if (s + 1 < end) {
            const auto q = static_cast<std::size_t>(std::countr_zero(s + 1));
            const std::ptrdiff_t* d = delta + q * ut;
            for (std::size_t t = 0; t < ut; ++t) idx[t] += d[t];
            o += st.out_delta[q];
        }
    }
    out_hi = hi;
    out_lo = lo;
}

template <bool Log>
void combine_any(const StepPlan& st, const TableEntry* const* in, const double* norm,
                 TableEntry* out, std::size_t begin, std::size_t end, double& hi, double& lo) {
    switch (st.num_tables()) {
        case 1:
            return combine<Log, 1>(st, in, norm, out, begin, end, hi, lo);
        case 2:
            return combine<Log, 2>(st, in, norm, out, begin, end, hi, lo);
        case 3:
            return combine<Log, 3>(st, in, norm, out, begin, end, hi, lo);
        default:
            return combine<Log, 0>(st, in, norm, out, begin, end, hi, lo);
    }
}

// Steps with fewer output entries than this run on one thread: forking costs microseconds.
constexpr std::size_t kParallelStepEntries = std::size_t{1} << 14;

// One step's output entries, split between `threads` threads in equal consecutive pieces.
// Returns false when a linear-mode entry fell below kSmallestTrusted. max and min are exact,
// so the split does not change any result.
template <bool Log>
bool run_step(const StepPlan& st, const TableEntry* const* in, const double* norm, TableEntry* out,
              std::size_t size, int threads, double& out_max) {
    double hi = -HUGE_VAL;
    double lo = HUGE_VAL;
    const std::size_t shared = std::size_t{1} << st.shared_bits();
    if (threads <= 1 || size < kParallelStepEntries) {
        combine_any<Log>(st, in, norm, out, 0, shared, hi, lo);
    } else {
#pragma omp parallel num_threads(threads) reduction(max : hi) reduction(min : lo)
        {
            const auto t = static_cast<std::size_t>(omp_get_thread_num());
            const auto team = static_cast<std::size_t>(omp_get_num_threads());
            double h = -HUGE_VAL;
            double l = HUGE_VAL;
            combine_any<Log>(st, in, norm, out, piece_begin(shared, t, team),
                             piece_begin(shared, t + 1, team), h, l);
            hi = std::max(hi, h);
            lo = std::min(lo, l);
        }
    }
    out_max = hi;
    return Log || lo >= kSmallestTrusted;
}

// Runs the whole schedule at one beta, `threads` threads inside each large step. Tables come
// from `pool`, which keeps them for the next temperature. Returns false (linear mode only)
// when underflow could have cost precision.
template <bool Log>
bool run_schedule(const Schedule& schedule, double beta, Totals& totals,
                  TablePool<EntryBuffer>& pool, int threads) {
    std::vector<Table> tables(schedule.steps.size());
    std::vector<TableEntry> local;
    std::vector<const TableEntry*> in;
    std::vector<double> norm;
    totals = {};
    // Tables still held when a linear pass gives up go back to the pool.
    struct ReturnTables {
        std::vector<Table>& tables;
        TablePool<EntryBuffer>& pool;
        ~ReturnTables() {
            for (Table& t : tables) {
                if (t.slot.buffer.data) pool.release(std::move(t.slot));
            }
        }
    } give_back{tables, pool};
    for (std::size_t r = 0; r < schedule.steps.size(); ++r) {
        check_interrupt();  // the caller's solve() passes it on from its thread
        const StepPlan& st = schedule.steps[r];
        const auto k = static_cast<std::size_t>(st.scope_size);
        const std::size_t size = std::size_t{1} << k;
        // Local factor, normalised so that its largest entry is 1 (linear) or 0 (log).
        // phi is built by doubling (setting spin i adds 2 J_i) in the +1 entries' b1 slot.
        const std::size_t configs = std::size_t{1} << st.later_coupling.size();
        local.resize(2 * configs);
        double phi_low = st.field;
        for (double coupling : st.later_coupling) phi_low -= coupling;
        local[1].b1 = phi_low;
        for (std::size_t i = 0; i < st.later_coupling.size(); ++i) {
            const std::size_t half = std::size_t{1} << i;
            for (std::size_t c = 0; c < half; ++c) {
                local[2 * (c + half) + 1].b1 = local[2 * c + 1].b1 + 2.0 * st.later_coupling[i];
            }
        }
        double top = 0.0;
        for (std::size_t c = 0; c < configs; ++c)
            top = std::max(top, beta * std::abs(local[2 * c + 1].b1));
        for (std::size_t c = 0; c < configs; ++c) {
            const double phi = local[2 * c + 1].b1;
            const double down = -beta * phi - top;
            const double up = beta * phi - top;
            local[2 * c] = {Log ? down : std::exp(down), -phi, 0.0, -1.0, 0.0};
            local[2 * c + 1] = {Log ? up : std::exp(up), phi, 0.0, 1.0, 0.0};
        }

        in.clear();
        norm.clear();
        double log_scale = top;
        for (int t : st.inputs) {
            Table& tab = tables[static_cast<std::size_t>(t)];
            in.push_back(tab.data());
            if constexpr (Log) {
                norm.push_back(-tab.max);
                log_scale += tab.log_scale + tab.max;
            } else {
                norm.push_back(1.0 / tab.max);
                log_scale += tab.log_scale + std::log(tab.max);
            }
        }
        in.push_back(local.data());
        norm.push_back(Log ? 0.0 : 1.0);

        Table& out = tables[r];
        out.slot = pool.acquire(static_cast<int>(k));
        out.log_scale = log_scale;
        TableEntry* dst = out.slot.buffer.data.get();
        if (!run_step<Log>(st, in.data(), norm.data(), dst, size, threads, out.max)) return false;
        for (int t : st.inputs) pool.release(std::move(tables[static_cast<std::size_t>(t)].slot));

        if (k == 0) {  // a connected component is done: its Z is this scalar
            const TableEntry& z = dst[0];
            totals.ln_z += out.log_scale + (Log ? z.v : std::log(z.v));
            totals.b1 += z.b1;
            totals.b2 += z.b2;
            totals.e1 += z.e1;
            totals.e2 += z.e2;
            pool.release(std::move(out.slot));
        }
    }
    return true;
}

}  // namespace
}  // namespace detail

EliminationOrder plan_elimination(const Model& model, const EliminationOptions& options) {
    return detail::make_schedule(model, options.max_memory_bytes).order;
}

std::string elimination_refusal(const EliminationOrder& plan, const EliminationOptions& options) {
    if (plan.complete && plan.peak_bytes <= options.max_memory_bytes) return {};
    return fmt::format("elimination needs width {}{} (est. {}{} of tables), beyond the {} limit",
                       plan.complete ? "" : "at least ", plan.width,
                       plan.complete ? "" : "at least ", detail::format_bytes(plan.peak_bytes),
                       detail::format_bytes(options.max_memory_bytes));
}

std::vector<ExactResult> eliminate_exact(const Model& model, std::span<const double> betas,
                                         const EliminationOptions& options) {
    check_betas(betas);
    check_energy_scale(model, betas);
    const detail::Schedule schedule = detail::make_schedule(model, options.max_memory_bytes);
    const EliminationOrder& plan = schedule.order;
    if (const std::string refusal = elimination_refusal(plan, options); !refusal.empty()) {
        throw ModelError(refusal);
    }

    // Two ways to use the threads, the same numbers either way. Schedules with large tables run
    // one temperature after another with every thread inside each large step: one set of
    // tables in memory, and tables kept in a pool from one temperature to the next. Schedules
    // of small tables (where a step is too short to share) run whole temperatures on separate
    // threads, as many at once as the memory limit allows one set of tables each.
    const int available = options.num_threads > 0 ? options.num_threads : omp_get_max_threads();
    std::size_t largest = 1;
    for (const detail::StepPlan& st : schedule.steps)
        largest = std::max(largest, std::size_t{1} << static_cast<std::size_t>(st.scope_size));
    const bool inside_steps = largest >= detail::kParallelStepEntries;
    const double fit = std::floor(options.max_memory_bytes / std::max(plan.peak_bytes, 1.0));
    const int across = inside_steps
                           ? 1
                           : std::max(1, std::min({available, static_cast<int>(std::min(fit, 1e6)),
                                                   static_cast<int>(betas.size())}));
    const int inside = inside_steps ? std::max(1, available) : 1;

    const double n = static_cast<double>(model.num_sites());
    const double e0 = model.energy_offset();
    std::vector<ExactResult> results(betas.size());
    const auto count = static_cast<std::ptrdiff_t>(betas.size());
    std::exception_ptr failure;  // an exception must not leave the parallel region
    const auto solve = [&](std::ptrdiff_t b, detail::TablePool<detail::EntryBuffer>& pool) {
        const double beta = betas[static_cast<std::size_t>(b)];
        detail::Totals t;
        try {
            if (!detail::run_schedule<false>(schedule, beta, t, pool, inside))
                detail::run_schedule<true>(schedule, beta, t, pool, inside);
        } catch (...) {
#pragma omp critical(isingmf_eliminate_failure)
            if (!failure) failure = std::current_exception();
            return;
        }
        ExactResult& r = results[static_cast<std::size_t>(b)];
        r.ln_z = t.ln_z - beta * e0;
        r.energy_per_spin = (e0 - t.b1) / n;
        // Not beta^2 b2: beta^2 overflows beyond beta ~ 1e154, where b2 is exactly 0.
        r.specific_heat_per_spin = beta * (beta * t.b2) / n;
        r.magnetization = t.e1 / n;
        r.susceptibility = beta * t.e2 / n;
    };
    if (across == 1) {
        // Not inside a parallel region, even an inactive one: libgomp counts that as nesting
        // and would start fresh threads for every step's team instead of reusing its pool.
        detail::TablePool<detail::EntryBuffer> pool;
        for (std::ptrdiff_t b = 0; b < count && !failure; ++b) solve(b, pool);
    } else {
#pragma omp parallel num_threads(across)
        {
            detail::TablePool<detail::EntryBuffer> pool;
#pragma omp for schedule(dynamic, 1)
            for (std::ptrdiff_t b = 0; b < count; ++b) solve(b, pool);
        }
    }
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::bad_alloc&) {
            throw ModelError(fmt::format(
                "elimination ran out of memory (width {}, est. {} of tables per temperature)",
                plan.width, detail::format_bytes(plan.peak_bytes)));
        }
    }
    return results;
}

}  // namespace isingmf
