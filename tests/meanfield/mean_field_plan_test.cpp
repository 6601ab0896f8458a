// The mean-field plan's parallel set-up: its update order is the greedy colouring in site
// order (computed here one site after another, as the plan once did), and every array of the
// plan is the same for any thread count, on lattices where the plan guesses the colouring
// (and checks its guess) and on graphs where it colours greedily.

#include "isingmf/meanfield/detail/mean_field_plan.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

// Sites class by class, each class in site order, classes from the greedy colouring.
std::vector<int> greedy_order(const Model& model) {
    const Adjacency& adj = model.adjacency();
    const auto n = static_cast<std::size_t>(model.num_sites());
    std::vector<int> colour(n, -1);
    int colours = 0;
    std::vector<char> used;
    for (std::size_t i = 0; i < n; ++i) {
        used.assign(static_cast<std::size_t>(colours) + 1, 0);
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k) {
            const int c = colour[static_cast<std::size_t>(adj.neighbour[k])];
            if (c >= 0) used[static_cast<std::size_t>(c)] = 1;
        }
        int c = 0;
        while (used[static_cast<std::size_t>(c)] != 0) ++c;
        colour[i] = c;
        colours = std::max(colours, c + 1);
    }
    std::vector<int> order;
    for (int c = 0; c < colours; ++c) {
        for (std::size_t i = 0; i < n; ++i) {
            if (colour[i] == c) order.push_back(static_cast<int>(i));
        }
    }
    return order;  // (colours is small on these graphs: a pass per colour is cheap)
}

template <class V>
std::vector<typename V::value_type> plain(const V& v) {
    return {v.begin(), v.end()};
}

// The neighbours of every position, as the kernel reads them (stencil offsets or lists).
std::vector<std::size_t> all_neighbours(const MeanFieldPlan& plan) {
    std::vector<std::size_t> all;
    plan.for_each_row(0, plan.order().size(), [&](std::size_t, const auto& row) {
        for (std::size_t s = 0; s < row.size(); ++s) all.push_back(row[s]);
    });
    return all;
}

// The slots of the gathered segments: all neighbour() holds where the lattice gives the rows.
std::size_t gathered_slots(const MeanFieldPlan& plan) {
    std::size_t slots = 0;
    for (const KernelSegment& seg : plan.segments()) {
        if (seg.stencil == KernelSegment::kNoStencil)
            slots += plan.row(seg.begin + seg.size) - plan.row(seg.begin);
    }
    return slots;
}

// The same plan, whether or not both store the rows that stencils replace.
void expect_same_plan(const MeanFieldPlan& a, const MeanFieldPlan& b) {
    EXPECT_EQ(a.order(), b.order());
    EXPECT_EQ(a.kept_lattice_guess(), b.kept_lattice_guess());
    EXPECT_EQ(a.class_offset(), b.class_offset());
    EXPECT_EQ(a.position(), b.position());
    EXPECT_EQ(a.degree(), b.degree());
    EXPECT_EQ(a.row_offsets(), b.row_offsets());
    EXPECT_EQ(all_neighbours(a), all_neighbours(b));
    EXPECT_EQ(plain(a.coupling()), plain(b.coupling()));
    EXPECT_EQ(plain(a.field()), plain(b.field()));
    EXPECT_EQ(a.shared_coupling(), b.shared_coupling());
    EXPECT_EQ(a.shared_field(), b.shared_field());
    EXPECT_EQ(a.class_chunks(), b.class_chunks());
    EXPECT_EQ(a.chunk_segments(), b.chunk_segments());
    ASSERT_EQ(a.segments().size(), b.segments().size());
    for (std::size_t g = 0; g < a.segments().size(); ++g) {
        EXPECT_EQ(a.segments()[g].begin, b.segments()[g].begin);
        EXPECT_EQ(a.segments()[g].size, b.segments()[g].size);
        EXPECT_EQ(a.segments()[g].stencil, b.segments()[g].stencil);
    }
    EXPECT_EQ(a.stencil_offsets(), b.stencil_offsets());
}

Model lattice_model(LatticeSpec spec) {
    CouplingSpec couplings;
    couplings.disorder = Disorder::gauss;
    couplings.random_field = 0.5;
    couplings.seed = 3;
    return build_model(make_lattice(spec), couplings);
}

