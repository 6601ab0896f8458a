#pragma once
/// Certified upper bound on ln Z from a decomposition into tractable pieces.
///
/// With theta = (theta_i = beta h_i, theta_e = beta J_e) and A(theta) = ln Z + beta E0 =
/// ln sum_s exp(sum_i theta_i s_i + sum_e theta_e s_i s_j) (H and E0 as in model/model.hpp),
/// A is convex in theta (its Hessian is the covariance of the sufficient statistics). Take
/// families f = 1..K of pieces (clusters/piece.hpp: each family a set of disjoint pieces
/// holding every site, every edge in some piece), weights rho_f > 0 with sum_f rho_f = 1, and
/// parameters theta^f supported on family f's pieces (theta^f_e = 0 for an edge outside
/// them) such that
///
///   sum_f rho_f theta^f = theta                                        (the split).
///
/// Jensen's inequality for the convex A gives A(theta) = A(sum_f rho_f theta^f) <=
/// sum_f rho_f A(theta^f), and A(theta^f) is the sum of the pieces' exact ln Z, so
///
///   ln Z <= U = -beta E0 + sum_f rho_f sum_{pieces P of f} ln Z_P(theta^f|_P)
///
/// for every split, optimal or not. For spanning trees the best split is the tree-reweighted
/// bound of Wainwright, Jaakkola and Willsky (IEEE Trans. Inf. Theory 51, 2313 (2005)) with
/// the trees' edge-appearance probabilities.
///
/// The split is optimised. For each coordinate c (a site or an edge) held by the families
/// F_c, R_c = sum_{f in F_c} rho_f (1 for sites), with one variable x^f_c per family when
/// |F_c| >= 2:
///
///   theta^f_c = theta_c / R_c + x^f_c - xbar_c,   xbar_c = sum_{g in F_c} rho_g x^g_c / R_c,
///
/// which satisfies the constraint for every x. U is convex in x, with gradient
///
///   dU/dx^f_c = rho_f (mu^f_c - mubar_c),   mubar_c = sum_{g in F_c} rho_g mu^g_c / R_c,
///
/// mu^f_c the exact mean <s_i> or correlation <s_i s_j> of coordinate c in family f's piece
/// (clusters/piece_solver.hpp). At the optimum all families agree on the marginals they share
/// (moment matching, the TRW fixed point for trees). The minimiser is L-BFGS with a
/// backtracking Armijo line search (diagonal scaling 1/rho_f), so every accepted step lowers
/// U; a step that does not lower U is never taken. The U reported is always evaluated at the
/// split reported with it and rounded up by an upper estimate of its rounding error (the
/// pieces' own, PieceRounding; the split's sum_f rho_f theta^f = theta holding only to
/// rounding; the weights' sum; the final sum), so it is a certified bound in exact arithmetic
/// whether or not the optimisation converged (upper_bound.cpp).
///
/// Pieces are solved in parallel (OpenMP), each by one thread, and summed in a fixed order,
/// so results do not depend on the thread count.

#include <memory>
#include <string>
#include <vector>

#include "isingmf/clusters/piece.hpp"
#include "isingmf/clusters/piece_solver.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

struct UpperBoundOptions {
    /// Strip width on lattices: 1 = chains, 0 = automatic (see choose_decomposition).
    int width = 0;
    /// Strips along every axis of the lattice, not only along x (widths >= 2).
    bool rotations = true;
    /// Rings rather than cut strips on periodic lattices (clusters/decompose.hpp).
    bool rings = false;
    /// Converged when U decreased by less than tolerance * max(1, |U|) in each of the last
    /// two iterations, or when every shared marginal agrees to marginal_tolerance. (At 1e-7
    /// the bound is within ~1e-5 per spin of its optimum on the glasses of docs/benchmarks.md;
    /// 1e-9 costs about three times as many iterations at low T.)
    double tolerance = 1e-7;
    double marginal_tolerance = 1e-12;
    int max_iterations = 1000;
    /// L-BFGS correction pairs kept.
    int memory = 6;
    /// Record U after every iteration in UpperBoundResult::trace.
    bool record_trace = false;
};

