// Decompositions: every edge covered (check_decomposition runs inside each builder and is
// exercised on broken decompositions here), the families and widths the header promises,
// tables no wider than a cross-section, and lattice recognition on imported grids.

#include "isingmf/clusters/decompose.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "isingmf/clusters/piece_solver.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

Model lattice_model(LatticeKind kind, std::vector<int> size, Boundary boundary) {
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    return build_model(make_lattice({kind, std::move(size), boundary}), spec);
}

int largest_table(const Model& model, const Decomposition& d) {
    int width = 0;
    for (const auto& family : d.families)
        for (const auto& piece : family.pieces)
            width = std::max(width, PieceSolver(model, piece).width());
    return width;
}

struct StripCase {
    LatticeKind kind;
    std::vector<int> size;
    Boundary boundary;
    int width;
    std::size_t families;  // expected with rotations
    int table;             // expected largest frontier
};

TEST(StripDecomposition, CoversEveryBondWithNarrowTables) {
    // Families: w = 1 has one per axis (+ diagonals on the triangular lattice); w >= 2 two
    // offsets per axis (three for 5 periodic rows in strips of 2). Tables: one cross-section of w
    // rows (+1 while a site is added, +w on rings, +1 for the triangular diagonal).
    const std::vector<StripCase> cases = {
        {LatticeKind::square, {8, 6}, Boundary::open, 1, 2, 1},
        {LatticeKind::square, {8, 6}, Boundary::periodic, 1, 2, 2},
        {LatticeKind::square, {8, 7}, Boundary::open, 3, 4, 3},
        {LatticeKind::square, {8, 8}, Boundary::periodic, 4, 4, 8},
        {LatticeKind::triangular, {6, 6}, Boundary::open, 1, 3, 1},
        {LatticeKind::triangular, {6, 5}, Boundary::periodic, 1, 3, 2},
        {LatticeKind::triangular, {7, 6}, Boundary::open, 2, 4, 3},
        {LatticeKind::honeycomb, {4, 5}, Boundary::open, 1, 2, 1},
        {LatticeKind::honeycomb, {4, 5}, Boundary::periodic, 2, 5, 6},
        {LatticeKind::cubic, {4, 4, 4}, Boundary::open, 1, 3, 1},
        {LatticeKind::cubic, {4, 5, 4}, Boundary::open, 2, 6, 5},
        {LatticeKind::chain, {9}, Boundary::periodic, 1, 1, 2},
    };
    for (const auto& c : cases) {
        const Model model = lattice_model(c.kind, c.size, c.boundary);
        const Decomposition d = strip_decomposition(model, *model.lattice(), {c.width});
        const std::string what = d.description;
        EXPECT_EQ(d.families.size(), c.families) << what;
        EXPECT_LE(largest_table(model, d), c.table) << what;
        EXPECT_NO_THROW(check_decomposition(model, d)) << what;
        double total = 0.0;
        for (double w : family_weights(d)) total += w;
        EXPECT_NEAR(total, 1.0, 1e-15) << what;
    }
}

TEST(StripDecomposition, OddPeriodicRowCountsNeedExtraOffsets) {
    // 6 periodic rows in strips of 4 and 3 periodic rows in strips of 2: the greedy offsets
    // still put every row pair inside some strip (check_decomposition passes).
    for (auto [ly, w] : {std::pair{6, 4}, std::pair{3, 2}, std::pair{5, 4}, std::pair{7, 3}}) {
        const Model model = lattice_model(LatticeKind::square, {5, ly}, Boundary::periodic);
        const Decomposition d = strip_decomposition(model, *model.lattice(), {w, false});
        EXPECT_EQ(d.kind, DecompositionKind::strips);
        EXPECT_GE(d.families.size(), 2u) << ly << " rows, width " << w;
    }
}

