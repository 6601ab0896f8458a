// Model's parallel construction against a straightforward serial one written here (a std::map
// from bond to its first position, couplings added in input order, neighbour lists filled edge
// by edge): the same edges, couplings and adjacency, bit for bit, for every thread count, on
// edge lists large enough for the parallel passes, with and without repeated bonds.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/model/model.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

struct Reference {
    std::vector<Edge> edges;
    std::vector<double> couplings;
    Adjacency adjacency;
};

Reference reference_model(int n, const std::vector<Edge>& raw, const std::vector<double>& J) {
    Reference r;
    std::map<std::pair<int, int>, std::size_t> index_of;
    for (std::size_t e = 0; e < raw.size(); ++e) {
        const int i = std::min(raw[e].i, raw[e].j);
        const int j = std::max(raw[e].i, raw[e].j);
        const auto [it, inserted] = index_of.emplace(std::pair{i, j}, r.edges.size());
        if (inserted) {
            r.edges.push_back({i, j});
            r.couplings.push_back(J[e]);
        } else {
            r.couplings[it->second] += J[e];
        }
    }
    std::vector<std::vector<std::pair<int, double>>> rows(static_cast<std::size_t>(n));
    for (std::size_t e = 0; e < r.edges.size(); ++e) {
        rows[static_cast<std::size_t>(r.edges[e].i)].emplace_back(r.edges[e].j, r.couplings[e]);
        rows[static_cast<std::size_t>(r.edges[e].j)].emplace_back(r.edges[e].i, r.couplings[e]);
    }
    r.adjacency.offset.push_back(0);
    for (const auto& row : rows) {
        for (const auto& [u, c] : row) {
            r.adjacency.neighbour.push_back(u);
            r.adjacency.coupling.push_back(c);
        }
        r.adjacency.offset.push_back(r.adjacency.neighbour.size());
    }
    return r;
}

void expect_same(const Model& model, const Reference& r) {
    ASSERT_EQ(model.edges(), r.edges);
    ASSERT_EQ(model.couplings(), r.couplings);  // exact: the same sums in the same order
    ASSERT_EQ(model.adjacency().offset, r.adjacency.offset);
    ASSERT_EQ(model.adjacency().neighbour, r.adjacency.neighbour);
    ASSERT_EQ(model.adjacency().coupling, r.adjacency.coupling);
}

// A random sparse graph given in random orientation, with a share of bonds repeated (some
// several times) and a few hub sites with long rows.
void random_edges(int n, std::size_t count, double repeat_share, std::uint64_t seed,
                  std::vector<Edge>& edges, std::vector<double>& couplings) {
    Rng rng(seed);
    edges.clear();
    couplings.clear();
    while (edges.size() < count) {
        const double u = rng.uniform();
        if (u < repeat_share && !edges.empty()) {
            Edge e =
                edges[static_cast<std::size_t>(rng.uniform() * static_cast<double>(edges.size()))];
            if (rng.uniform() < 0.5) std::swap(e.i, e.j);
            edges.push_back(e);
        } else {
            const bool hub = u > 0.99;
            const int i =
                hub ? static_cast<int>(rng.uniform() * 4) : static_cast<int>(rng.uniform() * n);
            int j = static_cast<int>(rng.uniform() * n);
            if (j == i) j = (j + 1) % n;
            edges.push_back({i, j});
        }
        couplings.push_back(rng.normal());
    }
}

TEST(ModelBuild, MatchesASerialMergeForEveryThreadCount) {
    const int n = 20000;
    for (const double repeat_share : {0.0, 0.2}) {
        std::vector<Edge> edges;
        std::vector<double> couplings;
        random_edges(n, 40000, repeat_share, 11, edges, couplings);
        const Reference ref = reference_model(n, edges, couplings);
        if (repeat_share > 0.0) {
            ASSERT_LT(ref.edges.size(), edges.size());
        }
        for (const int threads : {1, 2, 3}) {
            SCOPED_TRACE(testing::Message()
                         << "repeats " << repeat_share << ", threads " << threads);
            // The adjacency is built on first use: built here, at this thread count.
            const Model model = test::with_threads(threads, [&] {
                Model m(n, edges, couplings, std::vector<double>(n, 0.0));
                m.adjacency();
                return m;
            });
            expect_same(model, ref);
        }
    }
}

TEST(ModelBuild, LatticesMatchTheSerialMergeForEveryThreadCount) {
    // Periodic extents of 2 repeat bonds; the others exercise the closed-form bond positions
    // of the parallel generators (open rows lose their last x bond, honeycomb rows their
    // first cells' bonds).
    const std::vector<LatticeSpec> specs = {
        {LatticeKind::square, {200, 170}, Boundary::periodic},
        {LatticeKind::square, {181, 182}, Boundary::open},
        {LatticeKind::square, {2, 17000}, Boundary::periodic},
        {LatticeKind::triangular, {110, 111}, Boundary::open},
        {LatticeKind::honeycomb, {100, 121}, Boundary::open},
        {LatticeKind::honeycomb, {1, 20000}, Boundary::periodic},
        {LatticeKind::cubic, {25, 26, 27}, Boundary::periodic},
        {LatticeKind::cubic, {2, 2, 4500}, Boundary::periodic},
        {LatticeKind::chain, {40000}, Boundary::open},
        {LatticeKind::complete, {260}, Boundary::open},
    };
    for (const LatticeSpec& spec : specs) {
        const LatticeGraph serial = test::with_threads(1, [&] { return make_lattice(spec); });
        std::vector<double> couplings(serial.bonds.size());
        Rng rng(5);
        for (double& J : couplings) J = rng.normal();
        const Reference ref = reference_model(serial.num_sites, serial.bonds, couplings);
        for (const int threads : {1, 3}) {
            SCOPED_TRACE(testing::Message()
                         << to_string(spec.kind) << " " << spec.size[0] << ", threads " << threads);
            const LatticeGraph graph =
                test::with_threads(threads, [&] { return make_lattice(spec); });
            ASSERT_EQ(graph.bonds, serial.bonds);
            const Model model = test::with_threads(threads, [&] {
                Model m(graph.num_sites, graph.bonds, couplings,
                        std::vector<double>(static_cast<std::size_t>(graph.num_sites), 0.0));
                m.adjacency();
                return m;
            });
            expect_same(model, ref);
        }
    }
}