TEST(MeanFieldPlan, GreedyOrderAndSameArraysForEveryThreadCount) {
    // Even periodic and open lattices: the checkerboard or sublattice guess holds, and must be
    // kept (a correct guess rejected gives the same order, at the cost of greedy colouring).
    // Odd periodic extents and triangular lattices: the guess fails or is not made, and the
    // plan colours greedily. Each has more sites than the serial threshold of the set-up passes.
    std::vector<Model> models;
    std::vector<bool> guess_holds;
    for (const auto& [spec, holds] : std::vector<std::pair<LatticeSpec, bool>>{
             {{LatticeKind::square, {200, 180}, Boundary::periodic}, true},
             {{LatticeKind::square, {199, 181}, Boundary::periodic}, false},
             {{LatticeKind::cubic, {33, 32, 34}, Boundary::open}, true},
             {{LatticeKind::cubic, {34, 32, 36}, Boundary::periodic}, true},
             {{LatticeKind::chain, {40000}, Boundary::periodic}, true},
             {{LatticeKind::honeycomb, {130, 140}, Boundary::periodic}, true},
             {{LatticeKind::honeycomb, {131, 141}, Boundary::open}, true},
             {{LatticeKind::triangular, {185, 185}, Boundary::periodic}, false},
         }) {
        models.push_back(lattice_model(spec));
        guess_holds.push_back(holds);
    }
    // A random graph of mixed degrees (row offsets, gathered segments), no lattice to guess.
    const int n = 40000;
    std::vector<Edge> edges;
    Rng rng(9);
    for (int k = 0; k < 3 * n; ++k) {
        const int i = static_cast<int>(rng.uniform() * n);
        const int j = static_cast<int>(rng.uniform() * n);
        if (i != j) edges.push_back({i, j});
    }
    const std::vector<double> couplings(edges.size(), 1.0);
    models.emplace_back(n, edges, couplings, std::vector<double>(n, 0.1));
    guess_holds.push_back(false);

    for (std::size_t k = 0; k < models.size(); ++k) {
        const Model& model = models[k];
        SCOPED_TRACE(model.lattice() ? to_string(model.lattice()->kind) : "random graph");
        const MeanFieldPlan serial = test::with_threads(1, [&] { return MeanFieldPlan(model); });
        EXPECT_EQ(plain(serial.order()), greedy_order(model));
        EXPECT_EQ(serial.kept_lattice_guess(), guess_holds[k]);
        for (const int threads : {3}) {
            const MeanFieldPlan plan =
                test::with_threads(threads, [&] { return MeanFieldPlan(model); });
            expect_same_plan(plan, serial);
        }
    }
}

// The plan keeps a lattice's guessed colouring only where it is greedy colouring's: models that
// carry a lattice's description but not all its bonds. Where a bond joins two sites of one
// guessed class, or a site of class 1 has no lower-numbered neighbour (greedy gives it colour
// 0), the order must still be greedy's.
TEST(MeanFieldPlan, AGuessedColouringIsKeptOnlyWhereItIsGreedys) {
    const auto with_lattice = [](const LatticeSpec& spec, std::vector<Edge> edges) {
        const auto n = static_cast<int>(lattice_num_sites(spec));
        const std::vector<double> couplings(edges.size(), 1.0);
        return Model(n, std::move(edges), couplings, std::vector<double>(n, 0.0), 0.0, {}, spec);
    };
    std::vector<Model> models;
    // Site 5 is alone: class 1 by the guess (sites of odd number), colour 0 by greedy.
    models.push_back(
        with_lattice({LatticeKind::chain, {6}, Boundary::open}, {{0, 1}, {1, 2}, {2, 3}, {3, 4}}));
    // A bond inside class 0 (sites 0 and 2), then one inside class 1 (sites 1 and 3), where
    // every site of class 1 has a lower-numbered neighbour.
    models.push_back(with_lattice({LatticeKind::chain, {3}, Boundary::open}, {{0, 1}, {0, 2}}));
    models.push_back(
        with_lattice({LatticeKind::chain, {4}, Boundary::open}, {{0, 1}, {0, 3}, {1, 3}}));
    // The same faults only in long runs of positions whose neighbours lie at the same offsets,
    // which the check reads as stencils. A chain of 400 sites, bonds (2k, 2k + 1), and 16
    // sites of one class each bonded to the site 200 on: the bonded rows are alike, so the
    // faults lie inside stencil runs. Then odd sites (class 1) bonded upwards only, but for
    // the last, whose bond to site 0 makes its row unlike the others.
    const LatticeSpec long_chain{LatticeKind::chain, {400}, Boundary::open};
    for (const int parity : {1, 0}) {
        std::vector<Edge> edges;
        for (int i = 0; i + 1 < 400; i += 2) edges.push_back({i, i + 1});
        for (int i = 100 + parity; i < 132; i += 2) edges.push_back({i, i + 200});
        models.push_back(with_lattice(long_chain, edges));
    }
    std::vector<Edge> odd_up{{0, 399}};
    for (int i = 1; i + 1 < 400; i += 2) odd_up.push_back({i, i + 1});
    models.push_back(with_lattice(long_chain, odd_up));
    // A periodic square lattice, above the serial threshold, whose site s of class 1 in the
    // second half has lost its bonds to lower-numbered sites.
    const LatticeSpec square{LatticeKind::square, {200, 180}, Boundary::periodic};
    const int s = 150 * 200 + 1;
    std::vector<Edge> bonds = make_lattice(square).bonds;
    std::erase_if(bonds, [&](const Edge& e) { return std::max(e.i, e.j) == s; });
    models.push_back(with_lattice(square, bonds));
    // The same lattice whole, where the guess holds.
    models.push_back(with_lattice(square, make_lattice(square).bonds));
    for (const Model& model : models) {
        for (const int threads : {1, 3}) {
            const MeanFieldPlan plan =
                test::with_threads(threads, [&] { return MeanFieldPlan(model); });
            EXPECT_EQ(plain(plan.order()), greedy_order(model));
            EXPECT_EQ(plan.kept_lattice_guess(), &model == &models.back());
            // The classes too: no bond inside one (the order alone can match with a class
            // boundary misplaced).
            const auto class_of = [&](int site) {
                const auto p =
                    static_cast<std::size_t>(plan.position()[static_cast<std::size_t>(site)]);
                return std::upper_bound(plan.class_offset().begin(), plan.class_offset().end(), p) -
                       plan.class_offset().begin();
            };
            for (const Edge& e : model.edges()) EXPECT_NE(class_of(e.i), class_of(e.j));
        }
    }
}

