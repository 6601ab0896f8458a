#include "isingmf/exact/detail/embedding.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/boyer_myrvold_planar_test.hpp>
#include <cmath>
#include <numbers>
#include <numeric>
#include <utility>

#include "isingmf/util/error.hpp"

namespace isingmf::detail {
namespace {

std::size_t idx(int i) { return static_cast<std::size_t>(i); }

int find_root(std::vector<int>& parent, int v) {
    while (parent[idx(v)] != v) {
        parent[idx(v)] = parent[idx(parent[idx(v)])];
        v = parent[idx(v)];
    }
    return v;
}

// Minimal image of a coordinate difference on a periodic length >= 3: -1, 0, 1 or other;
// unchanged on an open length.
int wrap(int d, int length, bool periodic) {
    if (!periodic) return d;
    d %= length;
    if (d < 0) d += length;
    return 2 * d > length ? d - length : d;
}

struct Vec {
    double x;
    double y;
};

// The bond from site a to site b as a vector of the drawing, or nothing when (a, b) is not a
// bond of the lattice. Triangular: a1 = (1, 0), a2 = (-1/2, sqrt3/2), bonds along a1, a2 and
// a1 + a2. Honeycomb: a1 = (1, 0), a2 = (1/2, sqrt3/2), B sits at A + (a1 + a2)/3, so that
// A(x,y) - B(x,y), A(x,y) - B(x-1,y) and A(x,y) - B(x,y-1) are the three shortest bonds.
std::optional<Vec> bond_vector(const LatticeSpec& spec, int a, int b) {
    const int lx = spec.size[0];
    const int ly = spec.size[1];
    const bool p = spec.boundary == Boundary::periodic;
    const double h = std::numbers::sqrt3 / 2.0;
    if (spec.kind == LatticeKind::honeycomb) {
        const int sa = a % 2, sb = b % 2;
        if (sa == sb) return std::nullopt;
        const int ca = a / 2, cb = b / 2;
        const int dx = wrap(cb % lx - ca % lx, lx, p), dy = wrap(cb / lx - ca / lx, ly, p);
        // From A to B: cell shift (dx, dy) in {(0,0), (-1,0), (0,-1)}.
        const int sign = sa == 0 ? 1 : -1;
        const int ax = sign * dx, ay = sign * dy;
        if (!((ax == 0 && ay == 0) || (ax == -1 && ay == 0) || (ax == 0 && ay == -1)))
            return std::nullopt;
        const Vec v{ax + 0.5 * ay + 0.5, ay * h + h / 3.0};
        return Vec{sign * v.x, sign * v.y};
    }
    const int dx = wrap(b % lx - a % lx, lx, p), dy = wrap(b / lx - a / lx, ly, p);
    if (spec.kind == LatticeKind::square) {
        if (std::abs(dx) + std::abs(dy) != 1) return std::nullopt;
        return Vec{static_cast<double>(dx), static_cast<double>(dy)};
    }
    // Triangular: (1,0), (0,1), (1,1) and their opposites.
    if (std::abs(dx) > 1 || std::abs(dy) > 1 || (dx == 0 && dy == 0) || dx * dy < 0)
        return std::nullopt;
    return Vec{dx - 0.5 * dy, dy * h};
}

}  // namespace

EmbeddedGraph make_embedded_graph(int num_vertices, std::vector<Edge> edges,
                                  const std::vector<std::vector<int>>& darts_around) {
    EmbeddedGraph g;
    g.num_vertices = num_vertices;
    g.edges = std::move(edges);
    g.offset.assign(idx(num_vertices) + 1, 0);
    std::vector<char> seen(2 * g.edges.size(), 0);
    for (int v = 0; v < num_vertices; ++v) {
        for (int dart : darts_around[idx(v)]) {
            if (dart < 0 || idx(dart) >= seen.size() || seen[idx(dart)] || g.tail(dart) != v)
                throw Error(fmt::format("internal: bad rotation at vertex {}", v));
            seen[idx(dart)] = 1;
            g.rotation.push_back(dart);
        }
        g.offset[idx(v) + 1] = g.rotation.size();
    }
    if (g.rotation.size() != seen.size()) throw Error("internal: rotation misses darts");
    return g;
}

FaceSet trace_faces(const EmbeddedGraph& graph) {
    const std::size_t num_darts = graph.rotation.size();
    std::vector<std::size_t> pos(num_darts);
    for (int v = 0; v < graph.num_vertices; ++v)
        for (std::size_t k = graph.offset[idx(v)]; k < graph.offset[idx(v) + 1]; ++k)
            pos[idx(graph.rotation[k])] = k - graph.offset[idx(v)];
    FaceSet faces;
    faces.face_of.assign(num_darts, -1);
    faces.offset.push_back(0);
    for (std::size_t start = 0; start < num_darts; ++start) {
        if (faces.face_of[start] >= 0) continue;
        const int f = faces.size();
        int d = static_cast<int>(start);
        while (faces.face_of[idx(d)] < 0) {
            faces.face_of[idx(d)] = f;
            faces.darts.push_back(d);
            const int v = graph.head(d);
            const std::size_t first = graph.offset[idx(v)];
            const std::size_t degree = graph.offset[idx(v) + 1] - first;
            d = graph.rotation[first + (pos[idx(d ^ 1)] + degree - 1) % degree];
        }
        faces.offset.push_back(faces.darts.size());
    }
    return faces;
}

int count_components(int num_vertices, std::span<const Edge> edges) {
    std::vector<int> parent(idx(num_vertices));
    std::iota(parent.begin(), parent.end(), 0);
    int components = num_vertices;
    for (const Edge& e : edges) {
        const int a = find_root(parent, e.i), b = find_root(parent, e.j);
        if (a != b) {
            parent[idx(a)] = b;
            --components;
        }
    }
    return components;
}

long long euler_characteristic(const EmbeddedGraph& graph, const FaceSet& faces) {
    return static_cast<long long>(graph.num_vertices) - static_cast<long long>(graph.edges.size()) +
           faces.size();
}

std::optional<EmbeddedGraph> embed_planar(int num_vertices, std::span<const Edge> edges) {
    using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS,
                                             boost::property<boost::vertex_index_t, int>,
                                             boost::property<boost::edge_index_t, std::size_t>>;
    using EdgeDescriptor = boost::graph_traits<BoostGraph>::edge_descriptor;
    BoostGraph g(idx(num_vertices));
    for (std::size_t k = 0; k < edges.size(); ++k)
        boost::add_edge(idx(edges[k].i), idx(edges[k].j), k, g);
    std::vector<std::vector<EdgeDescriptor>> embedding(idx(num_vertices));
    if (!boost::boyer_myrvold_planarity_test(
            boost::boyer_myrvold_params::graph = g,
            boost::boyer_myrvold_params::embedding = embedding.data())) {
        return std::nullopt;
    }
    std::vector<std::vector<int>> around(idx(num_vertices));
    for (int v = 0; v < num_vertices; ++v) {
        for (const EdgeDescriptor& e : embedding[idx(v)]) {
            const std::size_t k = boost::get(boost::edge_index, g, e);
            around[idx(v)].push_back(static_cast<int>(2 * k + (edges[k].i == v ? 0 : 1)));
        }
    }
    return make_embedded_graph(num_vertices, {edges.begin(), edges.end()}, around);
}

std::optional<EmbeddedGraph> embed_lattice(const LatticeSpec& spec, int num_vertices,
                                           std::span<const Edge> edges) {
    if (spec.size.size() != 2 || lattice_num_sites(spec) != num_vertices) return std::nullopt;
    if (spec.kind != LatticeKind::square && spec.kind != LatticeKind::triangular &&
        spec.kind != LatticeKind::honeycomb)
        return std::nullopt;
    if (spec.boundary == Boundary::periodic && (spec.size[0] < 3 || spec.size[1] < 3))
        return std::nullopt;
    std::vector<std::vector<std::pair<double, int>>> by_angle(idx(num_vertices));
    for (std::size_t k = 0; k < edges.size(); ++k) {
        const std::optional<Vec> v = bond_vector(spec, edges[k].i, edges[k].j);
        if (!v) return std::nullopt;
        const int dart = static_cast<int>(2 * k);
        by_angle[idx(edges[k].i)].push_back({std::atan2(v->y, v->x), dart});
        by_angle[idx(edges[k].j)].push_back({std::atan2(-v->y, -v->x), dart + 1});
    }
    std::vector<std::vector<int>> around(idx(num_vertices));
    for (int v = 0; v < num_vertices; ++v) {
        auto& list = by_angle[idx(v)];
        std::sort(list.begin(), list.end());
        for (std::size_t k = 0; k < list.size(); ++k) {
            // Two bonds in one direction would be a repeated bond: not a drawing.
            if (k > 0 && list[k].first - list[k - 1].first < 1e-9) return std::nullopt;
            around[idx(v)].push_back(list[k].second);
        }
    }
    return make_embedded_graph(num_vertices, {edges.begin(), edges.end()}, around);
}

SpanningForest spanning_forest(const EmbeddedGraph& graph) {
    SpanningForest forest;
    forest.parent_dart.assign(idx(graph.num_vertices), -1);
    forest.depth.assign(idx(graph.num_vertices), -1);
    forest.in_tree.assign(graph.edges.size(), 0);
    std::vector<int> queue;
    for (int root = 0; root < graph.num_vertices; ++root) {
        if (forest.depth[idx(root)] >= 0) continue;
        forest.depth[idx(root)] = 0;
        queue.assign(1, root);
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const int v = queue[q];
            for (std::size_t k = graph.offset[idx(v)]; k < graph.offset[idx(v) + 1]; ++k) {
                const int d = graph.rotation[k];
                const int w = graph.head(d);
                if (forest.depth[idx(w)] >= 0) continue;
                forest.depth[idx(w)] = forest.depth[idx(v)] + 1;
                forest.parent_dart[idx(w)] = d;
                forest.in_tree[idx(d >> 1)] = 1;
                queue.push_back(w);
            }
        }
    }
    return forest;
}

