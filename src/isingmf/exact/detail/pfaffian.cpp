#include "isingmf/exact/detail/pfaffian.hpp"

#include <metis.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <type_traits>
#include <utility>

#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf::detail {
namespace {

std::size_t idx(int i) { return static_cast<std::size_t>(i); }
std::size_t idx(std::ptrdiff_t i) { return static_cast<std::size_t>(i); }

// ---------------------------------------------------------------------------------------------
// Analysis: recursive nested dissection into fronts.

// A graph in compressed rows with sorted, distinct neighbours.
struct Graph {
    std::vector<std::size_t> offset;
    std::vector<int> neighbour;
};

Graph make_graph(int n, const std::vector<std::pair<int, int>>& edges) {
    // Rows filled by counting, then each sorted and made distinct: linear in the arcs (a sort
    // of all of them took seconds on a 2048^2 glass's dimer graph, with no interrupt check).
    Graph g;
    g.offset.assign(idx(n) + 1, 0);
    for (const auto& [a, b] : edges) {
        if (a == b) continue;
        ++g.offset[idx(a) + 1];
        ++g.offset[idx(b) + 1];
    }
    for (int v = 0; v < n; ++v) g.offset[idx(v) + 1] += g.offset[idx(v)];
    g.neighbour.resize(g.offset[idx(n)]);
    std::vector<std::size_t> next(g.offset.begin(), g.offset.end() - 1);
    for (const auto& [a, b] : edges) {
        if (a == b) continue;
        g.neighbour[next[idx(a)]++] = b;
        g.neighbour[next[idx(b)]++] = a;
    }
    check_interrupt();
    std::size_t kept = 0;
    for (int v = 0; v < n; ++v) {
        const auto row = g.neighbour.begin() + static_cast<std::ptrdiff_t>(g.offset[idx(v)]);
        const auto row_end =
            g.neighbour.begin() + static_cast<std::ptrdiff_t>(g.offset[idx(v) + 1]);
        std::sort(row, row_end);
        g.offset[idx(v)] = kept;
        const auto last = std::unique(row, row_end);
        for (auto it = row; it != last; ++it) g.neighbour[kept++] = *it;
    }
    g.offset[idx(n)] = kept;
    g.neighbour.resize(kept);
    return g;
}

// Recursive nested dissection of a graph into fronts (lists of its vertices), in postorder.
class Dissector {
public:
    Dissector(Graph graph, int leaf_size, int seed)
        : n_(static_cast<int>(graph.offset.size()) - 1),
          leaf_size_(std::max(leaf_size, 1)),
          seed_(seed),
          offset_(std::move(graph.offset)),
          neighbour_(std::move(graph.neighbour)),
          local_(idx(n_), -1) {}

