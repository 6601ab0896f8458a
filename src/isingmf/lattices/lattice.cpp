#include "isingmf/lattices/lattice.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>

#include "isingmf/model/detail/lattice_bonds.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {

LatticeGraph make_lattice(const LatticeSpec& spec) {
    const detail::LatticeBonds lattice(spec);
    LatticeGraph g;
    g.num_sites = lattice.num_sites();
    detail::resize_touched(g.bonds, lattice.num_bonds());
    lattice.write_all(g.bonds.data());
    g.spec = spec;
    return g;
}

void check_lattice_spec(const LatticeSpec& spec) { detail::check_lattice_spec(spec); }

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