TEST(MeanFieldPlan, GeneratedBondsGiveTheListedModelsPlan) {
    // A model that generates its bonds (Model::of_lattice) gives the plan of the same model
    // built from make_lattice's list, whichever way the rows are built: from the geometry
    // (periodic lattices, shared weights), from generated blocks by the one-pass rows (stored
    // couplings on up to four threads; the open 4x4 square, whose degrees average a whole 3,
    // before they are found to differ), or from the written-out list by the staged
    // transposition (more threads, uneven degrees). The first two never write the list.
    const UniformWeights weights{0.8, -0.2};
    for (const LatticeSpec& spec :
         {LatticeSpec{LatticeKind::square, {300, 200}, Boundary::periodic},
          LatticeSpec{LatticeKind::square, {64, 47}, Boundary::periodic},
          LatticeSpec{LatticeKind::honeycomb, {120, 90}, Boundary::periodic},
          LatticeSpec{LatticeKind::triangular, {130, 90}, Boundary::periodic},
          LatticeSpec{LatticeKind::cubic, {34, 30, 32}, Boundary::periodic},
          LatticeSpec{LatticeKind::chain, {70001}, Boundary::periodic},
          LatticeSpec{LatticeKind::square, {200, 190}, Boundary::open},
          LatticeSpec{LatticeKind::square, {4, 4}, Boundary::open}}) {
        const LatticeGraph graph = make_lattice(spec);
        const Model listed =
            Model::with_uniform_weights(graph.num_sites, graph.bonds, weights, 0.0, {}, spec);
        const bool periodic = spec.boundary == Boundary::periodic;
        for (const auto stored :
             {MeanFieldPlan::Weights::shared_when_uniform, MeanFieldPlan::Weights::always_stored}) {
            for (const int threads : {1, 2, 4, 8}) {
                SCOPED_TRACE(::testing::Message()
                             << to_string(spec.kind) << " " << graph.num_sites << " sites, "
                             << threads << " threads, stored "
                             << (stored != MeanFieldPlan::Weights::shared_when_uniform));
                const Model generated = Model::of_lattice(spec, weights);
                test::with_threads(threads, [&] {
                    const MeanFieldPlan plan(generated, stored);
                    const MeanFieldPlan from_list(listed, stored);
                    expect_same_plan(plan, from_list);
                    const bool from_geometry =
                        periodic && stored == MeanFieldPlan::Weights::shared_when_uniform;
                    // Rows from the geometry: the gathered ones alone are stored, in segment
                    // order. Rows from a list: the same where they are under half the slots
                    // (stencils cover most periodic rows), else every row.
                    const std::size_t slots = 2 * listed.num_edges();
                    const auto stored_rows = [&](const MeanFieldPlan& p, bool always) {
                        const std::size_t gathered = gathered_slots(p);
                        return always || 2 * gathered < slots ? gathered : slots;
                    };
                    EXPECT_EQ(plan.neighbour().size(), stored_rows(plan, from_geometry));
                    EXPECT_EQ(from_list.neighbour().size(), stored_rows(from_list, false));
                    if (periodic) {
                        EXPECT_LT(2 * from_list.neighbour().size(), slots);
                    }
                    const bool one_pass = periodic && threads <= 4;
                    if (from_geometry || one_pass) {
                        EXPECT_FALSE(generated.has_edge_list());
                    }
                    if (!periodic) {
                        EXPECT_TRUE(generated.has_edge_list());
                    }
                    return 0;
                });
            }
        }
    }
}

