#include "isingmf/meanfield/mean_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/detail/binary_entropy.hpp"
#include "isingmf/meanfield/detail/extrapolation.hpp"
#include "isingmf/meanfield/detail/sweep_kernel.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

using detail::kParallelSites;
// Fixed block size for sums, so that the rounding does not depend on the thread count.
constexpr std::size_t kSumBlock = 4096;
constexpr std::uint64_t kRandomStartStream = 1000;
constexpr detail::EnumNames<MeanFieldMethod, 2> kMethodNames = {{
    {MeanFieldMethod::sequential, "sequential"},
    {MeanFieldMethod::over_relaxed, "over_relaxed"},
}};
// Extrapolation schedule (see ascend_mean_field).
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
// Sweeps compute the gain bound once the previous residual is within this factor of the
// tolerance (no sweep shrinks the residual by more in practice; if one did, the stopping test
// would only wait for the next sweep or the change of F).
constexpr double kGainWindow = 1e6;

// Per-site parts of F and <H>, summed in fixed blocks.
struct BoundParts {
    double coupling_energy = 0.0;  // sum_e J_e m_i m_j + sum_i h_i m_i
    double entropy = 0.0;
    double magnetization = 0.0;
    double residual = 0.0;
};

BoundParts bound_parts(const Model& model, double beta, const std::vector<double>& m) {
    const std::vector<double>& h = model.fields();
    const std::size_t n = m.size();
    const std::size_t blocks = (n + kSumBlock - 1) / kSumBlock;
    std::vector<BoundParts> partial(blocks);
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
    for (std::size_t b = 0; b < blocks; ++b) {
        BoundParts p;
        const std::size_t end = std::min(n, (b + 1) * kSumBlock);
        for (std::size_t i = b * kSumBlock; i < end; ++i) {
            const double phi = model.local_field(static_cast<int>(i), m);
            // Each bond is seen from both ends: half of the coupling part of phi, all of h.
            p.coupling_energy += m[i] * (0.5 * (phi - h[i]) + h[i]);
            p.entropy += detail::binary_entropy(m[i]);
            p.magnetization += m[i];
            p.residual = std::max(p.residual, std::abs(m[i] - std::tanh(beta * phi)));
        }
        partial[b] = p;
    }
    BoundParts total;
    for (const BoundParts& p : partial) {
        total.coupling_energy += p.coupling_energy;
        total.entropy += p.entropy;
        total.magnetization += p.magnetization;
        total.residual = std::max(total.residual, p.residual);
    }
    return total;
}

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
class OmegaControl {
public:
    OmegaControl(MeanFieldMethod method, double fixed_omega)
        : adaptive_(method == MeanFieldMethod::over_relaxed && fixed_omega == 0.0),
          omega_(method == MeanFieldMethod::sequential || fixed_omega == 0.0 ? 1.0 : fixed_omega) {}

    double omega() const { return omega_; }

    /// Forget the residual history (m jumped, e.g. by an extrapolation); omega stays.
    void restart() {
        previous_sq_ = -1.0;
        previous_lambda_ = -1.0;
    }

    void observe(double sum_sq) {
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

private:
    static constexpr double kSteady = 0.2;   // |dlambda| <= kSteady (1 - lambda)
    static constexpr double kSlow = 0.5;     // plain sweeps faster than this need no help
    static constexpr double kMargin = 0.02;  // SOR rate above omega - 1 by this: omega too low
    static constexpr double kMaxMu2 = 1.0 - 1e-6;
    static constexpr double kMaxOmega = 1.98;
    static constexpr double kMinRaise = 1e-3;

    static double optimal(double mu2) {
        return std::min(kMaxOmega, 2.0 / (1.0 + std::sqrt(1.0 - std::min(mu2, kMaxMu2))));
    }

    bool adaptive_;
    double omega_;
    double previous_sq_ = -1.0;
    double previous_lambda_ = -1.0;
};

// When the over-relaxed ascent extrapolates (header): after a slow sweep (rate > kSlowRate),
// at least `gap` sweeps after the last search, kProbeSweeps plain sweeps (over-relaxed sweeps
// near omega = 2 leave oscillating components in d that a long step would blow up), the last
// of which gives d; then the search. A step much longer than geometric decay at the plain
// rate would explain marks a flat maximum: keep plain sweeps and search every kBaseGap
// sweeps. Otherwise the gap doubles, so that searches cost little where they do not help.
class ExtrapolationSchedule {
public:
    explicit ExtrapolationSchedule(bool enabled) : enabled_(enabled) {}

