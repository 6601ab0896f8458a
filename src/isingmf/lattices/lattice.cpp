#include "isingmf/lattices/lattice.hpp"

#include <fmt/format.h>

#include <array>
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
    // Blocks of cells in parallel, each written where its first bond goes.
    constexpr std::size_t kCellsPerBlock = 4096;
    const std::size_t cells = lattice.num_cells();
    const auto blocks = static_cast<std::ptrdiff_t>((cells + kCellsPerBlock - 1) / kCellsPerBlock);
    Edge* bonds = g.bonds.data();
#pragma omp parallel for schedule(dynamic, 4) num_threads(detail::setup_threads(g.bonds.size()))
    for (std::ptrdiff_t b = 0; b < blocks; ++b) {
        const std::size_t begin = static_cast<std::size_t>(b) * kCellsPerBlock;
        const std::size_t end = std::min(cells, begin + kCellsPerBlock);
        lattice.write(begin, end, bonds + lattice.first_bond(begin));
    }
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