TEST(MeanFieldPlan, RowsFromTheGeometryAreTheTransposedBonds) {
    // On periodic lattices a model that generates its bonds has the plan's rows written
    // site by site from the geometry (LatticeBonds::write_renamed_rows), not transposed from
    // the bonds: on small extents every site's row meets the wrap-around bonds, in both
    // colourings the plan tries (odd extents defeat the guess).
    const UniformWeights weights{1.0, 0.1};
    std::vector<LatticeSpec> specs;
    for (int a = 3; a <= 5; ++a) {
        specs.push_back({LatticeKind::chain, {a}, Boundary::periodic});
        for (int b = 3; b <= 5; ++b) {
            specs.push_back({LatticeKind::square, {a, b}, Boundary::periodic});
            specs.push_back({LatticeKind::triangular, {a, b}, Boundary::periodic});
            specs.push_back({LatticeKind::cubic, {a, b, 3}, Boundary::periodic});
        }
    }
    for (int a = 2; a <= 4; ++a) {
        for (int b = 2; b <= 4; ++b)
            specs.push_back({LatticeKind::honeycomb, {a, b}, Boundary::periodic});
    }
    // Longer rows, whose sites away from the wrap in x are written from their row's first
    // such site without sorting their bonds.
    for (const int a : {8, 9}) {
        specs.push_back({LatticeKind::chain, {a + 3}, Boundary::periodic});
        specs.push_back({LatticeKind::square, {a, 6}, Boundary::periodic});
        specs.push_back({LatticeKind::triangular, {a, 7}, Boundary::periodic});
        specs.push_back({LatticeKind::cubic, {a, 5, 4}, Boundary::periodic});
    }
    for (const LatticeSpec& spec : specs) {
        const LatticeGraph graph = make_lattice(spec);
        const Model listed =
            Model::with_uniform_weights(graph.num_sites, graph.bonds, weights, 0.0, {}, spec);
        const Model generated = Model::of_lattice(spec, weights);
        ASSERT_NE(generated.lattice_bonds(), nullptr);
        SCOPED_TRACE(to_string(spec.kind) + " of " + std::to_string(graph.num_sites) + " sites");
        expect_same_plan(MeanFieldPlan(generated), MeanFieldPlan(listed));
        EXPECT_FALSE(generated.has_edge_list());
    }
}

// A lattice of one site has one class (the guess gives site 1 colour 1 only where there is a
// site 1).
TEST(MeanFieldPlan, OneSiteLatticeHasOneClass) {
    for (const LatticeSpec& spec :
         std::vector<LatticeSpec>{{LatticeKind::chain, {1}, Boundary::open},
                                  {LatticeKind::square, {1, 1}, Boundary::open},
                                  {LatticeKind::cubic, {1, 1, 1}, Boundary::open}}) {
        const Model model(1, {}, {}, std::vector<double>{0.5}, 0.0, {}, spec);
        const MeanFieldPlan plan(model);
        EXPECT_EQ(plan.class_offset(), (std::vector<std::size_t>{0, 1})) << to_string(spec.kind);
    }
}