TEST(StripDecomposition, WideStripsHoldTheWholeLattice) {
    const Model model = lattice_model(LatticeKind::square, {9, 4}, Boundary::open);
    const Decomposition d = strip_decomposition(model, *model.lattice(), {4});
    EXPECT_EQ(d.kind, DecompositionKind::whole);
    ASSERT_EQ(d.families.size(), 1u);
    ASSERT_EQ(d.families[0].pieces.size(), 1u);
    EXPECT_EQ(d.families[0].pieces[0].edges.size(), model.num_edges());
    EXPECT_EQ(PieceSolver(model, d.families[0].pieces[0]).width(), 4);  // along x, 4 rows
}

TEST(StripDecomposition, RefusesBondsThatAreNotTheLattice) {
    // A 4x4 open grid's edges claimed to be a 4x4 torus: the wrap bonds are missing.
    const Model open = lattice_model(LatticeKind::square, {4, 4}, Boundary::open);
    const LatticeSpec torus{LatticeKind::square, {4, 4}, Boundary::periodic};
    const LatticeSpec wrong_size{LatticeKind::square, {4, 5}, Boundary::open};
    EXPECT_NO_THROW(strip_decomposition(open, torus, {2}));  // fewer edges than bonds is fine
    EXPECT_THROW(strip_decomposition(open, wrong_size, {2}), ModelError);
    // An edge that is no bond of the lattice is left in no piece.
    std::vector<Edge> edges = open.edges();
    edges.push_back({0, 15});
    std::vector<double> couplings = open.couplings();
    couplings.push_back(1.0);
    const Model extra(16, edges, couplings, open.fields(), 0.0, {}, open.lattice());
    EXPECT_THROW(strip_decomposition(extra, *extra.lattice(), {2}), ModelError);
    EXPECT_THROW(strip_decomposition(open, *open.lattice(), {0}), ModelError);
}

TEST(StripPartition, ClustersForStructuredMeanField) {
    // Strips of 3 rows on a 6x7 torus: 3 clusters (rows 0-2, 3-5, 6), every site once, every
    // edge inside a strip held by it, and exact inference with the strip's frontier.
    const Model model = lattice_model(LatticeKind::square, {6, 7}, Boundary::periodic);
    const PieceFamily clusters = strip_partition(model, *model.lattice(), 3);
    ASSERT_EQ(clusters.pieces.size(), 3u);
    std::size_t inside = 0;
    for (const Piece& piece : clusters.pieces) {
        inside += piece.edges.size();
        EXPECT_LE(PieceSolver(model, piece).width(), 6);  // a ring of width 3
    }
    // 42 horizontal bonds, and the vertical bonds within strips: 6 x (2 + 2 + 0).
    EXPECT_EQ(inside, 42u + 24u);
    EXPECT_NO_THROW(check_partition(model, clusters));
    EXPECT_THROW(strip_partition(model, *model.lattice(), 0), ModelError);
}

TEST(TreeDecomposition, ForestsCoverEveryEdge) {
    const Model grid = lattice_model(LatticeKind::square, {6, 5}, Boundary::periodic);
    const Decomposition d = tree_decomposition(grid);
    EXPECT_EQ(d.kind, DecompositionKind::trees);
    EXPECT_GE(d.families.size(), 2u);
    for (const auto& family : d.families) {
        ASSERT_EQ(family.pieces.size(), 1u);
        EXPECT_EQ(family.pieces[0].edges.size(), 29u);  // a spanning tree of 30 sites
    }
    // Complete graphs: N/2 Hamiltonian paths, each edge once (even N); forests for odd N.
    for (int n : {8, 9}) {
        const Model sk = lattice_model(LatticeKind::complete, {n}, Boundary::open);
        const Decomposition paths = tree_decomposition(sk);
        EXPECT_EQ(paths.families.size(), static_cast<std::size_t>((n + 1) / 2));
        std::multiset<int> used;
        for (const auto& family : paths.families)
            for (int e : family.pieces[0].edges) used.insert(e);
        EXPECT_EQ(used.size(), sk.num_edges()) << "each edge in exactly one path";
        EXPECT_EQ(std::set<int>(used.begin(), used.end()).size(), sk.num_edges());
    }
    // A tree model is one piece.
    const Model chain = lattice_model(LatticeKind::chain, {7}, Boundary::open);
    EXPECT_EQ(tree_decomposition(chain).families.size(), 1u);
}

