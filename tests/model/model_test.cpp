#include "isingmf/model/model.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

TEST(Model, RepeatedEdgesAddTheirCouplings) {
    // A periodic chain of length 2 has the bond (0,1) twice: one bond of strength 2J.
    const Model model(2, {{0, 1}, {1, 0}}, {1.0, 0.5}, {0.0, 0.0});
    ASSERT_EQ(model.num_edges(), 1u);
    EXPECT_DOUBLE_EQ(model.couplings()[0], 1.5);
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