// Rows of one degree are tried wherever 2m/n is whole, and a row offered one entry too many
// must stop them whichever thread owns it (each of 2, 3 and 4 threads owns a piece of the
// rows): a ring with one bond moved in the first quarter, a star with a chord (its hub is row
// 0 or row n - 1, by class), and a small star whose hub is the last site (its extra entry
// would be written past the rows' end: ASan's build sees that).
TEST(MeanFieldPlan, UnevenDegreesFoundInAnyThreadsRows) {
    std::vector<Model> models;
    const int n = 40000;
    std::vector<Edge> ring;
    for (int i = 0; i < n; ++i) ring.push_back({i, (i + 1) % n});
    ring[10000] = {10000, 10002};
    models.emplace_back(n, ring, std::vector<double>(ring.size(), 1.0),
                        std::vector<double>(n, 0.0));
    std::vector<Edge> star;  // hub 0, plus one chord: 2m/n = 2
    for (int i = 1; i < n; ++i) star.push_back({0, i});
    star.push_back({1, 2});
    models.emplace_back(n, star, std::vector<double>(star.size(), 1.0),
                        std::vector<double>(n, 0.0));
    models.emplace_back(4, std::vector<Edge>{{3, 0}, {3, 1}, {3, 2}, {0, 1}},
                        std::vector<double>(4, 1.0), std::vector<double>(4, 0.0));
    for (const Model& model : models) {
        const MeanFieldPlan serial = test::with_threads(1, [&] { return MeanFieldPlan(model); });
        EXPECT_EQ(plain(serial.order()), greedy_order(model));
        EXPECT_EQ(serial.degree(), 0);
        for (const int threads : {2, 3, 4}) {
            const MeanFieldPlan plan =
                test::with_threads(threads, [&] { return MeanFieldPlan(model); });
            expect_same_plan(plan, serial);
        }
    }
}

// Each position's row is its site's neighbours in increasing edge order, renamed to positions,
// with the couplings beside them and the site's field: the plan transposes the edge list
// straight into update order, and the test collects each site's edges one by one from the
// model's edge list. On lattices where the guessed colouring holds, where it fails (odd
// periodic extents) and where there is none (complete graphs, a graph with repeated bonds
// merged by Model); with one shared degree (no row offsets) and without. Uniform periodic
// lattices with shared weights keep only their gathered rows (the rest are stencils), written
// from the geometry: neighbours_of reads both kinds.
TEST(MeanFieldPlan, RowsAreTheAdjacencyInUpdateOrder) {
    std::vector<Model> models;
    CouplingSpec uniform;
    uniform.h = 0.1;
    for (const LatticeSpec& spec :
         std::vector<LatticeSpec>{{LatticeKind::square, {64, 40}, Boundary::periodic},
                                  {LatticeKind::square, {9, 7}, Boundary::periodic},
                                  {LatticeKind::honeycomb, {12, 10}, Boundary::periodic},
                                  {LatticeKind::triangular, {12, 12}, Boundary::periodic},
                                  {LatticeKind::cubic, {16, 6, 4}, Boundary::periodic},
                                  {LatticeKind::chain, {300}, Boundary::periodic}})
        models.push_back(build_model(spec, uniform, {}));
    models.push_back(lattice_model({LatticeKind::square, {200, 180}, Boundary::periodic}));
    models.push_back(lattice_model({LatticeKind::square, {9, 7}, Boundary::periodic}));
    models.push_back(lattice_model({LatticeKind::honeycomb, {6, 5}, Boundary::open}));
    models.push_back(lattice_model({LatticeKind::cubic, {2, 3, 4}, Boundary::periodic}));
    // Shared degrees of 254 (counted in a byte per site), 255 and 299 (too many for the byte).
    for (const int sites : {255, 256, 300})
        models.push_back(lattice_model({LatticeKind::complete, {sites}, Boundary::open}));
    // Degrees that differ although 2 m / n is whole (rows first written at width 2, then
    // found uneven): a ring of 40000 (above the serial threshold) with one bond moved in the
    // second thread's half, and a small star with a chord.
    std::vector<Edge> ring;
    for (int i = 0; i < 40000; ++i) ring.push_back({i, (i + 1) % 40000});
    ring[30000] = {30000, 30002};
    models.emplace_back(40000, ring, std::vector<double>(ring.size(), 1.0),
                        std::vector<double>(40000, 0.0));
    models.emplace_back(4, std::vector<Edge>{{0, 1}, {0, 2}, {0, 3}, {1, 2}},
                        std::vector<double>{1.0, 2.0, 3.0, 4.0}, std::vector<double>(4, 0.5));
    models.emplace_back(5, std::vector<Edge>{{3, 1}, {0, 4}, {1, 3}, {2, 0}, {4, 0}},
                        std::vector<double>{0.5, -1.0, 0.25, 2.0, 0.125},
                        std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5});
    for (const Model& model : models) {
        SCOPED_TRACE(model.lattice() ? to_string(model.lattice()->kind) : "small graph");
        // 5 threads: more than read the whole edge list for rows of one degree, so staged.
        for (const auto& [threads, weights] :
             {std::pair{1, MeanFieldPlan::Weights::always_stored},
              std::pair{2, MeanFieldPlan::Weights::always_stored},
              std::pair{5, MeanFieldPlan::Weights::always_stored},
              std::pair{1, MeanFieldPlan::Weights::shared_when_uniform},
              std::pair{2, MeanFieldPlan::Weights::shared_when_uniform}}) {
            const MeanFieldPlan plan =
                test::with_threads(threads, [&] { return MeanFieldPlan(model, weights); });
            // Both sides laid out in update order, compared whole (one message, not one per
            // slot, on the complete graphs).
            const auto n = static_cast<std::size_t>(model.num_sites());
            std::vector<std::vector<std::pair<int, double>>> by_site(n);  // (other end, J)
            for (std::size_t e = 0; e < model.edges().size(); ++e) {
                const Edge& edge = model.edges()[e];
                const double J = model.couplings()[e];
                by_site[static_cast<std::size_t>(edge.i)].emplace_back(edge.j, J);
                by_site[static_cast<std::size_t>(edge.j)].emplace_back(edge.i, J);
            }
            std::vector<std::size_t> row_sizes, expected_row_sizes;
            std::vector<int> neighbours, expected_neighbours;
            std::vector<double> couplings, expected_couplings, fields, expected_fields;
            for (std::size_t p = 0; p < n; ++p) {
                const auto i = static_cast<std::size_t>(plan.order()[p]);
                ASSERT_EQ(static_cast<std::size_t>(plan.position()[i]), p);
                row_sizes.push_back(plan.row(p + 1) - plan.row(p));
                expected_row_sizes.push_back(by_site[i].size());
                plan.neighbours_of(p, [&](const auto& row) {
                    EXPECT_EQ(row.size(), plan.row(p + 1) - plan.row(p));
                    for (std::size_t s = 0; s < row.size(); ++s) {
                        neighbours.push_back(static_cast<int>(row[s]));
                        couplings.push_back(plan.coupling_at(plan.row(p) + s));
                    }
                });
                for (const auto& [other, J] : by_site[i]) {
                    expected_neighbours.push_back(plan.position()[static_cast<std::size_t>(other)]);
                    expected_couplings.push_back(J);
                }
                fields.push_back(plan.field_at(p));
                expected_fields.push_back(model.fields()[i]);
            }
            EXPECT_EQ(row_sizes, expected_row_sizes);
            EXPECT_EQ(neighbours, expected_neighbours);
            EXPECT_EQ(couplings, expected_couplings);
            EXPECT_EQ(fields, expected_fields);
        }
    }
}