    // Dissects the subgraph induced by `vertices`; returns the roots of the subtrees built.
    std::vector<int> dissect(std::vector<int> vertices) {
        check_interrupt();  // one separator (METIS) per call: up to a second near the top
        for (std::size_t k = 0; k < vertices.size(); ++k)
            local_[idx(vertices[k])] = static_cast<int>(k);
        // Connected components are independent subtrees: no separator needed between them.
        std::vector<int> component(vertices.size(), -1);
        int num_components = 0;
        std::vector<int> queue;
        for (std::size_t s = 0; s < vertices.size(); ++s) {
            if (component[s] >= 0) continue;
            component[s] = num_components;
            queue.assign(1, vertices[s]);
            for (std::size_t q = 0; q < queue.size(); ++q) {
                const int v = queue[q];
                for (std::size_t k = offset_[idx(v)]; k < offset_[idx(v) + 1]; ++k) {
                    const int l = local_[idx(neighbour_[k])];
                    if (l < 0 || component[idx(l)] >= 0) continue;
                    component[idx(l)] = num_components;
                    queue.push_back(neighbour_[k]);
                }
            }
            ++num_components;
        }
        if (num_components > 1) {
            std::vector<std::vector<int>> parts(idx(num_components));
            for (std::size_t k = 0; k < vertices.size(); ++k)
                parts[idx(component[k])].push_back(vertices[k]);
            release(vertices);
            std::vector<int> roots;
            for (auto& part : parts) {
                const std::vector<int> r = dissect(std::move(part));
                roots.insert(roots.end(), r.begin(), r.end());
            }
            return roots;
        }
        if (static_cast<int>(vertices.size()) <= leaf_size_) {
            release(vertices);
            return {add_front(std::move(vertices), {})};
        }
        // A vertex separator of the subgraph (METIS): part 0, part 1, separator 2.
        std::vector<idx_t> xadj{0}, adjncy;
        for (int v : vertices) {
            for (std::size_t k = offset_[idx(v)]; k < offset_[idx(v) + 1]; ++k) {
                const int l = local_[idx(neighbour_[k])];
                if (l >= 0) adjncy.push_back(l);
            }
            xadj.push_back(static_cast<idx_t>(adjncy.size()));
        }
        release(vertices);
        idx_t nvtxs = static_cast<idx_t>(vertices.size());
        idx_t options[METIS_NOPTIONS];
        METIS_SetDefaultOptions(options);
        options[METIS_OPTION_NUMBERING] = 0;
        options[METIS_OPTION_SEED] = seed_;
        idx_t separator_size = 0;
        std::vector<idx_t> part(vertices.size(), 0);
        int status = METIS_OK;
        {
            // METIS draws from one process-wide generator, seeded at the start of each call:
            // two calls at once (an ensemble's samples, Python threads) would draw from each
            // other's sequence, and the separators, and the last bits of every result, would
            // change from run to run. One call at a time keeps each call's sequence its own.
            static std::mutex metis;
            const std::lock_guard lock(metis);
            status = METIS_ComputeVertexSeparator(&nvtxs, xadj.data(), adjncy.data(), nullptr,
                                                  options, &separator_size, part.data());
        }
        if (status != METIS_OK) throw Error("METIS failed to find a vertex separator");
        std::vector<int> a, b, separator;
        for (std::size_t k = 0; k < vertices.size(); ++k) {
            (part[k] == 0 ? a : part[k] == 1 ? b : separator).push_back(vertices[k]);
        }
        if (separator.empty() || a.empty() || b.empty()) {
            return {add_front(std::move(vertices), {})};  // no useful split: one dense front
        }
        std::vector<int> children = dissect(std::move(a));
        const std::vector<int> rb = dissect(std::move(b));
        children.insert(children.end(), rb.begin(), rb.end());
        return {add_front(std::move(separator), std::move(children))};
    }

    std::vector<std::vector<int>>& fronts() { return own_; }
    const std::vector<std::vector<int>>& children() const { return children_; }

private:
    void release(const std::vector<int>& vertices) {
        for (int v : vertices) local_[idx(v)] = -1;
    }

    int add_front(std::vector<int> own, std::vector<int> children) {
        own_.push_back(std::move(own));
        children_.push_back(std::move(children));
        return static_cast<int>(own_.size()) - 1;
    }

