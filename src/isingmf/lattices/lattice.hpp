#pragma once
/// Lattice generators: plain edge lists, before any couplings, numbered as documented in
/// model/lattice_spec.hpp (which also holds LatticeSpec, LatticeKind and Boundary).

#include <optional>
#include <string>
#include <vector>

#include "isingmf/model/lattice_spec.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// Sites and bonds of a lattice; bonds may repeat (see lattice_spec.hpp). `spec` is the
/// lattice they were generated from (empty for a hand-made graph).
struct LatticeGraph {
    int num_sites = 0;
    std::vector<Edge> bonds;
    std::optional<LatticeSpec> spec;
};

/// Builds the lattice, each bond with i < j; throws ParseError/ModelError on a wrong number of
/// extents, extents < 1, a periodic extent of 1, a size beyond 2^30 sites, or a complete graph
/// of more than 10000 sites.
LatticeGraph make_lattice(const LatticeSpec& spec);

/// Throws what make_lattice throws on `spec`, without building anything.
void check_lattice_spec(const LatticeSpec& spec);

/// Parses "4x4", "8", "4x4x4" into extents.
std::vector<int> parse_size(const std::string& text);

}  // namespace isingmf