TEST(ModelBuild, GeneratedBondsFollowTheNumberingContract) {
    // lattice_spec.hpp: site by site in numbering order, each site's bonds in direction
    // order, an open boundary dropping the bonds that would leave the box; each bond written
    // with i < j, as a Model stores it.
    const LatticeGraph g = make_lattice({LatticeKind::square, {3, 2}, Boundary::open});
    const std::vector<Edge> expected = {{0, 1}, {0, 3}, {1, 2}, {1, 4}, {2, 5}, {3, 4}, {4, 5}};
    EXPECT_EQ(g.bonds, expected);
    const LatticeGraph h = make_lattice({LatticeKind::honeycomb, {2, 2}, Boundary::open});
    const std::vector<Edge> cells = {{0, 1}, {2, 3}, {1, 2}, {4, 5},
                                     {1, 4}, {6, 7}, {5, 6}, {3, 6}};
    EXPECT_EQ(h.bonds, cells);
}

TEST(ModelBuild, ReportsTheFirstBadEdgeInInputOrder) {
    // Enough edges for the parallel check: the first bad one must be named whichever thread
    // found a later one first.
    const int n = 40000;
    std::vector<Edge> edges;
    for (int i = 0; i + 1 < n; ++i) edges.push_back({i + 1, i});
    std::vector<double> couplings(edges.size(), 1.0);
    const std::vector<double> fields(n, 0.0);
    const auto message = [&](std::vector<Edge> e, std::vector<double> c, int threads) {
        return test::with_threads(threads, [&] {
            try {
                const Model model(n, std::move(e), std::move(c), fields);
            } catch (const ModelError& error) {
                return std::string(error.what());
            }
            return std::string("no error");
        });
    };
    std::vector<Edge> bad = edges;
    bad[39000] = {7, 7};
    bad[30000] = {5, n};
    std::vector<double> bad_couplings = couplings;
    bad_couplings[35000] = std::numeric_limits<double>::infinity();
    bad_couplings[20001] = std::numeric_limits<double>::quiet_NaN();
    for (const int threads : {1, 2, 4}) {
        EXPECT_EQ(message(bad, couplings, threads),
                  fmt::format("edge (5, {}) has a site outside 0..{}", n, n - 1));
        EXPECT_EQ(message(bad, bad_couplings, threads),
                  "coupling of edge (20002, 20001) is not finite");
        EXPECT_EQ(message(edges, couplings, threads), "no error");
    }
    std::vector<double> huge(edges.size(), 1e308);
    std::vector<Edge> twice = edges;
    twice.push_back({1, 0});
    huge.push_back(1e308);
    EXPECT_EQ(message(twice, huge, 2),
              "repeated edge (0, 1) sums to a coupling that is not finite");
}

TEST(ModelBuild, AdoptsMovedEdgeLists) {
    std::vector<Edge> edges = {{1, 0}, {1, 2}};
    std::vector<double> couplings = {0.5, -1.0};
    const Edge* data = edges.data();
    const Model model(3, std::move(edges), std::move(couplings), {0.0, 0.0, 0.0});
    EXPECT_EQ(model.edges().data(), data);  // no copy: the caller's buffer, ordered i < j
    EXPECT_EQ(model.edges()[0], (Edge{0, 1}));
}

// Copies share the adjacency; racing first uses build it once, as a build on one thread does.
TEST(ModelBuild, AdjacencyIsBuiltOnceOnFirstUse) {
    const auto cubic = [] {
        CouplingSpec spec;
        spec.disorder = Disorder::gauss;
        spec.seed = 2;
        return build_model(make_lattice({LatticeKind::cubic, {40, 40, 30}, Boundary::periodic}),
                           spec);
    };
    const Model model = cubic();
    const Model copy = model;  // shares the (not yet built) adjacency
    EXPECT_FALSE(model.has_adjacency());
    std::vector<const Adjacency*> seen(8, nullptr);
    {
        std::vector<std::thread> threads;
        for (std::size_t t = 0; t < seen.size(); ++t)
            threads.emplace_back([&, t] { seen[t] = &(t % 2 == 0 ? model : copy).adjacency(); });
        for (std::thread& thread : threads) thread.join();
    }
    for (const Adjacency* a : seen) EXPECT_EQ(a, seen.front());
    EXPECT_TRUE(copy.has_adjacency());
    const Model fresh = cubic();
    const Adjacency serial = test::with_threads(1, [&] { return fresh.adjacency(); });
    EXPECT_EQ(seen.front()->offset, serial.offset);
    EXPECT_EQ(seen.front()->neighbour, serial.neighbour);
    EXPECT_EQ(seen.front()->coupling, serial.coupling);
}

}  // namespace
}  // namespace isingmf
