#include "isingmf/model/model.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <utility>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

TEST(Model, RepeatedEdgesAddTheirCouplings) {
    // A periodic chain of length 2 has the bond (0,1) twice: one bond of strength 2J.
    const Model model(2, {{0, 1}, {1, 0}}, {1.0, 0.5}, {0.0, 0.0});
    ASSERT_EQ(model.num_edges(), 1u);
    EXPECT_DOUBLE_EQ(model.couplings()[0], 1.5);
}

// A coupling or field that every bond or site has, to the bit, is noted by the constructor;
// the expected answers are read off the values by hand. Large cases (above the serial
// threshold) differ in one value near the end, in the last thread's piece.
TEST(Model, SharedCouplingAndFieldAreOneValueToTheBit) {
    const auto shared = [](std::vector<Edge> edges, std::vector<double> J, std::vector<double> h) {
        const auto n = static_cast<int>(h.size());
        const Model model(n, std::move(edges), std::move(J), std::move(h));
        return std::pair(model.shared_coupling(), model.shared_field());
    };
    using Shared = std::pair<std::optional<double>, std::optional<double>>;
    EXPECT_EQ(shared({{0, 1}, {1, 2}}, {0.5, 0.5}, {0.1, 0.1, 0.1}), Shared(0.5, 0.1));
    EXPECT_EQ(shared({{0, 1}, {1, 2}}, {0.5, 0.25}, {0.1, 0.1, 0.2}),
              Shared(std::nullopt, std::nullopt));
    // +0 and -0 are equal numbers but not one value to the bit.
    EXPECT_EQ(shared({{0, 1}, {1, 2}}, {0.0, -0.0}, {-0.0, 0.0, 0.0}),
              Shared(std::nullopt, std::nullopt));
    EXPECT_EQ(shared({}, {}, {0.0, 0.0}), Shared(std::nullopt, 0.0)) << "no bonds: no coupling";
    // Repeated bonds add before the question is asked: 1 + 1 against 2 (shared), 1 + 1
    // against 1 (not).
    EXPECT_EQ(shared({{0, 1}, {1, 2}, {1, 0}}, {1.0, 2.0, 1.0}, {0.0, 0.0, 0.0}).first, 2.0);
    EXPECT_EQ(shared({{0, 1}, {1, 2}, {1, 0}}, {1.0, 1.0, 1.0}, {0.0, 0.0, 0.0}).first,
              std::nullopt);
    const int n = 100000;
    std::vector<Edge> ring;
    for (int i = 0; i < n; ++i) ring.push_back({i, (i + 1) % n});
    for (const int threads : {1, 3}) {
        std::vector<double> J(ring.size(), 1.5);
        std::vector<double> h(n, -0.25);
        EXPECT_EQ(test::with_threads(threads, [&] { return shared(ring, J, h); }),
                  Shared(1.5, -0.25));
        J[J.size() - 2] = 1.5000000000000002;
        h[n - 2] = -0.25000000000000006;
        EXPECT_EQ(test::with_threads(threads, [&] { return shared(ring, J, h); }),
                  Shared(std::nullopt, std::nullopt));
    }
}

TEST(Model, RejectsSelfLoopsAndBadIndices) {
    EXPECT_THROW(Model(2, {{1, 1}}, {1.0}, {0.0, 0.0}), ModelError);
    EXPECT_THROW(Model(2, {{0, 2}}, {1.0}, {0.0, 0.0}), ModelError);
    EXPECT_THROW(Model(2, {{0, 1}}, {1.0}, {0.0}), ModelError);
}

TEST(Model, EnergyFollowsTheSignConvention) {
    // H = -J s0 s1 - h0 s0 - h1 s1 with J = 2, h = (0.5, -1).
    const Model model(2, {{0, 1}}, {2.0}, {0.5, -1.0});
    const std::vector<signed char> up{1, 1};
    const std::vector<signed char> mixed{1, -1};
    EXPECT_DOUBLE_EQ(model.energy(up), -2.0 - 0.5 + 1.0);
    EXPECT_DOUBLE_EQ(model.energy(mixed), 2.0 - 0.5 - 1.0);
}

TEST(Model, AdjacencyListsEveryBondFromBothEnds) {
    const Model model =
        build_model(make_lattice({LatticeKind::square, {3, 3}, Boundary::periodic}), {});
    EXPECT_EQ(model.num_edges(), 18u);
    for (int i = 0; i < model.num_sites(); ++i) {
        const auto& adj = model.adjacency();
        EXPECT_EQ(
            adj.offset[static_cast<std::size_t>(i) + 1] - adj.offset[static_cast<std::size_t>(i)],
            4u);
    }
}

}  // namespace
}  // namespace isingmf
