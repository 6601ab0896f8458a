#include "isingmf/model/model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "support/error_of.hpp"
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

// with_uniform_weights against the same model built from arrays of copies: the same edges
// (ordered, repeats merged), couplings, fields, shared values, adjacency and energies; its
// arrays are written only when asked for, except where repeated bonds must be merged (periodic
// extents of 2), and every thread asking at once gets the same array.
TEST(Model, UniformWeightsAreTheArraysWrittenOnFirstUse) {
    const UniformWeights weights{-0.75, 0.3};
    for (const LatticeSpec& spec :
         {LatticeSpec{LatticeKind::square, {6, 5}, Boundary::periodic},
          LatticeSpec{LatticeKind::square, {2, 3}, Boundary::periodic},
          LatticeSpec{LatticeKind::cubic, {3, 2, 4}, Boundary::periodic},
          LatticeSpec{LatticeKind::honeycomb, {4, 3}, Boundary::open},
          LatticeSpec{LatticeKind::chain, {1}, Boundary::open},
          LatticeSpec{LatticeKind::square, {300, 200}, Boundary::periodic}}) {
        const LatticeGraph graph = make_lattice(spec);
        const auto n = static_cast<std::size_t>(graph.num_sites);
        // Edges given as j < i, to be ordered.
        std::vector<Edge> edges;
        for (const Edge& e : graph.bonds) edges.push_back({e.j, e.i});
        const Model arrays(graph.num_sites, edges,
                           std::vector<double>(edges.size(), weights.coupling),
                           std::vector<double>(n, weights.field));
        const Model uniform = Model::with_uniform_weights(graph.num_sites, edges, weights);
        const bool repeats = arrays.num_edges() < edges.size();
        EXPECT_EQ(uniform.has_weight_arrays(), repeats)
            << to_string(spec.kind) << " of " << n << " sites";
        EXPECT_EQ(uniform.edges(), arrays.edges());
        EXPECT_EQ(uniform.shared_coupling(), arrays.shared_coupling());
        EXPECT_EQ(uniform.shared_field(), arrays.shared_field());
        const Model copy = uniform;  // shares the arrays, once written
        std::vector<const std::vector<double>*> couplings(8, nullptr);
        std::vector<const std::vector<double>*> fields(8, nullptr);
        {
            std::vector<std::thread> threads;
            for (std::size_t t = 0; t < couplings.size(); ++t) {
                threads.emplace_back([&, t] {
                    const Model& m = t % 2 == 0 ? uniform : copy;
                    couplings[t] = &m.couplings();
                    fields[t] = &m.fields();
                });
            }
            for (std::thread& thread : threads) thread.join();
        }
        for (std::size_t t = 0; t < couplings.size(); ++t) {
            EXPECT_EQ(couplings[t], couplings.front());
            EXPECT_EQ(fields[t], fields.front());
        }
        EXPECT_TRUE(uniform.has_weight_arrays());
        EXPECT_EQ(uniform.couplings(), arrays.couplings())
            << to_string(spec.kind) << " of " << n << " sites";
        EXPECT_EQ(uniform.fields(), arrays.fields());
        EXPECT_EQ(uniform.adjacency().coupling, arrays.adjacency().coupling);
        EXPECT_EQ(uniform.adjacency().neighbour, arrays.adjacency().neighbour);
        std::vector<signed char> spins(n);
        for (std::size_t i = 0; i < n; ++i) spins[i] = (i * 7 + i / 3) % 5 < 2 ? -1 : 1;
        EXPECT_EQ(uniform.energy(spins), arrays.energy(spins));
    }
}

TEST(Model, UniformWeightsAreCheckedLikeArrays) {
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(3, {{0, 1}}, {inf, 0.0});
              }),
              "the coupling is not finite");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(3, {}, {std::nan(""), 0.0});
              }),
              "the coupling is not finite");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(3, {{0, 1}}, {1.0, -inf});
              }),
              "the field is not finite");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(3, {{0, 1}, {2, 3}}, {1.0, 0.0});
              }),
              "edge (2, 3) has a site outside 0..2");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(3, {{0, 1}, {1, 1}}, {1.0, 0.0});
              }),
              "self-loop on site 1");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(0, {}, {1.0, 0.0});
              }),
              "a model needs at least one site, got 0");
    // Repeated bonds add: 1e308 + 1e308 overflows.
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(2, {{0, 1}, {1, 0}}, {1e308, 0.0});
              }),
              "repeated edge (0, 1) sums to a coupling that is not finite");
}

// Sizes are checked before the offset, the offset before the fields, the fields before the
// edges: the first error a user meets does not depend on which way the model was built.
TEST(Model, ReportsSizesBeforeValues) {
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model(2, {}, {1.0}, {0.0, 0.0}, std::nan(""));
              }),
              "0 edges but 1 couplings");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model(2, {{0, 1}}, {1.0}, {0.0}, inf);
              }),
              "2 sites but 1 fields");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model(2, {{0, 1}}, {1.0}, {inf, 0.0}, inf);
              }),
              "the energy offset is not finite");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model(2, {{0, 3}}, {1.0}, {inf, 0.0});
              }),
              "field on site 0 is not finite");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(2, {{0, 3}}, {inf, inf}, inf);
              }),
              "the energy offset is not finite");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(2, {{0, 3}}, {inf, inf});
              }),
              "the field is not finite");
    EXPECT_EQ(test::error_of<ModelError>([&] {
                  Model::with_uniform_weights(2, {{0, 3}}, {inf, 0.0});
              }),
              "the coupling is not finite");
}

// A moved-from model's couplings and fields are empty, whichever way it was built (as a moved
// vector is).
TEST(Model, MovedFromModelHasNoValues) {
    Model arrays(2, {{0, 1}}, {1.0}, {0.5, 0.5});
    Model uniform = Model::with_uniform_weights(2, {{0, 1}}, {1.0, 0.5});
    const Model a = std::move(arrays);
    const Model b = std::move(uniform);
    EXPECT_TRUE(arrays.couplings().empty());    // NOLINT(bugprone-use-after-move)
    EXPECT_TRUE(uniform.fields().empty());      // NOLINT(bugprone-use-after-move)
    EXPECT_FALSE(uniform.has_weight_arrays());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.couplings(), a.couplings());
    EXPECT_EQ(b.fields(), a.fields());
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
