// A model of a lattice that generates its bonds (Model::of_lattice) against the model built
// from make_lattice's bond list (Model::with_uniform_weights, which checks the list and merges
// repeated bonds): the same edges, weights, refusals and energies, on every kind of lattice
// with either boundary and small extents, where repeats and wrap-around bonds are most varied.

#include "isingmf/model/detail/lattice_bonds.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/model/model.hpp"
#include "isingmf/util/error.hpp"
#include "support/error_of.hpp"

namespace isingmf {
namespace {

// Every kind with both boundaries, extents 1 to 4 in each dimension (some refused), and a few
// larger ones whose lists span several blocks of Model::edge_block.
std::vector<LatticeSpec> small_lattices() {
    std::vector<LatticeSpec> specs;
    for (const Boundary boundary : {Boundary::open, Boundary::periodic}) {
        for (int a = 1; a <= 4; ++a) {
            specs.push_back({LatticeKind::chain, {a}, boundary});
            specs.push_back({LatticeKind::complete, {a + 1}, boundary});
            for (int b = 1; b <= 4; ++b) {
                specs.push_back({LatticeKind::square, {a, b}, boundary});
                specs.push_back({LatticeKind::triangular, {a, b}, boundary});
                specs.push_back({LatticeKind::honeycomb, {a, b}, boundary});
                for (int c = 1; c <= 3; ++c)
                    specs.push_back({LatticeKind::cubic, {a, b, c}, boundary});
            }
        }
        specs.push_back({LatticeKind::chain, {5000}, boundary});
        specs.push_back({LatticeKind::square, {70, 45}, boundary});
        specs.push_back({LatticeKind::triangular, {33, 61}, boundary});
        specs.push_back({LatticeKind::honeycomb, {40, 37}, boundary});
        specs.push_back({LatticeKind::cubic, {13, 11, 9}, boundary});
    }
    return specs;
}

std::string name_of(const LatticeSpec& spec) {
    return fmt::format("{} {} {}", to_string(spec.kind), to_string(spec.boundary),
                       fmt::join(spec.size, "x"));
}

std::vector<Edge> concatenated_blocks(const Model& model) {
    std::vector<Edge> all;
    std::vector<Edge> buffer;
    for (std::size_t b = 0; b < model.num_edge_blocks(); ++b) {
        const Model::EdgeBlock block = model.edge_block(b, buffer);
        EXPECT_EQ(block.first, all.size());
        all.insert(all.end(), block.edges.begin(), block.edges.end());
    }
    return all;
}

// The bonds as lattice_spec.hpp states them, from coordinates, one site (honeycomb: cell)
// after another: for a box, each site's bond along each direction in order, wrapped where
// periodic and dropped where it leaves an open box; for a honeycomb cell, A-B, then A to the B
// of the cell before in x, then in y; for a complete graph every pair. Each bond with i < j.
std::vector<Edge> reference_bonds(const LatticeSpec& spec) {
    const bool periodic = spec.boundary == Boundary::periodic;
    std::vector<Edge> bonds;
    const auto bond = [&](int a, int b) { bonds.push_back({std::min(a, b), std::max(a, b)}); };
    // Moves c by d inside [0, extent); false where it leaves an open box.
    const auto step = [&](int& c, int d, int extent) {
        c += d;
        if (c >= 0 && c < extent) return true;
        c = (c + extent) % extent;
        return periodic;
    };
    const auto& L = spec.size;
    if (spec.kind == LatticeKind::complete) {
        for (int i = 0; i < L[0]; ++i) {
            for (int j = i + 1; j < L[0]; ++j) bond(i, j);
        }
        return bonds;
    }
    if (spec.kind == LatticeKind::honeycomb) {
        const auto site = [&](int x, int y, int s) { return 2 * (x + L[0] * y) + s; };
        for (int y = 0; y < L[1]; ++y) {
            for (int x = 0; x < L[0]; ++x) {
                bond(site(x, y, 0), site(x, y, 1));
                int x2 = x;
                int y2 = y;
                if (step(x2, -1, L[0])) bond(site(x, y, 0), site(x2, y, 1));
                if (step(y2, -1, L[1])) bond(site(x, y, 0), site(x, y2, 1));
            }
        }
        return bonds;
    }
    std::vector<std::array<int, 3>> directions = {{1, 0, 0}};
    if (spec.kind != LatticeKind::chain) directions.push_back({0, 1, 0});
    if (spec.kind == LatticeKind::triangular) directions.push_back({1, 1, 0});
    if (spec.kind == LatticeKind::cubic) directions.push_back({0, 0, 1});
    const int lx = L[0];
    const int ly = L.size() > 1 ? L[1] : 1;
    const int lz = L.size() > 2 ? L[2] : 1;
    for (int z = 0; z < lz; ++z) {
        for (int y = 0; y < ly; ++y) {
            for (int x = 0; x < lx; ++x) {
                for (const auto& d : directions) {
                    int x2 = x;
                    int y2 = y;
                    int z2 = z;
                    const bool inside =
                        step(x2, d[0], lx) & step(y2, d[1], ly) & step(z2, d[2], lz);
                    if (inside) bond(x + lx * (y + ly * z), x2 + lx * (y2 + ly * z2));
                }
            }
        }
    }
    return bonds;
}

TEST(LatticeBonds, AreTheNumberingContractsBonds) {
    for (const LatticeSpec& spec : small_lattices()) {
        if (!test::error_of<Error>([&] { make_lattice(spec); }).empty()) continue;
        EXPECT_EQ(make_lattice(spec).bonds, reference_bonds(spec)) << name_of(spec);
    }
}

TEST(LatticeBonds, AnyRangeOfCellsIsThatSliceOfTheWhole) {
    for (const LatticeSpec& spec : small_lattices()) {
        if (spec.boundary == Boundary::periodic && spec.kind != LatticeKind::honeycomb &&
            spec.kind != LatticeKind::complete &&
            std::find(spec.size.begin(), spec.size.end(), 1) != spec.size.end())
            continue;  // refused
        const detail::LatticeBonds bonds(spec);
        const std::size_t cells = bonds.num_cells();
        std::vector<Edge> whole(bonds.num_bonds());
        bonds.write(0, cells, whole.data());
        EXPECT_EQ(whole, make_lattice(spec).bonds) << name_of(spec);
        for (const Edge& e : whole) ASSERT_LT(e.i, e.j) << name_of(spec);
        const std::size_t step = std::max<std::size_t>(1, cells / 7);
        for (std::size_t begin = 0; begin <= cells; begin += step) {
            for (std::size_t end = begin; end <= cells; end += step) {
                const std::size_t first = bonds.first_bond(begin);
                std::vector<Edge> part(bonds.first_bond(end) - first);
                bonds.write(begin, end, part.data());
                const auto at = whole.begin() + static_cast<std::ptrdiff_t>(first);
                ASSERT_EQ(part,
                          std::vector<Edge>(at, at + static_cast<std::ptrdiff_t>(part.size())))
                    << name_of(spec) << " cells " << begin << ".." << end;
            }
        }
    }
}

TEST(Model, OfLatticeIsTheModelOfItsBondList) {
    const UniformWeights weights{-0.75, 0.3};
    int generated = 0;
    for (const LatticeSpec& spec : small_lattices()) {
        const std::string refusal = test::error_of<Error>([&] { make_lattice(spec); });
        if (!refusal.empty()) {
            EXPECT_EQ(test::error_of<Error>([&] { Model::of_lattice(spec, weights); }), refusal)
                << name_of(spec);
            continue;
        }
        const LatticeGraph graph = make_lattice(spec);
        const Model listed =
            Model::with_uniform_weights(graph.num_sites, graph.bonds, weights, 0.5, {}, spec);
        const Model lattice = Model::of_lattice(spec, weights, 0.5);
        // Stored only where the bonds repeat (and merge) or a complete graph's cells are long.
        const bool stored =
            listed.num_edges() < graph.bonds.size() || spec.kind == LatticeKind::complete;
        EXPECT_EQ(lattice.has_edge_list(), stored) << name_of(spec);
        generated += stored ? 0 : 1;
        EXPECT_EQ(lattice.num_sites(), listed.num_sites());
        EXPECT_EQ(lattice.num_edges(), listed.num_edges()) << name_of(spec);
        EXPECT_EQ(lattice.shared_coupling(), listed.shared_coupling()) << name_of(spec);
        EXPECT_EQ(lattice.shared_field(), listed.shared_field());
        EXPECT_EQ(lattice.energy_offset(), listed.energy_offset());
        EXPECT_EQ(lattice.lattice(), listed.lattice());
        EXPECT_EQ(concatenated_blocks(lattice), listed.edges()) << name_of(spec);
        EXPECT_EQ(lattice.max_degree(), listed.max_degree());
        std::vector<signed char> spins(static_cast<std::size_t>(lattice.num_sites()));
        for (std::size_t i = 0; i < spins.size(); ++i) spins[i] = (i * 7 + i / 3) % 5 < 2 ? -1 : 1;
        EXPECT_EQ(lattice.energy(spins), listed.energy(spins));
        EXPECT_EQ(lattice.has_edge_list(), stored) << "read without being written out";
        EXPECT_EQ(lattice.edges(), listed.edges()) << name_of(spec);
        EXPECT_TRUE(lattice.has_edge_list());
        EXPECT_EQ(lattice.couplings(), listed.couplings());
        EXPECT_EQ(lattice.adjacency().neighbour, listed.adjacency().neighbour);
    }
    EXPECT_GT(generated, 120);  // of the 218 specs, refused and merging ones aside
}

TEST(Model, OfLatticeWritesItsListOnceForAllCopies) {
    const Model model =
        Model::of_lattice({LatticeKind::cubic, {40, 30, 20}, Boundary::periodic}, {1.0, 0.0});
    const Model copy = model;
    std::vector<const std::vector<Edge>*> lists(8, nullptr);
    {
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < lists.size(); ++t)
            threads.emplace_back([&, t] { lists[t] = &(t % 2 == 0 ? model : copy).edges(); });
        for (std::thread& thread : threads) thread.join();
    }
    for (const auto* list : lists) EXPECT_EQ(list, lists.front());
    EXPECT_TRUE(copy.has_edge_list());
    EXPECT_EQ(*lists.front(),
              make_lattice({LatticeKind::cubic, {40, 30, 20}, Boundary::periodic}).bonds);
}

TEST(Model, OfLatticeIsWhatBuildModelMakesOfAUniformSpec) {
    const LatticeSpec spec{LatticeKind::square, {12, 10}, Boundary::periodic};
    CouplingSpec uniform;
    uniform.J = -0.5;
    uniform.h = 0.25;
    const Model built = build_model(spec, uniform, {{"lattice", "square"}});
    EXPECT_FALSE(built.has_edge_list());
    EXPECT_EQ(built.edges(), build_model(make_lattice(spec), uniform).edges());
    CouplingSpec disordered = uniform;
    disordered.disorder = Disorder::pm;
    const Model glass = build_model(spec, disordered);
    EXPECT_TRUE(glass.has_edge_list());
    EXPECT_EQ(glass.couplings(), build_model(make_lattice(spec), disordered).couplings());
    CouplingSpec bad = uniform;
    bad.h = std::numeric_limits<double>::infinity();
    EXPECT_EQ(test::error_of<Error>([&] { build_model(spec, bad); }), "J, h and J0 must be finite");
    // The lattice is refused first, as make_lattice is called first on the other path.
    EXPECT_EQ(test::error_of<Error>([&] {
                  build_model({LatticeKind::square, {1, 4}, Boundary::periodic}, bad);
              }),
              test::error_of<Error>([&] {
                  make_lattice({LatticeKind::square, {1, 4}, Boundary::periodic});
              }));
}

}  // namespace
}  // namespace isingmf
