#include "isingmf/lattices/lattice.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

struct Counts {
    LatticeKind kind;
    std::vector<int> size;
    Boundary boundary;
    int sites;
    std::size_t edges;  // distinct bonds after merging repeats
    int degree;         // coordination of a bulk site (every site when periodic)
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const Counts& c, std::ostream* os) { *os << to_string(c.kind); }

class LatticeCounts : public ::testing::TestWithParam<Counts> {};

// Expected counts from the lattice geometry: a periodic lattice of coordination z has
// N z / 2 bonds; open boundaries drop the bonds that would wrap.
TEST_P(LatticeCounts, SitesBondsAndCoordination) {
    const Counts& c = GetParam();
    const Model model = build_model(make_lattice({c.kind, c.size, c.boundary}), {});
    EXPECT_EQ(model.num_sites(), c.sites);
    EXPECT_EQ(model.num_edges(), c.edges);
    EXPECT_EQ(model.max_degree(), c.degree);
}

INSTANTIATE_TEST_SUITE_P(
    Generators, LatticeCounts,
    ::testing::Values(Counts{LatticeKind::chain, {7}, Boundary::periodic, 7, 7, 2},
                      Counts{LatticeKind::chain, {7}, Boundary::open, 7, 6, 2},
                      Counts{LatticeKind::square, {4, 5}, Boundary::periodic, 20, 40, 4},
                      Counts{LatticeKind::square, {4, 5}, Boundary::open, 20, 31, 4},
                      Counts{LatticeKind::triangular, {4, 5}, Boundary::periodic, 20, 60, 6},
                      Counts{LatticeKind::triangular, {3, 3}, Boundary::open, 9, 16, 6},
                      Counts{LatticeKind::honeycomb, {3, 4}, Boundary::periodic, 24, 36, 3},
                      Counts{LatticeKind::honeycomb, {3, 3}, Boundary::open, 18, 21, 3},
                      Counts{LatticeKind::cubic, {3, 3, 4}, Boundary::periodic, 36, 108, 6},
                      Counts{LatticeKind::cubic, {3, 3, 4}, Boundary::open, 36, 75, 6},
                      Counts{LatticeKind::complete, {9}, Boundary::periodic, 9, 36, 8},
                      // Periodic length 2: the two bonds between a pair merge into one.
                      Counts{LatticeKind::square, {2, 2}, Boundary::periodic, 4, 4, 2}),
    [](const auto& p) {
        return to_string(p.param.kind) + "_" + std::to_string(p.param.sites) +
               (p.param.boundary == Boundary::open ? "_open" : "_periodic");
    });

TEST(Lattice, SiteNumberingIsXFastest) {
    const LatticeGraph g = make_lattice({LatticeKind::square, {3, 2}, Boundary::open});
    const std::set<std::pair<int, int>> bonds = [&] {
        std::set<std::pair<int, int>> s;
        for (const Edge& e : g.bonds) s.insert({std::min(e.i, e.j), std::max(e.i, e.j)});
        return s;
    }();
    // (x,y) -> x + 3y: (0,0)-(1,0) is 0-1, (0,0)-(0,1) is 0-3.
    EXPECT_TRUE(bonds.count({0, 1}));
    EXPECT_TRUE(bonds.count({0, 3}));
    EXPECT_FALSE(bonds.count({2, 3}));
}

TEST(Lattice, PeriodicRepeatsDoubleTheCoupling) {
    // A periodic chain of length 2 has two bonds between sites 0 and 1: one coupling 2J.
    const Model model =
        build_model(make_lattice({LatticeKind::chain, {2}, Boundary::periodic}), {});
    ASSERT_EQ(model.num_edges(), 1u);
    EXPECT_DOUBLE_EQ(model.couplings()[0], 2.0);
}

