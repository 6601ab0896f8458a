#include "isingmf/meanfield/detail/ascent.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace detail {
namespace {

// Extrapolation schedule (see ExtrapolationSchedule).
constexpr double kSlowRate = 0.9;
constexpr double kSublinear = 1.5;
constexpr int kProbeSweeps = 3;
// Refinements of a line search: a flat maximum needs the line's maximiser to many digits
// (the residual there is cubic in the distance), elsewhere a rough step does.
constexpr int kFullRefinements = 30;
constexpr int kFewRefinements = 3;
constexpr int kBaseGap = 8;    // sweeps between searches on a flat maximum
constexpr int kFirstGap = 24;  // sweeps before the first search
constexpr int kMaxGap = 512;

// OmegaControl's constants.
constexpr double kSteady = 0.2;   // |dlambda| <= kSteady (1 - lambda)
constexpr double kSlow = 0.5;     // plain sweeps faster than this need no help
constexpr double kMargin = 0.02;  // SOR rate above omega - 1 by this: omega too low
constexpr double kMaxMu2 = 1.0 - 1e-6;
constexpr double kMinRaise = 1e-3;

}  // namespace

// Adaptive choice of omega. For a consistently ordered system (two-coloured bipartite graphs
// exactly, others approximately) the plain (Gauss-Seidel) sweep contracts the error by
// mu^2, mu the spectral radius of the linearised Jacobi map, and the optimal SOR factor is
// 2 / (1 + sqrt(1 - mu^2)), which contracts by omega - 1 instead. So: plain sweeps until
// their residual ratio lambda is steady and slow, then omega from mu^2 = lambda; after that
// omega is only raised, by Hageman and Young's estimate mu^2 = (lambda + omega - 1)^2 /
// (lambda omega^2), whenever the SOR rate is steady and slower than omega - 1 shows it too low.
// A residual that grows for a while is not reset to plain sweeps: F rises at every step, so
// that is the escape from a saddle of F (common on glasses), which over-relaxation speeds up.
// (Tried and dropped: periodic plain-sweep probes to lower omega again, and falling back to
// omega = 1 on a growing residual; both cost sweeps on the 128^2 +-J benchmarks.)
OmegaControl::OmegaControl(MeanFieldMethod method, double fixed_omega, double max_omega)
    : adaptive_(method == MeanFieldMethod::over_relaxed && fixed_omega == 0.0),
      omega_(method == MeanFieldMethod::sequential || fixed_omega == 0.0 ? 1.0 : fixed_omega),
      max_omega_(max_omega) {}

double OmegaControl::optimal(double mu2) const {
    return std::min(max_omega_, 2.0 / (1.0 + std::sqrt(1.0 - std::min(mu2, kMaxMu2))));
}

void OmegaControl::restart() {
    previous_sq_ = -1.0;
    previous_lambda_ = -1.0;
}

void OmegaControl::observe(double sum_sq) {
    if (!adaptive_) return;
    if (previous_sq_ > 0.0 && sum_sq > 0.0) {
        const double lambda = std::sqrt(sum_sq / previous_sq_);
        const bool steady = previous_lambda_ > 0.0 && lambda < 1.0 &&
                            std::abs(lambda - previous_lambda_) <= kSteady * (1.0 - lambda);
        previous_lambda_ = lambda;
        double raised = omega_;
        if (steady && omega_ == 1.0 && lambda > kSlow) {
            raised = optimal(lambda);
        } else if (steady && omega_ > 1.0 && lambda > omega_ - 1.0 + kMargin) {
            raised = optimal((lambda + omega_ - 1.0) * (lambda + omega_ - 1.0) /
                             (lambda * omega_ * omega_));
        }
        if (raised > omega_ + kMinRaise) {
            omega_ = raised;
            previous_lambda_ = -1.0;  // the rate at the new omega is still to be seen
        }
    }
    previous_sq_ = sum_sq;
}

// When the over-relaxed ascent extrapolates (header): after a slow sweep (rate > kSlowRate),
// at least `gap` sweeps after the last search, kProbeSweeps plain sweeps (over-relaxed sweeps
// near omega = 2 leave oscillating components in d that a long step would blow up), the last
// of which gives d; then the search. A step much longer than geometric decay at the plain
// rate would explain marks a flat maximum: keep plain sweeps and search every kBaseGap
// sweeps. Otherwise the gap doubles, so that searches cost little where they do not help.
ExtrapolationSchedule::ExtrapolationSchedule(bool enabled) : enabled_(enabled), gap_(kFirstGap) {}

void ExtrapolationSchedule::before_sweep() {
    if (enabled_ && probe_ == 0 && since_search_ >= gap_ && rate_ > kSlowRate)
        probe_ = plain_hold_ ? 1 : kProbeSweeps;
}

