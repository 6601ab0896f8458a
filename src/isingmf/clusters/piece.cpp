#include "isingmf/clusters/piece.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

constexpr detail::EnumNames<DecompositionKind, 3> kKindNames{{
    {DecompositionKind::whole, "whole"},
    {DecompositionKind::strips, "strips"},
    {DecompositionKind::trees, "trees"},
}};

// Marks the piece's sites in `owner` (one entry per model site, -1 where unmarked) with `tag`;
// throws on a site out of range or already marked (by this piece or another).
void mark_sites(const Model& model, const Piece& piece, std::vector<int>& owner, int tag,
                const std::string& where) {
    for (int s : piece.sites) {
        if (s < 0 || s >= model.num_sites())
            throw ModelError(fmt::format("{}: site {} is out of range (model has {} sites)", where,
                                         s, model.num_sites()));
        int& o = owner[static_cast<std::size_t>(s)];
        if (o == tag) throw ModelError(fmt::format("{}: site {} is held twice", where, s));
        if (o >= 0)
            throw ModelError(fmt::format("{}: site {} is also held by piece {}", where, s, o));
        o = tag;
    }
}

// Checks that the piece's edges are model edges with both ends marked `tag` in `owner`.
void check_edges(const Model& model, const Piece& piece, const std::vector<int>& owner, int tag,
                 const std::string& where) {
    for (int e : piece.edges) {
        if (e < 0 || static_cast<std::size_t>(e) >= model.num_edges())
            throw ModelError(fmt::format("{}: edge {} is out of range (model has {} edges)", where,
                                         e, model.num_edges()));
        const Edge& edge = model.edges()[static_cast<std::size_t>(e)];
        if (owner[static_cast<std::size_t>(edge.i)] != tag ||
            owner[static_cast<std::size_t>(edge.j)] != tag)
            throw ModelError(fmt::format("{}: edge ({}, {}) has an end outside the piece", where,
                                         edge.i, edge.j));
    }
}

// Checks one family: disjoint pieces, every site held, edges inside their pieces; marks the
// edges it holds in `covered`.
void check_family(const Model& model, const PieceFamily& family, const std::string& name,
                  std::vector<char>* covered) {
    std::vector<int> owner(static_cast<std::size_t>(model.num_sites()), -1);
    for (std::size_t p = 0; p < family.pieces.size(); ++p) {
        const std::string where = fmt::format("{}, piece {}", name, p);
        mark_sites(model, family.pieces[p], owner, static_cast<int>(p), where);
    }
    for (std::size_t s = 0; s < owner.size(); ++s) {
        if (owner[s] < 0) throw ModelError(fmt::format("{}: no piece holds site {}", name, s));
    }
    for (std::size_t p = 0; p < family.pieces.size(); ++p) {
        const std::string where = fmt::format("{}, piece {}", name, p);
        check_edges(model, family.pieces[p], owner, static_cast<int>(p), where);
        if (covered != nullptr) {
            for (int e : family.pieces[p].edges) (*covered)[static_cast<std::size_t>(e)] = 1;
        }
    }
}

}  // namespace

std::string to_string(DecompositionKind kind) { return detail::enum_name(kKindNames, kind); }

DecompositionKind parse_decomposition_kind(std::string_view text) {
    return detail::parse_enum(kKindNames, text, "decomposition kind");
}

int num_pieces(const Decomposition& decomposition) {
    std::size_t n = 0;
    for (const auto& family : decomposition.families) n += family.pieces.size();
    return static_cast<int>(n);
}

std::vector<double> family_weights(const Decomposition& decomposition) {
    std::vector<double> w;
    w.reserve(decomposition.families.size());
    for (const auto& family : decomposition.families) w.push_back(family.weight);
    return w;
}

Piece induced_piece(const Model& model, std::vector<int> sites) {
    std::vector<int> owner(static_cast<std::size_t>(model.num_sites()), -1);
    Piece piece;
    piece.sites = std::move(sites);
    mark_sites(model, piece, owner, 0, "induced piece");
    // The adjacency carries no edge indices, so scan the edge list (O(E) per piece; callers
    // building many pieces use their own edge maps).
    for (std::size_t e = 0; e < model.num_edges(); ++e) {
        const Edge& edge = model.edges()[e];
        if (owner[static_cast<std::size_t>(edge.i)] == 0 &&
            owner[static_cast<std::size_t>(edge.j)] == 0)
            piece.edges.push_back(static_cast<int>(e));
    }
    return piece;
}

void check_decomposition(const Model& model, const Decomposition& decomposition) {
    if (decomposition.families.empty()) throw ModelError("decomposition has no families");
    std::vector<char> covered(model.num_edges(), 0);
    double total = 0.0;
    for (std::size_t f = 0; f < decomposition.families.size(); ++f) {
        const PieceFamily& family = decomposition.families[f];
        const std::string name = fmt::format("decomposition family {}", f);
        if (!(family.weight > 0.0) || !std::isfinite(family.weight))
            throw ModelError(fmt::format("{}: weight {} is not positive", name, family.weight));
        total += family.weight;
        check_family(model, family, name, &covered);
    }
    if (std::abs(total - 1.0) > 1e-12)
        throw ModelError(fmt::format("decomposition weights sum to {}, not 1", total));
    for (std::size_t e = 0; e < covered.size(); ++e) {
        if (!covered[e]) {
            const Edge& edge = model.edges()[e];
            throw ModelError(
                fmt::format("decomposition leaves edge ({}, {}) in no piece", edge.i, edge.j));
        }
    }
}

void check_partition(const Model& model, const PieceFamily& partition) {
    check_family(model, partition, "partition", nullptr);
}

}  // namespace isingmf
