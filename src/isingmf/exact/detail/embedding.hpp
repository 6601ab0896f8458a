#pragma once
/// Graphs drawn on an orientable surface without crossings, as rotation systems, and what the
/// planar solver reads off them: faces, Euler characteristic, a homology basis.
///
/// Darts: edge e gives dart 2e (edges[e].i -> edges[e].j) and dart 2e+1 (the reverse). The
/// rotation of a vertex lists the darts leaving it in counter-clockwise order of the drawing.
/// The face to the left of dart u -> v continues with the dart leaving v just clockwise of
/// v -> u, so every face is walked with its interior on the left.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isingmf/model/lattice_spec.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf::detail {

/// A rotation system: the darts leaving vertex v are rotation[offset[v] .. offset[v+1]).
struct EmbeddedGraph {
    int num_vertices = 0;
    std::vector<Edge> edges;  ///< i != j; i < j is not required
    std::vector<std::size_t> offset;
    std::vector<int> rotation;

    /// Vertex a dart leaves.
    int tail(int dart) const {
        const Edge& e = edges[static_cast<std::size_t>(dart >> 1)];
        return (dart & 1) != 0 ? e.j : e.i;
    }
    /// Vertex a dart enters.
    int head(int dart) const { return tail(dart ^ 1); }
};

/// The faces of an embedded graph: face f is the closed walk darts[offset[f] .. offset[f+1]),
/// each dart followed by the next; face_of[dart] is the face a dart walks.
struct FaceSet {
    std::vector<std::size_t> offset;
    std::vector<int> darts;
    std::vector<int> face_of;
    int size() const { return static_cast<int>(offset.size()) - 1; }
};

/// Builds the rotation system from per-vertex lists of leaving darts (any vertex order) and
/// checks that every dart appears exactly once, at the vertex it leaves.
EmbeddedGraph make_embedded_graph(int num_vertices, std::vector<Edge> edges,
                                  const std::vector<std::vector<int>>& darts_around);

/// Traces every face.
FaceSet trace_faces(const EmbeddedGraph& graph);

/// Number of connected components, counting isolated vertices.
int count_components(int num_vertices, std::span<const Edge> edges);

/// V - E + F; equals 2 * (components) - 2 * (total genus) for a valid rotation system.
long long euler_characteristic(const EmbeddedGraph& graph, const FaceSet& faces);

/// A planar rotation system of the graph by the Boyer-Myrvold test (Boost.Graph), or nothing
/// when the graph is not planar.
std::optional<EmbeddedGraph> embed_planar(int num_vertices, std::span<const Edge> edges);

/// The straight-bond drawing of a square, triangular or honeycomb lattice (numbered as in
/// lattice_spec.hpp): in the plane when open, on the torus when periodic, for a subset of its
/// bonds given as `edges`. Nothing when the spec is not such a lattice (periodic: every
/// extent >= 3) or an edge is not one of its bonds. Linear time, unlike a planarity test.
std::optional<EmbeddedGraph> embed_lattice(const LatticeSpec& spec, int num_vertices,
                                           std::span<const Edge> edges);

/// A breadth-first spanning forest of the graph (roots: the lowest vertex of each component).
struct SpanningForest {
    std::vector<int> parent_dart;  ///< per vertex, the dart from its parent; -1 at roots
    std::vector<int> depth;        ///< per vertex, 0 at roots
    std::vector<char> in_tree;     ///< per edge
};

SpanningForest spanning_forest(const EmbeddedGraph& graph);

/// A breadth-first spanning forest of the dual graph through the edges with excluded[e] == 0
/// (roots: the lowest face of each dual component).
struct DualForest {
    std::vector<int>
        parent_dart;            ///< per face, its own dart of the edge to its parent; -1 at roots
    std::vector<int> order;     ///< faces in breadth-first order, each root before its tree
    std::vector<char> in_tree;  ///< per edge
};

DualForest dual_spanning_forest(const FaceSet& faces, const std::vector<char>& excluded);

/// For a connected embedded graph of genus g, 2g closed walks (as edge lists, each edge at
/// most once per walk: a cycle of the graph) whose classes span the first homology of the
/// surface mod 2; built by the tree-cotree decomposition (a spanning tree, a spanning tree of
/// the dual avoiding it, and the 2g edges in neither).
std::vector<std::vector<int>> homology_basis(const EmbeddedGraph& graph, const FaceSet& faces);

}  // namespace isingmf::detail
