// The certified upper bound: never below exact ln Z (enumeration, elimination, the UAI grids'
// published values) on many small models over T = inf .. 0.01; equal to it on forests and
// when one strip holds the lattice; nesting of decompositions; monotone optimisation; equal
// to the tree-reweighted (TRW) bound computed here by an independent message-passing
// implementation; the same bits for every thread count.

#include "isingmf/bounds/upper_bound.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "isingmf/clusters/decompose.hpp"
#include "isingmf/exact/eliminate.hpp"
#include "isingmf/exact/enumerate.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

struct NamedModel {
    std::string name;
    Model model;
};

Model make(LatticeKind kind, std::vector<int> size, Boundary boundary, Disorder disorder,
           double J = 1.0, double h = 0.0, double random_field = 0.0, std::uint64_t seed = 1) {
    CouplingSpec spec;
    spec.disorder = disorder;
    spec.J = J;
    spec.h = h;
    spec.random_field = random_field;
    spec.seed = seed;
    return build_model(make_lattice({kind, std::move(size), boundary}), spec);
}

std::vector<NamedModel> small_models() {
    using K = LatticeKind;
    using B = Boundary;
    using D = Disorder;
    std::vector<NamedModel> m;
    m.push_back({"ferro square 4x5 open", make(K::square, {4, 5}, B::open, D::uniform)});
    m.push_back({"ferro square 4x4 periodic h",
                 make(K::square, {4, 4}, B::periodic, D::uniform, 1.0, 0.2)});
    m.push_back(
        {"antiferro square 4x4 periodic", make(K::square, {4, 4}, B::periodic, D::uniform, -1.0)});
    m.push_back({"pm square 5x4 periodic", make(K::square, {5, 4}, B::periodic, D::pm, 1.0, 0.1)});
    m.push_back(
        {"gauss square 6x3 open rf", make(K::square, {6, 3}, B::open, D::gauss, 1.0, 0.0, 0.5)});
    m.push_back({"random field ferro 4x4 periodic",
                 make(K::square, {4, 4}, B::periodic, D::uniform, 1.0, 0.0, 1.0)});
    m.push_back({"SK 12", make(K::complete, {12}, B::open, D::sk, 1.0, 0.0, 0.3)});
    m.push_back({"SK 9 odd", make(K::complete, {9}, B::open, D::sk)});
    m.push_back({"triangular 4x4 periodic pm", make(K::triangular, {4, 4}, B::periodic, D::pm)});
    m.push_back({"triangular 5x3 open antiferro",
                 make(K::triangular, {5, 3}, B::open, D::uniform, -1.0, 0.3)});
    m.push_back(
        {"honeycomb 3x3 periodic gauss", make(K::honeycomb, {3, 3}, B::periodic, D::gauss)});
    m.push_back(
        {"honeycomb 3x4 open ferro", make(K::honeycomb, {3, 4}, B::open, D::uniform, 1.0, 0.1)});
    m.push_back({"cubic 3x3x2 periodic pm", make(K::cubic, {3, 3, 2}, B::periodic, D::pm)});
    m.push_back({"cubic 2x3x3 open gauss", make(K::cubic, {2, 3, 3}, B::open, D::gauss, 1.0, 0.2)});
    m.push_back({"chain 10 periodic", make(K::chain, {10}, B::periodic, D::gauss, 1.0, 0.3)});
    // A random graph read as plain edges (no lattice: spanning trees).
    Rng rng(7, 0);
    std::vector<Edge> edges;
    std::vector<double> J;
    for (int i = 0; i < 14; ++i)
        for (int j = i + 1; j < 14; ++j)
            if (rng.uniform() < 0.3) {
                edges.push_back({i, j});
                J.push_back(rng.normal());
            }
    std::vector<double> h(14);
    for (double& x : h) x = 0.3 * rng.normal();
    m.push_back({"random graph 14", Model(14, edges, J, h, 0.7)});
    return m;
}

// Up to rounding of the pieces' ln Z: a few ulp of the sum of |terms|.
double rounding(double ln_z) { return 1e-11 * std::max(1.0, std::abs(ln_z)); }

