#pragma once
/// Structured mean-field lower bound on ln Z: q factorises over clusters of spins, each
/// cluster treated exactly.
///
/// With H = E0 - sum_e J_e s_i s_j - sum_i h_i s_i (model/model.hpp), a partition of the
/// sites into clusters c (meanfield/cluster_partition.hpp) and q(s) = prod_c q_c(s_c), any
/// distributions q_c on the clusters,
///
///   ln Z >= F(q) = E_q[-beta H] + sum_c S(q_c)                                  (Gibbs/Jensen).
///
/// For fixed q_c' (c' != c), F is -KL(q_c || p_c) + const, p_c the Gibbs distribution of the
/// cluster's own couplings in the effective fields
///
///   g_i = h_i + sum_{j outside c} J_ij m_j,   m_j = E_q[s_j],   i in c,
///
///   p_c(s_c) = exp( beta sum_{e in c} J_e s_i s_j + beta sum_{i in c} g_i s_i ) / Z_c(g),
///
/// so setting q_c = p_c maximises F exactly in q_c: block coordinate ascent never lowers F.
/// Z_c, the means m_i and the correlations <s_i s_j>_c are computed exactly by the piece
/// solver (clusters/piece_solver.hpp: transfer tables along strips, sum-product on trees)
/// with natural parameters theta_i = beta g_i, theta_e = beta J_e. Clusters with no bond
/// between them update in parallel (the cluster graph is coloured greedily, class by class),
/// so the numbers do not depend on the thread count.
///
/// The reported bound is F evaluated at the returned q, whatever the convergence, summed with
/// compensation and rounded down by an upper estimate of its rounding error (the clusters'
/// ln Z and means, PieceRounding; structured_mean_field.cpp), or the naive bound at q's means
/// m (independent spins with those means, mean_field_bound) where that is higher: both are
/// bounds, and at beta |J| ~ 1e16 and beyond the means' rounding swamps the structured value:
/// with every q_c the Gibbs distribution of cluster c at the fields g_c it was computed with
/// (stored with it), S(q_c) = ln Z_c - beta sum_{e in c} J_e <s_i s_j>_c - beta sum_{i in c}
/// g_i m_i, and the in-cluster correlations cancel against E_q[-beta H]:
///
///   F = -beta E0 + sum_c ln Z_c(g_c) + beta sum_i (h_i - g_i) m_i
///       + beta sum_{inter-cluster e=(i,j)} J_e m_i m_j.
///
/// At a fixed point (g_i = h_i + sum_{j outside c} J_ij m_j) this is sum_c ln Z_c - beta E0 -
/// beta sum_inter J_e m_i m_j. Before its first update a cluster is the product of independent
/// spins with the start's means (+-1 starts are point masses), and contributes its naive
/// mean-field terms (meanfield/mean_field.hpp) instead; so the ascent starts from the naive
/// F of the start, and from the naive solution the structured bound is never below the naive
/// bound at that temperature (beyond the two bounds' rounding allowances, a few ulps, which
/// differ). One cluster per site gives back naive mean field; one cluster
/// holding the model gives the exact ln Z after one step.
///
/// A sweep updates every cluster once, colour class by colour class. The residual is the
/// largest change of any m_i during the last sweep; the ascent stops when it is at most the
/// tolerance (at once when no bond joins two clusters: the fields never change).
///
/// Methods (MeanFieldMethod, as for naive mean field):
/// - sequential: every block step is the exact one, q_c <- p_c.
/// - over_relaxed (default): block steps over-relaxed in the fields, q_c <- Gibbs distribution
///   at g + w (phi - g), g the fields q_c has now and phi its effective fields above, but only
///   by as much as provably does not lower F. As a function of q_c = Gibbs(g) alone,
///   F = const - D_psi(beta phi, beta g), D_psi the Bregman divergence of psi = ln Z_c (the
///   KL divergence of q_c from p_c). Its Hessian, the covariance of the cluster's spins,
///   changes by at most a factor exp(2 ||delta||_1) under a field change delta (the densities
///   change by at most that factor, and Var_p X <= E_p (X - E_q X)^2 <= R Var_q X when p <= R
///   q), so with D = beta sum_{i in c} |phi_i - g_i|
///       D_psi(phi, g + w (phi - g)) <= (w-1)^2 exp(2 (w-1) D) Q,   D_psi(phi, g) >= exp(-2 D) Q
///   (Q the quadratic form at phi), and the step cannot lower F when ln(w - 1) + w D <= 0.
///   Each step takes the largest such w up to omega, one exact solve as for the plain step.
///   omega is adapted as for naive mean field from the contraction rate lambda of the sum of
///   squared changes per sweep: after steady plain sweeps the optimal SOR factor
///   2 / (1 + sqrt(1 - lambda)) (block Gauss-Seidel on the chain of strips is consistently
///   ordered), then raised by Hageman and Young's estimate, at most 1.9 (beyond the optimum
///   the rate is omega - 1). Near a fixed point D is small and every step takes omega: on a
///   256^2 +-J glass with strips of 4 rows, 100-200 sweeps instead of 600-1500.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isingmf/clusters/piece_solver.hpp"
#include "isingmf/meanfield/cluster_partition.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// Which starting points to try; the best bound over all of them is kept.
struct StructuredMeanFieldStarts {
    bool naive = true;  ///< the naive mean-field solution at the same temperature
    bool all_up = false;
    bool all_down = false;
    int random = 0;  ///< random starts, m_i uniform in [-1, 1] (independent spins)
};

