#pragma once
/// Which lattice a model lives on, as a typed value the model carries, so that solvers can
/// use its geometry (Kaufman's torus, strips of rows) without reading description strings.
///
/// Site numbering (x fastest), the contract between the generators in lattices/ and every
/// solver that reads a LatticeSpec:
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

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace isingmf {

enum class LatticeKind { chain, square, triangular, honeycomb, cubic, complete };

enum class Boundary { open, periodic };

/// What to build: kind, extents (one per dimension of the kind) and boundary (ignored by
/// complete graphs).
struct LatticeSpec {
    LatticeKind kind = LatticeKind::square;
    std::vector<int> size;
    Boundary boundary = Boundary::periodic;
    friend bool operator==(const LatticeSpec&, const LatticeSpec&) = default;
};

/// Number of extents each kind takes (chain 1, square 2, cubic 3, complete 1, ...).
int lattice_dimension(LatticeKind kind);

/// Number of sites of the spec (2 per cell for honeycomb): the product of the extents, -1
/// when one is negative, saturated at 2^62.
std::int64_t lattice_num_sites(const LatticeSpec& spec);

std::string to_string(LatticeKind kind);
/// "chain", "square", ...; throws ParseError on any other name.
LatticeKind parse_lattice_kind(std::string_view text);

std::string to_string(Boundary boundary);
/// "periodic" or "open"; throws ParseError otherwise.
Boundary parse_boundary(std::string_view text);

}  // namespace isingmf