TEST(UpperBound, NeverBelowExactOnSmallModels) {
    // beta from T = inf to T = 0.01 (the log-domain kernel is in use at the low end).
    const std::vector<double> betas = {0.0, 0.05, 0.5, 1.5, 100.0};
    for (const auto& [name, model] : small_models()) {
        const std::vector<ExactResult> exact = enumerate_exact(model, betas);
        for (int width : {1, 2, 3}) {
            UpperBoundOptions options;
            options.width = width;
            const UpperBoundPlan plan(model, choose_decomposition(model, options));
            for (std::size_t k = 0; k < betas.size(); ++k) {
                const UpperBoundResult r = solve_upper_bound(plan, betas[k], options);
                EXPECT_GE(r.ln_z, exact[k].ln_z - rounding(exact[k].ln_z))
                    << name << ", width " << width << ", beta " << betas[k] << ": "
                    << r.description;
                EXPECT_TRUE(std::isfinite(r.ln_z)) << name;
            }
        }
    }
}

TEST(UpperBound, NeverBelowExactOnTheUaiGrids) {
    // Exact ln Z at the files' own temperature (beta = 1) from
    // tests/data/uai2014-grids/README.md (elimination, 6 decimals).
    const std::vector<std::pair<std::string, double>> grids = {{"Grids_11.uai", 390.077166},
                                                               {"Grids_12.uai", 697.881206},
                                                               {"Grids_13.uai", 767.500738},
                                                               {"Grids_14.uai", 1146.142775}};
    for (const auto& [file, ln_z] : grids) {
        const Model model = read_uai(std::filesystem::path(ISINGMF_UAI_GRIDS_DIR) / file);
        for (int width : {1, 2}) {
            UpperBoundOptions options;
            options.width = width;
            options.max_iterations = 60;  // certified whether or not converged
            const UpperBoundResult r = solve_upper_bound(model, 1.0, options);
            EXPECT_GE(r.ln_z, ln_z - 1e-6 * ln_z) << file << " width " << width;
            EXPECT_EQ(r.kind, DecompositionKind::strips) << file << ": found the 10x10 grid";
        }
    }
}

TEST(UpperBound, ExactOnForestsAndWholeLattices) {
    // A random forest (trees decomposition of one piece), a chain and a lattice narrower than
    // the strip: one piece, nothing to split, U = ln Z.
    Rng rng(3, 1);
    std::vector<Edge> edges;
    for (int i = 1; i < 16; ++i)
        if (i != 9) edges.push_back({static_cast<int>(rng.next() % static_cast<unsigned>(i)), i});
    std::vector<double> J(edges.size()), h(16);
    for (double& x : J) x = 2.0 * rng.normal();
    for (double& x : h) x = rng.normal();
    const Model forest(16, edges, J, h);
    const Model chain =
        make(LatticeKind::chain, {14}, Boundary::periodic, Disorder::gauss, 1.0, 0.2);
    const Model narrow =
        make(LatticeKind::square, {6, 3}, Boundary::periodic, Disorder::pm, 1.0, 0.1);
    const std::vector<double> betas = {0.0, 0.4, 2.0, 50.0};
    for (const Model* model : {&forest, &chain, &narrow}) {
        const auto exact = enumerate_exact(*model, betas);
        UpperBoundOptions options;
        options.width = 3;
        const Decomposition d = choose_decomposition(*model, options);
        EXPECT_EQ(num_pieces(d), 1) << d.description;
        for (std::size_t k = 0; k < betas.size(); ++k) {
            const UpperBoundResult r = solve_upper_bound(*model, betas[k], options);
            EXPECT_NEAR(r.ln_z, exact[k].ln_z, 1e-10 * std::max(1.0, exact[k].ln_z))
                << d.description << " beta " << betas[k];
            EXPECT_TRUE(r.converged);
        }
    }
}

// Pieces of `fine` merged pairwise in order: each merged piece holds the sites of two
// consecutive pieces and every edge between them (a supergraph of both).
PieceFamily merge_pairs(const Model& model, const PieceFamily& fine) {
    PieceFamily coarse;
    coarse.weight = fine.weight;
    for (std::size_t p = 0; p < fine.pieces.size(); p += 2) {
        std::vector<int> sites = fine.pieces[p].sites;
        if (p + 1 < fine.pieces.size())
            sites.insert(sites.end(), fine.pieces[p + 1].sites.begin(),
                         fine.pieces[p + 1].sites.end());
        coarse.pieces.push_back(induced_piece(model, sites));
    }
    return coarse;
}

