#include "isingmf/lattices/lattice.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>

#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {
namespace {

constexpr int kMaxCompleteSites = 10000;

// A box of lx x ly x lz sites, numbered x fastest, with bonds to (x+dx, y+dy, z+dz) for each
// direction (components 0 or 1), wrapped or dropped at the boundary.
struct Box {
    int lx, ly, lz;
    bool periodic;
    int index(int x, int y, int z) const { return x + lx * (y + ly * z); }
    bool shift(int& c, int d, int extent) const {
        c += d;
        if (c >= 0 && c < extent) return true;
        if (!periodic) return false;
        c = (c % extent + extent) % extent;
        return true;
    }
};

using Directions = std::vector<std::array<int, 3>>;

// Bonds site by site in numbering order, each site's in direction order. Within a row (fixed
// y, z) every site but the last has the bonds of every direction that stays inside the box in
// y and z, at neighbour indices that grow with x, so rows are generated on their own, in
// parallel (a chain, one row, on one thread).
LatticeGraph box_lattice(const Box& box, const Directions& directions) {
    LatticeGraph g;
    g.num_sites = box.lx * box.ly * box.lz;
    const auto rows = static_cast<std::size_t>(box.ly) * static_cast<std::size_t>(box.lz);
    std::vector<std::size_t> row_start(rows + 1, 0);
    for (int z = 0; z < box.lz; ++z) {
        for (int y = 0; y < box.ly; ++y) {
            const auto r = static_cast<std::size_t>(y + box.ly * z);
            std::size_t in_row = 0;
            for (const auto& d : directions) {
                const bool inside = box.periodic || (y + d[1] < box.ly && z + d[2] < box.lz);
                if (!inside) continue;
                in_row += static_cast<std::size_t>(box.periodic ? box.lx : box.lx - d[0]);
            }
            row_start[r + 1] = row_start[r] + in_row;
        }
    }
    detail::resize_touched(g.bonds, row_start[rows]);
    Edge* bonds = g.bonds.data();
    const auto rows_signed = static_cast<std::ptrdiff_t>(rows);
#pragma omp parallel for schedule(static) num_threads(detail::setup_threads(g.bonds.size()))
    for (std::ptrdiff_t r = 0; r < rows_signed; ++r) {
        const int y = static_cast<int>(r % box.ly);
        const int z = static_cast<int>(r / box.ly);
        // For each direction that stays in the box in y and z: its x step and the index of
        // the neighbour of the row's first site (x + that is the neighbour of site x).
        int step[3] = {};
        int base[3] = {};
        int used = 0;
        for (const auto& d : directions) {
            int y2 = y + d[1];
            int z2 = z + d[2];
            if (y2 == box.ly || z2 == box.lz) {
                if (!box.periodic) continue;
                y2 %= box.ly;
                z2 %= box.lz;
            }
            step[used] = d[0];
            base[used++] = d[0] + box.lx * (y2 + box.ly * z2);
        }
        const int first = box.lx * (y + box.ly * z);
        Edge* out = bonds + row_start[static_cast<std::size_t>(r)];
        for (int x = 0; x + 1 < box.lx; ++x) {
            for (int d = 0; d < used; ++d) *out++ = {first + x, base[d] + x};
        }
        const int x = box.lx - 1;  // the last site: its +x bonds wrap or leave the box
        for (int d = 0; d < used; ++d) {
            if (step[d] == 0) {
                *out++ = {first + x, base[d] + x};
            } else if (box.periodic) {
                *out++ = {first + x, base[d] - 1};
            }
        }
    }
    return g;
}

// Cells row by row, each with its A-B bond and then, where they exist, the bonds of A to the
// B sites of the cells before it in x and in y; rows in parallel.
LatticeGraph honeycomb(int lx, int ly, bool periodic) {
    const Box cells{lx, ly, 1, periodic};
    LatticeGraph g;
    g.num_sites = 2 * lx * ly;
    auto site = [&](int x, int y, int s) { return 2 * cells.index(x, y, 0) + s; };
    std::vector<std::size_t> row_start(static_cast<std::size_t>(ly) + 1, 0);
    for (int y = 0; y < ly; ++y) {
        const auto per_row = static_cast<std::size_t>(lx) +
                             static_cast<std::size_t>(periodic ? lx : lx - 1) +
                             static_cast<std::size_t>(periodic || y > 0 ? lx : 0);
        row_start[static_cast<std::size_t>(y) + 1] =
            row_start[static_cast<std::size_t>(y)] + per_row;
    }
    detail::resize_touched(g.bonds, row_start.back());
    Edge* bonds = g.bonds.data();
#pragma omp parallel for schedule(static) num_threads(detail::setup_threads(g.bonds.size()))
    for (int y = 0; y < ly; ++y) {
        Edge* out = bonds + row_start[static_cast<std::size_t>(y)];
        for (int x = 0; x < lx; ++x) {
            *out++ = {site(x, y, 0), site(x, y, 1)};
            int x2 = x, y2 = y;
            if (cells.shift(x2, -1, lx)) *out++ = {site(x, y, 0), site(x2, y, 1)};
            if (cells.shift(y2, -1, ly)) *out++ = {site(x, y, 0), site(x, y2, 1)};
        }
    }
    return g;
}

void check_spec(const LatticeSpec& spec) {
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
}

LatticeGraph bonds_of(const LatticeSpec& spec) {
    const bool periodic = spec.boundary == Boundary::periodic;
    const auto& L = spec.size;
    switch (spec.kind) {
        case LatticeKind::chain:
            return box_lattice({L[0], 1, 1, periodic}, {{1, 0, 0}});
        case LatticeKind::square:
            return box_lattice({L[0], L[1], 1, periodic}, {{1, 0, 0}, {0, 1, 0}});
        case LatticeKind::triangular:
            return box_lattice({L[0], L[1], 1, periodic}, {{1, 0, 0}, {0, 1, 0}, {1, 1, 0}});
        case LatticeKind::honeycomb:
            return honeycomb(L[0], L[1], periodic);
        case LatticeKind::cubic:
            return box_lattice({L[0], L[1], L[2], periodic}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
        case LatticeKind::complete:
            break;
    }
    LatticeGraph g;
    g.num_sites = L[0];
    // N(N-1)/2 bonds at 16 bytes each in the Model (edge, coupling) and 40 once an exact
    // solver builds its adjacency (both entries): 2 GB here.
    if (L[0] > kMaxCompleteSites) {
        throw ModelError(fmt::format(
            "complete graph of {} sites is too large (at most {}, {} bonds)", L[0],
            kMaxCompleteSites, std::int64_t{kMaxCompleteSites} * (kMaxCompleteSites - 1) / 2));
    }
    const auto n = static_cast<std::size_t>(L[0]);
    detail::resize_touched(g.bonds, n * (n - 1) / 2);
    Edge* bonds = g.bonds.data();
#pragma omp parallel for schedule(dynamic, 64) num_threads(detail::setup_threads(g.bonds.size()))
    for (int i = 0; i < L[0]; ++i) {
        const auto ui = static_cast<std::size_t>(i);
        Edge* out = bonds + ui * n - ui * (ui + 1) / 2;  // the bonds (i', j) of all i' < i before
        for (int j = i + 1; j < L[0]; ++j) *out++ = {i, j};
    }
    return g;
}

}  // namespace

LatticeGraph make_lattice(const LatticeSpec& spec) {
    check_spec(spec);
    LatticeGraph g = bonds_of(spec);
    g.spec = spec;
    return g;
}

std::vector<int> parse_size(const std::string& text) {
    std::vector<int> extents;
    std::size_t pos = 0;
    while (true) {
        const std::size_t next = text.find('x', pos);
        const std::string part =
            text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        int value = 0;
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value < 1) {
            throw ParseError(
                fmt::format("bad size {} (expected positive extents like 16, 4x4 or 4x4x4)",
                            quote_token(text)));
        }
        extents.push_back(value);
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return extents;
}

}  // namespace isingmf