DualForest dual_spanning_forest(const FaceSet& faces, const std::vector<char>& excluded) {
    DualForest forest;
    forest.parent_dart.assign(idx(faces.size()), -1);
    forest.in_tree.assign(excluded.size(), 0);
    std::vector<char> seen(idx(faces.size()), 0);
    for (int root = 0; root < faces.size(); ++root) {
        if (seen[idx(root)]) continue;
        seen[idx(root)] = 1;
        const std::size_t begin = forest.order.size();
        forest.order.push_back(root);
        for (std::size_t q = begin; q < forest.order.size(); ++q) {
            const int f = forest.order[q];
            for (std::size_t k = faces.offset[idx(f)]; k < faces.offset[idx(f) + 1]; ++k) {
                const int d = faces.darts[k];
                if (excluded[idx(d >> 1)]) continue;
                const int h = faces.face_of[idx(d ^ 1)];
                if (seen[idx(h)]) continue;
                seen[idx(h)] = 1;
                forest.parent_dart[idx(h)] = d ^ 1;
                forest.in_tree[idx(d >> 1)] = 1;
                forest.order.push_back(h);
            }
        }
    }
    return forest;
}

std::vector<std::vector<int>> homology_basis(const EmbeddedGraph& graph, const FaceSet& faces) {
    const std::size_t num_edges = graph.edges.size();
    // Tree-cotree: a spanning tree, a spanning tree of the dual through the other edges.
    const SpanningForest tree = spanning_forest(graph);
    const std::vector<char>& in_tree = tree.in_tree;
    const std::vector<char> in_cotree = dual_spanning_forest(faces, in_tree).in_tree;
    const std::vector<int>& depth = tree.depth;
    const std::vector<int>& parent_dart = tree.parent_dart;
    std::vector<std::vector<int>> cycles;
    for (std::size_t e = 0; e < num_edges; ++e) {
        if (in_tree[e] || in_cotree[e]) continue;
        // The edge closes a cycle with the tree paths of its ends up to their common ancestor.
        std::vector<int> cycle{static_cast<int>(e)};
        int a = graph.edges[e].i, b = graph.edges[e].j;
        while (a != b) {
            int& deeper = depth[idx(a)] >= depth[idx(b)] ? a : b;
            const int d = parent_dart[idx(deeper)];
            cycle.push_back(d >> 1);
            deeper = graph.tail(d);
        }
        cycles.push_back(std::move(cycle));
    }
    return cycles;
}

}  // namespace isingmf::detail
