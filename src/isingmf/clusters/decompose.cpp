#include "isingmf/clusters/decompose.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "isingmf/clusters/detail/union_find.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

// Cells of a lattice (x fastest) and the sites in them, as in model/lattice_spec.hpp.
struct Geometry {
    int dims = 2;                      // axes of the cell grid
    std::array<int, 3> L = {1, 1, 1};  // extents, 1 beyond dims
    bool periodic = false;
    int per_cell = 1;  // 2 on the honeycomb lattice
    int site(const std::array<int, 3>& c, int s) const {
        return per_cell * (c[0] + L[0] * (c[1] + L[1] * c[2])) + s;
    }
};

Geometry geometry_of(const LatticeSpec& spec) {
    Geometry g;
    g.periodic = spec.boundary == Boundary::periodic;
    g.dims = static_cast<int>(spec.size.size());
    for (int a = 0; a < g.dims; ++a)
        g.L[static_cast<std::size_t>(a)] = spec.size[static_cast<std::size_t>(a)];
    if (spec.kind == LatticeKind::honeycomb) g.per_cell = 2;
    return g;
}

// The model's edges by their lower end: edge index of (i, j) by binary search.
class EdgeMap {
public:
    explicit EdgeMap(const Model& model)
        : offset_(static_cast<std::size_t>(model.num_sites()) + 1, 0) {
        const auto& edges = model.edges();
        for (const Edge& e : edges) ++offset_[static_cast<std::size_t>(e.i) + 1];
        std::partial_sum(offset_.begin(), offset_.end(), offset_.begin());
        upper_.resize(edges.size());
        index_.resize(edges.size());
        std::vector<std::size_t> fill(offset_.begin(), offset_.end() - 1);
        for (std::size_t k = 0; k < edges.size(); ++k) {
            const std::size_t at = fill[static_cast<std::size_t>(edges[k].i)]++;
            upper_[at] = edges[k].j;
            index_[at] = static_cast<int>(k);
        }
        for (std::size_t i = 0; i + 1 < offset_.size(); ++i) {
            std::vector<std::pair<int, int>> row;
            for (std::size_t k = offset_[i]; k < offset_[i + 1]; ++k)
                row.emplace_back(upper_[k], index_[k]);
            std::sort(row.begin(), row.end());
            for (std::size_t k = 0; k < row.size(); ++k) {
                upper_[offset_[i] + k] = row[k].first;
                index_[offset_[i] + k] = row[k].second;
            }
        }
    }
    // Index of the edge between a and b, or -1.
    int find(int a, int b) const {
        const int i = std::min(a, b), j = std::max(a, b);
        const auto begin =
            upper_.begin() + static_cast<std::ptrdiff_t>(offset_[static_cast<std::size_t>(i)]);
        const auto end =
            upper_.begin() + static_cast<std::ptrdiff_t>(offset_[static_cast<std::size_t>(i) + 1]);
        const auto it = std::lower_bound(begin, end, j);
        return it != end && *it == j ? index_[static_cast<std::size_t>(it - upper_.begin())] : -1;
    }
    // Appends the edges with both ends marked `tag` in `owner`, for the sites given.
    void induced(const std::vector<int>& sites, const std::vector<int>& owner, int tag,
                 std::vector<int>& out) const {
        for (int i : sites) {
            for (std::size_t k = offset_[static_cast<std::size_t>(i)];
                 k < offset_[static_cast<std::size_t>(i) + 1]; ++k) {
                if (owner[static_cast<std::size_t>(upper_[k])] == tag) out.push_back(index_[k]);
            }
        }
        std::sort(out.begin(), out.end());
    }

private:
    std::vector<std::size_t> offset_;
    std::vector<int> upper_, index_;
};

// Periodic lengths below this stay rings: on short rings the bonds at the cut columns are a
// large fraction and the bound loses more than the cheaper tables gain (measured on 4x4 to
// 10x10 tori, docs/benchmarks.md).
constexpr int kMinCutLength = 12;

// Rows 0..L-1 of one axis cut into bands of at most w rows, the first cut at `offset`.
using Bands = std::vector<std::vector<int>>;