struct StructuredMeanFieldOptions {
    /// Rows per strip on lattices, 1 for trees on other graphs, 0 for the automatic choice
    /// (make_cluster_partition); ignored when `clusters` is set.
    int cluster_width = 0;
    /// An explicit partition (a cluster file, tests); overrides cluster_width.
    std::optional<ClusterPartition> clusters;
    /// Stop when no magnetization changed by more than this in the last sweep.
    double tolerance = 1e-10;
    int max_iterations = 10000;  ///< sweeps per start
    StructuredMeanFieldStarts starts;
    std::uint64_t seed = 1;  ///< random starts draw from this seed (and the start index)
    /// sequential: exact block steps only; over_relaxed: safeguarded over-relaxed block steps
    /// (see the header comment), never lowering F either.
    MeanFieldMethod method = MeanFieldMethod::over_relaxed;
    /// over_relaxed only: a fixed omega in [1, 2), or 0 for the adaptive choice.
    double omega = 0.0;
    MeanFieldOptions naive;    ///< how the naive start is solved
    PieceSolverLimits limits;  ///< largest tables a cluster may need
};

/// The bound and the q that attains it. Per-spin quantities divide by N.
struct StructuredMeanFieldResult {
    double ln_z = 0.0;           ///< F(q), the lower bound on ln Z
    double energy = 0.0;         ///< <H>_q
    double entropy = 0.0;        ///< sum_c S(q_c)
    double magnetization = 0.0;  ///< (1/N) sum_i m_i
    std::vector<double> m;       ///< per-site magnetizations E_q[s_i]
    ClusterKind cluster_kind = ClusterKind::given;
    int cluster_width = 0;   ///< the partition's width (rows per strip; 0 for given clusters)
    int num_clusters = 0;    ///< clusters in the partition
    int colours = 0;         ///< colour classes of the cluster graph (updated in turn)
    std::string clusters;    ///< the partition's description
    int iterations = 0;      ///< sweeps used by the start that won
    bool converged = false;  ///< that start met the tolerance within max_iterations
    double residual = 0.0;   ///< largest change of an m_i in its last sweep
    /// "naive", "up", "down", "random:r", "warm", or "zero" (no start asked for)
    std::string start;
    double omega = 1.0;  ///< over-relaxation factor reached (1: exact block steps only)
};

/// Called during the ascent with the sweep number (0 before the first), the colour class just
/// updated (-1 for the start) and F at that moment; for tests and diagnostics (each call costs
/// an O(N + E) evaluation of F).
using StructuredObserver = std::function<void(int, int, double)>;

/// Runs every start of `options.starts` (plus `warm_start`, per-site magnetizations, when
/// non-empty) and returns the best bound. beta >= 0 and finite. Throws ModelError when the
/// clusters cannot be built or need tables beyond `options.limits`.
StructuredMeanFieldResult solve_structured_mean_field(const Model& model, double beta,
                                                      const StructuredMeanFieldOptions& options,
                                                      std::span<const double> warm_start = {});

}  // namespace isingmf
