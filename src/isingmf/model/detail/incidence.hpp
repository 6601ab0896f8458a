#pragma once
/// The edge-to-site transposition behind Model's adjacency and the mean-field plan: which edges
/// touch each site, in increasing edge order (the order Model's neighbour lists keep). Built in
/// parallel, with the same result for any thread count.

#include <cstddef>
#include <span>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf::detail {

/// Fills offset (num_sites + 1 entries) and rows (2 edges.size() entries) so that the edges
/// touching site s are rows[offset[s] .. offset[s+1]), as edge indices in increasing order.
/// Every edge must have 0 <= i < j < num_sites; edges.size() must fit in an int.
void incidence_rows(std::size_t num_sites, std::span<const Edge> edges,
                    std::vector<std::size_t>& offset, std::vector<int>& rows);

/// Half of the neighbour lists of adjacency_rows: each site's higher-numbered neighbours (an
/// edge i < j is listed in row i only), in increasing edge order, without couplings. A bond
/// given twice is a repeat inside one row: what the check for repeated bonds reads.
void upper_neighbour_rows(std::size_t num_sites, std::span<const Edge> edges,
                          std::vector<std::size_t>& offset, std::vector<int>& neighbour);

/// Model's adjacency of `edges` (each with i < j, in range) with `couplings`: the neighbours of
/// each site in increasing edge order, with the edge's coupling beside each.
void adjacency_rows(std::size_t num_sites, std::span<const Edge> edges,
                    std::span<const double> couplings, Adjacency& adjacency);

/// The lattice that writes `model`'s neighbour rows from its geometry, a site at a time with
/// no pass over the bonds (LatticeBonds::write_renamed_rows, write_site_rows): the generator of
/// a model whose sites all have one degree. nullptr where the rows come from the bond list.
const LatticeBonds* rows_from_geometry(const Model& model);

/// The rows of adjacency_rows for `model`'s edges with every site s renamed rename[s] (a
/// permutation of the sites): row rename[s] holds rename[t] for each neighbour t of s, in
/// increasing edge order, with the edge's coupling beside it in row_couplings unless
/// `couplings` is empty. Fills neighbour and row_couplings (2 num_edges() entries each,
/// allocated by the caller). A model that generates a periodic lattice's bonds
/// (Model::lattice_bonds) has its rows written from the geometry when no couplings are copied;
/// otherwise the edges are read through Model::edge_block where they can be, so that such a
/// model need not write its list out. Returns the degree z > 0 that every site has,
/// when there is one: row r is then entries r z .. r z + z and offset is left empty. Otherwise
/// returns 0 and fills offset (indexed by the new names).
std::size_t renamed_rows(const Model& model, std::span<const int> rename,
                         std::span<const double> couplings, std::vector<std::size_t>& offset,
                         int* neighbour, double* row_couplings);

/// Whether some row of a neighbour list in compressed-row form (Adjacency's layout) holds the
/// same site twice.
bool rows_have_repeats(const std::vector<std::size_t>& offset, const std::vector<int>& neighbour);

/// For each edge, the index of the first edge with the same two sites (itself when it is the
/// first), from the rows of incidence_rows.
std::vector<int> first_of_repeats(std::size_t num_sites, std::span<const Edge> edges,
                                  const std::vector<std::size_t>& offset,
                                  const std::vector<int>& rows);

}  // namespace isingmf::detail