    /// Before a sweep: starts the probe sweeps when a search is due.
    void before_sweep() {
        if (enabled_ && probe_ == 0 && since_search_ >= gap_ && rate_ > kSlowRate)
            probe_ = plain_hold_ ? 1 : kProbeSweeps;
    }
    /// The coming sweep must be plain (omega = 1).
    bool plain() const { return plain_hold_ || probe_ > 0; }
    /// The coming sweep is the last probe: its change is the search direction.
    bool armed() const { return probe_ == 1; }

    /// After a sweep with that sum of squared residuals. Returns whether it was the armed one.
    bool after_sweep(double sum_sq) {
        const bool was_armed = armed();
        ++since_search_;
        rate_ = previous_sq_ > 0.0 ? std::sqrt(sum_sq / previous_sq_) : 0.0;
        previous_sq_ = sum_sq;
        if (probe_ > 0) --probe_;
        if (was_armed) since_search_ = 0;
        return was_armed;
    }

    /// Refinements the coming search may spend.
    int refinements() const { return plain_hold_ ? kFullRefinements : kFewRefinements; }

    /// After a search that stepped by alpha (0: no step). Geometric convergence at the plain
    /// rate r leaves about d r / (1 - r) to go, so a line search along d stops near
    /// alpha ~ 1 / (1 - r); a step several times longer means the decay is slower than
    /// geometric (a flat, e.g. quartic, maximum).
    void after_search(double alpha) {
        const bool sublinear = alpha * (1.0 - rate_) >= kSublinear;
        gap_ = sublinear ? kBaseGap : std::min(2 * gap_, kMaxGap);
        plain_hold_ = sublinear;
        if (alpha > 0.0) {  // m moved: the residual history no longer describes it
            previous_sq_ = -1.0;
            rate_ = 0.0;
        }
    }

private:
    bool enabled_;
    int gap_ = kFirstGap;
    int since_search_ = 0;
    double rate_ = 0.0;  // sqrt of the ratio of the last two sums of squared residuals
    double previous_sq_ = -1.0;
    bool plain_hold_ = false;  // plain sweeps between searches while the decay is sublinear
    int probe_ = 0;            // plain sweeps left before the next search
};

// n copies of x; large ones written in parallel (the first touch of fresh pages dominates).
std::vector<double> filled(std::size_t n, double x) {
    std::vector<double> v;
    detail::resize_touched(v, n);
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
    for (std::size_t i = 0; i < n; ++i) v[i] = x;
    return v;
}

void to_site_order(const MeanFieldPlan& plan, std::span<const double> by_position,
                   std::vector<double>& by_site) {
    const std::vector<int>& order = plan.order();
    const std::size_t n = by_position.size();
    by_site.resize(n);
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
    for (std::size_t p = 0; p < n; ++p)
        by_site[static_cast<std::size_t>(order[p])] = by_position[p];
}

}  // namespace

std::string to_string(MeanFieldMethod method) { return detail::enum_name(kMethodNames, method); }

MeanFieldMethod parse_mean_field_method(std::string_view text) {
    return detail::parse_enum(kMethodNames, text, "mean-field method");
}

double mean_field_bound(const Model& model, double beta, std::span<const double> m) {
    check_beta(beta);
    if (m.size() != static_cast<std::size_t>(model.num_sites())) {
        throw ModelError(
            fmt::format("{} magnetizations given for {} sites", m.size(), model.num_sites()));
    }
    std::vector<double> clamped(m.begin(), m.end());
    for (double& x : clamped) x = std::clamp(x, -1.0, 1.0);
    const BoundParts parts = bound_parts(model, beta, clamped);
    return -beta * model.energy_offset() + beta * parts.coupling_energy + parts.entropy;
}

void evaluate_mean_field(const Model& model, double beta, MeanFieldResult& result) {
    const BoundParts parts = bound_parts(model, beta, result.m);
    result.energy = model.energy_offset() - parts.coupling_energy;
    result.entropy = parts.entropy;
    // At beta = 0 the energy term vanishes exactly, whatever <H>_q is.
    result.ln_z = (beta == 0.0 ? 0.0 : -beta * result.energy) + result.entropy;
    result.magnetization = parts.magnetization / static_cast<double>(result.m.size());
    result.residual = parts.residual;
}