bool ExtrapolationSchedule::after_sweep(double sum_sq) {
    const bool was_armed = armed();
    ++since_search_;
    rate_ = previous_sq_ > 0.0 ? std::sqrt(sum_sq / previous_sq_) : 0.0;
    previous_sq_ = sum_sq;
    if (probe_ > 0) --probe_;
    if (was_armed) since_search_ = 0;
    return was_armed;
}

int ExtrapolationSchedule::refinements() const {
    return plain_hold_ ? kFullRefinements : kFewRefinements;
}

// Geometric convergence at the plain rate r leaves about d r / (1 - r) to go, so a line search
// along d stops near alpha ~ 1 / (1 - r); a step several times longer means the decay is slower
// than geometric (a flat, e.g. quartic, maximum).
void ExtrapolationSchedule::after_search(double alpha) {
    const bool sublinear = alpha * (1.0 - rate_) >= kSublinear;
    gap_ = sublinear ? kBaseGap : std::min(2 * gap_, kMaxGap);
    plain_hold_ = sublinear;
    if (alpha > 0.0) {  // m moved: the residual history no longer describes it
        previous_sq_ = -1.0;
        rate_ = 0.0;
    }
}

}  // namespace detail

namespace {

using detail::kParallelSites;
// Sweeps compute the gain bound once the previous residual is within this factor of the
// tolerance (no sweep shrinks the residual by more in practice; if one did, the stopping test
// would only wait for the next sweep or the change of F).
constexpr double kGainWindow = 1e6;

void to_site_order(const MeanFieldPlan& plan, std::span<const double> by_position,
                   std::vector<double>& by_site) {
    const HugePageVector<int>& order = plan.order();
    const std::size_t n = by_position.size();
    // A fresh m of a large model: its pages are faulted in by all threads, not one.
    detail::resize_touched(by_site, n);
    detail::for_each_index(n, detail::team_pays(n, kParallelSites), [&](std::size_t p) {
        by_site[static_cast<std::size_t>(order[p])] = by_position[p];
    });
}

// A start's magnetization as the ascent takes it.
double clamped_start(double x) { return std::isfinite(x) ? std::clamp(x, -1.0, 1.0) : 0.0; }

bool extrapolates(const MeanFieldOptions& options) {
    return options.method == MeanFieldMethod::over_relaxed && options.extrapolate;
}

}  // namespace

MeanFieldAscent::MeanFieldAscent(const MeanFieldPlan& plan, double beta, UnfilledStart start,
                                 const MeanFieldOptions& options, std::string start_name,
                                 MeanFieldObserver observer)
    : plan_(&plan),
      options_(options),
      observer_(std::move(observer)),
      beta_(beta),
      tolerance_(options.tolerance),
      max_sweeps_(options.max_iterations),
      kernel_(plan),
      control_(options.method, options.omega),
      schedule_(extrapolates(options)) {
    check_beta(beta);
    check_omega(options.omega);
    const Model& model = plan.model();
    check_energy_scale(model, beta);
    if (start.size != static_cast<std::size_t>(model.num_sites())) {
        throw ModelError(
            fmt::format("start has {} magnetizations for {} sites", start.size, model.num_sites()));
    }
    result_.start = std::move(start_name);
    result_.method = options.method;
    // Filled by the public constructors in parallel: the first touch of a large m zeroes its
    // pages (see huge_pages.hpp).
    m_ = HugePageVector<double>(start.size);
}

MeanFieldAscent::MeanFieldAscent(const MeanFieldPlan& plan, double beta,
                                 std::span<const double> start_m, const MeanFieldOptions& options,
                                 std::string start_name, MeanFieldObserver observer)
    : MeanFieldAscent(plan, beta, UnfilledStart{start_m.size()}, options, std::move(start_name),
                      std::move(observer)) {
    const int* order = plan.order().data();
    detail::for_each_index(
        m_.size(), detail::team_pays(m_.size(), kParallelSites),
        [&](std::size_t p) { m_[p] = clamped_start(start_m[static_cast<std::size_t>(order[p])]); });
}

MeanFieldAscent::MeanFieldAscent(const MeanFieldPlan& plan, double beta, double uniform_m,
                                 const MeanFieldOptions& options, std::string start_name,
                                 MeanFieldObserver observer)
    : MeanFieldAscent(plan, beta, UnfilledStart{static_cast<std::size_t>(plan.model().num_sites())},
                      options, std::move(start_name), std::move(observer)) {
    const double x = clamped_start(uniform_m);
    detail::for_each_index(m_.size(), detail::team_pays(m_.size(), kParallelSites),
                           [&](std::size_t p) { m_[p] = x; });
}

void MeanFieldAscent::sync_site_order() {
    if (synced_) return;
    to_site_order(*plan_, m_, result_.m);
    synced_ = true;
}

