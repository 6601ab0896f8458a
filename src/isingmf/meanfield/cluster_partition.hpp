#pragma once
/// Partitions of a model's sites into clusters for structured mean field
/// (meanfield/structured_mean_field.hpp): each cluster is one Piece (clusters/piece.hpp)
/// holding every model edge between its sites, solved exactly by clusters/piece_solver.hpp.
///
/// make_cluster_partition(model, w) chooses by geometry:
/// - strips: on a lattice (Model::lattice(), or a grid or chain recognised by
///   recognise_lattice), the strips of w rows along x of clusters/decompose.hpp with their
///   band cut at row 0: w = 1 gives chains (rings on periodic lattices), w >= 2 strips of w
///   rows (w x w rods on the cubic lattice). A strip visited a cross-section at a time needs
///   tables of 2^(w+1) entries (open) or 2^(2w+1) (rings), so a sweep of an L x L lattice
///   costs O(L^2 2^w) (open) or O(L^2 4^w) (periodic).
/// - whole: when w reaches the lattice's extent across its strips (every chain model), one
///   cluster holds the whole lattice and the bound is exact ln Z.
/// - trees (other graphs, w = 1): induced trees grown breadth first from the lowest
///   unassigned site; a site joins when exactly one of its neighbours is already in the
///   cluster, so every cluster holds the edges of a tree of the graph and is solved by the
///   tree kernel in O(size). On a complete graph the trees are single edges.
/// - pieces (other graphs, w >= 2): clusters grown breadth first in the order the piece
///   solver visits them, a site joining only while at most w of the cluster's sites still
///   have unassigned neighbours; that count bounds the solver's frontier, so every table
///   holds at most 2^(w+1) entries, whatever cycles the cluster's edges close.
/// - given: any partition the caller lists (a cluster file, lattices/cluster_file.hpp).
///
/// Width 0 chooses automatically (choose_cluster_width): the whole lattice when its tables
/// hold at most 2^20 entries in all (small lattices: the bound is then exact), else the widest
/// strips whose cross-section is at most 4 sites (tables of 32 entries per site, about 200 ns
/// per site and sweep: 4-row strips on open square lattices, 2-row rings on periodic ones,
/// 2 x 2 rods on open cubic lattices, chains on periodic cubic ones), and on other graphs
/// clusters of frontier at most 4.

#include <string>
#include <string_view>
#include <vector>

#include "isingmf/clusters/piece.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// How the clusters of a partition were chosen (see the header comment).
enum class ClusterKind { strips, whole, trees, pieces, given };

/// "strips", "whole", "trees", "pieces" or "given".
std::string to_string(ClusterKind kind);
/// Parses the names of to_string; throws ParseError otherwise.
ClusterKind parse_cluster_kind(std::string_view text);

/// The clusters of structured mean field: a partition of the sites, each piece holding the
/// model edges inside it.
struct ClusterPartition {
    ClusterKind kind = ClusterKind::given;
    int width = 0;  ///< w asked for (rows per strip, frontier limit of pieces); 0 for given
    PieceFamily clusters;
    std::string description;  ///< one line: geometry, number of clusters, largest cluster
};

/// The automatic cluster width of the header comment for `model`.
int choose_cluster_width(const Model& model);

/// The partition of the header comment for cluster width `width` (>= 1, or 0 for
/// choose_cluster_width). Throws ModelError on a negative width.
ClusterPartition make_cluster_partition(const Model& model, int width);

/// The partition into the listed clusters (each a list of model sites, visited by the piece
/// solver in the order given). Throws ModelError unless they hold every site exactly once,
/// naming the cluster and site at fault.
ClusterPartition given_partition(const Model& model, std::vector<std::vector<int>> clusters,
                                 std::string source = "given");

/// Every site its own cluster: structured mean field then is naive mean field.
ClusterPartition single_site_partition(const Model& model);

}  // namespace isingmf
