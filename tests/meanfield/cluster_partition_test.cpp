// Cluster partitions: strips, rings and whole lattices where the geometry is known, induced
// trees and bounded pieces elsewhere (checked from the edges they hold and the tables the piece
// solver compiles for them), and given partitions with their errors.

#include "isingmf/meanfield/cluster_partition.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "isingmf/clusters/piece_solver.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

Model lattice_model(LatticeKind kind, std::vector<int> size, Boundary boundary) {
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    return build_model(make_lattice({kind, std::move(size), boundary}), spec);
}

Model without_lattice(const Model& model) {
    return Model(model.num_sites(), model.edges(), model.couplings(), model.fields());
}

// Components of the graph on the piece's sites and edges (union-find written here); a
// forest has |edges| = |sites| - components.
int components(const Model& model, const Piece& piece) {
    std::vector<int> parent(static_cast<std::size_t>(model.num_sites()));
    std::iota(parent.begin(), parent.end(), 0);
    auto root = [&](int x) {
        while (parent[static_cast<std::size_t>(x)] != x) x = parent[static_cast<std::size_t>(x)];
        return x;
    };
    int count = static_cast<int>(piece.sites.size());
    for (int e : piece.edges) {
        const Edge& edge = model.edges()[static_cast<std::size_t>(e)];
        const int a = root(edge.i), b = root(edge.j);
        if (a != b) {
            parent[static_cast<std::size_t>(a)] = b;
            --count;
        }
    }
    return count;
}

TEST(ClusterPartition, StripsRingsAndWholeLattices) {
    const Model open = lattice_model(LatticeKind::square, {7, 6}, Boundary::open);
    const ClusterPartition chains = make_cluster_partition(open, 1);
    EXPECT_EQ(chains.kind, ClusterKind::strips);
    ASSERT_EQ(chains.clusters.pieces.size(), 6u);  // one chain per row
    for (const Piece& p : chains.clusters.pieces) {
        EXPECT_EQ(p.sites.size(), 7u);
        EXPECT_EQ(p.edges.size(), 6u);
        EXPECT_EQ(PieceSolver(open, p).width(), 1);
    }
    const ClusterPartition strips = make_cluster_partition(open, 4);
    ASSERT_EQ(strips.clusters.pieces.size(), 2u);  // rows 0-3 and 4-5
    EXPECT_EQ(strips.clusters.pieces[0].sites.size(), 28u);
    // 3 bonds per column inside 4 rows, 4 x 6 bonds along them.
    EXPECT_EQ(strips.clusters.pieces[0].edges.size(), 7u * 3 + 4 * 6);
    EXPECT_LE(PieceSolver(open, strips.clusters.pieces[0]).width(), 4);
    const ClusterPartition whole = make_cluster_partition(open, 6);
    EXPECT_EQ(whole.kind, ClusterKind::whole);
    EXPECT_EQ(whole.clusters.pieces.size(), 1u);
    EXPECT_EQ(whole.clusters.pieces[0].edges.size(), open.num_edges());

    const Model torus = lattice_model(LatticeKind::square, {8, 6}, Boundary::periodic);
    const ClusterPartition rings = make_cluster_partition(torus, 2);
    ASSERT_EQ(rings.clusters.pieces.size(), 3u);
    for (const Piece& p : rings.clusters.pieces) EXPECT_EQ(p.edges.size(), 8u * 2 + 8);
    EXPECT_NE(rings.description.find("rings"), std::string::npos) << rings.description;

    // Imported grids are recognised (recognise_lattice), chains are one cluster.
    EXPECT_EQ(make_cluster_partition(without_lattice(open), 1).kind, ClusterKind::strips);
    const Model chain = lattice_model(LatticeKind::chain, {12}, Boundary::periodic);
    EXPECT_EQ(make_cluster_partition(chain, 1).kind, ClusterKind::whole);
    EXPECT_THROW(make_cluster_partition(open, -1), ModelError);
    EXPECT_EQ(parse_cluster_kind(to_string(ClusterKind::pieces)), ClusterKind::pieces);
    EXPECT_THROW(parse_cluster_kind("blobs"), ParseError);
}

