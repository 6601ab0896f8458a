#include "isingmf/model/detail/lattice_bonds.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>

#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf::detail {
namespace {

Edge ordered(int a, int b) { return {std::min(a, b), std::max(a, b)}; }

}  // namespace

void check_lattice_spec(const LatticeSpec& spec) {
    const int dim = lattice_dimension(spec.kind);
    if (static_cast<int>(spec.size.size()) != dim) {
        throw ParseError(fmt::format("lattice '{}' takes {} extent(s), got {}",
                                     to_string(spec.kind), dim, spec.size.size()));
    }
    for (int extent : spec.size) {
        if (extent < 1)
            throw ModelError(fmt::format("lattice extent must be at least 1, got {}", extent));
    }
    if (lattice_num_sites(spec) > kMaxModelSites)
        throw ModelError("lattice has more than 2^30 sites");
    // Said here in the user's terms; Model would only report "self-loop on site 0". (A
    // honeycomb cell holds two sites, so its periodic length 1 repeats bonds instead.)
    if (spec.boundary == Boundary::periodic && spec.kind != LatticeKind::honeycomb &&
        spec.kind != LatticeKind::complete) {
        for (int extent : spec.size) {
            if (extent == 1) {
                throw ModelError(fmt::format(
                    "periodic {} lattice of size {} has an extent of 1, which would bond every "
                    "site to itself; use open boundaries or extents of at least 2",
                    to_string(spec.kind), fmt::join(spec.size, "x")));
            }
        }
    }
    // N(N-1)/2 bonds at 16 bytes each in the Model (edge, coupling) and 40 once an exact
    // solver builds its adjacency (both entries): 2 GB at the limit.
    if (spec.kind == LatticeKind::complete && spec.size[0] > kMaxCompleteSites) {
        throw ModelError(fmt::format(
            "complete graph of {} sites is too large (at most {}, {} bonds)", spec.size[0],
            kMaxCompleteSites, std::int64_t{kMaxCompleteSites} * (kMaxCompleteSites - 1) / 2));
    }
}

LatticeBonds::LatticeBonds(const LatticeSpec& spec) : spec_(spec) {
    check_lattice_spec(spec);
    periodic_ = spec.boundary == Boundary::periodic;
    const auto& L = spec.size;
    num_sites_ = static_cast<int>(lattice_num_sites(spec));
    switch (spec.kind) {
        case LatticeKind::chain:
            lx_ = L[0];
            directions_ = {{1, 0, 0}};
            break;
        case LatticeKind::square:
            lx_ = L[0];
            ly_ = L[1];
            directions_ = {{1, 0, 0}, {0, 1, 0}};
            break;
        case LatticeKind::triangular:
            lx_ = L[0];
            ly_ = L[1];
            directions_ = {{1, 0, 0}, {0, 1, 0}, {1, 1, 0}};
            break;
        case LatticeKind::cubic:
            lx_ = L[0];
            ly_ = L[1];
            lz_ = L[2];
            directions_ = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
            break;
        case LatticeKind::honeycomb:
            shape_ = Shape::honeycomb;
            lx_ = L[0];
            ly_ = L[1];
            break;
        case LatticeKind::complete:
            shape_ = Shape::complete;
            lx_ = L[0];
            periodic_ = false;
            break;
    }
    num_cells_ = shape_ == Shape::honeycomb ? static_cast<std::size_t>(num_sites_) / 2
                                            : static_cast<std::size_t>(num_sites_);
}