TEST(Lattice, RejectsBadSpecs) {
    EXPECT_THROW(parse_lattice_kind("kagome"), ParseError);
    EXPECT_THROW(make_lattice({LatticeKind::square, {4}, Boundary::open}), ParseError);
    EXPECT_THROW(make_lattice({LatticeKind::square, {0, 4}, Boundary::open}), ModelError);
    // Periodic length 1 bonds a site to itself.
    EXPECT_THROW(build_model(make_lattice({LatticeKind::chain, {1}, Boundary::periodic}), {}),
                 ModelError);
    EXPECT_THROW(parse_size("4x"), ParseError);
    EXPECT_THROW(parse_size("4x-1"), ParseError);
    EXPECT_THROW(parse_boundary("twisted"), ParseError);
    // 5e9 bonds would need hundreds of GB: refused before any allocation.
    EXPECT_THROW(make_lattice({LatticeKind::complete, {100000}, Boundary::open}), ModelError);
    EXPECT_EQ(parse_size("4x5x6"), (std::vector<int>{4, 5, 6}));
}

TEST(Couplings, SameSeedSameModelOtherSeedOtherModel) {
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.random_field = 0.5;
    spec.seed = 42;
    const LatticeGraph g = make_lattice({LatticeKind::square, {6, 6}, Boundary::periodic});
    const Model a = build_model(g, spec);
    const Model b = build_model(g, spec);
    EXPECT_EQ(a.couplings(), b.couplings());
    EXPECT_EQ(a.fields(), b.fields());
    spec.seed = 43;
    EXPECT_NE(build_model(g, spec).couplings(), a.couplings());
}

TEST(Couplings, PinnedValuesOfTheGenerator) {
    // The stream must not change between releases: a user's --seed 7 +-J model is the
    // same model forever. These values were produced by this generator when it was written.
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    spec.seed = 7;
    const Model model = build_model(make_lattice({LatticeKind::chain, {8}, Boundary::open}), spec);
    std::string signs;
    for (double J : model.couplings()) signs += J > 0 ? '+' : '-';
    EXPECT_EQ(signs, "+++--+-");
}

// Mean and mean square of a model's couplings.
std::pair<double, double> coupling_moments(const Model& model) {
    double sum = 0.0;
    double sum2 = 0.0;
    for (double J : model.couplings()) {
        sum += J;
        sum2 += J * J;
    }
    const double n = static_cast<double>(model.num_edges());
    return {sum / n, sum2 / n};
}

TEST(Couplings, DistributionsHaveTheirMoments) {
    // Means and variances over many bonds, within 5 standard errors.
    const LatticeGraph g =
        make_lattice({LatticeKind::square, {100, 100}, Boundary::periodic});  // 20000 bonds
    CouplingSpec spec;
    spec.J = 2.0;
    for (Disorder d : {Disorder::pm, Disorder::gauss}) {
        spec.disorder = d;
        const Model model = build_model(g, spec);
        const auto [mean, mean_square] = coupling_moments(model);
        const double n = static_cast<double>(model.num_edges());
        EXPECT_NEAR(mean, 0.0, 5 * 2.0 / std::sqrt(n)) << to_string(d);
        EXPECT_NEAR(mean_square, 4.0, d == Disorder::pm ? 1e-12 : 5 * 4.0 * std::sqrt(2.0 / n))
            << to_string(d);
    }
    // SK: J_ij ~ N(J0/N, J^2/N) on the complete graph.
    const int n_sk = 200;
    spec = {};
    spec.disorder = Disorder::sk;
    spec.J0 = 3.0;
    const Model sk =
        build_model(make_lattice({LatticeKind::complete, {n_sk}, Boundary::open}), spec);
    const auto [mean, mean_square] = coupling_moments(sk);
    const double bonds = static_cast<double>(sk.num_edges());
    EXPECT_NEAR(mean, 3.0 / n_sk, 5 / std::sqrt(bonds * n_sk));
    EXPECT_NEAR(mean_square - mean * mean, 1.0 / n_sk, 5 * std::sqrt(2.0 / bonds) / n_sk);
}

}  // namespace
}  // namespace isingmf
