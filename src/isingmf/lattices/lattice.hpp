#pragma once
/// Lattice generators: plain edge lists, before any couplings.
///
/// Site numbering (x fastest):
///   chain       L sites, i = x; bonds (x, x+1)
///   square      Lx x Ly, i = x + Lx*y; bonds to (x+1, y), (x, y+1)
///   triangular  Lx x Ly, i = x + Lx*y; square bonds plus the diagonal (x+1, y+1)
///               (a triangular lattice in sheared coordinates, coordination 6)
///   honeycomb   Lx x Ly unit cells of two sites, i = 2*(x + Lx*y) + s, s = 0 (A) or 1 (B);
///               bonds A(x,y)-B(x,y), A(x,y)-B(x-1,y), A(x,y)-B(x,y-1) (coordination 3)
///   cubic       Lx x Ly x Lz, i = x + Lx*(y + Ly*z); bonds along +x, +y, +z
///   complete    N sites, every pair i < j once
/// Periodic boundaries wrap every direction; a periodic length of 2 gives repeated bonds
/// (their couplings add in Model); a periodic length of 1 (a self-loop) is refused, except
/// for honeycomb, whose two-site cells then repeat bonds.

#include <string>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf {

enum class Boundary { open, periodic };

/// What to build: kind (chain, square, triangular, honeycomb, cubic, complete), extents
/// (one per dimension of the kind) and boundary (ignored by complete).
struct LatticeSpec {
    std::string kind;
    std::vector<int> size;
    Boundary boundary = Boundary::periodic;
};

/// Sites and bonds of a lattice; bonds may repeat (see above).
struct LatticeGraph {
    int num_sites = 0;
    std::vector<Edge> bonds;
};

/// Number of extents each kind takes (chain 1, square 2, cubic 3, complete 1, ...);
/// throws ParseError for an unknown kind.
int lattice_dimension(const std::string& kind);

/// Builds the lattice; throws ParseError/ModelError on an unknown kind, wrong number of
/// extents, extents < 1, a periodic extent of 1, or a size beyond 2^30 sites.
LatticeGraph make_lattice(const LatticeSpec& spec);

/// Parses "4x4", "8", "4x4x4" into extents.
std::vector<int> parse_size(const std::string& text);

/// "periodic" or "open"; throws ParseError otherwise.
Boundary parse_boundary(const std::string& text);
std::string to_string(Boundary boundary);

}  // namespace isingmf
