#pragma once
/// Exact thermodynamics of zero-field Ising models on planar graphs, with any couplings (any
/// sign, +-J or Gaussian), and on periodic square, triangular and honeycomb lattices (the torus),
/// by Pfaffians of Kasteleyn-oriented dimer graphs (Kasteleyn 1963; Fisher 1966; Barahona
/// 1982; the four-term torus formula after Kasteleyn, Galluccio and Loebl):
///
///   H = E0 - sum_e J_e s_i s_j  (h_i = 0),  w_e = exp(-2 beta |J_e|) in (0, 1],
///   Z = 2^c exp(beta (sum_e |J_e| - E0)) W,   W = sum over cuts S of prod_{e unsatisfied} w_e,
///
/// where c counts connected components and a bond is unsatisfied by a spin configuration when
/// J_e s_i s_j < 0; each cut S (the bonds whose spins differ) comes from exactly 2^c
/// configurations. W is a sum of positive terms:
///   planar:  W = |Pf K|,
///   torus:   W = (1/4) sum_{a,b in {0,1}} sigma_ab Pf K_ab,
/// with K the matrix of detail/dimer_graph.hpp, K_ab the same with the signs of the bonds on
/// two homology cycles flipped (a twist for each), and sigma_ab the sign of the all-uncut
/// matching in Pf K_ab. Pendant trees are summed out first (a bond to a site of degree 1
/// multiplies Z by 2 cosh(beta J_e)).
///
/// Every Pfaffian comes from a sparse factorisation on second-order jets in beta
/// (detail/pfaffian.hpp), so <H> = -d lnZ/dbeta and C = beta^2 d2 lnZ/dbeta2 are exact
/// derivatives. <m> = 0 by the symmetry s -> -s; <|m|> and the susceptibility are not
/// available (NaN).
///
/// Accuracy: the weights lie in (0, 1] and, on planar graphs, every term of W is positive, so
/// the only losses are the factorisation's rounding: measured against elimination, ln Z to a
/// few 1e-16 relative and <H>/N, C/N to ~1e-14 per spin on 12 x 12 and 16 x 16 glasses from
/// T = 10 down to T = 0.02 (|J| = 1). But the elimination itself can lose terms on frustrated
/// graphs at low T: a pivot formed as a small difference of large terms (each pivot's estimate
/// counts how much larger its terms were, detail/pfaffian.hpp), and, not seen by that count,
/// errors carried from such an entry into later pivots (a 10 x 10 open +-J glass, seed 4, was
/// off by 1.3e-4 relative at T = 0.05 with an estimate of 5e-16). So from beta max|J| = 5 on
/// (4 on a torus), every temperature is computed again on another dissection with full
/// pivoting in extended precision, and refused where the two disagree
/// (PlanarResult::cross_checked). One loss that both share is known (README, "Precision").
///
/// On the torus the four Pfaffians cancel when a twisted boundary condition has a lower free
/// energy than the periodic one: W is then smaller than the terms by the factor `cancellation`:
/// up to 1e8-1e9 on +-J glasses of 4 to 32 sites a side at T = 0.2 (1e16 on a 3 x 3 one;
/// e^{beta dF} for domain-wall free energies of a few |J|), less on Gaussian glasses and as L
/// grows past the correlation length. Every result carries a first-order estimate of its
/// rounding error (PlanarResult); a temperature whose estimate exceeds
/// PlanarOptions::extended_above is recomputed in x87 extended precision, and one that still
/// exceeds max_relative_error is refused (NaN): all three values where ln Z's does, and <H>/N
/// or C/N alone where theirs does at a cross-checked temperature or on a torus whose terms
/// cancel by 1e4 or more.

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

namespace detail {
struct PlanarAnalysis;
}

/// Knobs of the planar solver.
struct PlanarOptions {
    /// OpenMP threads over temperatures (and the four torus Pfaffians); 0 = OpenMP default.
    int num_threads = 0;
    /// Threshold of the 2x2 partial pivoting, in (0, 1]: larger is more stable, may delay
    /// more pivots to parent fronts.
    double pivot_threshold = 0.1;
    /// Nested dissection stops at subgraphs of this many pairs of dimer nodes (dense leaves).
    int leaf_size = 16;
    /// A temperature whose estimated relative error of ln Z exceeds this after the
    /// factorisations in double is done again in x87 extended precision (64-bit significand).
    double extended_above = 1e-11;
    /// A temperature whose estimate still exceeds this is refused: NaN in ln Z, <H>, C.
    double max_relative_error = 1e-9;
};