TEST(UpperBound, NestingAndMonotoneDescent) {
    const Model model = make(LatticeKind::square, {6, 6}, Boundary::open, Disorder::pm, 1.0, 0.1);
    const Decomposition chains = strip_decomposition(model, *model.lattice(), {1});
    Decomposition ladders = chains;  // rows merged into 2-row ladders, columns likewise
    for (auto& family : ladders.families) family = merge_pairs(model, family);
    UpperBoundOptions options;
    options.record_trace = true;
    options.tolerance = 1e-13;
    for (double beta : {0.2, 0.6, 1.2}) {
        const UpperBoundResult fine =
            solve_upper_bound(UpperBoundPlan(model, chains), beta, options);
        const UpperBoundResult coarse =
            solve_upper_bound(UpperBoundPlan(model, ladders), beta, options);
        // Every chain is inside a ladder with the same weight, so the ladders' optimum is no
        // larger (their feasible splits contain the chains' ones).
        EXPECT_LE(coarse.ln_z, fine.ln_z + 1e-9) << "beta " << beta;
        EXPECT_LT(coarse.ln_z, fine.ln_z - 1e-3) << "ladders hold the rungs: strictly tighter";
        for (const auto* r : {&fine, &coarse}) {
            ASSERT_GE(r->trace.size(), 2u);
            for (std::size_t k = 1; k < r->trace.size(); ++k)
                EXPECT_LE(r->trace[k], r->trace[k - 1]) << "beta " << beta << " step " << k;
            EXPECT_EQ(r->trace.back(), r->ln_z);
        }
    }
}

// Independent TRW: Wainwright-Jaakkola-Willsky message passing with edge appearance
// probabilities rho_e, in log space with damping, and the bound
//   B = sum_s theta_s <x_s> + sum_st theta_st <x_s x_t> + sum_s H(tau_s) - sum_st rho_st I_st
// at the fixed point (I_st = H(tau_s) + H(tau_t) - H(tau_st)).
double trw_bound(const Model& model, double beta, const std::vector<double>& rho) {
    const int n = model.num_sites();
    const auto& E = model.edges();
    const std::size_t m = E.size();
    // log m[2e + dir](x): dir 0 = message i -> j, dir 1 = j -> i; x = 0 (s = -1) or 1 (+1).
    std::vector<std::array<double, 2>> msg(2 * m, {0.0, 0.0});
    std::vector<std::vector<std::pair<std::size_t, int>>> incident(static_cast<std::size_t>(n));
    for (std::size_t e = 0; e < m; ++e) {
        incident[static_cast<std::size_t>(E[e].i)].push_back({e, 1});  // message j -> i arrives
        incident[static_cast<std::size_t>(E[e].j)].push_back({e, 0});
    }
    auto spin = [](int x) { return x == 0 ? -1.0 : 1.0; };
    auto lse = [](double a, double b) {
        return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
    };
    // Sum over incoming messages of rho * log m at site v for value x.
    auto incoming = [&](int v, int x) {
        double s = beta * model.fields()[static_cast<std::size_t>(v)] * spin(x);
        for (auto [e, dir] : incident[static_cast<std::size_t>(v)])
            s += rho[e] * msg[2 * e + static_cast<std::size_t>(dir)][static_cast<std::size_t>(x)];
        return s;
    };
    for (int it = 0; it < 20000; ++it) {
        double change = 0.0;
        std::vector<std::array<double, 2>> next = msg;
        for (std::size_t e = 0; e < m; ++e) {
            for (int dir = 0; dir < 2; ++dir) {
                const int from = dir == 0 ? E[e].i : E[e].j;
                const std::size_t back = 2 * e + static_cast<std::size_t>(1 - dir);  // to `from`
                const double theta = beta * model.couplings()[e] / rho[e];
                std::array<double, 2> out{};
                for (int xs = 0; xs < 2; ++xs) {
                    double acc = -INFINITY;
                    for (int xt = 0; xt < 2; ++xt) {
                        const double v = theta * spin(xs) * spin(xt) + incoming(from, xt) -
                                         msg[back][static_cast<std::size_t>(xt)];
                        acc = std::isinf(acc) ? v : lse(acc, v);
                    }
                    out[static_cast<std::size_t>(xs)] = acc;
                }
                const double norm = lse(out[0], out[1]);
                auto& target = next[2 * e + static_cast<std::size_t>(dir)];
                for (int x = 0; x < 2; ++x) {
                    const double v = 0.5 * target[static_cast<std::size_t>(x)] +
                                     0.5 * (out[static_cast<std::size_t>(x)] - norm);
                    change = std::max(change, std::abs(v - target[static_cast<std::size_t>(x)]));
                    target[static_cast<std::size_t>(x)] = v;
                }
            }
        }
        msg = next;
        if (change < 1e-14) break;
    }
    auto entropy2 = [&](double a, double b) {  // of p proportional to (e^a, e^b); returns H, <x>
        const double z = lse(a, b);
        const double p0 = std::exp(a - z), p1 = std::exp(b - z);
        return std::pair{-(p0 * (a - z) + p1 * (b - z)), p1 - p0};
    };
    double bound = 0.0;
    std::vector<double> node_h(static_cast<std::size_t>(n));
    for (int v = 0; v < n; ++v) {
        const auto [H, mean] = entropy2(incoming(v, 0), incoming(v, 1));
        node_h[static_cast<std::size_t>(v)] = H;
        bound += H + beta * model.fields()[static_cast<std::size_t>(v)] * mean;
    }
    for (std::size_t e = 0; e < m; ++e) {
        const double theta = beta * model.couplings()[e] / rho[e];
        std::array<double, 4> w{};
        for (int xs = 0; xs < 2; ++xs)
            for (int xt = 0; xt < 2; ++xt)
                w[static_cast<std::size_t>(2 * xs + xt)] =
                    theta * spin(xs) * spin(xt) + incoming(E[e].i, xs) -
                    msg[2 * e + 1][static_cast<std::size_t>(xs)] + incoming(E[e].j, xt) -
                    msg[2 * e][static_cast<std::size_t>(xt)];
        double z = w[0];
        for (int k = 1; k < 4; ++k) z = lse(z, w[static_cast<std::size_t>(k)]);
        double H = 0.0, corr = 0.0;
        for (int k = 0; k < 4; ++k) {
            const double p = std::exp(w[static_cast<std::size_t>(k)] - z);
            H -= p * (w[static_cast<std::size_t>(k)] - z);
            corr += p * spin(k / 2) * spin(k % 2);
        }
        bound += beta * model.couplings()[e] * corr -
                 rho[e] * (node_h[static_cast<std::size_t>(E[e].i)] +
                           node_h[static_cast<std::size_t>(E[e].j)] - H);
    }
    return bound - beta * model.energy_offset();
}