MeanFieldResult ascend_mean_field(const MeanFieldPlan& plan, double beta,
                                  std::vector<double> start_m, const MeanFieldOptions& options,
                                  std::string start_name, const MeanFieldObserver& observer) {
    check_beta(beta);
    check_omega(options.omega);
    const Model& model = plan.model();
    const std::size_t n = start_m.size();
    if (n != static_cast<std::size_t>(model.num_sites())) {
        throw ModelError(
            fmt::format("start has {} magnetizations for {} sites", n, model.num_sites()));
    }
    MeanFieldResult result;
    result.start = std::move(start_name);
    result.method = options.method;
    result.m = std::move(start_m);
    // Filled in parallel: the first touch of a large m zeroes its pages (see huge_pages.hpp).
    HugePageVector<double> m(n);
    const int* order = plan.order().data();
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
    for (std::size_t p = 0; p < n; ++p) {
        const double x = result.m[static_cast<std::size_t>(order[p])];
        m[p] = std::isfinite(x) ? std::clamp(x, -1.0, 1.0) : 0.0;
    }

    SweepKernel kernel(plan);
    OmegaControl control(options.method, options.omega);
    ExtrapolationSchedule schedule(options.method == MeanFieldMethod::over_relaxed &&
                                   options.extrapolate);
    std::optional<detail::LineSearch> search;
    HugePageVector<double> change;  // m before the sweep, then the sweep's change
    bool evaluated = false;         // result matches m
    bool have_previous = false;
    double previous = 0.0;
    double last_residual = std::numeric_limits<double>::infinity();
    const auto observe = [&] {
        if (!observer) return;
        to_site_order(plan, m, result.m);
        observer(result.iterations, result.m);
    };
    while (result.iterations < options.max_iterations) {
        schedule.before_sweep();
        const bool plain = schedule.plain();
        // The gain bound (a division per site) is only read once the residual is below the
        // tolerance, so far from it the sweep skips it.
        const bool gain = last_residual <= kGainWindow * options.tolerance;
        if (schedule.armed()) {
            change.resize(n);
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
            for (std::size_t p = 0; p < n; ++p) change[p] = m[p];
        }
        const SweepStatistics stats = kernel.sweep(beta, plain ? 1.0 : control.omega(), gain, m);
        last_residual = stats.max_residual;
        ++result.iterations;
        evaluated = false;
        if (!plain) control.observe(stats.sum_sq);
        const bool armed = schedule.after_sweep(stats.sum_sq);
        // The search must not read the plain sweeps' rates as SOR rates.
        if (armed) control.restart();
        if (armed && stats.max_residual > options.tolerance) {
            if (!search) search.emplace(plan, beta);
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
            for (std::size_t p = 0; p < n; ++p) change[p] = m[p] - change[p];
            const detail::LineSearchStep step =
                search->run(m, change, options.tolerance, schedule.refinements());
            schedule.after_search(step.alpha);
            if (step.alpha > 0.0) {
                ++result.extrapolations;
                observe();
                continue;  // m moved: the sweep's residual no longer describes it
            }
        }
        observe();
        if (stats.max_residual > options.tolerance) continue;
        // Only near a fixed point is the bound (logs and std::tanh at every site) worth evaluating.
        to_site_order(plan, m, result.m);
        evaluate_mean_field(model, beta, result);
        evaluated = true;
        const double allowed = options.tolerance * std::max(1.0, std::abs(result.ln_z));
        const bool flat = stats.gain_bound <= allowed ||
                          (have_previous && std::abs(result.ln_z - previous) <= allowed);
        previous = result.ln_z;
        have_previous = true;
        if (result.residual <= options.tolerance && flat) {
            result.converged = true;
            break;
        }
    }
    if (!evaluated) {
        to_site_order(plan, m, result.m);
        evaluate_mean_field(model, beta, result);
    }
    result.omega = control.omega();
    return result;
}

MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta,
                                 const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
    check_beta(beta);
    const auto n = static_cast<std::size_t>(plan.model().num_sites());
    MeanFieldResult best;
    bool have_best = false;
    auto consider = [&](std::vector<double> start, std::string name) {
        MeanFieldResult r =
            ascend_mean_field(plan, beta, std::move(start), options, std::move(name));
        // Strictly better only: ties keep the earlier start, so the choice is deterministic.
        if (!have_best || r.ln_z > best.ln_z) {
            best = std::move(r);
            have_best = true;
        }
    };
    if (options.starts.all_up) consider(filled(n, 1.0), "up");
    if (options.starts.all_down) consider(filled(n, -1.0), "down");
    for (int k = 0; k < options.starts.random; ++k) {
        Rng rng(options.seed, kRandomStartStream + static_cast<std::uint64_t>(k));
        std::vector<double> start(n);
        for (double& x : start) x = rng.uniform_symmetric();
        consider(std::move(start), fmt::format("random:{}", k));
    }
    if (!warm_start.empty()) {
        std::vector<double> start = filled(warm_start.size(), 0.0);
        const double* from = warm_start.data();
#pragma omp parallel for schedule(static) if (start.size() >= kParallelSites)
        for (std::size_t i = 0; i < start.size(); ++i) start[i] = from[i];
        consider(std::move(start), "warm");
    }
    if (!have_best) consider(filled(n, 0.0), "zero");
    return best;
}

MeanFieldResult solve_mean_field(const Model& model, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
    const MeanFieldPlan plan(model);
    return solve_mean_field(plan, beta, options, warm_start);
}

}  // namespace isingmf
