#pragma once
/// The raw sweep of mean_field.hpp's coordinate ascent, for benchmarks and diagnostics:
/// m is given in the plan's update order (position k holds site plan.order()[k]).

#include <span>

#include "isingmf/meanfield/mean_field.hpp"

namespace isingmf {

/// What one sweep saw, from the plain step d_i = tanh(beta phi_i) - m_i taken at each site
/// just before its update.
struct SweepStatistics {
    double max_residual = 0.0;  ///< max_i |d_i|
    double sum_sq = 0.0;        ///< sum_i d_i^2 (summed in fixed blocks: thread-count independent)
    double gain_bound = 0.0;    ///< an upper bound on the sweep's increase of F (+inf if skipped)
};

/// One sweep in colour order with over-relaxation factor omega in [1, 2) (1: plain
/// coordinate ascent), safeguarded as described in mean_field.hpp. The gain bound costs a
/// division per site; ascend_mean_field computes it only near convergence, and without
/// `gain_bound` it is reported as +inf. Throws ModelError on a size mismatch, a bad beta or omega.
SweepStatistics mean_field_sweep(const MeanFieldPlan& plan, double beta, double omega,
                                 std::span<double> m_by_position, bool gain_bound = true);

/// Bytes the sweep streams from memory per site update (couplings, the neighbour positions of
/// gathered segments, row offsets, h, m read and written), not counting neighbour
/// magnetizations, which are counted as coming from cache.
double mean_field_sweep_bytes_per_site(const MeanFieldPlan& plan);

}  // namespace isingmf