TEST(UpperBound, SpanningTreesGiveTheTrwBound) {
    std::vector<NamedModel> models;
    models.push_back({"gauss 3x4 open", make(LatticeKind::square, {3, 4}, Boundary::open,
                                             Disorder::gauss, 1.0, 0.3)});
    models.push_back(
        {"SK 7", make(LatticeKind::complete, {7}, Boundary::open, Disorder::sk, 1.0, 0.0, 0.4)});
    models.push_back({"ferro 3x3 torus", make(LatticeKind::square, {3, 3}, Boundary::periodic,
                                              Disorder::uniform, 1.0, 0.2)});
    for (const auto& [name, model] : models) {
        const Decomposition trees = tree_decomposition(model);
        std::vector<double> rho(model.num_edges(), 0.0);
        for (const auto& family : trees.families)
            for (int e : family.pieces[0].edges) rho[static_cast<std::size_t>(e)] += family.weight;
        UpperBoundOptions options;
        options.tolerance = 1e-15;
        options.marginal_tolerance = 1e-11;
        options.max_iterations = 5000;
        const UpperBoundPlan plan(model, trees);
        for (double beta : {0.3, 0.8}) {
            const UpperBoundResult r = solve_upper_bound(plan, beta, options);
            EXPECT_NEAR(r.ln_z, trw_bound(model, beta, rho), 1e-6) << name << " beta " << beta;
        }
    }
}

TEST(UpperBound, WiderStripsGiveTighterBoundsOnSquareLattices) {
    // The measured property behind docs/benchmarks.md's width tables (not a theorem: the
    // families differ), checked at a size the test can afford, across T_c.
    for (const Boundary boundary : {Boundary::open, Boundary::periodic}) {
        for (const Disorder disorder : {Disorder::uniform, Disorder::pm}) {
            const Model model = make(LatticeKind::square, {7, 7}, boundary, disorder, 1.0, 0.05);
            UpperBoundOptions chains, strips;
            chains.width = 1;
            strips.width = 4;
            for (double T : {1.0, 2.27, 3.5}) {
                const double w1 = solve_upper_bound(model, 1.0 / T, chains).ln_z;
                const double w4 = solve_upper_bound(model, 1.0 / T, strips).ln_z;
                EXPECT_LT(w4, w1) << to_string(boundary) << " " << to_string(disorder) << " T "
                                  << T;
            }
        }
    }
}

