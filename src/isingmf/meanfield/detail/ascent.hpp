#pragma once
/// The mean-field ascent on a prebuilt update plan (see mean_field.hpp for the method), for
/// callers that solve one model many times: the sweep driver, the start set, tests and
/// benchmarks.

#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "isingmf/meanfield/detail/extrapolation.hpp"
#include "isingmf/meanfield/detail/mean_field_plan.hpp"
#include "isingmf/meanfield/detail/sweep_kernel.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/util/detail/huge_pages.hpp"

namespace isingmf {

/// Called after every sweep of an ascent with the sweep number (from 1, counted over every
/// beta of the ascent) and the current m in site order; meant for tests and diagnostics (it
/// costs a copy of m per sweep). After an extrapolation step it is called again with the same
/// sweep number.
using MeanFieldObserver = std::function<void(int, std::span<const double>)>;

namespace detail {

/// Adaptive over-relaxation factor from the observed contraction rate (see the .cpp).
class OmegaControl {
public:
    /// Adaptive for over_relaxed with fixed_omega = 0, never above max_omega (beyond the
    /// optimum the rate is omega - 1, so a cap well below 2 costs little where the estimate
    /// overshoots).
    OmegaControl(MeanFieldMethod method, double fixed_omega, double max_omega = 1.98);
    double omega() const { return omega_; }
    /// Forget the residual history (m jumped, e.g. by an extrapolation); omega stays.
    void restart();
    /// After an over-relaxed sweep with that sum of squared residuals.
    void observe(double sum_sq);

private:
    double optimal(double mu2) const;

    bool adaptive_;
    double omega_;
    double max_omega_;
    double previous_sq_ = -1.0;
    double previous_lambda_ = -1.0;
};

/// When the over-relaxed ascent takes an extrapolating line search (see the .cpp).
class ExtrapolationSchedule {
public:
    explicit ExtrapolationSchedule(bool enabled);
    /// Before a sweep: starts the probe sweeps when a search is due.
    void before_sweep();
    /// The coming sweep must be plain (omega = 1).
    bool plain() const { return plain_hold_ || probe_ > 0; }
    /// The coming sweep is the last probe: its change is the search direction.
    bool armed() const { return probe_ == 1; }
    /// After a sweep with that sum of squared residuals. Returns whether it was the armed one.
    bool after_sweep(double sum_sq);
    /// Refinements the coming search may spend.
    int refinements() const;
    /// After a search that stepped by alpha (0: no step).
    void after_search(double alpha);

private:
    bool enabled_;
    int gap_;
    int since_search_ = 0;
    double rate_ = 0.0;  // sqrt of the ratio of the last two sums of squared residuals
    double previous_sq_ = -1.0;
    bool plain_hold_ = false;  // plain sweeps between searches while the decay is sublinear
    int probe_ = 0;            // plain sweeps left before the next search
};

}  // namespace detail

/// One start's coordinate ascent, advanced in pieces so that a caller can look at the bound
/// part way (the start set's cut-offs) or move it to another beta (continuation). Every sweep
/// and every accepted extrapolation leaves F at the ascent's beta no lower than before.
/// Driving it with one run() to the end is ascend_mean_field, bit for bit.
class MeanFieldAscent {
public:
    /// `start_m` in site order (entries clamped to [-1, 1], non-finite ones set to 0).
    MeanFieldAscent(const MeanFieldPlan& plan, double beta, std::span<const double> start_m,
                    const MeanFieldOptions& options, std::string start_name,
                    MeanFieldObserver observer = {});
    /// Every site starting at `uniform_m` (clamped likewise): the same ascent as from a start
    /// vector of that value, without the vector (N doubles written and read once, and on a
    /// fresh run the page faults of their first touch).
    MeanFieldAscent(const MeanFieldPlan& plan, double beta, double uniform_m,
                    const MeanFieldOptions& options, std::string start_name,
                    MeanFieldObserver observer = {});

    /// Sweeps until the ascent has converged at its beta, has spent its sweeps there
    /// (options.max_iterations, or the retarget limit), or has swept `sweep_limit` times in
    /// all. Returns finished().
    bool run(int sweep_limit = std::numeric_limits<int>::max());
    /// Converged, or out of sweeps at the current beta.
    bool finished() const { return converged_ || target_sweeps_ >= max_sweeps_; }
    bool converged() const { return converged_; }
    /// Sweeps in all, over every beta.
    int sweeps() const { return result_.iterations; }
    double beta() const { return beta_; }