// The bound read through the plan's graph (what the solvers use) and through the model's
// adjacency: the same sums in the same order, so the same bits, also where m needs clamping;
// with couplings stored or shared, uniform degree or row offsets (open boundaries).
TEST(MeanFieldPlan, BoundThroughThePlanIsTheModelsToTheBit) {
    CouplingSpec ferromagnet;
    ferromagnet.h = 0.2;
    std::vector<Model> models;
    models.push_back(lattice_model({LatticeKind::triangular, {15, 14}, Boundary::periodic}));
    models.push_back(lattice_model({LatticeKind::square, {190, 180}, Boundary::open}));
    models.push_back(
        build_model(make_lattice({LatticeKind::cubic, {9, 8, 7}, Boundary::open}), ferromagnet));
    for (const Model& model : models) {
        const MeanFieldPlan plan(model);
        EXPECT_EQ(plan.shared_coupling().has_value(), &model == &models.back());
        EXPECT_EQ(plan.degree() == 0, model.lattice()->boundary == Boundary::open);
        Rng rng(4);
        std::vector<double> m(static_cast<std::size_t>(model.num_sites()));
        for (double& x : m) x = 2.4 * rng.uniform() - 1.2;
        const std::vector<double> betas = {0.0, 0.3, 1.7};
        std::vector<double> by_plan;
        for (const double beta : betas) by_plan.push_back(mean_field_bound(plan, beta, m));
        EXPECT_FALSE(model.has_adjacency());
        for (std::size_t k = 0; k < betas.size(); ++k)
            EXPECT_EQ(by_plan[k], mean_field_bound(model, betas[k], m));
        EXPECT_THROW(mean_field_bound(plan, 1.0, std::vector<double>(3, 0.0)), ModelError);
    }
}

}  // namespace
}  // namespace isingmf