/// One temperature of the planar solver: the thermodynamics and how trustworthy they are.
struct PlanarResult {
    ExactResult exact;
    /// First-order estimate of the relative error of ln Z from rounding: each pivot's error
    /// (unit roundoff times the sizes of the terms summed into it over its own size), summed
    /// over the pivots and, on the torus, amplified by the cancellation below; +inf when the
    /// factorisation broke down. Not a rigorous bound: in the tests the actual error stays
    /// below twice it (ln Z, <H>) and twenty times it (C), the latter where both are at the
    /// rounding floor (~1e-14); errors carried into a pivot from an earlier cancellation are
    /// not counted (see the accuracy note above).
    double relative_error = 0.0;
    /// The same estimate for <H>/N and C/N (absolute, per spin).
    double energy_error = 0.0;
    double specific_heat_error = 0.0;
    /// Whether the Pfaffians were recomputed in extended precision.
    bool extended = false;
    /// Whether ln Z was computed a second time, on another dissection with full pivoting in
    /// extended precision, and the two compared (beta max|J| >= 5, or 4 on a torus): their
    /// differences (ten times it for ln Z) then enter the estimates above. Where ln Z's
    /// estimate exceeds max_relative_error, all three values are refused (NaN), cross-checked
    /// or not; where the temperature was cross-checked or the torus terms cancel by 1e4 or
    /// more, <H>/N alone (relative to sum|J|/N) or C/N alone (absolute) whose estimate exceeds
    /// it (elsewhere a nearly singular Pfaffian can inflate those two estimates far past the
    /// actual error).
    bool cross_checked = false;
    /// Torus: sum_ab |Pf K_ab| / (4 W) >= 1, the amplification of the Pfaffians' relative
    /// errors in W. 1 on planar graphs.
    double cancellation = 1.0;
    /// Pivots passed up to a parent front, over all Pfaffians of this temperature.
    long long delayed_pivots = 0;
    /// Entries updated by the eliminations (each a jet multiply-add), over all Pfaffians:
    /// the work actually done, which delayed pivots raise above PlanarPlan::flops.
    double updates = 0.0;
    /// Order of the largest dense front met.
    long long largest_front = 0;
};

/// The analysis of a model for the planar solver (embedding, dimer graph, nested dissection),
/// reused for every temperature. Cheap to copy (shared, immutable). A default-constructed plan
/// is empty: its counts are 0, its geometry "", and planar_solve refuses it.
class PlanarPlan {
public:
    /// Number of dimer nodes (the order of each Pfaffian).
    int dimer_nodes() const;
    /// Pfaffians per temperature: 1 (planar) or 4 (torus).
    int pfaffians() const;
    /// Estimated multiply-adds of one temperature (all its Pfaffians).
    double flops() const;
    /// Estimated bytes of one Pfaffian's fronts at its peak.
    double peak_bytes() const;
    /// "planar" or "torus".
    std::string geometry() const;

private:
    friend PlanarPlan plan_planar(const Model& model, const PlanarOptions& options);
    friend std::vector<PlanarResult> planar_solve(const PlanarPlan& plan,
                                                  std::span<const double> betas,
                                                  const PlanarOptions& options);
    std::shared_ptr<const detail::PlanarAnalysis> analysis_;
};

/// Why the planar solver does not apply to `model` ("" when it does): a nonzero field, or a
/// graph that is neither planar (Boyer-Myrvold test) nor a periodic square, triangular or
/// honeycomb lattice of extents >= 3 generated with its LatticeSpec. Graphs of genus 1 read
/// from files are refused: only generated lattices carry the drawing on the torus.
std::string planar_refusal(const Model& model);

/// What the planar solver would cost, from the drawing alone (linear time, no dissection).
struct PlanarEstimate {
    std::string refusal;  ///< as planar_refusal; the rest is 0 when not empty
    int dimer_nodes = 0;
    int pfaffians = 0;
    /// Multiply-adds of one temperature if no pivot is delayed: 2.4 n^1.5 per Pfaffian of
    /// order n, the nested-dissection count measured on square lattices (PlanarPlan::flops).
    double flops = 0.0;
};

PlanarEstimate estimate_planar(const Model& model);

/// Analyses the model; throws ModelError with planar_refusal's reason when it does not apply.
PlanarPlan plan_planar(const Model& model, const PlanarOptions& options = {});

/// One PlanarResult per beta (finite, >= 0, not overflowing beta |H|: check_energy_scale with
/// the model's scale, kept in the plan). Parallel over temperatures and Pfaffians; each
/// Pfaffian is computed by one thread, so results do not depend on the thread count.
std::vector<PlanarResult> planar_solve(const PlanarPlan& plan, std::span<const double> betas,
                                       const PlanarOptions& options = {});

/// plan_planar then planar_solve, keeping the thermodynamics.
std::vector<ExactResult> planar_exact(const Model& model, std::span<const double> betas,
                                      const PlanarOptions& options = {});

}  // namespace isingmf