TEST(Decomposition, CheckNamesWhatIsWrong) {
    const Model model = lattice_model(LatticeKind::square, {3, 3}, Boundary::open);
    Decomposition d = whole_decomposition(model);
    EXPECT_NO_THROW(check_decomposition(model, d));
    Decomposition missing_edge = d;
    missing_edge.families[0].pieces[0].edges.pop_back();
    EXPECT_THROW(check_decomposition(model, missing_edge), ModelError);
    Decomposition missing_site = d;
    missing_site.families[0].pieces[0].sites.pop_back();
    EXPECT_THROW(check_decomposition(model, missing_site), ModelError);
    Decomposition bad_weight = d;
    bad_weight.families[0].weight = 0.5;
    EXPECT_THROW(check_decomposition(model, bad_weight), ModelError);
    EXPECT_EQ(parse_decomposition_kind(to_string(DecompositionKind::strips)),
              DecompositionKind::strips);
    EXPECT_THROW(parse_decomposition_kind("blobs"), ParseError);
}

TEST(Decomposition, PartitionRefusesSharedSites) {
    // Sites {0..4} and {4..8} of a 3x3 lattice share site 4: not a partition, although every
    // site is held and every piece's edges lie inside it.
    const Model model = lattice_model(LatticeKind::square, {3, 3}, Boundary::open);
    PieceFamily shared;
    shared.pieces.push_back(induced_piece(model, {0, 1, 2, 3, 4}));
    shared.pieces.push_back(induced_piece(model, {4, 5, 6, 7, 8}));
    EXPECT_THROW(check_partition(model, shared), ModelError);
    PieceFamily disjoint;
    disjoint.pieces.push_back(induced_piece(model, {0, 1, 2, 3}));
    disjoint.pieces.push_back(induced_piece(model, {4, 5, 6, 7, 8}));
    EXPECT_NO_THROW(check_partition(model, disjoint));
}

TEST(RecogniseLattice, FindsImportedGrids) {
    const auto dir = std::filesystem::path(ISINGMF_UAI_GRIDS_DIR);
    // Grids_11 is a 10x10 torus and Grids_12 a 10x10 open grid (their README).
    const auto torus = recognise_lattice(read_uai(dir / "Grids_11.uai"));
    ASSERT_TRUE(torus.has_value());
    EXPECT_EQ(*torus, (LatticeSpec{LatticeKind::square, {10, 10}, Boundary::periodic}));
    const auto open = recognise_lattice(read_uai(dir / "Grids_12.uai"));
    ASSERT_TRUE(open.has_value());
    EXPECT_EQ(*open, (LatticeSpec{LatticeKind::square, {10, 10}, Boundary::open}));
    // A model without its spec: a 4x6 grid, a ring, a complete graph, and a triangle-free
    // graph that is none of them.
    const Model grid = lattice_model(LatticeKind::square, {4, 6}, Boundary::open);
    const Model bare(grid.num_sites(), grid.edges(), grid.couplings(), grid.fields());
    EXPECT_EQ(recognise_lattice(bare), (LatticeSpec{LatticeKind::square, {4, 6}, Boundary::open}));
    const Model ring = lattice_model(LatticeKind::chain, {6}, Boundary::periodic);
    EXPECT_EQ(recognise_lattice(Model(6, ring.edges(), ring.couplings(), ring.fields())),
              (LatticeSpec{LatticeKind::chain, {6}, Boundary::periodic}));
    const Model star(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}}, {1, 1, 1, 1}, {0, 0, 0, 0, 0});
    EXPECT_FALSE(recognise_lattice(star).has_value());
}

}  // namespace
}  // namespace isingmf