/// The bound and how it was obtained.
struct UpperBoundResult {
    double ln_z = 0.0;       ///< U at `split`: a certified upper bound on ln Z
    int iterations = 0;      ///< L-BFGS iterations
    bool converged = false;  ///< met the tolerance within max_iterations
    /// Largest |mu^f_c - mubar_c| over shared coordinates at `split` (0 at the optimum).
    double disagreement = 0.0;
    int evaluations = 0;  ///< exact evaluations of U and its gradient
    double beta = 0.0;
    DecompositionKind kind = DecompositionKind::whole;
    int width = 0;                ///< rows per strip, as Decomposition::width
    int num_pieces = 0;           ///< over all families
    std::vector<double> weights;  ///< rho_f per family
    std::string description;      ///< of the decomposition
    std::vector<double> split;    ///< the variables x^f_c (warm starts)
    std::vector<double> trace;    ///< U after each iteration, when asked (entry 0: the start)
};

/// The decomposition the options ask for: on a lattice (Model::lattice(), or one that
/// recognise_lattice finds), strips of options.width rows (clusters/decompose.hpp), or for
/// width 0 one piece holding the whole lattice when its tables need at most 2^20 entries and
/// otherwise strips of choose_width rows; one piece for a chain; spanning trees (Walecki
/// paths on complete graphs) on any other graph, and when the lattice's strips would leave an
/// edge of the model in no piece. Throws ModelError on a negative width.
Decomposition choose_decomposition(const Model& model, const UpperBoundOptions& options);

/// The automatic strip width on `lattice`: the widest w <= 16 whose evaluation touches at
/// most ~160 table entries per site (two offset families per axis x 2^(F+1), F the strip's
/// cross-section from strip_frontier), which keeps the bound at about ten mean-field solves
/// (docs/benchmarks.md); 4 on square lattices, 1 on cubic ones. `rings` as in StripOptions.
int choose_width(const LatticeSpec& lattice, bool rings = false);

/// A decomposition compiled for repeated evaluation (one PieceSolver per piece) with the
/// layout of the split variables; reused across temperatures by the sweep.
class UpperBoundPlan {
public:
    /// Checks the decomposition (check_decomposition) and compiles its pieces; throws
    /// ModelError when a piece's tables exceed the limits. Keeps a reference to `model`.
    UpperBoundPlan(const Model& model, Decomposition decomposition,
                   const PieceSolverLimits& limits = {});
    ~UpperBoundPlan();
    UpperBoundPlan(UpperBoundPlan&&) noexcept;
    UpperBoundPlan& operator=(UpperBoundPlan&&) = delete;
    UpperBoundPlan(const UpperBoundPlan&) = delete;
    UpperBoundPlan& operator=(const UpperBoundPlan&) = delete;

    const Model& model() const { return model_; }
    const Decomposition& decomposition() const { return decomposition_; }
    /// Number of split variables x^f_c.
    std::size_t num_variables() const;
    /// rho_f of each split variable's family.
    const std::vector<double>& variable_weights() const;

    /// U and its gradient at split x (size num_variables()) for the model at beta; `gradient`
    /// may be empty. Optionally the largest disagreement |mu^f_c - mubar_c| and the marginal
    /// mu^f_c of each variable. Exposed for tests and benchmarks. Refuses a bad beta and one
    /// that overflows beta |H| (check_energy_scale), as solve_upper_bound does.
    double evaluate(double beta, const std::vector<double>& x, std::vector<double>& gradient,
                    double* disagreement = nullptr, std::vector<double>* marginals = nullptr) const;

private:
    struct Layout;
    const Model& model_;
    Decomposition decomposition_;
    std::vector<PieceSolver> solvers_;
    std::unique_ptr<Layout> layout_;
};

/// Optimises the split at beta (finite, >= 0) from `warm`'s split (scaled by beta /
/// warm->beta; ignored when its size does not match) or from x = 0 (theta^f = theta / R).
UpperBoundResult solve_upper_bound(const UpperBoundPlan& plan, double beta,
                                   const UpperBoundOptions& options,
                                   const UpperBoundResult* warm = nullptr);

/// Builds choose_decomposition(model, options) and its plan, then solves.
UpperBoundResult solve_upper_bound(const Model& model, double beta,
                                   const UpperBoundOptions& options,
                                   const UpperBoundResult* warm = nullptr);

}  // namespace isingmf
