#include "isingmf/meanfield/cluster_partition.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <deque>
#include <utility>

#include "isingmf/clusters/decompose.hpp"
#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

// Automatic width (make_cluster_partition with width 0): the whole lattice when its tables
// hold at most this many entries over all sites, ...
constexpr double kAutoWholeEntries = 1 << 20;
// ... else the widest strips whose cross-section (strip_frontier, rings) is at most this
// (tables of 2^5 = 32 entries per site, ~200 ns per site and sweep: docs/benchmarks.md),
// and clusters of that frontier on other graphs.
constexpr int kAutoFrontier = 4;

constexpr detail::EnumNames<ClusterKind, 5> kKindNames{{
    {ClusterKind::strips, "strips"},
    {ClusterKind::whole, "whole"},
    {ClusterKind::trees, "trees"},
    {ClusterKind::pieces, "pieces"},
    {ClusterKind::given, "given"},
}};

std::size_t largest_cluster(const PieceFamily& family) {
    std::size_t largest = 0;
    for (const Piece& p : family.pieces) largest = std::max(largest, p.sites.size());
    return largest;
}

// Adds the model edges with both ends in each piece (one pass over the edge list for all
// pieces, instead of induced_piece's pass per piece).
void add_induced_edges(const Model& model, PieceFamily& family) {
    std::vector<int> owner(static_cast<std::size_t>(model.num_sites()), -1);
    for (std::size_t p = 0; p < family.pieces.size(); ++p)
        for (int s : family.pieces[p].sites)
            owner[static_cast<std::size_t>(s)] = static_cast<int>(p);
    for (std::size_t e = 0; e < model.num_edges(); ++e) {
        const Edge& edge = model.edges()[e];
        const int p = owner[static_cast<std::size_t>(edge.i)];
        if (p >= 0 && p == owner[static_cast<std::size_t>(edge.j)])
            family.pieces[static_cast<std::size_t>(p)].edges.push_back(static_cast<int>(e));
    }
}

// Clusters grown breadth first (see the header comment): with `frontier_limit` 0, induced
// trees (a site joins when exactly one neighbour is in the cluster); otherwise a site joins
// while at most frontier_limit of the cluster's sites keep unassigned neighbours.
PieceFamily grow_clusters(const Model& model, int frontier_limit) {
    const Adjacency& adj = model.adjacency();
    const auto n = static_cast<std::size_t>(model.num_sites());
    std::vector<int> owner(n, -1);
    std::vector<int> free_neighbours(n);  // unassigned neighbours of each site
    for (std::size_t i = 0; i < n; ++i)
        free_neighbours[i] = static_cast<int>(adj.offset[i + 1] - adj.offset[i]);
    auto neighbours = [&](int i) {
        const auto b = adj.offset[static_cast<std::size_t>(i)];
        const auto e = adj.offset[static_cast<std::size_t>(i) + 1];
        return std::pair{adj.neighbour.begin() + static_cast<std::ptrdiff_t>(b),
                         adj.neighbour.begin() + static_cast<std::ptrdiff_t>(e)};
    };
    PieceFamily family;
    std::deque<int> queue;
    for (std::size_t seed = 0; seed < n; ++seed) {
        if (owner[seed] >= 0) continue;
        const int tag = static_cast<int>(family.pieces.size());
        Piece piece;
        int active = 0;  // cluster sites with unassigned neighbours
        auto join = [&](int u) {
            owner[static_cast<std::size_t>(u)] = tag;
            piece.sites.push_back(u);
            const auto [b, e] = neighbours(u);
            for (auto it = b; it != e; ++it) {
                const auto x = static_cast<std::size_t>(*it);
                if (--free_neighbours[x] == 0 && owner[x] == tag) --active;
                if (owner[x] < 0) queue.push_back(*it);
            }
            if (free_neighbours[static_cast<std::size_t>(u)] > 0) ++active;
        };
        auto accepts = [&](int u) {
            int in_cluster = 0;
            int leaving = 0;  // cluster sites whose last unassigned neighbour is u
            const auto [b, e] = neighbours(u);
            for (auto it = b; it != e; ++it) {
                const auto x = static_cast<std::size_t>(*it);
                if (owner[x] != tag) continue;
                ++in_cluster;
                if (free_neighbours[x] == 1) ++leaving;
            }
            if (frontier_limit == 0) return in_cluster == 1;
            int others = 0;  // u's unassigned neighbours once u joins
            for (auto it = b; it != e; ++it)
                if (owner[static_cast<std::size_t>(*it)] < 0) ++others;
            return active - leaving + (others > 0 ? 1 : 0) <= frontier_limit;
        };
        queue.clear();
        join(static_cast<int>(seed));
        while (!queue.empty()) {
            const int u = queue.front();
            queue.pop_front();
            if (owner[static_cast<std::size_t>(u)] >= 0) continue;
            if (accepts(u)) join(u);
        }
        family.pieces.push_back(std::move(piece));
    }
    add_induced_edges(model, family);
    return family;
}

