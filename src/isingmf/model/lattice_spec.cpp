#include "isingmf/model/lattice_spec.hpp"

#include "isingmf/util/detail/enum_names.hpp"

namespace isingmf {
namespace {

constexpr detail::EnumNames<LatticeKind, 6> kKindNames = {{
    {LatticeKind::chain, "chain"},
    {LatticeKind::square, "square"},
    {LatticeKind::triangular, "triangular"},
    {LatticeKind::honeycomb, "honeycomb"},
    {LatticeKind::cubic, "cubic"},
    {LatticeKind::complete, "complete"},
}};

constexpr detail::EnumNames<Boundary, 2> kBoundaryNames = {{
    {Boundary::periodic, "periodic"},
    {Boundary::open, "open"},
}};

}  // namespace

int lattice_dimension(LatticeKind kind) {
    switch (kind) {
        case LatticeKind::chain:
        case LatticeKind::complete:
            return 1;
        case LatticeKind::square:
        case LatticeKind::triangular:
        case LatticeKind::honeycomb:
            return 2;
        case LatticeKind::cubic:
            return 3;
    }
    return 0;
}

std::int64_t lattice_num_sites(const LatticeSpec& spec) {
    constexpr std::int64_t kSaturated = std::int64_t{1} << 62;
    std::int64_t sites = spec.kind == LatticeKind::honeycomb ? 2 : 1;
    for (int extent : spec.size) {
        if (extent < 0) return -1;
        if (extent > 0 && sites > kSaturated / extent) return kSaturated;
        sites *= extent;
    }
    return sites;
}

std::string to_string(LatticeKind kind) { return detail::enum_name(kKindNames, kind); }

LatticeKind parse_lattice_kind(std::string_view text) {
    return detail::parse_enum(kKindNames, text, "lattice");
}

std::string to_string(Boundary boundary) { return detail::enum_name(kBoundaryNames, boundary); }

Boundary parse_boundary(std::string_view text) {
    return detail::parse_enum(kBoundaryNames, text, "boundary");
}

}  // namespace isingmf
