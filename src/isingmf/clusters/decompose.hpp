#pragma once
/// Decompositions of a model's graph into tractable pieces (clusters/piece.hpp).
///
/// Strips (lattices, numbered as in model/lattice_spec.hpp): a strip of width w runs along
/// one axis of the lattice (its length) and holds w consecutive rows of each other axis
/// (w x w rods on the cubic lattice), with every bond inside it; along a periodic length it
/// is a ring. Its sites are listed along the length, a cross-section at a time, so exact
/// inference holds one cross-section (two on a ring) in its tables.
/// - w = 1: chains (rings) along each axis of the lattice, one family per axis, plus lines
///   along the diagonal (1, 1) on the triangular lattice; honeycomb rows are the zigzag
///   chains of one row of cells and its columns the chains of one column of cells.
/// - w >= 2: families of strips along the first axis (and, with `rotations`, along each
///   axis) whose band boundaries are offset against each other, so that every bond between
///   two rows lies inside a strip of some family. Offsets are chosen greedily, the first at
///   0, the next near w/2; periodic rows whose count is not a multiple of w may need more.
/// - When w reaches the rows of the lattice across its shortest axis (every cross axis of a
///   cubic rod), one piece holds the whole lattice (kind `whole`) and the bound is exact.
/// Every family gets the same weight. Each piece holds the model's own edges between its
/// sites (found by their end sites, never assumed from the spec), and the result is checked
/// with check_decomposition: a model edge that is no bond of the lattice, and so lies in no
/// strip, is refused with ModelError (the bound would be valid for any edges the pieces
/// hold; only uncovered ones are an error).
///
/// Spanning trees (any graph): on a complete graph, the zigzag Hamiltonian paths of Walecki's
/// construction (each edge in exactly one path, every path through all sites; for odd N the
/// paths of K_{N+1} with the extra site removed, which are spanning forests); on other graphs,
/// spanning forests by Kruskal's rule taking the least used edges first (ties broken by a
/// fixed hash), until every edge is used and at least `min_trees` forests are built; a forest
/// model is one piece. Every forest is one piece (exact inference by the tree kernel).

#include <optional>

#include "isingmf/clusters/piece.hpp"
#include "isingmf/model/lattice_spec.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// The lattice a model's edges are the bonds of: Model::lattice() when set, else a square
/// lattice (open or periodic, any Lx x Ly = N, Lx, Ly >= 2, sites numbered x + Lx*y), a
/// chain, or a complete graph whose edges are exactly those bonds; std::nullopt otherwise.
/// (UAI and edge-list imports carry no LatticeSpec; grids numbered row by row are found.)
std::optional<LatticeSpec> recognise_lattice(const Model& model);

/// How to cut a lattice into strips.
struct StripOptions {
    int width = 1;  ///< rows per strip (>= 1)
    /// Strips along every axis, not only along x (widths >= 2; w = 1 always uses every axis).
    bool rotations = true;
    /// On periodic lengths, rings (tables of two cross-sections, O(n 4^w)) rather than open
    /// strips cut at staggered columns (O(n 2^w); each family along an axis leaves out the
    /// bonds at its own cut column, which the others hold). Cuts apply to widths >= 2 and
    /// lengths >= 12 only: chains and short rings stay rings.
    bool rings = false;
};

/// Strip decomposition on `lattice` (see the header comment). Throws ModelError for a
/// complete graph, a width below 1, or model edges that lie in no strip.
Decomposition strip_decomposition(const Model& model, const LatticeSpec& lattice,
                                  const StripOptions& options);

/// A partition of the sites into strips of `width` rows along x (rings on a periodic x), each
/// holding every edge between its sites: the clusters of structured mean field (one cluster
/// per strip; width 1: rows). Throws ModelError as strip_decomposition does.
PieceFamily strip_partition(const Model& model, const LatticeSpec& lattice, int width);

/// Spanning trees or forests covering every edge (see the header comment).
Decomposition tree_decomposition(const Model& model, int min_trees = 2);

/// One piece holding the whole model, visited in site order (exact if it fits).
Decomposition whole_decomposition(const Model& model);

/// The cross-section a strip of `width` would need in its tables for `lattice` (cheapest
/// axis): the number of sites summed together (about the frontier of piece_solver.hpp), or
/// -1 when strips do not apply (complete graphs).
int strip_frontier(const LatticeSpec& lattice, int width, bool rings = false);

}  // namespace isingmf