std::size_t LatticeBonds::first_bond(std::size_t cell) const {
    const auto lx = static_cast<std::size_t>(lx_);
    switch (shape_) {
        case Shape::complete:  // the bonds (i', j) of every i' < cell come first
            return cell * lx - cell * (cell + 1) / 2;
        case Shape::honeycomb: {
            // Cell (x, y) has its A-B bond, the bond to B of (x-1, y) unless x = 0 in an open
            // box, and the bond to B of (x, y-1) unless y = 0 in an open box.
            const std::size_t y = cell / lx;
            const std::size_t x = cell % lx;
            const std::size_t x_bonds_per_row = periodic_ ? lx : lx - 1;
            const std::size_t rows_before =
                y * (lx + x_bonds_per_row) + (periodic_ ? y : (y > 0 ? y - 1 : 0)) * lx;
            const std::size_t y_bond = periodic_ || y > 0 ? 1 : 0;
            return rows_before + x * (1 + y_bond) + (periodic_ ? x : (x > 0 ? x - 1 : 0));
        }
        case Shape::box:
            break;
    }
    // Every site of a row but the last has one bond per direction the row keeps. The rows
    // before row (y, z) are z whole planes, none of them the last in z, and y rows of plane z,
    // none of them the last in y; past the last row, all of them.
    const auto ly = static_cast<std::size_t>(ly_);
    const auto lz = static_cast<std::size_t>(lz_);
    const std::size_t row = cell / lx;
    const auto plane = [&](bool last_z) {
        return (ly - 1) * row_bonds(false, last_z) + row_bonds(true, last_z);
    };
    if (row >= ly * lz) return (lz - 1) * plane(false) + plane(true);
    const std::size_t y = row % ly;
    const std::size_t z = row / ly;
    const bool last_y = y + 1 == ly;
    const bool last_z = z + 1 == lz;
    return z * plane(false) + y * row_bonds(false, last_z) +
           (cell % lx) * kept_directions(last_y, last_z);
}

bool LatticeBonds::keeps(const Direction& d, bool last_y, bool last_z) const {
    return periodic_ || !((last_y && d.dy != 0) || (last_z && d.dz != 0));
}

std::size_t LatticeBonds::kept_directions(bool last_y, bool last_z) const {
    return static_cast<std::size_t>(
        std::count_if(directions_.begin(), directions_.end(),
                      [&](const Direction& d) { return keeps(d, last_y, last_z); }));
}

std::size_t LatticeBonds::row_bonds(bool last_y, bool last_z) const {
    std::size_t count = 0;
    for (const Direction& d : directions_) {
        if (keeps(d, last_y, last_z))
            count += static_cast<std::size_t>(periodic_ ? lx_ : lx_ - d.dx);
    }
    return count;
}

void LatticeBonds::write_all(Edge* out) const {
    // Blocks of cells in parallel, each written where its first bond goes; a complete graph's
    // cells hold up to N - 1 bonds, so its blocks are smaller.
    const std::size_t per_block = shape_ == Shape::complete ? 16 : 4096;
    const auto blocks = static_cast<std::ptrdiff_t>((num_cells_ + per_block - 1) / per_block);
#pragma omp parallel for schedule(dynamic, 1) num_threads(setup_threads(num_bonds()))
    for (std::ptrdiff_t b = 0; b < blocks; ++b) {
        const std::size_t begin = static_cast<std::size_t>(b) * per_block;
        const std::size_t end = std::min(num_cells_, begin + per_block);
        write(begin, end, out + first_bond(begin));
    }
}

bool LatticeBonds::distinct() const {
    // A ring of two sites bonds them twice, along every axis of a box (each has its own
    // direction); a honeycomb's cells bond A to the B of their own cell and of the cells before
    // them in x and y, which coincide only on a ring of one cell.
    if (!periodic_ || shape_ == Shape::complete) return true;
    const int smallest = *std::min_element(spec_.size.begin(), spec_.size.end());
    return shape_ == Shape::honeycomb ? smallest > 1 : smallest > 2;
}

int LatticeBonds::uniform_degree() const {
    if (!periodic_ || shape_ == Shape::complete || !distinct()) return 0;
    return shape_ == Shape::honeycomb ? 3 : 2 * static_cast<int>(directions_.size());
}

