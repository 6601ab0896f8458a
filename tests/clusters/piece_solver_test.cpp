// Exact inference on pieces against brute-force enumeration written here: ln Z, node means
// and edge correlations of exp(sum theta_i s_i + sum theta_e s_i s_j) on chains, rings,
// trees (in orders that force the tree kernel), strips and whole small lattices, from
// T = inf to parameters of 1e3 (where the frontier kernel switches to logarithms). The
// enumeration runs in x87 extended precision (u = 5.4e-20) with compensated sums, so that it
// also checks the solver's rounding estimates (PieceRounding) to well below one ulp of double.

#include "isingmf/clusters/piece_solver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"
#include "support/brute_force.hpp"

namespace isingmf {
namespace {

struct Exact {
    long double ln_z = 0.0;
    std::vector<long double> mean, corr;
};

// Enumerates the 2^n states of the piece in log space (independent of the solver).
Exact enumerate_piece(const Model& model, const Piece& piece, const std::vector<double>& th_s,
                      const std::vector<double>& th_e) {
    const std::size_t n = piece.sites.size();
    std::vector<std::pair<std::size_t, std::size_t>> ends;
    for (int e : piece.edges) {
        const Edge& edge = model.edges()[static_cast<std::size_t>(e)];
        const auto a = std::find(piece.sites.begin(), piece.sites.end(), edge.i);
        const auto b = std::find(piece.sites.begin(), piece.sites.end(), edge.j);
        ends.emplace_back(static_cast<std::size_t>(a - piece.sites.begin()),
                          static_cast<std::size_t>(b - piece.sites.begin()));
    }
    std::vector<long double> x(std::size_t{1} << n);
    auto spin = [](std::size_t state, std::size_t k) {
        return ((state >> k) & 1u) != 0 ? 1.0L : -1.0L;
    };
    for (std::size_t state = 0; state < x.size(); ++state) {
        testing::KahanSum v;
        for (std::size_t k = 0; k < n; ++k) v.add(th_s[k] * spin(state, k));
        for (std::size_t e = 0; e < ends.size(); ++e)
            v.add(th_e[e] * spin(state, ends[e].first) * spin(state, ends[e].second));
        x[state] = v.sum;
    }
    const long double top = *std::max_element(x.begin(), x.end());
    testing::KahanSum z;
    std::vector<testing::KahanSum> mean(n), corr(ends.size());
    for (std::size_t state = 0; state < x.size(); ++state) {
        const long double w = std::exp(x[state] - top);
        z.add(w);
        for (std::size_t k = 0; k < n; ++k) mean[k].add(w * spin(state, k));
        for (std::size_t e = 0; e < ends.size(); ++e)
            corr[e].add(w * spin(state, ends[e].first) * spin(state, ends[e].second));
    }
    Exact r;
    for (const testing::KahanSum& m : mean) r.mean.push_back(m.sum / z.sum);
    for (const testing::KahanSum& c : corr) r.corr.push_back(c.sum / z.sum);
    r.ln_z = top + std::log(z.sum);
    return r;
}

void expect_matches(const Model& model, const Piece& piece, double scale, std::uint64_t seed,
                    PieceKernel kernel, const std::string& what) {
    const PieceSolver solver(model, piece);
    EXPECT_EQ(solver.kernel(), kernel) << what;
    Rng rng(seed, 5);
    std::vector<double> th_s(piece.sites.size()), th_e(piece.edges.size());
    for (double& t : th_s) t = scale * rng.normal();
    for (double& t : th_e) t = scale * rng.normal();
    const Exact exact = enumerate_piece(model, piece, th_s, th_e);
    std::vector<double> mean(th_s.size()), corr(th_e.size());
    PieceWorkspace ws;
    PieceRounding rounding;
    const double ln_z = solver.solve(th_s, th_e, mean, corr, ws, &rounding);
    const double exact_ln_z = static_cast<double>(exact.ln_z);
    // 1e-12 relative on ln Z: both sum the same 2^n terms, in different orders. Marginals to
    // 1e-10 absolute (ratios of such sums).
    EXPECT_NEAR(ln_z, exact_ln_z, 1e-12 * std::max(1.0, std::abs(exact_ln_z)))
        << what << " scale " << scale;
    for (std::size_t k = 0; k < mean.size(); ++k)
        EXPECT_NEAR(mean[k], static_cast<double>(exact.mean[k]), 1e-10)
            << what << " scale " << scale << " site " << k;
    for (std::size_t k = 0; k < corr.size(); ++k)
        EXPECT_NEAR(corr[k], static_cast<double>(exact.corr[k]), 1e-10)
            << what << " scale " << scale << " edge " << k;
    // The rounding estimates hold against the extended-precision reference (whose own error,
    // ~1e-18 relative, is allowed for), and are not vacuous: within 1e-13 relative on ln Z, and
    // 1e-9 on the marginals' relative part (up to ~5e-10 from the log kernel at parameters of
    // 1e3, whose entries span ~1e4).
    const long double reference_error = 1e-18L * std::max(1.0L, std::abs(exact.ln_z));
    EXPECT_LE(std::abs(ln_z - exact.ln_z), rounding.ln_z + reference_error)
        << what << " scale " << scale << " estimate " << rounding.ln_z;
    EXPECT_LE(rounding.ln_z, 1e-13 * std::max(1.0, std::abs(exact_ln_z))) << what << " " << scale;
    for (std::size_t k = 0; k < mean.size(); ++k)
        EXPECT_LE(std::abs(mean[k] - exact.mean[k]), rounding.marginal_error(mean[k]) + 1e-18L)
            << what << " scale " << scale << " site " << k;
    for (std::size_t k = 0; k < corr.size(); ++k)
        EXPECT_LE(std::abs(corr[k] - exact.corr[k]), rounding.marginal_error(corr[k]) + 1e-18L)
            << what << " scale " << scale << " edge " << k;
    EXPECT_LE(rounding.marginal_relative, 1e-9) << what << " scale " << scale;
    EXPECT_LE(rounding.marginal_absolute, 1e-12) << what << " scale " << scale;
    // The value-only call gives the same ln Z and estimate.
    PieceRounding value_only;
    EXPECT_EQ(solver.solve(th_s, th_e, {}, {}, ws, &value_only), ln_z) << what;
    EXPECT_EQ(value_only.ln_z, rounding.ln_z) << what;
}

Model lattice_model(LatticeKind kind, std::vector<int> size, Boundary boundary) {
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    return build_model(make_lattice({kind, std::move(size), boundary}), spec);
}

// Sites of rows [y0, y0 + w) of an Lx-wide square lattice, column by column.
std::vector<int> strip_sites(int lx, int y0, int w) {
    std::vector<int> sites;
    for (int x = 0; x < lx; ++x)
        for (int y = y0; y < y0 + w; ++y) sites.push_back(x + lx * y);
    return sites;
}

const std::vector<double> kScales = {0.0, 0.3, 1.0, 4.0, 60.0, 1000.0};

// At parameters of ~1e20 the log kernel's backward pass took its largest weight as
// (T + q) + B and each weight as T + (q + B): the two differ by more than exp's range, and
// means came out NaN (an independent review found 58 of 3600 such chains).
TEST(PieceSolver, HugeParametersGiveFiniteMeans) {
    for (int n = 3; n <= 8; ++n) {
        const Model model = lattice_model(LatticeKind::chain, {n}, Boundary::open);
        std::vector<int> sites(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) sites[static_cast<std::size_t>(i)] = i;
        const PieceSolver solver(model, induced_piece(model, sites));
        PieceWorkspace ws;
        for (std::uint64_t seed = 0; seed < 200; ++seed) {
            Rng rng(seed, 9);
            std::vector<double> th_s(sites.size()), th_e(sites.size() - 1);
            for (double& t : th_s) t = 1e20 * rng.normal();
            for (double& t : th_e) t = 1e20 * rng.normal();
            std::vector<double> mean(th_s.size()), corr(th_e.size());
            PieceRounding rounding;
            EXPECT_TRUE(std::isfinite(solver.solve(th_s, th_e, mean, corr, ws, &rounding)));
            for (double m : mean) EXPECT_LE(std::abs(m), 1.0) << n << " " << seed;
            for (double c : corr) EXPECT_LE(std::abs(c), 1.0) << n << " " << seed;
            EXPECT_TRUE(std::isfinite(rounding.ln_z));
        }
    }
}

TEST(PieceSolver, ChainInOrderRunsTheFrontierKernel) {
    const Model model = lattice_model(LatticeKind::chain, {12}, Boundary::open);
    std::vector<int> sites(12);
    for (int i = 0; i < 12; ++i) sites[static_cast<std::size_t>(i)] = i;
    for (double scale : kScales)
        expect_matches(model, induced_piece(model, sites), scale, 1, PieceKernel::frontier,
                       "chain");
}

TEST(PieceSolver, RingAndTorusStrips) {
    const Model ring = lattice_model(LatticeKind::chain, {11}, Boundary::periodic);
    std::vector<int> sites(11);
    for (int i = 0; i < 11; ++i) sites[static_cast<std::size_t>(i)] = i;
    const Model torus = lattice_model(LatticeKind::square, {4, 3}, Boundary::periodic);
    for (double scale : kScales) {
        expect_matches(ring, induced_piece(ring, sites), scale, 2, PieceKernel::frontier, "ring");
        // A cylinder of width 2 (rows 1-2, periodic along x) and the whole 4x3 torus.
        expect_matches(torus, induced_piece(torus, strip_sites(4, 1, 2)), scale, 3,
                       PieceKernel::frontier, "ring of width 2");
        expect_matches(torus, induced_piece(torus, strip_sites(4, 0, 3)), scale, 4,
                       PieceKernel::frontier, "whole torus");
    }
}

TEST(PieceSolver, OpenStripsTriangularAndCubic) {
    const Model square = lattice_model(LatticeKind::square, {5, 4}, Boundary::open);
    const Model tri = lattice_model(LatticeKind::triangular, {4, 3}, Boundary::open);
    const Model cubic = lattice_model(LatticeKind::cubic, {2, 2, 3}, Boundary::open);
    std::vector<int> all_cubic(12);
    for (int i = 0; i < 12; ++i) all_cubic[static_cast<std::size_t>(i)] = i;
    for (double scale : kScales) {
        expect_matches(square, induced_piece(square, strip_sites(5, 1, 3)), scale, 5,
                       PieceKernel::frontier, "open strip");
        expect_matches(tri, induced_piece(tri, strip_sites(4, 0, 3)), scale, 6,
                       PieceKernel::frontier, "triangular");
        expect_matches(cubic, induced_piece(cubic, all_cubic), scale, 7, PieceKernel::frontier,
                       "cubic");
    }
}

TEST(PieceSolver, TreesInScrambledOrderRunTheTreeKernel) {
    // A random tree on 14 sites, listed in a random order (tables of the frontier kernel would
    // span several sites), plus an isolated site: a forest.
    Rng rng(11, 0);
    std::vector<Edge> edges;
    for (int i = 1; i < 14; ++i)
        edges.push_back({static_cast<int>(rng.next() % static_cast<unsigned>(i)), i});
    const Model model(15, edges, std::vector<double>(edges.size(), 1.0),
                      std::vector<double>(15, 0.0));
    std::vector<int> sites(15);
    for (int i = 0; i < 15; ++i) sites[static_cast<std::size_t>(i)] = i;
    for (std::size_t k = sites.size(); k > 1; --k)
        std::swap(sites[k - 1], sites[static_cast<std::size_t>(rng.next() % k)]);
    // A star visited leaves first is the extreme case.
    std::vector<Edge> star_edges;
    for (int i = 1; i < 10; ++i) star_edges.push_back({0, i});
    const Model star(10, star_edges, std::vector<double>(9, 1.0), std::vector<double>(10, 0.0));
    std::vector<int> leaves_first = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0};
    for (double scale : kScales) {
        expect_matches(model, induced_piece(model, sites), scale, 8, PieceKernel::tree, "tree");
        expect_matches(star, induced_piece(star, leaves_first), scale, 9, PieceKernel::tree,
                       "star");
    }
}

TEST(PieceSolver, SubsetOfEdgesAndAnyOrder) {
    // A piece may leave out edges between its sites, and any order is exact (only the cost
    // depends on it).
    const Model model = lattice_model(LatticeKind::square, {4, 4}, Boundary::periodic);
    Piece piece = induced_piece(model, {5, 0, 15, 3, 9, 12, 6, 10, 1, 14, 2, 7, 11, 4, 8, 13});
    piece.edges.erase(piece.edges.begin() + 3);
    piece.edges.erase(piece.edges.begin() + 7);
    for (double scale : kScales)
        expect_matches(model, piece, scale, 10, PieceKernel::frontier, "scrambled torus");
}

TEST(PieceSolver, RefusesBadPiecesAndHugeTables) {
    const Model model = lattice_model(LatticeKind::square, {4, 4}, Boundary::open);
    EXPECT_THROW(PieceSolver(model, Piece{{0, 1, 1}, {}}), ModelError);
    EXPECT_THROW(PieceSolver(model, Piece{{0, 16}, {}}), ModelError);
    EXPECT_THROW(PieceSolver(model, Piece{{0, 2}, {0}}), ModelError);  // edge 0 is (0, 1)
    PieceSolverLimits limits;
    limits.max_frontier = 3;
    std::vector<int> all(16);
    for (int i = 0; i < 16; ++i) all[static_cast<std::size_t>(i)] = i;
    EXPECT_THROW(PieceSolver(model, induced_piece(model, all), limits), ModelError);
    const PieceSolver solver(model, induced_piece(model, all));
    EXPECT_EQ(solver.width(), 4);  // row-major order on a 4-wide grid holds one row
    PieceWorkspace ws;
    std::vector<double> short_theta(3);
    EXPECT_THROW(solver.solve(short_theta, short_theta, {}, {}, ws), ModelError);
}

}  // namespace
}  // namespace isingmf
