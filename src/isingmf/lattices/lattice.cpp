#include "isingmf/lattices/lattice.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>

#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {
namespace {

constexpr int kMaxCompleteSites = 10000;

// Adds the bond from site (x,y,z) to (x+dx, y+dy, z+dz) of a box lattice, wrapping or
// dropping it at the boundary.
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
    void bond(std::vector<Edge>& bonds, int x, int y, int z, int dx, int dy, int dz) const {
        int x2 = x, y2 = y, z2 = z;
        if (shift(x2, dx, lx) && shift(y2, dy, ly) && shift(z2, dz, lz)) {
            bonds.push_back({index(x, y, z), index(x2, y2, z2)});
        }
    }
};

LatticeGraph box_lattice(const Box& box, const std::vector<std::array<int, 3>>& directions) {
    LatticeGraph g;
    g.num_sites = box.lx * box.ly * box.lz;
    g.bonds.reserve(static_cast<std::size_t>(g.num_sites) * directions.size());
    for (int z = 0; z < box.lz; ++z)
        for (int y = 0; y < box.ly; ++y)
            for (int x = 0; x < box.lx; ++x)
                for (const auto& d : directions) box.bond(g.bonds, x, y, z, d[0], d[1], d[2]);
    return g;
}

LatticeGraph honeycomb(int lx, int ly, bool periodic) {
    const Box cells{lx, ly, 1, periodic};
    LatticeGraph g;
    g.num_sites = 2 * lx * ly;
    auto site = [&](int x, int y, int s) { return 2 * cells.index(x, y, 0) + s; };
    for (int y = 0; y < ly; ++y) {
        for (int x = 0; x < lx; ++x) {
            g.bonds.push_back({site(x, y, 0), site(x, y, 1)});
            int x2 = x, y2 = y;
            if (cells.shift(x2, -1, lx)) g.bonds.push_back({site(x, y, 0), site(x2, y, 1)});
            if (cells.shift(y2, -1, ly)) g.bonds.push_back({site(x, y, 0), site(x, y2, 1)});
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
    // N(N-1)/2 bonds at ~40 bytes each (edge, coupling, both adjacency entries): 2 GB here.
    if (L[0] > kMaxCompleteSites) {
        throw ModelError(fmt::format(
            "complete graph of {} sites is too large (at most {}, {} bonds)", L[0],
            kMaxCompleteSites, std::int64_t{kMaxCompleteSites} * (kMaxCompleteSites - 1) / 2));
    }
    for (int i = 0; i < L[0]; ++i)
        for (int j = i + 1; j < L[0]; ++j) g.bonds.push_back({i, j});
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