Bands make_bands(int L, int w, int offset, bool periodic) {
    Bands bands;
    if (w >= L) {
        bands.emplace_back(static_cast<std::size_t>(L));
        std::iota(bands.back().begin(), bands.back().end(), 0);
        return bands;
    }
    if (periodic) {
        for (int start = offset; start < offset + L; start += w) {
            bands.emplace_back();
            for (int r = start; r < std::min(start + w, offset + L); ++r)
                bands.back().push_back(r % L);
        }
        return bands;
    }
    std::vector<int> cuts = {0};
    for (int c = offset; c < L; c += w)
        if (c > 0) cuts.push_back(c);
    cuts.push_back(L);
    for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        bands.emplace_back();
        for (int r = cuts[k]; r < cuts[k + 1]; ++r) bands.back().push_back(r);
    }
    return bands;
}

// Positions b where rows b-1 and b (mod L when periodic) lie in different bands.
std::vector<int> band_boundaries(const Bands& bands, int L, bool periodic) {
    std::vector<int> band_of(static_cast<std::size_t>(L));
    for (std::size_t k = 0; k < bands.size(); ++k)
        for (int r : bands[k]) band_of[static_cast<std::size_t>(r)] = static_cast<int>(k);
    std::vector<int> cuts;
    for (int b = periodic ? 0 : 1; b < L; ++b) {
        const int prev = (b - 1 + L) % L;
        if (band_of[static_cast<std::size_t>(prev)] != band_of[static_cast<std::size_t>(b)])
            cuts.push_back(b);
    }
    return cuts;
}

// Offsets of band families of width w >= 2 such that every boundary of one is inside a band
// of another: greedy, each new offset leaving the fewest boundaries uncovered, ties going to
// the offset nearest the middle of the previous bands.
std::vector<int> covering_offsets(int L, int w, bool periodic) {
    std::vector<int> offsets = {0};
    if (w >= L) return offsets;
    std::vector<int> open = band_boundaries(make_bands(L, w, 0, periodic), L, periodic);
    const int candidates = periodic ? L : w;
    while (!open.empty()) {
        int best = -1;
        std::vector<int> best_left;
        for (int o = 1; o < candidates; ++o) {
            const auto cuts = band_boundaries(make_bands(L, w, o, periodic), L, periodic);
            std::vector<int> left;
            std::set_intersection(open.begin(), open.end(), cuts.begin(), cuts.end(),
                                  std::back_inserter(left));
            const auto better = [&] {
                if (best < 0) return true;
                if (left.size() != best_left.size()) return left.size() < best_left.size();
                return std::abs(2 * o - w) < std::abs(2 * best - w);
            };
            if (better()) {
                best = o;
                best_left = std::move(left);
            }
        }
        if (best < 0 || best_left.size() == open.size())
            throw ModelError(fmt::format("no strip offsets of width {} cover {} rows", w, L));
        offsets.push_back(best);
        open = std::move(best_left);
    }
    return offsets;
}

class StripBuilder {
public:
    StripBuilder(const Model& model, const LatticeSpec& spec)
        : model_(model),
          spec_(spec),
          g_(geometry_of(spec)),
          edges_(model),
          owner_(static_cast<std::size_t>(model.num_sites()), -1) {
        if (lattice_num_sites(spec) != model.num_sites())
            throw ModelError(fmt::format("lattice {} {} has {} sites, the model {}",
                                         to_string(spec.kind), fmt::join(spec.size, "x"),
                                         lattice_num_sites(spec), model.num_sites()));
    }

    // A family of strips along axis `along`, cut into the given bands on each cross axis.
    // With `cut` >= 0 (periodic lengths of at least 3), each strip starts at column `cut` and
    // leaves out the bonds between columns cut - 1 and cut: an open strip instead of a ring.
    PieceFamily strips(int along, const std::vector<Bands>& bands, std::string label,
                       int cut = -1) {
        PieceFamily family;
        family.label = std::move(label);
        const std::vector<int> cross = cross_axes(along);
        const std::vector<int> none = {0};
        const Bands& b1 = !cross.empty() ? bands[0] : Bands{none};
        const Bands& b2 = cross.size() > 1 ? bands[1] : Bands{none};
        for (const auto& band2 : b2) {
            for (const auto& band1 : b1) {
                Piece piece;
                const int length = g_.L[static_cast<std::size_t>(along)];
                for (int step = 0; step < length; ++step) {
                    const int l = cut >= 0 ? (cut + step) % length : step;
                    for (int r2 : band2) {
                        for (int r1 : band1) {
                            std::array<int, 3> c = {0, 0, 0};
                            c[static_cast<std::size_t>(along)] = l;
                            if (!cross.empty()) c[static_cast<std::size_t>(cross[0])] = r1;
                            if (cross.size() > 1) c[static_cast<std::size_t>(cross[1])] = r2;
                            for (int s = 0; s < g_.per_cell; ++s)
                                piece.sites.push_back(g_.site(c, s));
                        }
                    }
                }
                add_induced(family, std::move(piece));
                if (cut >= 0) drop_cut_bonds(family.pieces.back(), along, cut);
            }
        }
        return family;
    }

