// The start set of solve_mean_field (mean_field.hpp): the starting points, the continuation in
// beta, and the cut-offs.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

constexpr std::uint64_t kRandomStartStream = 1000;

// Continuation (MeanFieldStarts::anneal). Measured on 2D and 3D +-J and Gaussian glasses
// (docs/benchmarks.md): 32 equal steps in beta with rungs converged to 1e-6 did as well as
// any variant tried and better than 8 steps, rungs capped at a few sweeps or steps equal in
// T; a nudge of 0 leaves every rung on the saddle m = 0 when h = 0. kMaxRungSweeps only
// bounds a rung that does not converge.
constexpr int kRungs = 32;
constexpr double kRungTolerance = 1e-6;
constexpr double kRungNudge = 1e-4;
constexpr int kMaxRungSweeps = 1000;

// Cut-offs: a later start may spend max(kMinBudget, kCostRatio c) sweeps before it is judged.
constexpr int kMinBudget = 32;
constexpr int kCostRatio = 4;

bool all_fields_zero(const Model& model) {
    return model.all_fields([](double x) { return x == 0.0; });
}

// m_i = tanh(beta h_i), the maximum of F without couplings (on a model whose fields differ).
std::vector<double> paramagnet_start(const Model& model, double beta) {
    std::vector<double> m(model.fields());
    for (double& x : m) x = std::tanh(beta * x);
    return m;
}

// beta max_i sum_j |J_ij| <= 1 bounds beta J's largest eigenvalue by 1 (Gershgorin), so F is
// concave (mean_field.hpp) and every ascent ends at its global maximum.
// Rows of the plan, each in the model's order, so each sum is the one the adjacency gives.
bool concave(const MeanFieldPlan& plan, double beta) {
    const std::size_t n = plan.order().size();
    double row_max = 0.0;
    if (plan.shared_coupling() && plan.degree() > 0 && n > 0) {
        // Every row alike (a uniform lattice): one summed as the loop below sums each, instead
        // of a pass over the graph at every temperature.
        for (int s = 0; s < plan.degree(); ++s) row_max += std::abs(*plan.shared_coupling());
        return beta * row_max <= 1.0;
    }
    for (std::size_t p = 0; p < n; ++p) {
        double row = 0.0;
        for (std::size_t slot = plan.row(p); slot < plan.row(p + 1); ++slot)
            row += std::abs(plan.coupling_at(slot));
        row_max = std::max(row_max, row);
    }
    return beta * row_max <= 1.0;
}

// A ferromagnet (every J >= 0) in a field of one sign: the aligned start reaches the global
// maximum of F (mean_field.hpp), "up" for h >= 0 (also h = 0), "down" for h <= 0.
enum class Aligned { none, up, down };

Aligned aligned_start(const Model& model) {
    if (!model.all_couplings([](double x) { return x >= 0.0; })) return Aligned::none;
    if (model.all_fields([](double x) { return x >= 0.0; })) return Aligned::up;
    if (model.all_fields([](double x) { return x <= 0.0; })) return Aligned::down;
    return Aligned::none;
}

// The best bound so far and what it cost; the cut-off rule.
class StartSet {
public:
    StartSet(const MeanFieldPlan& plan, double beta, const MeanFieldOptions& options,
             const MeanFieldResult* incumbent)
        : plan_(plan), beta_(beta), options_(options) {
        if (incumbent != nullptr && !incumbent->m.empty()) {
            have_reference_ = true;
            reference_ln_z_ = incumbent->ln_z;
            reference_cost_ = incumbent->iterations;
        }
    }

    // A start made for this ascent, from `m` (site order). The ascent copies m into update
    // order, so m is released before it runs rather than held beside the ascent's own two
    // vectors: one array of N doubles less at the peak of a run.
    void plain(std::vector<double> m, std::string name) {
        MeanFieldAscent ascent(plan_, beta_, m, options_, std::move(name));
        std::vector<double>().swap(m);
        judge(ascent);
    }

