#pragma once
/// Pfaffians of sparse skew-symmetric matrices whose entries are second-order jets in one
/// variable (value, first and second derivative), by a multifrontal factorisation
///
///   P K P^T = L D L^T,  D = diag of 2x2 blocks [[0, d_k], [-d_k, 0]],  Pf(K) = sgn(P) prod_k d_k,
///
/// so that ln|Pf K| and its derivatives come out of one factorisation with no finite
/// differences. Fill-reducing order: nested dissection, separators from METIS
/// (METIS_ComputeVertexSeparator) applied recursively; each separator (or small leaf
/// subgraph) is one front, eliminated as a dense block. Pivots are 2x2, chosen inside a front
/// by threshold partial pivoting: the pair (i, j) of fully summed variables is taken when
/// |K_ij| >= threshold * (largest entry of column i and of column j in the front);
/// variables without an acceptable partner are passed to the parent front (delayed pivots).
///
/// Why our own factorisation: no packaged sparse solver (CHOLMOD, UMFPACK, Eigen) computes a
/// Pfaffian, i.e. the sign that the four-term torus formula needs (a determinant only gives
/// Pf^2), nor runs on jets; and since only the Pfaffian is wanted, no factor is stored: a front
/// is discarded once its Schur complement has been passed on. The analysis (dissection, fronts)
/// depends only on the pattern and is reused for every temperature.

#include <cstddef>
#include <span>
#include <vector>

#include "isingmf/exact/detail/jet.hpp"

namespace isingmf::detail {

/// Pattern of a skew-symmetric n x n matrix: entry k is K[row[k]][col[k]] (and minus it at the
/// transposed place); at most one entry per unordered pair, none on the diagonal.
struct SkewPattern {
    int n = 0;
    std::vector<int> row;
    std::vector<int> col;
};

/// One front of the multifrontal tree.
struct PfaffianFront {
    std::vector<int> own;       ///< variables eliminated here (unless delayed)
    std::vector<int> boundary;  ///< later variables coupled to them (the Schur complement's)
    std::vector<int> entries;   ///< pattern entries assembled here
    int num_children = 0;       ///< the fronts just before this one in postorder that feed it
};

/// Symbolic analysis of a pattern: fronts in postorder (children before parents).
struct PfaffianPlan {
    int n = 0;
    std::vector<PfaffianFront> fronts;
    /// The other variable of each variable's group when the group is a pair, else -1: tried
    /// first as its pivot partner.
    std::vector<int> mate;
    /// Multiply-adds of the value part if no pivot is delayed.
    double flops = 0.0;
    /// Bytes of the largest set of fronts and Schur complements alive at once (jets).
    double peak_bytes = 0.0;
};

/// Nested dissection down to subgraphs of at most `leaf_size` units. A unit is a group of
/// variables (group[v], numbered from 0) kept in one front, so that a pair expected to make a
/// good pivot is always available as one; an empty `group` makes every variable its own unit.
/// `seed` seeds METIS's randomised coarsening: another seed gives other separators.
PfaffianPlan plan_pfaffian(const SkewPattern& pattern, std::span<const int> group,
                           int leaf_size = 16, int seed = 7);

/// A jet in extended precision (x87 long double: 64-bit significand on x86-64).
using WideJet = BasicJet<long double>;

/// Pf K = sign * exp(log_abs) * linear * 2^linear_exponent, all factors jets. Pivots whose
/// logarithm would have a derivative above `linear_rate` (nearly vanishing pivots, as where
/// a torus Pfaffian changes sign) are multiplied into `linear` rather than logged, so that the
/// second derivative of Pf stays exact there: log form would cancel (p'/p)^2 terms.
/// `sign` is 0 when K is numerically singular (no pivot above zero was left).
///
/// Rounding: every entry of every front carries the sum of the sizes of the terms summed into
/// it (the entry of |K| and those of its updates |b_x u_y| + |u_x b_y|: its |L||D||L^T|), whose
/// rounding error is about u times that, u the unit roundoff; a pivot p is taken to carry the
/// relative error u r, r >= 1 that sum over |p|. Where p is a small difference of large terms
/// (cancellation, as in frustrated glasses at low temperature), r is large; errors carried into
/// p from an earlier cancelled entry are not counted (planar.hpp: the second elimination). Each
/// logged pivot adds to ln|Pf| and its derivatives errors of at most about
/// u r (1, 2 |p'/p|, |p''/p| + 2 (p'/p)^2) (first order: p, p' and p'' taken to carry the
/// relative error u r of the value); `error_scale` sums these terms without u, so
/// u * error_scale bounds the errors of log_abs componentwise; `linear_error` sums r over the
/// pivots multiplied into `linear`, whose relative error is then about u * linear_error.
struct PfaffianValue {
    int sign = 0;
    WideJet log_abs;
    WideJet linear{1, 0, 0};
    int linear_exponent = 0;
    WideJet error_scale;
    long double linear_error = 0;
    long double unit_roundoff = 0;  ///< of the arithmetic the factorisation ran in
    long long delayed = 0;          ///< variables passed to a parent front
    double updates = 0.0;           ///< entries updated (one jet multiply-add each)
    long long largest_front = 0;    ///< order of the largest front
};

/// The arithmetic of a factorisation: double, or x87 extended (about 2000 times less
/// rounding, several times slower) where the estimate of the rounding error in double is too
/// large (the torus's four Pfaffians cancelling, or pivots formed by cancellation).
enum class Arithmetic { double_precision, extended };

/// Pf K for the values[k] of the pattern's entries; every front is factorised with pivot
/// threshold `threshold` in (0, 1].
PfaffianValue pfaffian(const PfaffianPlan& plan, const SkewPattern& pattern,
                       std::span<const Jet> values, double threshold, double linear_rate,
                       Arithmetic arithmetic = Arithmetic::double_precision);

}  // namespace isingmf::detail