    // Lines along the diagonal (1, 1) of the triangular lattice, holding only those bonds.
    PieceFamily diagonals() {
        PieceFamily family;
        family.label = "diagonal lines";
        const int lx = g_.L[0], ly = g_.L[1];
        std::vector<char> used(static_cast<std::size_t>(model_.num_sites()), 0);
        for (int start = 0; start < model_.num_sites(); ++start) {
            if (used[static_cast<std::size_t>(start)]) continue;
            int x = start % lx, y = start / lx;
            if (!g_.periodic) {  // begin where the line enters the lattice
                const int back = std::min(x, y);
                x -= back;
                y -= back;
                if (used[static_cast<std::size_t>(x + lx * y)]) continue;
            }
            Piece piece;
            while (true) {
                const int s = x + lx * y;
                if (used[static_cast<std::size_t>(s)]) break;
                used[static_cast<std::size_t>(s)] = 1;
                piece.sites.push_back(s);
                if (!g_.periodic && (x + 1 >= lx || y + 1 >= ly)) break;
                x = (x + 1) % lx;
                y = (y + 1) % ly;
            }
            const std::size_t n = piece.sites.size();
            for (std::size_t k = 0; k + 1 < n + (g_.periodic && n > 2 ? 1 : 0); ++k)
                piece.edges.push_back(bond(piece.sites[k], piece.sites[(k + 1) % n]));
            std::sort(piece.edges.begin(), piece.edges.end());
            piece.edges.erase(std::unique(piece.edges.begin(), piece.edges.end()),
                              piece.edges.end());
            family.pieces.push_back(std::move(piece));
        }
        return family;
    }

    std::vector<int> cross_axes(int along) const {
        std::vector<int> cross;
        for (int a = 0; a < g_.dims; ++a)
            if (a != along) cross.push_back(a);
        return cross;
    }
    const Geometry& geometry() const { return g_; }

private:
    int bond(int a, int b) const {
        const int e = edges_.find(a, b);
        if (e < 0)
            throw ModelError(fmt::format("model lacks the bond ({}, {}) of its {} lattice", a, b,
                                         to_string(spec_.kind)));
        return e;
    }

    // Column of a site along axis `along`.
    int column(int site, int along) const {
        int cell = site / g_.per_cell;
        for (int a = 0; a < along; ++a) cell /= g_.L[static_cast<std::size_t>(a)];
        return cell % g_.L[static_cast<std::size_t>(along)];
    }

    void drop_cut_bonds(Piece& piece, int along, int cut) const {
        const int length = g_.L[static_cast<std::size_t>(along)];
        const int before = (cut - 1 + length) % length;
        std::erase_if(piece.edges, [&](int e) {
            const Edge& edge = model_.edges()[static_cast<std::size_t>(e)];
            const int a = column(edge.i, along), b = column(edge.j, along);
            return (a == before && b == cut) || (a == cut && b == before);
        });
    }

    void add_induced(PieceFamily& family, Piece piece) {
        const int tag = ++tag_;
        for (int s : piece.sites) owner_[static_cast<std::size_t>(s)] = tag;
        edges_.induced(piece.sites, owner_, tag, piece.edges);
        family.pieces.push_back(std::move(piece));
    }

    const Model& model_;
    const LatticeSpec& spec_;
    Geometry g_;
    EdgeMap edges_;
    std::vector<int> owner_;
    int tag_ = 0;
};

const char* axis_name(int a) { return a == 0 ? "x" : a == 1 ? "y" : "z"; }

void set_equal_weights(Decomposition& d) {
    for (auto& family : d.families) family.weight = 1.0 / static_cast<double>(d.families.size());
}