namespace {

// A bond seen from one of its sites: its index above the other site, in one word, so that
// words order as bond indices do (bond indices stay below 2^32: 3 bonds per site, at most 2^30
// sites). Sorted by the optimal networks for 3, 4 and 6 entries (checked on every permutation),
// whose compare-exchanges compile to conditional moves: a site's bonds are few and their order
// changes only at the wrap-around bonds, where a branch would mispredict.
using BondEnd = std::uint64_t;
BondEnd bond_end(std::size_t bond, int other) {
    return (static_cast<std::uint64_t>(bond) << 32) | static_cast<std::uint32_t>(other);
}
int other_of(BondEnd end) { return static_cast<int>(end & 0xffffffffu); }

void compare_exchange(BondEnd* ends, int a, int b) {
    const BondEnd low = std::min(ends[a], ends[b]);
    const BondEnd high = std::max(ends[a], ends[b]);
    ends[a] = low;
    ends[b] = high;
}

template <int N>
void sort_by_bond(BondEnd* ends) {
    static_assert(N == 2 || N == 3 || N == 4 || N == 6);
    static constexpr int kThree[][2] = {{0, 1}, {0, 2}, {1, 2}};
    static constexpr int kFour[][2] = {{0, 1}, {2, 3}, {0, 2}, {1, 3}, {1, 2}};
    static constexpr int kSix[][2] = {{0, 5}, {1, 3}, {2, 4}, {1, 2}, {3, 4}, {0, 3},
                                      {2, 5}, {0, 1}, {2, 3}, {4, 5}, {1, 2}, {3, 4}};
    if constexpr (N == 2) {
        compare_exchange(ends, 0, 1);
    } else if constexpr (N == 3) {
        for (const auto& pair : kThree) compare_exchange(ends, pair[0], pair[1]);
    } else if constexpr (N == 4) {
        for (const auto& pair : kFour) compare_exchange(ends, pair[0], pair[1]);
    } else {
        for (const auto& pair : kSix) compare_exchange(ends, pair[0], pair[1]);
    }
}

// Row rename[s] of each site s of one row of a periodic box, x from x_begin to x_end: site s
// has bond s D + k to the site ahead of it along direction k, and bond t D + k from the site t
// behind it. ahead_row[k] and behind_row[k] are the first sites of the rows those lie in, dx[k]
// the directions' x steps.
template <int D, class RowAt>
void renamed_box_row(std::size_t first_site, int x_begin, int x_end, int lx, const int* dx,
                     const int* ahead_row, const int* behind_row, const int* rename, RowAt row_at) {
    constexpr int kEnds = 2 * D;
    // Site x's bond ends, sorted by bond.
    const auto sorted_ends = [&](int x, BondEnd* ends) {
        const std::size_t s = first_site + static_cast<std::size_t>(x);
        for (int k = 0; k < D; ++k) {
            const int ahead = ahead_row[k] + (x + dx[k] < lx ? x + dx[k] : 0);
            const int behind = behind_row[k] + (x >= dx[k] ? x - dx[k] : lx - 1);
            const auto kk = static_cast<std::size_t>(k);
            ends[2 * k] = bond_end(s * D + kk, ahead);
            ends[2 * k + 1] = bond_end(static_cast<std::size_t>(behind) * D + kk, behind);
        }
        sort_by_bond<kEnds>(ends);
    };
    const auto write_sorted = [&](int x_from, int x_to) {
        for (int x = x_from; x < x_to; ++x) {
            BondEnd ends[kEnds];
            sorted_ends(x, ends);
            int* row = row_at(first_site + static_cast<std::size_t>(x));
            for (int k = 0; k < kEnds; ++k) row[k] = rename[other_of(ends[k])];
        }
    };
    // Where no direction wraps in x (dx is 0 or 1), a step in x moves every end's bond by D
    // and its other site by 1: the ends keep the first such site's order, and its neighbours
    // are that site's plus the step. Those sites are written without sorting.
    int reach = 0;
    for (int k = 0; k < D; ++k) reach = std::max(reach, dx[k]);
    const int inner_begin = std::max(x_begin, reach);
    const int inner_end = std::min(x_end, lx - reach);
    if (inner_end - inner_begin < 2) {
        write_sorted(x_begin, x_end);
        return;
    }
    write_sorted(x_begin, inner_begin);
    BondEnd ends[kEnds];
    sorted_ends(inner_begin, ends);
    int offset[kEnds];  // neighbour k of site x is x + offset[k]
    for (int k = 0; k < kEnds; ++k) offset[k] = other_of(ends[k]) - inner_begin;
    for (int x = inner_begin; x < inner_end; ++x) {
        int* row = row_at(first_site + static_cast<std::size_t>(x));
        for (int k = 0; k < kEnds; ++k) row[k] = rename[offset[k] + x];
    }
    write_sorted(inner_end, x_end);
}

}  // namespace