std::string lattice_name(const LatticeSpec& spec) {
    if (spec.kind == LatticeKind::complete)
        return fmt::format("complete graph on {} sites", spec.size.empty() ? 0 : spec.size[0]);
    return fmt::format("{} {} {}", to_string(spec.boundary), to_string(spec.kind),
                       fmt::join(spec.size, "x"));
}

// Whether strips of `width` rows can hold the whole lattice along some axis: every other axis
// is at most `width` long (always on a chain).
bool reaches_across(const LatticeSpec& spec, int width) {
    std::vector<int> extents(spec.size.begin(), spec.size.end());
    if (extents.size() <= 1) return true;
    std::sort(extents.begin(), extents.end());
    return width >= extents[extents.size() - 2];
}

}  // namespace

std::string to_string(ClusterKind kind) { return detail::enum_name(kKindNames, kind); }

ClusterKind parse_cluster_kind(std::string_view text) {
    return detail::parse_enum(kKindNames, text, "cluster kind");
}

int choose_cluster_width(const Model& model) {
    const std::optional<LatticeSpec> lattice = recognise_lattice(model);
    if (!lattice || lattice->kind == LatticeKind::complete) return kAutoFrontier;
    const int whole_width = *std::max_element(lattice->size.begin(), lattice->size.end());
    const int whole_frontier = strip_frontier(*lattice, whole_width, /*rings=*/true);
    if (whole_frontier <= 24 &&
        static_cast<double>(model.num_sites()) * std::ldexp(1.0, whole_frontier + 1) <=
            kAutoWholeEntries)
        return whole_width;
    int width = 1;
    while (width < whole_width && strip_frontier(*lattice, width + 1, true) <= kAutoFrontier)
        ++width;
    return width;
}

ClusterPartition make_cluster_partition(const Model& model, int width) {
    if (width < 0)
        throw ModelError(fmt::format("cluster width must be >= 0 (0: automatic), got {}", width));
    const std::optional<LatticeSpec> lattice = recognise_lattice(model);
    if (width == 0) width = choose_cluster_width(model);
    ClusterPartition partition;
    partition.width = width;
    if (lattice && lattice->kind != LatticeKind::complete) {
        if (reaches_across(*lattice, width)) {
            // One strip holds everything; strip_decomposition picks the axis with the
            // smallest cross-section.
            Decomposition d =
                strip_decomposition(model, *lattice, StripOptions{width, false, true});
            if (d.kind == DecompositionKind::whole) {
                partition.kind = ClusterKind::whole;
                partition.clusters = std::move(d.families.front());
                partition.clusters.weight = 1.0;
                partition.description = fmt::format("{}: one cluster holding the whole lattice",
                                                    lattice_name(*lattice));
                return partition;
            }
        }
        partition.clusters = strip_partition(model, *lattice, width);
        const bool rings = lattice->boundary == Boundary::periodic;
        partition.kind = ClusterKind::strips;
        partition.description =
            fmt::format("{}: {} {} of {} row{} along x, largest {} sites", lattice_name(*lattice),
                        partition.clusters.pieces.size(), rings ? "rings" : "strips", width,
                        width == 1 ? "" : "s", largest_cluster(partition.clusters));
        return partition;
    }
    partition.kind = width == 1 ? ClusterKind::trees : ClusterKind::pieces;
    partition.clusters = grow_clusters(model, width == 1 ? 0 : width);
    partition.clusters.label = to_string(partition.kind);
    const std::string graph =
        lattice ? lattice_name(*lattice) : fmt::format("graph of {} sites", model.num_sites());
    partition.description =
        width == 1
            ? fmt::format("{}: {} induced trees, largest {} sites", graph,
                          partition.clusters.pieces.size(), largest_cluster(partition.clusters))
            : fmt::format("{}: {} clusters of frontier at most {}, largest {} sites", graph,
                          partition.clusters.pieces.size(), width,
                          largest_cluster(partition.clusters));
    return partition;
}

ClusterPartition given_partition(const Model& model, std::vector<std::vector<int>> clusters,
                                 std::string source) {
    ClusterPartition partition;
    partition.kind = ClusterKind::given;
    partition.width = 0;
    partition.clusters.label = source;
    for (auto& sites : clusters) partition.clusters.pieces.push_back(Piece{std::move(sites), {}});
    // check_partition names the piece and site at fault before edges are looked up.
    check_partition(model, partition.clusters);
    add_induced_edges(model, partition.clusters);
    partition.description =
        fmt::format("{}: {} clusters, largest {} sites", source, partition.clusters.pieces.size(),
                    largest_cluster(partition.clusters));
    return partition;
}

ClusterPartition single_site_partition(const Model& model) {
    std::vector<std::vector<int>> clusters;
    clusters.reserve(static_cast<std::size_t>(model.num_sites()));
    for (int i = 0; i < model.num_sites(); ++i) clusters.push_back({i});
    return given_partition(model, std::move(clusters), "single sites");
}

}  // namespace isingmf
