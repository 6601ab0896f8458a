#pragma once
/// The sweep of mean_field.hpp's coordinate ascent over a MeanFieldPlan: one pass over the
/// colour classes, each class in parallel, m in the plan's update order (position k holds
/// site plan.order()[k]). ascend_mean_field drives it; benchmarks and tests call it directly.

#include <cstddef>
#include <span>
#include <vector>

#include "isingmf/meanfield/detail/mean_field_plan.hpp"

namespace isingmf {

namespace detail {
/// Below this many sites an OpenMP fork costs more than a pass over the sites.
inline constexpr std::size_t kParallelSites = std::size_t{1} << 14;
}  // namespace detail

/// What one sweep saw, from the plain step d_i = tanh(beta phi_i) - m_i taken at each site
/// just before its update.
struct SweepStatistics {
    double max_residual = 0.0;  ///< max_i |d_i|
    double sum_sq = 0.0;        ///< sum_i d_i^2 (summed in fixed blocks: thread-count independent)
    double gain_bound = 0.0;    ///< an upper bound on the sweep's increase of F (+inf if skipped)
};

/// Sweeps over one plan, keeping the per-chunk partial sums between sweeps.
class SweepKernel {
public:
    explicit SweepKernel(const MeanFieldPlan& plan);

    /// One sweep in colour order with over-relaxation factor omega in [1, 2) (1: plain
    /// coordinate ascent), safeguarded as described in mean_field.hpp. The gain bound costs a
    /// division per site: without `gain_bound` it is skipped and reported as +inf. Arguments
    /// are not checked (mean_field_sweep checks them).
    SweepStatistics sweep(double beta, double omega, bool gain_bound, std::span<double> m);

private:
    const MeanFieldPlan* plan_;
    std::vector<SweepStatistics> partial_;
};

/// SweepKernel(plan).sweep(...) after checking the arguments: throws ModelError on a size
/// mismatch, a bad beta or omega.
SweepStatistics mean_field_sweep(const MeanFieldPlan& plan, double beta, double omega,
                                 std::span<double> m_by_position, bool gain_bound = true);

/// Bytes the sweep streams from memory per site update (couplings, the neighbour positions of
/// gathered segments, row offsets, h, m read and written), not counting neighbour
/// magnetizations, which are counted as coming from cache.
double mean_field_sweep_bytes_per_site(const MeanFieldPlan& plan);

}  // namespace isingmf