void LatticeBonds::write_renamed_rows(std::size_t begin, std::size_t end, const int* rename,
                                      int* rows) const {
    const auto z = static_cast<std::size_t>(uniform_degree());
    write_rows(begin, end, rename,
               [&](std::size_t s) { return rows + static_cast<std::size_t>(rename[s]) * z; });
}

void LatticeBonds::write_site_rows(std::size_t begin, std::size_t end, const int* rename,
                                   int* rows) const {
    // Consecutive rows: each row's place does not wait for a load, as a renamed one's would.
    const auto z = static_cast<std::size_t>(uniform_degree());
    write_rows(begin, end, rename, [&](std::size_t s) { return rows + (s - begin) * z; });
}

template <class RowAt>
void LatticeBonds::write_rows(std::size_t begin, std::size_t end, const int* rename,
                              RowAt row_at) const {
    if (shape_ == Shape::honeycomb) {
        // Periodic: cell c = x + lx y has bonds 3c (A-B of c), 3c + 1 (A of c, B of x-1) and
        // 3c + 2 (A of c, B of y-1). A of c sees its own three, in order; B of c the first of
        // its cell and the second and third of the cells at x+1 and y+1.
        const auto cell = [&](int x, int y) { return static_cast<std::size_t>(x + lx_ * y); };
        for (std::size_t s = begin; s < end; ++s) {
            const std::size_t c = s / 2;
            const int x = static_cast<int>(c % static_cast<std::size_t>(lx_));
            const int y = static_cast<int>(c / static_cast<std::size_t>(lx_));
            int* row = row_at(s);
            if (s % 2 == 0) {
                row[0] = rename[2 * c + 1];
                row[1] = rename[2 * cell(x > 0 ? x - 1 : lx_ - 1, y) + 1];
                row[2] = rename[2 * cell(x, y > 0 ? y - 1 : ly_ - 1) + 1];
                continue;
            }
            const std::size_t right = cell(x + 1 < lx_ ? x + 1 : 0, y);
            const std::size_t up = cell(x, y + 1 < ly_ ? y + 1 : 0);
            BondEnd ends[3] = {bond_end(3 * c, static_cast<int>(2 * c)),
                               bond_end(3 * right + 1, static_cast<int>(2 * right)),
                               bond_end(3 * up + 2, static_cast<int>(2 * up))};
            sort_by_bond<3>(ends);
            for (int k = 0; k < 3; ++k) row[k] = rename[other_of(ends[k])];
        }
        return;
    }
    const auto dirs = static_cast<int>(directions_.size());
    int dx[3] = {};
    for (int k = 0; k < dirs; ++k) dx[k] = directions_[static_cast<std::size_t>(k)].dx;
    const auto lx = static_cast<std::size_t>(lx_);
    for (std::size_t row = begin / lx; row * lx < end; ++row) {
        const int y = static_cast<int>(row % static_cast<std::size_t>(ly_));
        const int z = static_cast<int>(row / static_cast<std::size_t>(ly_));
        int ahead_row[3] = {};
        int behind_row[3] = {};
        for (int k = 0; k < dirs; ++k) {
            const Direction& d = directions_[static_cast<std::size_t>(k)];
            ahead_row[k] = lx_ * ((y + d.dy) % ly_ + ly_ * ((z + d.dz) % lz_));
            behind_row[k] = lx_ * ((y - d.dy + ly_) % ly_ + ly_ * ((z - d.dz + lz_) % lz_));
        }
        const auto x_begin = static_cast<int>(std::max(begin, row * lx) - row * lx);
        const auto x_end = static_cast<int>(std::min(end, row * lx + lx) - row * lx);
        switch (dirs) {
            case 1:
                renamed_box_row<1>(row * lx, x_begin, x_end, lx_, dx, ahead_row, behind_row, rename,
                                   row_at);
                break;
            case 2:
                renamed_box_row<2>(row * lx, x_begin, x_end, lx_, dx, ahead_row, behind_row, rename,
                                   row_at);
                break;
            default:
                renamed_box_row<3>(row * lx, x_begin, x_end, lx_, dx, ahead_row, behind_row, rename,
                                   row_at);
                break;
        }
    }
}