    // A start the caller holds (the neighbouring temperature's solution).
    void plain(std::span<const double> m, std::string name) {
        MeanFieldAscent ascent(plan_, beta_, m, options_, std::move(name));
        judge(ascent);
    }

    // Every site starting at m.
    void plain(double m, std::string name) {
        MeanFieldAscent ascent(plan_, beta_, m, options_, std::move(name));
        judge(ascent);
    }

    // m_i = tanh(beta h_i): one value where the field is shared.
    void paramagnet() {
        const Model& model = plan_.model();
        if (const std::optional<double> h = model.shared_field()) {
            plain(std::tanh(beta_ * *h), "paramagnet");
        } else {
            plain(paramagnet_start(model, beta_), "paramagnet");
        }
    }

    // The continuation (MeanFieldStarts::anneal); never cut.
    void anneal() { finish(anneal_mean_field(plan_, beta_, options_)); }

    bool empty() const { return !have_best_; }

    MeanFieldResult take() {
        best_.cut = std::move(cut_);
        best_.total_sweeps = total_sweeps_;
        return std::move(best_);
    }

private:
    // Sweeps the next start may spend before it is judged; unlimited for the first one.
    int budget() const {
        if (!options_.cut_off || !have_reference_) return std::numeric_limits<int>::max();
        const long long b = std::max<long long>(kMinBudget, 1LL * kCostRatio * reference_cost_);
        return static_cast<int>(std::min<long long>(b, std::numeric_limits<int>::max()));
    }

    double allowance() const {
        return options_.tolerance * std::max(1.0, std::abs(reference_ln_z_));
    }

    // Runs a start, judged by the cut-off rule.
    void judge(MeanFieldAscent& ascent) {
        if (!advance(ascent, budget())) {
            cut(ascent);
            return;
        }
        finish(ascent);
    }

    // Runs the ascent's current target to its end; false when it is cut off at `limit`.
    bool advance(MeanFieldAscent& ascent, int limit) {
        if (ascent.run(limit)) return true;
        // Not finished within its budget: on only while already above the best bound.
        if (ascent.bound_at(beta_) <= reference_ln_z_) return false;
        ascent.run();
        return true;
    }

    // A cut start's m still gives a valid bound: it stands in only when no start finished
    // (a warm start alone, cut against an incumbent from outside).
    void cut(MeanFieldAscent& ascent) {
        MeanFieldResult r = ascent.take_result();
        total_sweeps_ += r.iterations;
        cut_.push_back(r.start);
        if (!have_best_) {
            best_ = std::move(r);
            have_best_ = true;
        }
    }

    void finish(MeanFieldAscent& ascent) { finish(ascent.take_result()); }

    void finish(MeanFieldResult r) {
        total_sweeps_ += r.iterations;
        // The reference cost: the fewest sweeps in which a start reached the best bound.
        if (!have_reference_ || r.ln_z > reference_ln_z_ + allowance()) {
            reference_cost_ = r.iterations;
        } else if (r.ln_z >= reference_ln_z_ - allowance()) {
            reference_cost_ = std::min(reference_cost_, r.iterations);
        }
        if (!have_reference_ || r.ln_z > reference_ln_z_) reference_ln_z_ = r.ln_z;
        have_reference_ = true;
        // Strictly better only: ties keep the earlier start, so the choice is deterministic.
        if (!have_best_ || r.ln_z > best_.ln_z) {
            best_ = std::move(r);
            have_best_ = true;
        }
    }

    const MeanFieldPlan& plan_;
    double beta_;
    const MeanFieldOptions& options_;
    bool have_reference_ = false;
    double reference_ln_z_ = -std::numeric_limits<double>::infinity();
    int reference_cost_ = 0;
    bool have_best_ = false;
    MeanFieldResult best_;
    std::vector<std::string> cut_;
    long long total_sweeps_ = 0;
};

}  // namespace

