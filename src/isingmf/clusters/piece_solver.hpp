#pragma once
/// Exact inference on one piece of a model's graph (clusters/piece.hpp): ln Z, the node
/// means and the edge correlations of
///
///   p(s) = exp( sum_i theta_i s_i + sum_{e=(i,j)} theta_e s_i s_j ) / Z(theta),   s_i = +-1,
///
/// over the piece's sites and edges, for natural parameters theta given per call (for a
/// model at inverse temperature beta and no splitting, theta_i = beta h_i, theta_e = beta J_e;
/// the upper bound and structured mean field pass split or effective parameters instead).
/// The results are the derivatives of ln Z: <s_i> = d lnZ/d theta_i and <s_i s_j> =
/// d lnZ/d theta_e, exact up to rounding, at any finite theta (no overflow at any beta).
///
/// Two kernels, chosen when the piece is compiled:
/// - tree: a forest whose visiting order would need tables of more than two sites.
///   Sum-product in field form: the message from a child c to its parent p over edge e is
///     u_c = atanh(tanh theta_e tanh H_c) = [lncosh(H_c + theta_e) - lncosh(H_c - theta_e)]/2,
///   H_c = theta_c + (messages from c's children), with the normalisation
///     ln sum_{s_c} exp(theta_e s_p s_c + H_c s_c) = u_c s_p + ln 2 + [lncosh(H_c + theta_e)
///     + lncosh(H_c - theta_e)]/2,
///   lncosh(x) = |x| + log1p(exp(-2|x|)) - ln 2, so nothing overflows. O(n) per call.
/// - frontier: any other piece (chains in order, strips, rings, whole small lattices). The
///   sites are summed in the piece's order; the table holds the frontier, the visited sites
///   that still have unvisited neighbours. Visiting site v multiplies the table by
///   exp(s_v (theta_v + sum_{u in frontier} theta_uv s_u)) (doubling it), then every frontier
///   site whose neighbours are all visited is summed out. A backward pass with the same
///   tables gives the marginals of each visited site with its earlier neighbours. The cost is
///   about sum_t 2^(F_t + 1) per call (F_t the frontier size when site t is visited): O(n 2^w)
///   on an open strip of width w visited column by column, O(n 4^w) on a ring.
///   Tables are probabilities scaled by powers of two when that is provably safe: a frontier
///   state can gain at most exp(2 C) on another from what is still to come, C the sum of
///   |theta_e| over the edges that cross the frontier, so when every C <= 80 no state that
///   matters ever falls below 1e-230 (the largest entry is kept within 2^+-64). Otherwise
///   (very low temperatures) the tables hold logarithms and sums are log-sum-exp: slower,
///   with the same results.
///
/// A compiled solver is immutable and may be used from many threads, each with its own
/// PieceWorkspace; results do not depend on which thread or workspace computes them.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "isingmf/clusters/piece.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// How large the tables of a frontier piece may be.
struct PieceSolverLimits {
    /// Largest frontier (sites held in one table of 2^(F+1) entries while a site is added).
    int max_frontier = 24;
    /// Largest number of table entries kept for the backward pass (8 bytes each).
    double max_stored_entries = 1.0 * (1 << 27);
};

/// Upper estimates of the rounding error of one solve, first order in the unit roundoff u
/// (with a margin), from the operation counts and the sizes of the terms: the returned ln Z
/// is within `ln_z` of ln Z(theta) in exact arithmetic, and every returned mean or
/// correlation x within marginal_error(x) of its exact value. They let the bounds built on
/// pieces stay bounds after rounding (bounds/upper_bound.hpp,
/// meanfield/structured_mean_field.hpp).
/// Per kernel: tree, the local error of each lncosh and addition (|d ln Z / d theta| <= 1
/// carries each one to ln Z at most once); frontier, the relative error of the tables (each
/// exp factor, product and sum of positive entries adds at most its own rounding along any
/// path through the visits) plus the sums of the log scale; logarithms, the absolute error
/// of the log entries from the sizes of the entries and fields. Entries that underflow are
/// below 2^-958 of the largest and are not counted.
struct PieceRounding {
    double ln_z = 0.0;
    /// A mean x = tanh F, F half the log-odds of its two weights, whose weights carry a
    /// relative error d (or whose field F an absolute error d), lies within d of the exact one
    /// in F: `marginal_relative` bounds that d, which grows with the parameters, and
    /// `marginal_absolute` the rounding of the ratio itself (sums, the last operation).
    double marginal_relative = 0.0;
    double marginal_absolute = 0.0;

