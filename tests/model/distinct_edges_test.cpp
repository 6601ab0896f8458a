// The check for repeated bonds without rows (model/detail/distinct_edges.hpp), against a set of
// the edges seen so far (an independent brute force): every yes or no it gives is right, on
// one thread and on several (lists longer than the serial threshold), and on lattices without
// repeated bonds, whose wrap-around bonds are the only edges out of order, it always answers.

#include "isingmf/model/detail/distinct_edges.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/random.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

using detail::Distinct;

bool brute_force_distinct(const std::vector<Edge>& edges) {
    std::set<std::pair<int, int>> seen;
    for (const Edge& e : edges) {
        if (!seen.emplace(e.i, e.j).second) return false;
    }
    return true;
}

// Each edge as the Model holds it, i < j.
std::vector<Edge> ordered(std::vector<Edge> edges) {
    for (Edge& e : edges) e = {std::min(e.i, e.j), std::max(e.i, e.j)};
    return edges;
}

// A uniform index below `size`.
std::size_t index_below(Rng& rng, std::size_t size) {
    return static_cast<std::size_t>(rng.uniform() * static_cast<double>(size));
}

Distinct check(const std::vector<Edge>& edges, int threads) {
    return test::with_threads(threads, [&] { return detail::distinct_when_nearly_sorted(edges); });
}

void expect_right_or_unknown(const std::vector<Edge>& edges) {
    const Distinct truth = brute_force_distinct(edges) ? Distinct::yes : Distinct::no;
    for (const int threads : {1, 2, 3}) {
        const Distinct got = check(edges, threads);
        if (got != Distinct::unknown) {
            EXPECT_EQ(got, truth) << threads << " threads";
        }
    }
}

TEST(DistinctEdges, SmallCases) {
    EXPECT_EQ(check({}, 1), Distinct::yes);
    EXPECT_EQ(check({{0, 1}}, 1), Distinct::yes);
    EXPECT_EQ(check({{0, 1}, {0, 1}}, 1), Distinct::no);
    EXPECT_EQ(check({{0, 1}, {0, 2}, {1, 2}}, 1), Distinct::yes);
    // The first copy in the rising chain, the second out of order.
    EXPECT_EQ(check({{0, 2}, {1, 3}, {2, 5}, {0, 2}}, 1), Distinct::no);
    // Both copies out of order, equal to no chain key.
    EXPECT_EQ(check({{5, 9}, {0, 1}, {6, 7}, {0, 1}, {8, 9}}, 1), Distinct::no);
    // Out of order but distinct from everything.
    EXPECT_EQ(check({{5, 9}, {0, 1}, {6, 7}, {0, 2}, {8, 9}}, 1), Distinct::yes);
    // Too many out of order (more than 64 and one in 16): no answer.
    std::vector<Edge> falling;
    for (int i = 999; i > 0; --i) falling.push_back({i, 1000});
    EXPECT_EQ(check(falling, 1), Distinct::unknown);
}

// The second piece must start from the largest key of the first: a copy at the start of the
// second piece of an edge near the end of the first is in order within its own piece.
TEST(DistinctEdges, ARepeatAtTheStartOfAPieceIsFound) {
    std::vector<Edge> edges;
    for (int i = 0; i < 40000; ++i) edges.push_back({i, i + 1});
    const std::size_t m = edges.size() + 1;
    const std::size_t second = detail::piece_begin(m, 1, 2);  // where 2 threads split
    edges.insert(edges.begin() + static_cast<std::ptrdiff_t>(second), edges[second - 3]);
    for (const int threads : {1, 2}) EXPECT_EQ(check(edges, threads), Distinct::no) << threads;
}

TEST(DistinctEdges, LatticesAlwaysAnswerAndAnswerRight) {
    // Periodic extents of 2 repeat bonds; the others do not.
    for (const LatticeSpec& spec : std::vector<LatticeSpec>{
             {LatticeKind::square, {200, 180}, Boundary::periodic},
             {LatticeKind::square, {2, 30000}, Boundary::periodic},
             {LatticeKind::square, {30000, 2}, Boundary::periodic},
             {LatticeKind::square, {181, 190}, Boundary::open},
             {LatticeKind::cubic, {130, 129, 2}, Boundary::periodic},
             {LatticeKind::cubic, {33, 32, 34}, Boundary::periodic},
             {LatticeKind::triangular, {185, 185}, Boundary::periodic},
             {LatticeKind::chain, {70000}, Boundary::periodic},
         }) {
        const std::vector<Edge> edges = ordered(make_lattice(spec).bonds);
        ASSERT_GT(edges.size(), detail::kParallelSetupItems);
        const Distinct truth = brute_force_distinct(edges) ? Distinct::yes : Distinct::no;
        EXPECT_EQ(truth == Distinct::no, spec.size.back() == 2 || spec.size.front() == 2);
        for (const int threads : {1, 2, 3}) {
            const Distinct got = check(edges, threads);
            SCOPED_TRACE(::testing::Message() << to_string(spec.kind) << " " << threads);
            // An extent of 2 puts a whole row's or layer's bonds out of order: too many to sort.
            if (truth == Distinct::no && got == Distinct::unknown) continue;
            EXPECT_EQ(got, truth);
        }
    }
}

TEST(DistinctEdges, ShuffledAndRepeatedListsNeverGetAWrongAnswer) {
    Rng rng(5);
    const std::vector<Edge> lattice =
        ordered(make_lattice({LatticeKind::square, {200, 200}, Boundary::periodic}).bonds);
    // Edges swapped with one a few places on (a file in nearly sorted order): always answered.
    // A copy of an edge inserted anywhere: right or unknown (an early copy of a late edge
    // leaves every edge up to its twin out of order).
    for (int trial = 0; trial < 6; ++trial) {
        std::vector<Edge> edges = lattice;
        for (int k = 0; k < 200; ++k) {
            const std::size_t a = index_below(rng, edges.size() - 8);
            std::swap(edges[a], edges[a + 1 + index_below(rng, 7)]);
        }
        expect_right_or_unknown(edges);
        EXPECT_EQ(check(edges, 1), Distinct::yes);
        if (trial % 2 == 1) {
            const std::size_t from = index_below(rng, edges.size());
            const std::size_t to = index_below(rng, edges.size());
            edges.insert(edges.begin() + static_cast<std::ptrdiff_t>(to), edges[from]);
            expect_right_or_unknown(edges);
        }
    }
    // A repeat at the very end, its twin at the very start, across the pieces of the threads.
    std::vector<Edge> edges = lattice;
    edges.push_back(edges.front());
    for (const int threads : {1, 2, 3}) EXPECT_EQ(check(edges, threads), Distinct::no);
    // Random order: mostly unknown, never wrong.
    std::vector<Edge> random = lattice;
    for (std::size_t k = random.size(); k > 1; --k)
        std::swap(random[k - 1], random[index_below(rng, k)]);
    expect_right_or_unknown(random);
}

}  // namespace
}  // namespace isingmf