TEST(UpperBound, ThreadCountDoesNotChangeTheBits) {
    const Model model =
        make(LatticeKind::square, {12, 10}, Boundary::periodic, Disorder::gauss, 1.0, 0.1);
    UpperBoundOptions options;
    options.width = 2;
    const UpperBoundPlan plan(model, choose_decomposition(model, options));
    const auto one = test::with_threads(1, [&] { return solve_upper_bound(plan, 0.7, options); });
    const auto two = test::with_threads(2, [&] { return solve_upper_bound(plan, 0.7, options); });
    EXPECT_EQ(one.ln_z, two.ln_z);
    EXPECT_EQ(one.iterations, two.iterations);
    EXPECT_EQ(one.split, two.split);
}

TEST(UpperBound, WarmStartsAndEarlyStopsStayCertified) {
    const Model model =
        make(LatticeKind::square, {5, 5}, Boundary::periodic, Disorder::pm, 1.0, 0.2);
    const std::vector<double> betas = {0.5, 0.55};
    const auto exact = enumerate_exact(model, betas);
    UpperBoundOptions options;
    options.width = 2;
    options.tolerance = 1e-11;  // both runs at the optimum, so that they agree to 1e-6
    const UpperBoundPlan plan(model, choose_decomposition(model, options));
    const UpperBoundResult first = solve_upper_bound(plan, betas[0], options);
    const UpperBoundResult cold = solve_upper_bound(plan, betas[1], options);
    const UpperBoundResult warm = solve_upper_bound(plan, betas[1], options, &first);
    EXPECT_NEAR(warm.ln_z, cold.ln_z, 1e-6);
    EXPECT_LT(warm.iterations, cold.iterations);
    // Two iterations only: not converged, still above exact.
    options.max_iterations = 2;
    const UpperBoundResult early = solve_upper_bound(plan, betas[1], options);
    EXPECT_FALSE(early.converged);
    EXPECT_GE(early.ln_z, cold.ln_z);
    EXPECT_GE(early.ln_z, exact[1].ln_z);
    // The result describes its decomposition.
    EXPECT_EQ(early.kind, DecompositionKind::strips);
    EXPECT_EQ(early.width, 2);
    EXPECT_EQ(early.num_pieces, num_pieces(plan.decomposition()));
    EXPECT_EQ(early.weights.size(), plan.decomposition().families.size());
}

TEST(UpperBound, AutomaticChoices) {
    const LatticeSpec square{LatticeKind::square, {64, 64}, Boundary::periodic};
    const LatticeSpec cubic{LatticeKind::cubic, {16, 16, 16}, Boundary::periodic};
    const LatticeSpec complete{LatticeKind::complete, {30}, Boundary::open};
    // 4 families x 2^(4 + 1) = 128 <= 160 entries per site; 5 rows would need 256.
    EXPECT_EQ(choose_width(square), 4);
    EXPECT_EQ(choose_width(square, true), 2);  // rings hold two cross-sections
    EXPECT_EQ(choose_width(cubic), 1);         // 2x2 rods: 6 families x 2^5 = 192
    EXPECT_EQ(choose_width(complete), 1);
    // Defaults: a 10x10 open grid is one exact piece, a 64x64 glass gets 4-row strips, a
    // complete graph Walecki paths, a random graph spanning forests.
    UpperBoundOptions options;
    EXPECT_EQ(choose_decomposition(
                  make(LatticeKind::square, {10, 10}, Boundary::open, Disorder::pm), options)
                  .kind,
              DecompositionKind::whole);
    const Decomposition strips = choose_decomposition(
        make(LatticeKind::square, {64, 64}, Boundary::periodic, Disorder::pm), options);
    EXPECT_EQ(strips.kind, DecompositionKind::strips);
    EXPECT_EQ(strips.width, 4);
    EXPECT_EQ(choose_decomposition(make(LatticeKind::complete, {10}, Boundary::open, Disorder::sk),
                                   options)
                  .families.size(),
              5u);
    EXPECT_EQ(choose_decomposition(small_models().back().model, options).kind,
              DecompositionKind::trees);
}

TEST(UpperBound, RefusesBadInput) {
    const Model model = make(LatticeKind::square, {4, 4}, Boundary::open, Disorder::pm);
    UpperBoundOptions options;
    EXPECT_THROW(solve_upper_bound(model, -1.0, options), ModelError);
    EXPECT_THROW(solve_upper_bound(model, NAN, options), ModelError);
    options.width = -1;
    EXPECT_THROW(solve_upper_bound(model, 1.0, options), ModelError);
    Decomposition broken = whole_decomposition(model);
    broken.families[0].pieces[0].edges.clear();
    EXPECT_THROW(UpperBoundPlan(model, broken), ModelError);
}

}  // namespace
}  // namespace isingmf