// Walecki's zigzag Hamiltonian paths of K_{N'}, N' = N rounded up to even; site N (odd N) is
// dropped, which cuts its path in two.
Decomposition complete_graph_paths(const Model& model, const EdgeMap& edges) {
    const int n = model.num_sites();
    const int n_even = n + (n % 2);
    Decomposition d;
    d.kind = DecompositionKind::trees;
    d.width = 1;
    for (int k = 0; k < n_even / 2; ++k) {
        std::vector<int> path;
        for (int t = 0; t < n_even; ++t) {
            const int step = (t % 2 == 1) ? (t + 1) / 2 : -(t / 2);
            path.push_back(((k + step) % n_even + n_even) % n_even);
        }
        PieceFamily family;
        family.label = fmt::format("zigzag path {}", k);
        Piece piece;
        for (std::size_t t = 0; t < path.size(); ++t) {
            if (path[t] >= n) continue;
            piece.sites.push_back(path[t]);
            if (t + 1 < path.size() && path[t + 1] < n)
                piece.edges.push_back(edges.find(path[t], path[t + 1]));
        }
        family.pieces.push_back(std::move(piece));
        d.families.push_back(std::move(family));
    }
    set_equal_weights(d);
    d.description = fmt::format("{} zigzag Hamiltonian paths of the complete graph on {} sites",
                                d.families.size(), n);
    return d;
}

bool is_complete(const Model& model) {
    const auto n = static_cast<std::size_t>(model.num_sites());
    return n >= 3 && model.num_edges() == n * (n - 1) / 2;  // edges are distinct pairs
}