MeanFieldResult anneal_mean_field(const MeanFieldPlan& plan, double beta,
                                  const MeanFieldOptions& options, const AnnealObserver& observer) {
    check_beta(beta);
    MeanFieldOptions rung = options;
    rung.max_iterations = std::min(options.max_iterations, kMaxRungSweeps);
    const int rungs = beta > 0.0 ? kRungs : 1;
    const MeanFieldAscent* current = nullptr;
    MeanFieldObserver watch;
    if (observer) {
        watch = [&](int sweep, std::span<const double> m) { observer(current->beta(), sweep, m); };
    }
    MeanFieldAscent ascent(plan, beta / rungs, 0.0, rung, "anneal", std::move(watch));
    current = &ascent;
    for (int k = 1; k < rungs; ++k) {
        ascent.retarget(beta * k / rungs, kRungTolerance, rung.max_iterations, true);
        ascent.shift(kRungNudge);
        ascent.run();
    }
    ascent.retarget(beta, options.tolerance, options.max_iterations, false);
    ascent.run();
    return ascent.take_result();
}

namespace {

// The start of `starts` that reaches F's global maximum at beta on its own, where the header
// proves there is one: the paramagnet where F is concave (the nearest start, as good as any),
// else the aligned start on a ferromagnet in a field of one sign.
enum class Sufficient { none, paramagnet, up, down };

Sufficient sufficient_start(const MeanFieldPlan& plan, double beta, const MeanFieldStarts& starts) {
    if (starts.paramagnet && concave(plan, beta)) return Sufficient::paramagnet;
    const Aligned aligned = aligned_start(plan.model());
    if (aligned == Aligned::up && starts.all_up) return Sufficient::up;
    if (aligned == Aligned::down && starts.all_down) return Sufficient::down;
    return Sufficient::none;
}

}  // namespace

bool single_start_suffices(const MeanFieldPlan& plan, double beta, const MeanFieldStarts& starts) {
    check_beta(beta);
    return sufficient_start(plan, beta, starts) != Sufficient::none;
}

MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta,
                                 const MeanFieldOptions& options,
                                 std::span<const double> warm_start,
                                 const MeanFieldResult* incumbent) {
    check_beta(beta);
    const Model& model = plan.model();
    const auto n = static_cast<std::size_t>(model.num_sites());
    const MeanFieldStarts& starts = options.starts;
    StartSet set(plan, beta, options, incumbent);
    switch (sufficient_start(plan, beta, starts)) {
        case Sufficient::paramagnet:
            set.paramagnet();
            return set.take();
        case Sufficient::up:
            set.plain(1.0, "up");
            return set.take();
        case Sufficient::down:
            set.plain(-1.0, "down");
            return set.take();
        case Sufficient::none:
            break;
    }
    // The saturated starts first: they converge in a few sweeps wherever the model orders
    // (the paramagnet and random starts coarsen domains there, and need the budget they set).
    if (starts.all_up) set.plain(1.0, "up");
    // With every h_i = 0, F(-m) = F(m) and the sweep is odd in m: down would retrace up's
    // ascent with every sign flipped and tie with it.
    if (starts.all_down && !(starts.all_up && all_fields_zero(model))) set.plain(-1.0, "down");
    if (starts.paramagnet) set.paramagnet();
    if (starts.anneal) set.anneal();
    for (int k = 0; k < starts.random; ++k) {
        Rng rng(options.seed, kRandomStartStream + static_cast<std::uint64_t>(k));
        std::vector<double> start(n);
        for (double& x : start) x = rng.uniform_symmetric();
        set.plain(std::move(start), fmt::format("random:{}", k));
    }
    if (!warm_start.empty()) set.plain(warm_start, "warm");
    if (set.empty()) set.plain(0.0, "zero");
    return set.take();
}

}  // namespace isingmf