    /// The bound on |x - exact| for a returned mean or correlation x: tanh a - tanh(a - d) =
    /// sinh d / (cosh a cosh(a - d)), a = |atanh x| (at most atanh(1 - 2^-53), where a mean
    /// rounds to +-1), plus the absolute part; (1 - x^2) d for small d, at most 2.
    double marginal_error(double x) const;
};

/// Which kernel a compiled piece runs (see the header comment).
enum class PieceKernel { tree, frontier };

/// Scratch space of one thread; reusable across pieces and calls.
class PieceWorkspace {
public:
    PieceWorkspace() = default;

private:
    friend class PieceSolver;
    std::vector<double> stored_, q_, a_, b_, c_, d_, e_;
    std::vector<int> bits_;
};

/// One piece compiled for repeated exact inference.
class PieceSolver {
public:
    /// Compiles `piece` of `model` (checked: sites in range and distinct, edges inside the
    /// piece). Throws ModelError when the frontier or the stored tables exceed `limits`,
    /// naming the frontier size and the piece's size.
    PieceSolver(const Model& model, const Piece& piece, const PieceSolverLimits& limits = {});

    int num_sites() const { return static_cast<int>(sites_.size()); }
    int num_edges() const { return static_cast<int>(edge_a_.size()); }
    /// Model sites of the piece, in the order of the parameters and means.
    const std::vector<int>& sites() const { return sites_; }
    /// Model edge indices of the piece, in the order of the parameters and correlations.
    const std::vector<int>& edges() const { return edges_; }
    PieceKernel kernel() const { return kernel_; }
    /// Largest frontier F_t (frontier kernel) or 1 (tree kernel).
    int width() const { return width_; }
    /// Table entries touched per call with marginals, a measure of its cost.
    double work() const { return work_; }

    /// ln Z(theta) of the piece. theta_site[k] is the field of sites()[k], theta_edge[k] the
    /// coupling of edges()[k]; all finite. When site_mean and edge_correlation are non-empty
    /// (sizes num_sites() and num_edges()), fills <s_i> and <s_i s_j> too. When `rounding` is
    /// given, fills it (its marginal parts only when the marginals are asked for).
    double solve(std::span<const double> theta_site, std::span<const double> theta_edge,
                 std::span<double> site_mean, std::span<double> edge_correlation,
                 PieceWorkspace& workspace, PieceRounding* rounding = nullptr) const;

private:
    struct Step {
        int site = 0;       // local position of the site visited
        int frontier = 0;   // frontier size before the visit
        int nbr_begin = 0;  // earlier neighbours: nbr_bit_/nbr_edge_[nbr_begin, nbr_end)
        int nbr_end = 0;
        int rm_begin = 0;  // bits summed out after the visit, descending
        int rm_end = 0;
        std::size_t table_offset = 0;  // where the table before the visit is kept
        std::size_t q_offset = 0;      // where the visit's factor table is kept
    };

    double solve_tree(std::span<const double> theta_site, std::span<const double> theta_edge,
                      std::span<double> site_mean, std::span<double> edge_correlation,
                      PieceWorkspace& ws, PieceRounding& rounding) const;
    double solve_scaled(std::span<const double> theta_site, std::span<const double> theta_edge,
                        std::span<double> site_mean, std::span<double> edge_correlation,
                        PieceWorkspace& ws, PieceRounding& rounding) const;
    double solve_log(std::span<const double> theta_site, std::span<const double> theta_edge,
                     std::span<double> site_mean, std::span<double> edge_correlation,
                     PieceWorkspace& ws, PieceRounding& rounding) const;
    double max_cut(std::span<const double> theta_edge, PieceWorkspace& ws) const;
    void compile_tree();
    void compile_frontier(const PieceSolverLimits& limits);

    std::vector<int> sites_;
    std::vector<int> edges_;
    std::vector<int> edge_a_, edge_b_;  // local endpoints, edge_a_ < edge_b_ (visiting order)
    PieceKernel kernel_ = PieceKernel::frontier;
    int width_ = 0;
    double work_ = 0.0;
    // tree kernel: BFS order from the first site of each component
    std::vector<int> order_, parent_, parent_edge_;
    // frontier kernel
    std::vector<Step> steps_;
    std::vector<int> nbr_bit_, nbr_edge_, removal_bit_;
    std::size_t stored_entries_ = 0;
    std::size_t stored_q_ = 0;
    int max_earlier_ = 0;  // most earlier neighbours of one visit
};

}  // namespace isingmf
