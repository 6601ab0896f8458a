#pragma once
/// The bonds of a LatticeSpec, numbered as lattice_spec.hpp says, written a range of cells at a
/// time. make_lattice writes them all; a Model of a lattice that keeps no edge list
/// (Model::of_lattice) writes a block into a small buffer whenever a pass reads its edges,
/// which costs less than storing them and reading them back from memory. Every bond is
/// written as stored in a Model, with i < j.

#include <cstddef>
#include <vector>

#include "isingmf/model/lattice_spec.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf::detail {

/// The most sites of a complete graph (its bonds grow as the square).
inline constexpr int kMaxCompleteSites = 10000;

/// Throws ParseError on a wrong number of extents and ModelError on an extent below 1, a
/// periodic extent of 1 (except honeycomb, whose cells then repeat bonds, and complete graphs,
/// which have no boundary), more than 2^30 sites or a complete graph of more than
/// kMaxCompleteSites sites.
void check_lattice_spec(const LatticeSpec& spec);

/// The bonds cell by cell: a cell is a site (two sites, A and B, on honeycomb), its bonds are
/// consecutive, and cells come in numbering order.
class LatticeBonds {
public:
    /// Checks the spec (check_lattice_spec).
    explicit LatticeBonds(const LatticeSpec& spec);
    const LatticeSpec& spec() const { return spec_; }
    int num_sites() const { return num_sites_; }
    std::size_t num_cells() const { return num_cells_; }
    std::size_t num_bonds() const { return first_bond(num_cells_); }
    /// Index of the first bond of `cell`; num_bonds() for cell = num_cells().
    std::size_t first_bond(std::size_t cell) const;
    /// Writes the bonds of cells begin .. end, first_bond(end) - first_bond(begin) of them.
    void write(std::size_t begin, std::size_t end, Edge* out) const;
    /// Writes all num_bonds() bonds, on OpenMP threads where they are many.
    void write_all(Edge* out) const;
    /// Whether no two bonds join the same two sites: false only on periodic boxes with an extent
    /// of 2 and periodic honeycombs with an extent of 1, whose repeats a Model merges.
    bool distinct() const;

    /// The number of bonds at every site where that is one number and the bonds are distinct
    /// (periodic boxes and honeycombs), so that the incidence rows below have one width; else 0.
    int uniform_degree() const;
    /// On a lattice with uniform_degree() = z > 0: for each site s in begin .. end, writes
    /// row rename[s], entries rows[rename[s] z .. rename[s] z + z), with rename[t] for the
    /// other site t of each bond at s, in increasing bond index: the rows a transposition of
    /// the bond list gives (Model's neighbour order), straight from the geometry.
    void write_renamed_rows(std::size_t begin, std::size_t end, const int* rename, int* rows) const;
    /// The same rows, with site s's written at rows[(s - begin) z .. (s - begin) z + z): the
    /// rows of a few sites, in site order (for a chunk of positions picked from them).
    void write_site_rows(std::size_t begin, std::size_t end, const int* rename, int* rows) const;

private:
    // A box of lx x ly x lz sites with bonds along `directions` (components 0 or 1), or the
    // honeycomb's cells, or the complete graph.
    enum class Shape { box, honeycomb, complete };
    struct Direction {
        int dx, dy, dz;
    };
    LatticeSpec spec_;
    Shape shape_ = Shape::box;
    int lx_ = 1, ly_ = 1, lz_ = 1;
    bool periodic_ = false;
    std::vector<Direction> directions_;
    int num_sites_ = 0;
    std::size_t num_cells_ = 0;

    // Whether a row of the box keeps direction d (a bond from each of its sites but the last),
    // how many it keeps, and its bonds: which depends only on whether it is the box's last row
    // in y and in z.
    bool keeps(const Direction& d, bool last_y, bool last_z) const;
    std::size_t kept_directions(bool last_y, bool last_z) const;
    std::size_t row_bonds(bool last_y, bool last_z) const;
    // Write the bonds of cells x_begin .. x_end of one row; return the end of what they wrote.
    Edge* write_box_row(std::size_t row, int x_begin, int x_end, Edge* out) const;
    Edge* write_honeycomb_row(int y, int x_begin, int x_end, Edge* out) const;
    // write_renamed_rows and write_site_rows: row_at(s) is where site s's row goes.
    template <class RowAt>
    void write_rows(std::size_t begin, std::size_t end, const int* rename, RowAt row_at) const;
};

}  // namespace isingmf::detail