void LatticeBonds::write(std::size_t begin, std::size_t end, Edge* out) const {
    if (begin >= end) return;
    const auto lx = static_cast<std::size_t>(lx_);
    if (shape_ == Shape::complete) {
        for (std::size_t i = begin; i < end; ++i) {
            for (int j = static_cast<int>(i) + 1; j < lx_; ++j) *out++ = {static_cast<int>(i), j};
        }
        return;
    }
    for (std::size_t row = begin / lx; row * lx < end; ++row) {
        const auto x_begin = static_cast<int>(std::max(begin, row * lx) - row * lx);
        const auto x_end = static_cast<int>(std::min(end, row * lx + lx) - row * lx);
        out = shape_ == Shape::box
                  ? write_box_row(row, x_begin, x_end, out)
                  : write_honeycomb_row(static_cast<int>(row), x_begin, x_end, out);
    }
}

Edge* LatticeBonds::write_box_row(std::size_t row, int x_begin, int x_end, Edge* out) const {
    const int y = static_cast<int>(row % static_cast<std::size_t>(ly_));
    const int z = static_cast<int>(row / static_cast<std::size_t>(ly_));
    // For each direction that stays in the box in y and z: its x step and the index of the
    // neighbour of the row's first site (x + that is the neighbour of site x).
    int step[3] = {};
    int base[3] = {};
    int used = 0;
    for (const Direction& d : directions_) {
        if (!keeps(d, y + 1 == ly_, z + 1 == lz_)) continue;
        step[used] = d.dx;
        base[used++] = d.dx + lx_ * ((y + d.dy) % ly_ + ly_ * ((z + d.dz) % lz_));
    }
    const int first = lx_ * (y + ly_ * z);
    for (int x = x_begin; x < std::min(x_end, lx_ - 1); ++x) {
        for (int d = 0; d < used; ++d) *out++ = ordered(first + x, base[d] + x);
    }
    if (x_end < lx_) return out;
    const int x = lx_ - 1;  // the last site: its +x bonds wrap or leave the box
    for (int d = 0; d < used; ++d) {
        if (step[d] == 0) {
            *out++ = ordered(first + x, base[d] + x);
        } else if (periodic_) {
            *out++ = ordered(first + x, base[d] - 1);
        }
    }
    return out;
}

Edge* LatticeBonds::write_honeycomb_row(int y, int x_begin, int x_end, Edge* out) const {
    const auto site = [&](int x, int cell_y, int s) { return 2 * (x + lx_ * cell_y) + s; };
    const int y_before = y > 0 ? y - 1 : ly_ - 1;
    for (int x = x_begin; x < x_end; ++x) {
        *out++ = {site(x, y, 0), site(x, y, 1)};
        if (x > 0 || periodic_)
            *out++ = ordered(site(x, y, 0), site(x > 0 ? x - 1 : lx_ - 1, y, 1));
        if (y > 0 || periodic_) *out++ = ordered(site(x, y, 0), site(x, y_before, 1));
    }
    return out;
}

}  // namespace isingmf::detail