    /// Moves the ascent to another beta, keeping m (continuation): from here on it stops when
    /// converged to `tolerance` or after `max_sweeps` more sweeps. With `residual_only` it
    /// counts as converged as soon as one sweep's largest step max_i |tanh(beta phi_i) - m_i|
    /// is below tolerance (no evaluation of F: the rungs of a continuation need no more).
    /// omega, the residual history and the extrapolation schedule start afresh.
    void retarget(double beta, double tolerance, int max_sweeps, bool residual_only);
    /// Adds delta to every m_i (clamped to [-1, 1]): a tiny uniform field's nudge off the
    /// symmetric saddle of a continuation.
    void shift(double delta);

    /// F(m) at the current m, evaluated at `beta` (not necessarily the ascent's).
    double bound_at(double beta);
    /// The result at the current m, evaluated at the ascent's beta.
    MeanFieldResult result();
    /// result(), moved out instead of copied (its m is a copy of every site's magnetization,
    /// which on large models costs as much as a few sweeps): the ascent is spent afterwards.
    MeanFieldResult take_result();

private:
    // A start of `size` magnetizations, not yet read: a type of its own, so that no integer
    // argument picks this constructor over the public one of a uniform m.
    struct UnfilledStart {
        std::size_t size;
    };
    // Everything but the values of m_: checks the start's size, and allocates m_ unfilled.
    MeanFieldAscent(const MeanFieldPlan& plan, double beta, UnfilledStart start,
                    const MeanFieldOptions& options, std::string start_name,
                    MeanFieldObserver observer);

    void sweep_once();
    void sync_site_order();
    void finalise();  // result_ evaluated at the current m

    const MeanFieldPlan* plan_;
    MeanFieldOptions options_;
    MeanFieldObserver observer_;
    double beta_;
    double tolerance_;
    int max_sweeps_;
    bool residual_only_ = false;
    HugePageVector<double> m_;  // by position
    MeanFieldResult result_;    // result_.m: site order when synced_
    bool synced_ = false;       // result_.m matches m_
    bool evaluated_ = false;    // result_'s bound fields match m_ at beta_
    SweepKernel kernel_;
    detail::OmegaControl control_;
    detail::ExtrapolationSchedule schedule_;
    std::optional<detail::LineSearch> search_;
    HugePageVector<double> change_;  // m before the sweep, then the sweep's change
    bool converged_ = false;
    int target_sweeps_ = 0;  // sweeps at the current beta
    bool have_previous_ = false;
    double previous_ = 0.0;
    double last_residual_ = std::numeric_limits<double>::infinity();
};

/// Coordinate ascent from one starting point until converged or max_iterations.
MeanFieldResult ascend_mean_field(const MeanFieldPlan& plan, double beta,
                                  std::vector<double> start_m, const MeanFieldOptions& options,
                                  std::string start_name, const MeanFieldObserver& observer = {});

/// Called after every sweep of the continuation with the beta of the rung it belongs to.
using AnnealObserver = std::function<void(double, int, std::span<const double>)>;

/// The continuation start alone (MeanFieldStarts::anneal in mean_field.hpp): rungs at
/// beta k/K, each from the last one's m plus a uniform nudge, then the ascent at beta. The
/// result is named "anneal"; `iterations` counts every rung's sweeps.
MeanFieldResult anneal_mean_field(const MeanFieldPlan& plan, double beta,
                                  const MeanFieldOptions& options,
                                  const AnnealObserver& observer = {});

/// mean_field_bound and evaluate_mean_field of mean_field.hpp, reading the graph from the plan's
/// copy instead of the model's adjacency (which they would build): the same numbers summed in
/// the same order, so the same bits.
double mean_field_bound(const MeanFieldPlan& plan, double beta, std::span<const double> m);
void evaluate_mean_field(const MeanFieldPlan& plan, double beta, MeanFieldResult& result);

/// Whether solve_mean_field runs only one of `starts` at beta because that start provably
/// reaches F's global maximum there (mean_field.hpp: the paramagnet where F is concave, the
/// aligned start on a ferromagnet in a field of one sign). No other start, a neighbouring
/// temperature's solution included, can then do better.
bool single_start_suffices(const MeanFieldPlan& plan, double beta, const MeanFieldStarts& starts);

/// solve_mean_field of mean_field.hpp on a prebuilt plan. With an `incumbent` (the best result
/// found for this beta by other means, e.g. the cold starts of a sweep when this call tries a
/// warm start), every start is held to the cut-off rule against it from the first, and a
/// start that does not beat it is reported in `cut` when it was cut off; the result returned
/// is then this call's best, which may be below the incumbent.
MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta,
                                 const MeanFieldOptions& options,
                                 std::span<const double> warm_start = {},
                                 const MeanFieldResult* incumbent = nullptr);

}  // namespace isingmf