TEST(ClusterPartition, InducedTreesAndBoundedPiecesOnOtherGraphs) {
    const std::vector<Model> graphs = {
        without_lattice(lattice_model(LatticeKind::honeycomb, {5, 4}, Boundary::periodic)),
        without_lattice(lattice_model(LatticeKind::triangular, {6, 5}, Boundary::open)),
        without_lattice(lattice_model(LatticeKind::cubic, {3, 4, 3}, Boundary::periodic)),
        lattice_model(LatticeKind::complete, {9}, Boundary::open),
    };
    for (const Model& model : graphs) {
        const ClusterPartition trees = make_cluster_partition(model, 1);
        EXPECT_EQ(trees.kind, ClusterKind::trees);
        EXPECT_NO_THROW(check_partition(model, trees.clusters));
        std::size_t held = 0;
        for (const Piece& p : trees.clusters.pieces) {
            // Induced trees: connected and acyclic.
            EXPECT_EQ(components(model, p), 1) << trees.description;
            EXPECT_EQ(p.edges.size() + 1, p.sites.size()) << trees.description;
            held += p.sites.size();
        }
        EXPECT_EQ(held, static_cast<std::size_t>(model.num_sites()));
        // Trees are not single sites everywhere: the partition cuts fewer bonds than naive.
        EXPECT_LT(trees.clusters.pieces.size(), static_cast<std::size_t>(model.num_sites()));
        for (int w : {2, 3, 5}) {
            const ClusterPartition pieces = make_cluster_partition(model, w);
            EXPECT_EQ(pieces.kind, ClusterKind::pieces);
            EXPECT_NO_THROW(check_partition(model, pieces.clusters));
            for (const Piece& p : pieces.clusters.pieces) {
                EXPECT_EQ(components(model, p), 1) << pieces.description;
                const PieceSolver solver(model, p);
                if (solver.kernel() == PieceKernel::frontier) {
                    EXPECT_LE(solver.width(), w) << pieces.description;
                }
            }
        }
    }
    // On the complete graph every induced tree is one bond (three sites close a triangle),
    // and clusters of frontier w hold w + 1 sites.
    const Model& complete = graphs.back();
    for (const Piece& p : make_cluster_partition(complete, 1).clusters.pieces)
        EXPECT_LE(p.sites.size(), 2u);
    for (const Piece& p : make_cluster_partition(complete, 3).clusters.pieces)
        EXPECT_LE(p.sites.size(), 4u);
}

TEST(ClusterPartition, AutomaticWidth) {
    // Small lattices are one cluster (2^(F+1) entries per site, F the strip's cross-section:
    // 64 sites x 2^9 for the 8x8 open grid, within 2^20 in all); larger ones take the widest
    // strips of cross-section <= 4: 4 rows open, 2-row rings (cross-section 2 x 2) periodic.
    const Model small = lattice_model(LatticeKind::square, {8, 8}, Boundary::open);
    EXPECT_EQ(make_cluster_partition(small, 0).kind, ClusterKind::whole);
    const Model open = lattice_model(LatticeKind::square, {40, 40}, Boundary::open);
    EXPECT_EQ(choose_cluster_width(open), 4);
    const ClusterPartition strips = make_cluster_partition(open, 0);
    EXPECT_EQ(strips.kind, ClusterKind::strips);
    EXPECT_EQ(strips.width, 4);
    EXPECT_EQ(strips.clusters.pieces.size(), 10u);
    EXPECT_EQ(
        choose_cluster_width(lattice_model(LatticeKind::square, {40, 40}, Boundary::periodic)), 2);
    // Open cubic: 2 x 2 rods (cross-section 4); periodic cubic: chains (rings of 2 x 2 rods
    // would hold 8 sites in their tables).
    EXPECT_EQ(choose_cluster_width(lattice_model(LatticeKind::cubic, {12, 12, 12}, Boundary::open)),
              2);
    EXPECT_EQ(
        choose_cluster_width(lattice_model(LatticeKind::cubic, {12, 12, 12}, Boundary::periodic)),
        1);
    // Other graphs: clusters of frontier 4, every table within 2^5 entries.
    const Model graph =
        without_lattice(lattice_model(LatticeKind::honeycomb, {12, 12}, Boundary::periodic));
    const ClusterPartition pieces = make_cluster_partition(graph, 0);
    EXPECT_EQ(pieces.kind, ClusterKind::pieces);
    for (const Piece& p : pieces.clusters.pieces) {
        const PieceSolver solver(graph, p);
        if (solver.kernel() == PieceKernel::frontier) {
            EXPECT_LE(solver.width(), 4);
        }
    }
}

TEST(ClusterPartition, GivenClustersAreChecked) {
    const Model model = lattice_model(LatticeKind::square, {3, 3}, Boundary::open);
    const ClusterPartition p = given_partition(model, {{0, 1, 2}, {5, 4, 3}, {6, 7, 8}}, "rows");
    EXPECT_EQ(p.kind, ClusterKind::given);
    ASSERT_EQ(p.clusters.pieces.size(), 3u);
    EXPECT_EQ(p.clusters.pieces[1].sites, (std::vector<int>{5, 4, 3}));  // order kept
    EXPECT_EQ(p.clusters.pieces[1].edges.size(), 2u);
    EXPECT_THROW(given_partition(model, {{0, 1, 2}, {2, 3, 4, 5, 6, 7, 8}}), ModelError);
    EXPECT_THROW(given_partition(model, {{0, 1, 2}, {3, 4, 5, 6, 7}}), ModelError);
    EXPECT_THROW(given_partition(model, {{0, 1, 2, 3, 4, 5, 6, 7, 9}}), ModelError);
    EXPECT_EQ(single_site_partition(model).clusters.pieces.size(), 9u);
}

}  // namespace
}  // namespace isingmf
