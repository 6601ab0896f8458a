#pragma once
/// The dimer graph of a zero-field Ising model drawn on a surface, whose perfect matchings are
/// the edge sets of the model's cuts (the bonds a spin configuration leaves unsatisfied), with a
/// Kasteleyn orientation. The Pfaffian of its signed, weighted adjacency matrix K is then a sum
/// of positive terms (planar) or, on the torus, one of four signed sums that together isolate
/// the cuts (Kasteleyn; Tesler; Cimasoni and Reshetikhin).
///
/// Construction (Fisher's gadgets on the dual graph, in the "unsatisfied bond" form):
///   Z = 2^c exp(beta sum_e |J_e|) W,  W = sum over cuts S of prod_{e unsatisfied} w_e,
///   w_e = exp(-2 beta |J_e|),  e unsatisfied <=> (e in S) xor (J_e < 0),
/// c the number of connected components. A cut S is an even subgraph of the dual (a set of
/// dual edges meeting every face an even number of times); on the torus, one that is also
/// null-homologous. Every face of length d becomes a chain of d - 2 triangles joined by
/// links: one port per side of a bond, and two link nodes per link. A port matched across its
/// bond (to the port on the other side) means the bond is not in S; a port matched inside its
/// triangle means it is. Weights, all in (0, 1]:
///   bond edge (port to port across bond e):   w_e if J_e < 0, else 1   (e kept, not in S)
///   triangle edge (x, y):                     phi(x) phi(y), with phi of the port on the i->j
///                                             side of e equal to w_e if J_e > 0, else 1, and
///                                             phi = 1 on the other side and on link nodes
///   link edge:                                1
/// so each matching weighs exactly prod_{e unsatisfied} w_e. Every weight is exp(-2 beta cost)
/// with cost >= 0 a sum of |J|.

#include <span>
#include <vector>

#include "isingmf/exact/detail/embedding.hpp"

namespace isingmf::detail {

/// Dimer edge k joins tail[k] and head[k] and is oriented tail -> head:
/// K[tail][head] = exp(-2 beta cost[k]) = -K[head][tail].
struct DimerGraph {
    int num_nodes = 0;
    std::vector<int> tail;
    std::vector<int> head;
    std::vector<double> cost;
    /// The reference matching M0 (every bond kept: no cut): partner of each node.
    std::vector<int> partner;
    /// For each homology cycle of the drawing, the dimer edges that cross it (the bond edges of
    /// its bonds); flipping their signs twists the Pfaffian's signs by that cycle.
    std::vector<std::vector<int>> twists;
};

/// Builds the dimer graph of `graph` (no vertex of degree < 2, every face of length >= 3) with
/// couplings[e] on graph.edges[e], and its Kasteleyn orientation: every face of the dimer graph
/// has an odd number of edges oriented against its walk. `cycles` lists bonds of each homology
/// cycle (empty when planar). The gadgets are drawn in the drawing in which the rotations are
/// counter-clockwise (every rotation system is so in some drawing), so either handedness of a
/// planarity test's output works; the dimer graph's Euler characteristic is checked against
/// the graph's.
DimerGraph build_dimer_graph(const EmbeddedGraph& graph, const FaceSet& faces,
                             std::span<const double> couplings,
                             const std::vector<std::vector<int>>& cycles);

}  // namespace isingmf::detail
