#pragma once
/// Tractable pieces of a model's graph, and how they are put together.
///
/// Two uses share these types:
/// - a *covering* of the edges by pieces (upper bounds on ln Z, bounds/upper_bound.hpp): a
///   Decomposition is a list of families; each family is a set of pieces with disjoint sites
///   that together hold every site of the model, and carries one weight rho_f > 0 (the
///   weights sum to 1); every edge of the model lies in at least one piece of some family;
/// - a *partition* of the sites into clusters (structured mean field): one PieceFamily,
///   each piece a cluster holding the edges inside it (induced_piece).
///
/// A piece lists its sites in the order exact inference visits them (clusters/
/// piece_solver.hpp): for strips, column by column along the strip, so that only the last
/// column (and, on a ring, the first) is ever held in a table.

#include <string>
#include <string_view>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf {

/// A tractable part of a model's graph: its sites and the model edges it holds.
struct Piece {
    std::vector<int> sites;  ///< model sites, each once, in the order inference visits them
    std::vector<int> edges;  ///< indices into Model::edges(), both ends among `sites`
};

/// Pieces with pairwise disjoint sites that together hold every site, with one weight.
struct PieceFamily {
    std::vector<Piece> pieces;
    double weight = 1.0;  ///< rho_f of the family in a Decomposition
    std::string label;    ///< what the family is ("rows", "strips along x, offset 2", ...)
};

/// What kind of pieces a decomposition is made of.
enum class DecompositionKind {
    whole,   ///< one piece holding the whole model (exact)
    strips,  ///< strips (rings on periodic lattices) of `width` rows; width 1: chains
    trees,   ///< spanning trees or forests
};

/// "whole", "strips" or "trees".
std::string to_string(DecompositionKind kind);
/// Parses the names of to_string; throws ParseError otherwise.
DecompositionKind parse_decomposition_kind(std::string_view text);

/// Families of pieces covering every edge, with weights summing to 1.
struct Decomposition {
    DecompositionKind kind = DecompositionKind::whole;
    int width = 0;  ///< rows per strip (1: chains); 1 for trees; 0 for a model taken whole
                    ///< without strips (a strip holding the whole lattice keeps its width)
    std::vector<PieceFamily> families;
    std::string description;  ///< one line: geometry, width, families
};

/// Total number of pieces over all families.
int num_pieces(const Decomposition& decomposition);

/// The weights rho_f of the families, in family order.
std::vector<double> family_weights(const Decomposition& decomposition);

/// The piece on `sites` (in that order) holding every model edge with both ends among them.
/// Throws ModelError on a site out of range or repeated.
Piece induced_piece(const Model& model, std::vector<int> sites);

/// Throws ModelError unless every piece's edges are model edges with both ends in the
/// piece, no site is repeated within a piece or shared by two pieces of a family, every
/// family holds every site, the weights are positive and sum to 1 (to 1e-12), and every
/// model edge lies in some piece. The message names the family, piece, site or edge.
void check_decomposition(const Model& model, const Decomposition& decomposition);

/// Throws ModelError unless the pieces' sites partition the model's sites and each piece's
/// edges are model edges inside it (the clusters of structured mean field).
void check_partition(const Model& model, const PieceFamily& partition);

}  // namespace isingmf