void MeanFieldAscent::sweep_once() {
    check_interrupt();
    const std::size_t n = m_.size();
    const auto observe = [&] {
        if (!observer_) return;
        sync_site_order();
        observer_(result_.iterations, result_.m);
    };
    schedule_.before_sweep();
    const bool plain = schedule_.plain();
    // The gain bound (a division per site) is only read once the residual is below the
    // tolerance, so far from it the sweep skips it.
    const bool gain = !residual_only_ && last_residual_ <= kGainWindow * tolerance_;
    if (schedule_.armed()) {
        change_.resize(n);
        detail::for_each_index(n, detail::team_pays(n, kParallelSites),
                               [&](std::size_t p) { change_[p] = m_[p]; });
    }
    const SweepStatistics stats = kernel_.sweep(beta_, plain ? 1.0 : control_.omega(), gain, m_);
    last_residual_ = stats.max_residual;
    ++result_.iterations;
    ++target_sweeps_;
    synced_ = false;
    evaluated_ = false;
    if (!plain) control_.observe(stats.sum_sq);
    const bool armed = schedule_.after_sweep(stats.sum_sq);
    // The search must not read the plain sweeps' rates as SOR rates.
    if (armed) control_.restart();
    if (armed && stats.max_residual > tolerance_) {
        if (!search_) search_.emplace(*plan_, beta_);
        detail::for_each_index(n, detail::team_pays(n, kParallelSites),
                               [&](std::size_t p) { change_[p] = m_[p] - change_[p]; });
        const detail::LineSearchStep step =
            search_->run(m_, change_, tolerance_, schedule_.refinements());
        schedule_.after_search(step.alpha);
        if (step.alpha > 0.0) {
            ++result_.extrapolations;
            observe();
            return;  // m moved: the sweep's residual no longer describes it
        }
    }
    observe();
    if (stats.max_residual > tolerance_) return;
    if (residual_only_) {
        converged_ = true;
        return;
    }
    // Only near a fixed point is the bound (two logs and a tanh at every site, about four sweeps'
    // worth) worth evaluating.
    sync_site_order();
    evaluate_mean_field(*plan_, beta_, result_);
    evaluated_ = true;
    const double allowed = tolerance_ * std::max(1.0, std::abs(result_.ln_z));
    const bool flat = stats.gain_bound <= allowed ||
                      (have_previous_ && std::abs(result_.ln_z - previous_) <= allowed);
    previous_ = result_.ln_z;
    have_previous_ = true;
    if (result_.residual <= tolerance_ && flat) converged_ = true;
}

bool MeanFieldAscent::run(int sweep_limit) {
    while (!finished() && result_.iterations < sweep_limit) sweep_once();
    return finished();
}

void MeanFieldAscent::retarget(double beta, double tolerance, int max_sweeps, bool residual_only) {
    check_beta(beta);
    check_energy_scale(plan_->model(), beta);
    beta_ = beta;
    tolerance_ = tolerance;
    max_sweeps_ = max_sweeps;
    residual_only_ = residual_only;
    target_sweeps_ = 0;
    converged_ = false;
    evaluated_ = false;
    have_previous_ = false;
    last_residual_ = std::numeric_limits<double>::infinity();
    // An omega adapted to the last beta's contraction can overshoot at this one.
    control_ = detail::OmegaControl(options_.method, options_.omega);
    schedule_ = detail::ExtrapolationSchedule(extrapolates(options_));
    search_.reset();  // it holds beta
}

void MeanFieldAscent::shift(double delta) {
    const std::size_t n = m_.size();
    detail::for_each_index(n, detail::team_pays(n, kParallelSites),
                           [&](std::size_t p) { m_[p] = std::clamp(m_[p] + delta, -1.0, 1.0); });
    synced_ = false;
    evaluated_ = false;
}

double MeanFieldAscent::bound_at(double beta) {
    if (beta == beta_) return result().ln_z;
    sync_site_order();
    return mean_field_bound(*plan_, beta, result_.m);
}

void MeanFieldAscent::finalise() {
    if (!evaluated_) {
        sync_site_order();
        evaluate_mean_field(*plan_, beta_, result_);
        evaluated_ = true;
    }
    result_.converged = converged_;
    result_.omega = control_.omega();
}

MeanFieldResult MeanFieldAscent::result() {
    finalise();
    return result_;
}

MeanFieldResult MeanFieldAscent::take_result() {
    finalise();
    synced_ = false;
    evaluated_ = false;
    return std::move(result_);
}

MeanFieldResult ascend_mean_field(const MeanFieldPlan& plan, double beta,
                                  std::vector<double> start_m, const MeanFieldOptions& options,
                                  std::string start_name, const MeanFieldObserver& observer) {
    MeanFieldAscent ascent(plan, beta, start_m, options, std::move(start_name), observer);
    std::vector<double>().swap(start_m);  // copied into the ascent: not held beside it
    ascent.run();
    return ascent.take_result();
}

}  // namespace isingmf