    int n_;
    int leaf_size_;
    int seed_;
    std::vector<std::size_t> offset_;
    std::vector<int> neighbour_;
    std::vector<int> local_;
    std::vector<std::vector<int>> own_;
    std::vector<std::vector<int>> children_;
};

// ---------------------------------------------------------------------------------------------
// Numeric phase.

// A pivot's relative error (units of the unit roundoff) is capped here: one above 1 / u is
// meaningless already, and the cap keeps the sums of them finite.
constexpr double kPivotErrorCap = 1e60;

// The rank-2 update of one column on jets: f_x += b_x u_y - u_x b_y for x in [0, count),
// value, first and second derivative by the product rule. Free of members so that the
// compiler sees the restrict pointers; for double, cloned for AVX-512 and AVX2 (no fused
// multiply-add anywhere, so every clone gives the same bits). Beside it, the sizes of the
// terms summed into each value, fs += |b_x u_y| + |u_x b_y| (its |L||D||L^T|: Front).
template <class Real>
[[gnu::always_inline]] inline void update_column(
    std::size_t count, Real* __restrict fv, Real* __restrict fd, Real* __restrict fdd,
    Real* __restrict fs, const Real* __restrict bv, const Real* __restrict bd,
    const Real* __restrict bdd, const Real* __restrict uv, const Real* __restrict ud,
    const Real* __restrict udd, Real byv, Real byd, Real bydd, Real uyv, Real uyd, Real uydd) {
    using std::abs;
    const Real abs_by = abs(byv), abs_uy = abs(uyv);
    for (std::size_t x = 0; x < count; ++x) {
        fv[x] += bv[x] * uyv - uv[x] * byv;
        fd[x] += (bd[x] * uyv + bv[x] * uyd) - (ud[x] * byv + uv[x] * byd);
        fdd[x] += (bdd[x] * uyv + 2 * bd[x] * uyd + bv[x] * uydd) -
                  (udd[x] * byv + 2 * ud[x] * byd + uv[x] * bydd);
        fs[x] += abs(bv[x]) * abs_uy + abs(uv[x]) * abs_by;
    }
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void update_column_double(
    std::size_t count, double* __restrict fv, double* __restrict fd, double* __restrict fdd,
    double* __restrict fs, const double* __restrict bv, const double* __restrict bd,
    const double* __restrict bdd, const double* __restrict uv, const double* __restrict ud,
    const double* __restrict udd, double byv, double byd, double bydd, double uyv, double uyd,
    double uydd) {
    update_column<double>(count, fv, fd, fdd, fs, bv, bd, bdd, uv, ud, udd, byv, byd, bydd, uyv,
                          uyd, uydd);
}

// A Schur complement passed to the parent front: packed strict lower triangle, row by row
// ((x, y) with x > y at x (x - 1) / 2 + y), jets split into value, first, second derivative.
template <class Real>
struct Contribution {
    std::vector<int> index;  // variables; the first `delayed` are fully summed in the parent
    int delayed = 0;
    std::vector<Real> v, d, dd;
    std::vector<Real> s;  // the sizes of the terms summed into the values (Front::size_of)
};

// A dense front: the strict lower triangle of an m x m skew-symmetric matrix in column-major
// storage, F(x, y) = K[x][y] for x > y. Beside each value, the sum of the sizes of the terms
// summed into it (the entry of |K| plus those of the updates, |L||D||L^T| in all): its rounding
// error is a few unit roundoffs times that, so where a value is a small difference of large
// terms, as pivots are in frustrated glasses at low temperature, the ratio of the two says how
// few of its digits are left.
template <class Real>
class Front {
public:
    // An m x m zero front whose first `fully` variables are fully summed.
    void reset(std::size_t m, std::size_t fully) {
        m_ = m;
        fully_ = fully;
        pending_ = 0;
        const std::size_t size = m * m;
        if (v_.size() < size) {
            v_.resize(size);
            d_.resize(size);
            dd_.resize(size);
            s_.resize(size);
        }
        for (std::size_t y = 0; y < m; ++y) {
            std::fill_n(&v_[y * m + y], m - y, Real(0));
            std::fill_n(&d_[y * m + y], m - y, Real(0));
            std::fill_n(&dd_[y * m + y], m - y, Real(0));
            std::fill_n(&s_[y * m + y], m - y, Real(0));
        }
    }

    std::size_t size() const { return m_; }
    std::size_t at(std::size_t x, std::size_t y) const { return x + y * m_; }

    // Adds jet g, a sum of terms of sizes gs (|g.v| for an entry of K), to K[a][b] (a != b).
    void add(std::size_t a, std::size_t b, Real gv, Real gd, Real gdd, Real gs) {
        std::size_t p = 0;
        if (a > b) {
            p = at(a, b);
            v_[p] += gv, d_[p] += gd, dd_[p] += gdd;
        } else {
            p = at(b, a);
            v_[p] -= gv, d_[p] -= gd, dd_[p] -= gdd;
        }
        s_[p] += gs;
    }

    // Whether row x > k + 1 had an entry in the columns of the pair (k, k + 1).
    bool touched(std::size_t x, std::size_t k) const {
        return v_[at(x, k)] != 0 || v_[at(x, k + 1)] != 0 || d_[at(x, k)] != 0 ||
               d_[at(x, k + 1)] != 0;
    }

    // |K[x][i]| for x != i.
    Real magnitude(std::size_t x, std::size_t i) const {
        return std::abs(x > i ? v_[at(x, i)] : v_[at(i, x)]);
    }

    // The sum of the sizes of the terms summed into F(x, y), x > y.
    Real size_of(std::size_t x, std::size_t y) const { return s_[at(x, y)]; }

    // Exchanges variables i < j (rows and columns), for the rows and columns >= first. The
    // sizes move with their values, without the signs.
    void swap(std::size_t first, std::size_t i, std::size_t j) {
        for (Real* a : {v_.data(), d_.data(), dd_.data(), s_.data()}) {
            const Real sign = a == s_.data() ? Real(1) : Real(-1);
            for (std::size_t c = first; c < i; ++c) std::swap(a[at(i, c)], a[at(j, c)]);
            for (std::size_t r = j + 1; r < m_; ++r) std::swap(a[at(r, i)], a[at(r, j)]);
            for (std::size_t t = i + 1; t < j; ++t) {
                const Real old = a[at(t, i)];
                a[at(t, i)] = sign * a[at(j, t)];
                a[at(j, t)] = sign * old;
            }
            a[at(j, i)] = sign * a[at(j, i)];
        }
    }

    // Eliminates the pair (k, k+1): the Schur complement of the 2x2 block replaces rows and
    // columns > k+1, S_xy = K_xy + (K_x,k+1 K_y,k - K_x,k K_y,k+1) / K_k,k+1. Returns the pivot
    // K[k][k+1] as a jet.
    BasicJet<Real> eliminate(std::size_t k) {
        const std::size_t m = m_;
        const std::size_t q = at(k + 1, k);
        const BasicJet<Real> pivot{-v_[q], -d_[q], -dd_[q]};
        const BasicJet<Real> r = reciprocal(pivot);
        // u = column k / pivot; b = column k + 1, both from row k + 2 on.
        const std::size_t first = k + 2;
        u_v_.resize(m), u_d_.resize(m), u_dd_.resize(m);
        const Real* av = &v_[at(0, k)];
        const Real* ad = &d_[at(0, k)];
        const Real* add = &dd_[at(0, k)];
        for (std::size_t x = first; x < m; ++x) {
            u_v_[x] = av[x] * r.v;
            u_d_[x] = ad[x] * r.v + av[x] * r.d;
            u_dd_[x] = add[x] * r.v + 2 * ad[x] * r.d + av[x] * r.dd;
        }
        const Real* bv = &v_[at(0, k + 1)];
        const Real* bd = &d_[at(0, k + 1)];
        const Real* bdd = &dd_[at(0, k + 1)];
        // The fully summed columns now (pivot choice reads them, every row); the block of the
        // Schur complement, which nothing reads before the front is done, in panels later.
        for (std::size_t y = first; y < fully_ && y + 1 < m; ++y) {
            update_column(y, bv[y], bd[y], bdd[y], u_v_[y], u_d_[y], u_dd_[y], bv, bd, bdd,
                          u_v_.data(), u_d_.data(), u_dd_.data());
        }
        if (fully_ + 1 < m) {
            const std::size_t rows = m - fully_;
            if (pending_ == 0) panel_.resize(kPanelColumns * kPanelPairs * rows);
            Real* slot = &panel_[kPanelColumns * pending_ * rows];
            for (const Real* source :
                 {bv, bd, bdd, static_cast<const Real*>(u_v_.data()),
                  static_cast<const Real*>(u_d_.data()), static_cast<const Real*>(u_dd_.data())}) {
                std::copy(source + fully_, source + m, slot);
                slot += rows;
            }
            if (++pending_ == kPanelPairs) flush();
        }
        return pivot;
    }

    // Applies the pending pairs to the Schur complement block: one column at a time, every
    // pair, so that the column stays in cache (a rank-2p update instead of p rank-2 ones).
    void flush() {
        const std::size_t rows = m_ - fully_;
        for (std::size_t y = fully_; y + 1 < m_; ++y) {
            const std::size_t local = y - fully_;
            for (std::size_t k = 0; k < pending_; ++k) {
                // Column c of the pair's panel, indexed by front row.
                const Real* panel = &panel_[kPanelColumns * k * rows];
                const auto column = [&](std::size_t c) { return panel + c * rows - fully_; };
                const auto at_y = [&](std::size_t c) { return panel[c * rows + local]; };
                update_column(y, at_y(0), at_y(1), at_y(2), at_y(3), at_y(4), at_y(5), column(0),
                              column(1), column(2), column(3), column(4), column(5));
            }
        }
        pending_ = 0;
    }

    // Copies the block of rows and columns >= first into a packed contribution. Call flush()
    // first.
    void extract(std::size_t first, Contribution<Real>& out) const {
        const std::size_t c = m_ - first;
        const std::size_t packed = c * (c - 1) / 2;
        out.v.resize(packed), out.d.resize(packed), out.dd.resize(packed), out.s.resize(packed);
        for (std::size_t x = 1; x < c; ++x) {
            for (std::size_t y = 0; y < x; ++y) {
                const std::size_t p = at(first + x, first + y);
                const std::size_t o = x * (x - 1) / 2 + y;
                out.v[o] = v_[p], out.d[o] = d_[p], out.dd[o] = dd_[p], out.s[o] = s_[p];
            }
        }
    }

private:
    // F(x, y) += b_x u_y - u_x b_y for x > y, on jets (b and u indexed by front row), and the
    // sizes of the terms.
    void update_column(std::size_t y, Real byv, Real byd, Real bydd, Real uyv, Real uyd, Real uydd,
                       const Real* bv, const Real* bd, const Real* bdd, const Real* uv,
                       const Real* ud, const Real* udd) {
        const std::size_t x = y + 1, count = m_ - x;
        Real* fv = &v_[at(x, y)];
        Real* fd = &d_[at(x, y)];
        Real* fdd = &dd_[at(x, y)];
        Real* fs = &s_[at(x, y)];
        if constexpr (std::is_same_v<Real, double>) {
            update_column_double(count, fv, fd, fdd, fs, bv + x, bd + x, bdd + x, uv + x, ud + x,
                                 udd + x, byv, byd, bydd, uyv, uyd, uydd);
        } else {
            detail::update_column(count, fv, fd, fdd, fs, bv + x, bd + x, bdd + x, uv + x, ud + x,
                                  udd + x, byv, byd, bydd, uyv, uyd, uydd);
        }
    }

    // Pairs whose update of the Schur complement block waits in the panel: per pair, the
    // columns b, b', b'', u, u', u''.
    static constexpr std::size_t kPanelPairs = 32;
    static constexpr std::size_t kPanelColumns = 6;
    std::size_t fully_ = 0;
    std::size_t pending_ = 0;
    std::vector<Real> panel_;  // per pending pair: kPanelColumns columns on rows >= fully_
    std::size_t m_ = 0;
    std::vector<Real> v_, d_, dd_, s_;
    std::vector<Real> u_v_, u_d_, u_dd_;
};

// Picks a 2x2 pivot among the fully summed variables [first, fully): returns (i, j) or
// (-1, -1) when none passes the threshold test. A variable's mate (mate[i], a place in the
// front or -1) is tried first: the pair the analysis expects to be a good pivot. Variables
// that failed the test are tested again only once their column has changed (stale[i]).
template <class Real>
std::pair<std::ptrdiff_t, std::ptrdiff_t> choose_pivot(const Front<Real>& f, std::size_t first,
                                                       std::size_t fully, double threshold,
                                                       const std::vector<std::ptrdiff_t>& mate,
                                                       std::vector<char>& stale) {
    const std::size_t m = f.size();
    auto column_max = [&](std::size_t i) {
        Real best = 0;
        for (std::size_t x = first; x < m; ++x)
            if (x != i) best = std::max(best, f.magnitude(x, i));
        return best;
    };
    auto acceptable = [&](std::size_t i, std::size_t j) {
        const Real a = f.magnitude(j, i);
        return a > 0 && a >= threshold * column_max(i) && a >= threshold * column_max(j);
    };
    for (std::size_t i = first; i < fully; ++i) {
        if (!stale[i]) continue;
        const std::ptrdiff_t j = mate[i];
        if (j > static_cast<std::ptrdiff_t>(i) && idx(j) < fully && acceptable(i, idx(j)))
            return {static_cast<std::ptrdiff_t>(i), j};
    }
    for (std::size_t i = first; i < fully; ++i) {
        if (!stale[i]) continue;
        std::size_t j = i;
        Real best = 0;
        for (std::size_t x = first; x < fully; ++x) {
            if (x == i) continue;
            const Real a = f.magnitude(x, i);
            if (a > best) best = a, j = x;
        }
        if (best > 0 && acceptable(i, j))
            return {static_cast<std::ptrdiff_t>(i), static_cast<std::ptrdiff_t>(j)};
        stale[i] = 0;  // fails with every partner until an elimination changes its column
    }
    return {-1, -1};
}

// Sign of the permutation that lists the variables in elimination order.
int permutation_sign(const std::vector<int>& order) {
    std::vector<char> seen(order.size(), 0);
    std::size_t cycles = 0;
    for (std::size_t s = 0; s < order.size(); ++s) {
        if (seen[s]) continue;
        ++cycles;
        for (std::size_t k = s; !seen[k]; k = idx(order[k])) seen[k] = 1;
    }
    return (order.size() - cycles) % 2 == 0 ? 1 : -1;
}

}  // namespace

PfaffianPlan plan_pfaffian(const SkewPattern& pattern, std::span<const int> group, int leaf_size,
                           int seed) {
    const int n = pattern.n;
    std::vector<std::pair<int, int>> edges(pattern.row.size());
    for (std::size_t k = 0; k < edges.size(); ++k) edges[k] = {pattern.row[k], pattern.col[k]};
    // Units of the dissection: the groups, or each variable alone.
    int num_units = n;
    std::vector<std::pair<int, int>> unit_edges = edges;
    if (!group.empty()) {
        num_units = 0;
        for (int g : group) num_units = std::max(num_units, g + 1);
        for (auto& [a, b] : unit_edges) a = group[idx(a)], b = group[idx(b)];
    }
    Dissector dissector(make_graph(num_units, unit_edges), leaf_size, seed);
    std::vector<int> all(idx(num_units));
    for (int u = 0; u < num_units; ++u) all[idx(u)] = u;
    dissector.dissect(std::move(all));
    check_interrupt();  // each stage below is linear, up to seconds on a 2048^2 glass

    std::vector<std::vector<int>> own = std::move(dissector.fronts());
    if (!group.empty()) {
        std::vector<std::vector<int>> members(idx(num_units));
        for (int v = 0; v < n; ++v) members[idx(group[idx(v)])].push_back(v);
        for (auto& list : own) {
            std::vector<int> expanded;
            for (int u : list)
                expanded.insert(expanded.end(), members[idx(u)].begin(), members[idx(u)].end());
            list = std::move(expanded);
        }
    }
    const std::vector<std::vector<int>>& children = dissector.children();
    check_interrupt();
    const Graph graph = make_graph(n, edges);

    PfaffianPlan plan;
    plan.n = n;
    if (!group.empty()) {
        std::vector<std::vector<int>> members(idx(num_units));
        for (int v = 0; v < n; ++v) members[idx(group[idx(v)])].push_back(v);
        plan.mate.assign(idx(n), -1);
        for (const auto& list : members) {
            if (list.size() != 2) continue;
            plan.mate[idx(list[0])] = list[1];
            plan.mate[idx(list[1])] = list[0];
        }
    }
    const auto num_fronts = static_cast<int>(own.size());
    std::vector<int> front_of(idx(n), -1);
    for (int t = 0; t < num_fronts; ++t)
        for (int v : own[idx(t)]) front_of[idx(v)] = t;
    plan.fronts.resize(idx(num_fronts));
    std::vector<int> stamp(idx(n), -1);
    for (int t = 0; t < num_fronts; ++t) {
        if (t % 4096 == 0) check_interrupt();
        PfaffianFront& front = plan.fronts[idx(t)];
        front.own = std::move(own[idx(t)]);
        front.num_children = static_cast<int>(children[idx(t)].size());
        auto add = [&](int w) {
            if (front_of[idx(w)] > t && stamp[idx(w)] != t) {
                stamp[idx(w)] = t;
                front.boundary.push_back(w);
            }
        };
        for (int v : front.own)
            for (std::size_t k = graph.offset[idx(v)]; k < graph.offset[idx(v) + 1]; ++k)
                add(graph.neighbour[k]);
        for (int c : children[idx(t)])
            for (int w : plan.fronts[idx(c)].boundary) add(w);
        std::sort(front.boundary.begin(), front.boundary.end(), [&](int x, int y) {
            return std::pair(front_of[idx(x)], x) < std::pair(front_of[idx(y)], y);
        });
    }
    check_interrupt();
    for (std::size_t k = 0; k < pattern.row.size(); ++k) {
        const int t = std::min(front_of[idx(pattern.row[k])], front_of[idx(pattern.col[k])]);
        plan.fronts[idx(t)].entries.push_back(static_cast<int>(k));
    }
    // Work and memory, as the numeric phase will spend them when no pivot is delayed.
    constexpr double kJetBytes = 4.0 * sizeof(double);  // a jet and the sum of its terms' sizes
    std::vector<double> stack;
    double stacked = 0.0;
    for (const PfaffianFront& front : plan.fronts) {
        const double m = static_cast<double>(front.own.size() + front.boundary.size());
        const double k = static_cast<double>(front.own.size());
        for (double e = 2.0; e <= k; e += 2.0) plan.flops += (m - e) * (m - e);
        const double front_bytes = m * m * kJetBytes;
        plan.peak_bytes = std::max(plan.peak_bytes, stacked + front_bytes);
        for (int c = 0; c < front.num_children; ++c) {
            stacked -= stack.back();
            stack.pop_back();
        }
        const double b = static_cast<double>(front.boundary.size());
        stack.push_back(0.5 * b * (b - 1.0) * kJetBytes);
        stacked += stack.back();
    }
    return plan;
}

namespace {

template <class Real>
PfaffianValue pfaffian_in(const PfaffianPlan& plan, const SkewPattern& pattern,
                          std::span<const Jet> values, double threshold, double linear_rate) {
    PfaffianValue result;
    result.sign = 1;
    result.unit_roundoff = static_cast<long double>(std::numeric_limits<Real>::epsilon()) / 2;
    if (plan.n % 2 != 0) {
        result.sign = 0;
        return result;
    }
    std::vector<int> position(idx(plan.n), -1);  // variable -> place in the current front
    std::vector<int> order;                      // variables in elimination order
    order.reserve(idx(plan.n));
    std::vector<Contribution<Real>> stack;
    Front<Real> front;
    std::vector<int> index;
    std::vector<std::ptrdiff_t> mate_at;  // place of each front variable's mate, or -1
    std::vector<char> stale;              // whether a failed pivot test may now pass
    for (const PfaffianFront& node : plan.fronts) {
        // Front variables: delayed ones of the children, own, then the boundary.
        const std::size_t first_child = stack.size() - idx(node.num_children);
        index.clear();
        for (std::size_t c = first_child; c < stack.size(); ++c)
            index.insert(index.end(), stack[c].index.begin(),
                         stack[c].index.begin() + stack[c].delayed);
        index.insert(index.end(), node.own.begin(), node.own.end());
        const std::size_t fully = index.size();
        index.insert(index.end(), node.boundary.begin(), node.boundary.end());
        for (std::size_t k = 0; k < index.size(); ++k)
            position[idx(index[k])] = static_cast<int>(k);

        front.reset(index.size(), fully);
        for (int e : node.entries) {
            const Jet& g = values[idx(e)];
            front.add(idx(position[idx(pattern.row[idx(e)])]),
                      idx(position[idx(pattern.col[idx(e)])]), static_cast<Real>(g.v),
                      static_cast<Real>(g.d), static_cast<Real>(g.dd),
                      std::abs(static_cast<Real>(g.v)));
        }
        for (std::size_t c = first_child; c < stack.size(); ++c) {
            const Contribution<Real>& cb = stack[c];
            for (std::size_t x = 1; x < cb.index.size(); ++x) {
                const int px = position[idx(cb.index[x])];
                if (px < 0) throw Error("internal: contribution outside its parent front");
                for (std::size_t y = 0; y < x; ++y) {
                    const std::size_t o = x * (x - 1) / 2 + y;
                    front.add(idx(px), idx(position[idx(cb.index[y])]), cb.v[o], cb.d[o], cb.dd[o],
                              cb.s[o]);
                }
            }
        }
        stack.resize(first_child);

        mate_at.assign(index.size(), -1);
        if (!plan.mate.empty()) {
            for (std::size_t k = 0; k < fully; ++k) {
                const int y = plan.mate[idx(index[k])];
                if (y >= 0 && position[idx(y)] >= 0) mate_at[k] = position[idx(y)];
            }
        }
        // Exchanges places a and b, keeping mate_at pointing at the right places.
        auto swap_places = [&](std::size_t a, std::size_t b) {
            const std::ptrdiff_t ma = mate_at[a], mb = mate_at[b];
            if (ma >= 0) mate_at[idx(ma)] = static_cast<std::ptrdiff_t>(b);
            if (mb >= 0) mate_at[idx(mb)] = static_cast<std::ptrdiff_t>(a);
            std::swap(mate_at[a], mate_at[b]);
            std::swap(index[a], index[b]);
            std::swap(stale[a], stale[b]);
        };
        stale.assign(index.size(), 1);
        std::size_t done = 0;
        while (fully - done >= 2) {
            // Per pivot: the root front of a large glass takes seconds. run_pfaffians passes
            // it on from its thread.
            check_interrupt();
            auto [i, j] = choose_pivot(front, done, fully, threshold, mate_at, stale);
            if (i < 0) break;
            if (idx(i) != done) {
                front.swap(done, done, idx(i));
                swap_places(done, idx(i));
                if (idx(j) == done) j = i;
            }
            if (idx(j) != done + 1) {
                front.swap(done, done + 1, idx(j));
                swap_places(done + 1, idx(j));
            }
            // The pair leaves: whoever had one of them as mate has none now.
            for (std::size_t k : {done, done + 1})
                if (mate_at[k] >= 0 && idx(mate_at[k]) != done && idx(mate_at[k]) != done + 1)
                    mate_at[idx(mate_at[k])] = -1;
            const auto rest = static_cast<double>(index.size() - done - 2);
            result.updates += 0.5 * rest * rest;
            // How many times its own size the terms summed into the pivot were: its relative
            // rounding error in units of the unit roundoff, up to a small factor.
            const auto pivot_error = static_cast<long double>(
                std::min(front.size_of(done + 1, done) / front.magnitude(done + 1, done),
                         static_cast<Real>(kPivotErrorCap)));
            const BasicJet<Real> p = front.eliminate(done);
            // A column changes where the pair had an entry: test those variables again.
            for (std::size_t x = done + 2; x < fully; ++x)
                if (!stale[x] && front.touched(x, done)) stale[x] = 1;
            order.push_back(index[done]);
            order.push_back(index[done + 1]);
            const WideJet pivot{p.v, p.d, p.dd};
            if (std::abs(pivot.d) > linear_rate * std::abs(pivot.v)) {
                result.linear = result.linear * pivot;
                int e = 0;
                const long double top =
                    std::max({std::abs(result.linear.v), std::abs(result.linear.d),
                              std::abs(result.linear.dd)});
                if (top > 0) std::frexp(top, &e);
                result.linear = std::ldexp(1.0L, -e) * result.linear;
                result.linear_exponent += e;
                result.linear_error += pivot_error;
            } else {
                const long double s = pivot.v < 0 ? -1 : 1;
                if (s < 0) result.sign = -result.sign;
                const WideJet l = log(s * pivot);
                result.log_abs = result.log_abs + l;
                // Scales of the rounding errors of this pivot's log-jet (see PfaffianValue).
                const long double q = pivot.dd / pivot.v;
                result.error_scale =
                    result.error_scale +
                    pivot_error * WideJet{1, 2 * std::abs(l.d), std::abs(q) + 2 * l.d * l.d};
            }
            done += 2;
        }
        const std::size_t left = fully - done;
        result.largest_front = std::max(result.largest_front, static_cast<long long>(index.size()));
        result.delayed += static_cast<long long>(left);
        for (int v : index) position[idx(v)] = -1;
        Contribution<Real> cb;  // pushed even when empty: the parent counts its children
        cb.index.assign(index.begin() + static_cast<std::ptrdiff_t>(done), index.end());
        cb.delayed = static_cast<int>(left);
        front.flush();
        if (index.size() > done) front.extract(done, cb);
        stack.push_back(std::move(cb));
    }
    // What is left on the stack are roots that could not eliminate everything: singular.
    for (const Contribution<Real>& cb : stack) {
        if (!cb.index.empty()) {
            result.sign = 0;
            return result;
        }
    }
    if (order.size() != idx(plan.n)) throw Error("internal: Pfaffian elimination incomplete");
    result.sign *= permutation_sign(order);
    return result;
}

}  // namespace

PfaffianValue pfaffian(const PfaffianPlan& plan, const SkewPattern& pattern,
                       std::span<const Jet> values, double threshold, double linear_rate,
                       Arithmetic arithmetic) {
    return arithmetic == Arithmetic::extended
               ? pfaffian_in<long double>(plan, pattern, values, threshold, linear_rate)
               : pfaffian_in<double>(plan, pattern, values, threshold, linear_rate);
}

}  // namespace isingmf::detail