std::vector<Edge> sorted_edges(std::vector<Edge> edges) {
    std::sort(edges.begin(), edges.end(),
              [](const Edge& a, const Edge& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
    edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
    return edges;
}

std::vector<Edge> square_bonds(int lx, int ly, bool periodic) {
    std::vector<Edge> bonds;
    auto add = [&](int a, int b) {
        if (a != b) bonds.push_back({std::min(a, b), std::max(a, b)});
    };
    for (int y = 0; y < ly; ++y) {
        for (int x = 0; x < lx; ++x) {
            if (x + 1 < lx || periodic) add(x + lx * y, (x + 1) % lx + lx * y);
            if (y + 1 < ly || periodic) add(x + lx * y, x + lx * ((y + 1) % ly));
        }
    }
    return sorted_edges(std::move(bonds));
}

}  // namespace

std::optional<LatticeSpec> recognise_lattice(const Model& model) {
    if (model.lattice()) return model.lattice();
    const int n = model.num_sites();
    if (is_complete(model)) return LatticeSpec{LatticeKind::complete, {n}, Boundary::open};
    const std::vector<Edge> edges = sorted_edges(model.edges());
    for (const Boundary boundary : {Boundary::open, Boundary::periodic}) {
        const bool periodic = boundary == Boundary::periodic;
        if (n >= 3 || !periodic) {
            std::vector<Edge> chain;
            for (int i = 0; i + 1 < n; ++i) chain.push_back({i, i + 1});
            if (periodic) chain.push_back({0, n - 1});
            if (sorted_edges(chain) == edges) return LatticeSpec{LatticeKind::chain, {n}, boundary};
        }
        for (int lx = 2; lx <= n / 2; ++lx) {
            if (n % lx != 0) continue;
            const int ly = n / lx;
            const std::size_t expected =
                periodic ? static_cast<std::size_t>(2 * n)
                         : static_cast<std::size_t>((lx - 1) * ly + lx * (ly - 1));
            if (edges.size() > expected) continue;
            if (square_bonds(lx, ly, periodic) == edges)
                return LatticeSpec{LatticeKind::square, {lx, ly}, boundary};
        }
    }
    return std::nullopt;
}

int strip_frontier(const LatticeSpec& lattice, int width, bool rings) {
    if (lattice.kind == LatticeKind::complete) return -1;
    const Geometry g = geometry_of(lattice);
    if (g.dims == 1) return g.periodic ? 2 : 1;
    // The cheapest orientation: cross-sections of min(width, extent) rows per cross axis.
    int best = -1;
    for (int along = 0; along < g.dims; ++along) {
        int cross = 1;
        for (int a = 0; a < g.dims; ++a)
            if (a != along) cross *= std::min(width, g.L[static_cast<std::size_t>(a)]);
        // Rings (w = 1, or lengths below 3) hold two cross-sections; wider strips are cut.
        if (g.periodic &&
            (rings || width == 1 || g.L[static_cast<std::size_t>(along)] < kMinCutLength))
            cross *= 2;
        if (best < 0 || cross < best) best = cross;
    }
    return best;
}

PieceFamily strip_partition(const Model& model, const LatticeSpec& lattice, int width) {
    if (width < 1) throw ModelError(fmt::format("strip width must be at least 1, got {}", width));
    if (lattice.kind == LatticeKind::complete)
        throw ModelError("strips do not apply to a complete graph");
    StripBuilder builder(model, lattice);
    const Geometry& g = builder.geometry();
    std::vector<Bands> bands;
    for (int a : builder.cross_axes(0))
        bands.push_back(make_bands(g.L[static_cast<std::size_t>(a)], width, 0, g.periodic));
    PieceFamily family = builder.strips(0, bands, fmt::format("strips of {} rows along x", width));
    check_partition(model, family);
    return family;
}

Decomposition whole_decomposition(const Model& model) {
    Decomposition d;
    d.kind = DecompositionKind::whole;
    d.width = 0;
    std::vector<int> sites(static_cast<std::size_t>(model.num_sites()));
    std::iota(sites.begin(), sites.end(), 0);
    PieceFamily family;
    family.label = "whole model";
    family.pieces.push_back(Piece{std::move(sites), {}});
    family.pieces.back().edges.resize(model.num_edges());
    std::iota(family.pieces.back().edges.begin(), family.pieces.back().edges.end(), 0);
    d.families.push_back(std::move(family));
    d.description = "one piece holding the whole model";
    return d;
}

Decomposition strip_decomposition(const Model& model, const LatticeSpec& lattice,
                                  const StripOptions& options) {
    const int width = options.width;
    const bool rotations = options.rotations;
    if (width < 1) throw ModelError(fmt::format("strip width must be at least 1, got {}", width));
    if (lattice.kind == LatticeKind::complete)
        throw ModelError("strips do not apply to a complete graph; use spanning trees");
    StripBuilder builder(model, lattice);
    const Geometry& g = builder.geometry();
    const std::string name = fmt::format("{} {} {}", to_string(lattice.boundary),
                                         to_string(lattice.kind), fmt::join(lattice.size, "x"));
    Decomposition d;
    d.width = width;
    d.kind = DecompositionKind::strips;

    // One strip holds everything once the width reaches every cross extent of an axis; take
    // the axis with the smallest cross-section.
    int whole_axis = -1;
    long best_cross = 0;
    for (int along = 0; along < g.dims; ++along) {
        long cross = 1;
        bool fits = true;
        for (int a : builder.cross_axes(along)) {
            cross *= g.L[static_cast<std::size_t>(a)];
            fits = fits && width >= g.L[static_cast<std::size_t>(a)];
        }
        if (fits && (whole_axis < 0 || cross < best_cross)) {
            whole_axis = along;
            best_cross = cross;
        }
    }
    if (whole_axis >= 0) {
        std::vector<Bands> bands;
        for (int a : builder.cross_axes(whole_axis))
            bands.push_back(make_bands(g.L[static_cast<std::size_t>(a)], width, 0, g.periodic));
        d.kind = DecompositionKind::whole;
        d.families.push_back(builder.strips(whole_axis, bands, "whole lattice"));
        d.families.back().weight = 1.0;
        d.description = fmt::format("{}: one strip along {} holding the whole lattice", name,
                                    axis_name(whole_axis));
        check_decomposition(model, d);
        return d;
    }

    if (width == 1) {
        for (int along = 0; along < g.dims; ++along) {
            std::vector<Bands> bands;
            for (int a : builder.cross_axes(along))
                bands.push_back(make_bands(g.L[static_cast<std::size_t>(a)], 1, 0, g.periodic));
            d.families.push_back(
                builder.strips(along, bands, fmt::format("chains along {}", axis_name(along))));
        }
        if (lattice.kind == LatticeKind::triangular) d.families.push_back(builder.diagonals());
        set_equal_weights(d);
        d.description = fmt::format("{}: {} families of chains{}", name, d.families.size(),
                                    g.periodic ? " (rings)" : "");
        check_decomposition(model, d);
        return d;
    }

    const int axes = rotations ? g.dims : 1;
    // On a periodic length of at least kMinCutLength, the families along an axis are open strips
    // cut at staggered columns (tables of one cross-section instead of two, 2^w instead of 4^w);
    // each bond is left out by at most one of them. Where that leaves a bond in no piece
    // (bonds across rows at a cut, without rotations), the strips are rings instead.
    auto build = [&](bool allow_cuts) {
        d.families.clear();
        bool any_cut = false, any_ring = false;
        for (int along = 0; along < axes; ++along) {
            const std::vector<int> cross = builder.cross_axes(along);
            std::vector<std::vector<int>> offsets;
            std::size_t count = 1;
            for (int a : cross) {
                offsets.push_back(
                    covering_offsets(g.L[static_cast<std::size_t>(a)], width, g.periodic));
                count = std::max(count, offsets.back().size());
            }
            const long length = g.L[static_cast<std::size_t>(along)];
            const bool cut = allow_cuts && g.periodic && length >= kMinCutLength && count >= 2;
            any_cut = any_cut || cut;
            any_ring = any_ring || (g.periodic && !cut);
            for (std::size_t k = 0; k < count; ++k) {
                std::vector<Bands> bands;
                std::vector<int> used;
                for (std::size_t c = 0; c < cross.size(); ++c) {
                    const int o = offsets[c][k % offsets[c].size()];
                    used.push_back(o);
                    bands.push_back(
                        make_bands(g.L[static_cast<std::size_t>(cross[c])], width, o, g.periodic));
                }
                const int at =
                    cut ? static_cast<int>(static_cast<long>(k) * length / static_cast<long>(count))
                        : -1;
                d.families.push_back(builder.strips(
                    along, bands,
                    fmt::format("strips along {}, offset {}{}", axis_name(along),
                                fmt::join(used, ","),
                                cut ? fmt::format(", cut at {}", at) : std::string()),
                    at));
            }
        }
        set_equal_weights(d);
        d.description =
            fmt::format("{}: {} families of {}-row strips{}", name, d.families.size(), width,
                        any_cut && any_ring ? " (cut at staggered columns, and rings)"
                        : any_cut           ? " (cut at staggered columns)"
                        : any_ring          ? " (rings)"
                                            : "");
        check_decomposition(model, d);
    };
    if (options.rings || !g.periodic) {
        build(false);
        return d;
    }
    try {
        build(true);
    } catch (const ModelError&) {
        build(false);
    }
    return d;
}

Decomposition tree_decomposition(const Model& model, int min_trees) {
    const EdgeMap map(model);
    if (is_complete(model)) {
        Decomposition d = complete_graph_paths(model, map);
        check_decomposition(model, d);
        return d;
    }
    const int n = model.num_sites();
    const auto m = model.num_edges();
    Decomposition d;
    d.kind = DecompositionKind::trees;
    d.width = 1;
    std::vector<int> usage(m, 0);
    std::vector<std::uint64_t> key(m);
    std::vector<std::size_t> order(m);
    std::size_t covered = 0;
    for (int round = 0; covered < m || static_cast<int>(d.families.size()) < min_trees; ++round) {
        std::uint64_t state = 0x5eedULL + static_cast<std::uint64_t>(round);
        for (auto& k : key) k = splitmix64(state);
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return usage[a] != usage[b] ? usage[a] < usage[b] : key[a] < key[b];
        });
        detail::UnionFind sets(static_cast<std::size_t>(n));
        Piece piece;
        piece.sites.resize(static_cast<std::size_t>(n));
        std::iota(piece.sites.begin(), piece.sites.end(), 0);
        for (std::size_t e : order) {
            const Edge& edge = model.edges()[e];
            if (!sets.unite(edge.i, edge.j)) continue;
            if (usage[e]++ == 0) ++covered;
            piece.edges.push_back(static_cast<int>(e));
        }
        std::sort(piece.edges.begin(), piece.edges.end());
        PieceFamily family;
        family.label = fmt::format("spanning forest {}", round);
        family.pieces.push_back(std::move(piece));
        d.families.push_back(std::move(family));
        if (d.families.size() == 1 && covered == m) break;  // the model is a forest
    }
    set_equal_weights(d);
    d.description = fmt::format("{} spanning forests", d.families.size());
    check_decomposition(model, d);
    return d;
}

}  // namespace isingmf
