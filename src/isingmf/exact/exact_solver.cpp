#include "isingmf/exact/exact_solver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "isingmf/exact/detail/rescaled_model.hpp"
#include "isingmf/exact/eliminate.hpp"
#include "isingmf/exact/enumerate.hpp"
#include "isingmf/exact/kaufman.hpp"
#include "isingmf/exact/planar.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {
// Enumeration of up to 2^20 states takes milliseconds and alone gives <|m|>.
constexpr int kCheapEnumerationSites = 20;
// Beyond this auto does not enumerate: minutes per sweep on two cores.
constexpr int kAutoEnumerationSites = 30;

// Time per unit of work, measured on one core (docs/benchmarks.md): an elimination product
// (EliminationOrder::work) ~5 ns; a planar multiply-add (PlanarEstimate::flops) 15-40 ns,
// the jets, the pivoting and the analysis included.
constexpr double kEliminationNsPerProduct = 5.0;
constexpr double kPlanarNsPerFlop = 25.0;

constexpr detail::EnumNames<ExactMethod, 6> kExactMethodNames = {{
    {ExactMethod::automatic, "auto"},
    {ExactMethod::enumerate, "enumerate"},
    {ExactMethod::eliminate, "eliminate"},
    {ExactMethod::kaufman, "kaufman"},
    {ExactMethod::planar, "planar"},
    {ExactMethod::none, "none"},
}};

std::string planar_note(const PlanarEstimate& estimate) {
    return fmt::format("{} dimer nodes{}", estimate.dimer_nodes,
                       estimate.pfaffians == 4 ? ", torus: 4 Pfaffians" : "");
}

void require_eliminable(const EliminationOrder& plan) {
    if (const std::string refusal = elimination_refusal(plan); !refusal.empty())
        throw ModelError(refusal);
}
}  // namespace

ExactMethod parse_exact_method(std::string_view text) {
    return detail::parse_enum(kExactMethodNames, text, "exact method");
}

std::string to_string(ExactMethod method) { return detail::enum_name(kExactMethodNames, method); }

ExactChoice choose_exact_method(const Model& model, ExactMethod requested) {
    const int n = model.num_sites();
    switch (requested) {
        case ExactMethod::none:
            return {ExactMethod::none, "not requested"};
        case ExactMethod::enumerate:
            if (n > kMaxEnumerationSites) {
                throw ModelError(fmt::format(
                    "enumeration of N={} spins (2^{} states) is beyond its limit of {} spins", n, n,
                    kMaxEnumerationSites));
            }
            return {ExactMethod::enumerate, "requested"};
        case ExactMethod::eliminate: {
            const EliminationOrder plan = plan_elimination(model);
            require_eliminable(plan);
            return {ExactMethod::eliminate, fmt::format("requested; order width {}", plan.width)};
        }
        case ExactMethod::kaufman:
            if (const std::string refusal = kaufman_refusal(model); !refusal.empty())
                throw ModelError(refusal);
            return {ExactMethod::kaufman, "requested"};
        case ExactMethod::planar: {
            const PlanarEstimate estimate = estimate_planar(model);
            if (!estimate.refusal.empty()) throw ModelError(estimate.refusal);
            return {ExactMethod::planar, "requested; " + planar_note(estimate)};
        }
        case ExactMethod::automatic:
            break;
    }
    if (n <= kCheapEnumerationSites) {
        return {ExactMethod::enumerate,
                fmt::format("N={} <= {}: also gives <|m|>", n, kCheapEnumerationSites)};
    }
    if (kaufman_applies(model)) return {ExactMethod::kaufman, "uniform zero-field square torus"};
    const EliminationOrder plan = plan_elimination(model);
    const bool eliminable = elimination_refusal(plan).empty();
    // The planar method where it applies and costs less than elimination.
    const PlanarEstimate planar = estimate_planar(model);
    if (planar.refusal.empty() &&
        (!eliminable || kPlanarNsPerFlop * planar.flops < kEliminationNsPerProduct * plan.work)) {
        return {ExactMethod::planar,
                fmt::format("zero-field {}, {}{}", planar.pfaffians == 4 ? "torus" : "planar graph",
                            planar_note(planar), eliminable ? ", cheaper than elimination" : "")};
    }
    // Enumeration costs ~2^N steps, elimination ~plan.work products: take the cheaper.
    const bool enumerable = n <= kAutoEnumerationSites;
    if (enumerable && (!eliminable || std::ldexp(1.0, n) <= plan.work)) {
        return {ExactMethod::enumerate, fmt::format("N={}, cheaper than elimination", n)};
    }
    if (eliminable) return {ExactMethod::eliminate, fmt::format("order width {}", plan.width)};
    return {ExactMethod::none,
            fmt::format("N={} is beyond enumeration, the elimination width {}{} is too large, "
                        "and the planar method does not apply: {}",
                        n, plan.complete ? "" : "at least ", plan.width, planar.refusal)};
}

namespace {

std::vector<ExactResult> solve_as_given(const Model& model, ExactMethod method,
                                        std::span<const double> betas) {
    switch (method) {
        case ExactMethod::enumerate:
            return enumerate_exact(model, betas);
        case ExactMethod::eliminate:
            return eliminate_exact(model, betas);
        case ExactMethod::kaufman:
            return kaufman_exact(model, betas);
        case ExactMethod::planar:
            return planar_exact(model, betas);
        case ExactMethod::none:
            return {};
        default:
            break;
    }
    throw ModelError(fmt::format("exact method '{}' cannot be run directly", to_string(method)));
}

// Weights beyond 2^256 (or below 2^-256) in size make the variance of H overflow (underflow)
// on its way to C = beta^2 var(H), whatever the method: J = 1e200 at beta = 1e-200 gave C = inf.
constexpr int kLargestUnscaledExponent = 256;

// The largest |J_ij| or |h_i|, read from a shared value where the model has one.
double largest_weight(const Model& model) {
    double largest = 0.0;
    if (const std::optional<double> J = model.shared_coupling()) {
        largest = std::abs(*J);
    } else {
        for (double J_ij : model.couplings()) largest = std::max(largest, std::abs(J_ij));
    }
    if (const std::optional<double> h = model.shared_field()) {
        largest = std::max(largest, std::abs(*h));
    } else {
        for (double h_i : model.fields()) largest = std::max(largest, std::abs(h_i));
    }
    return largest;
}

}  // namespace

std::vector<ExactResult> solve_exact(const Model& model, ExactMethod method,
                                     std::span<const double> betas) {
    const double largest = method == ExactMethod::none ? 0.0 : largest_weight(model);
    if (largest == 0.0 || std::abs(std::ilogb(largest)) <= kLargestUnscaledExponent)
        return solve_as_given(model, method, betas);
    // Solved at weights 2^-k J, 2^-k h and temperatures 2^k beta: the same products beta J to
    // the bit, so ln Z, C and the means are those of the model, and <H> and the
    // susceptibility beta N var(m) scale back by 2^k and 2^-k. E0 is added back at the end.
    check_betas(betas);
    check_energy_scale(model, betas);  // the model's own message for a beta too large
    const int k = std::ilogb(largest);
    std::vector<double> scaled_betas(betas.begin(), betas.end());
    for (double& beta : scaled_betas) beta = std::ldexp(beta, k);
    std::vector<ExactResult> results =
        solve_as_given(detail::scaled_without_offset(model, k), method, scaled_betas);
    detail::restore_scale_and_offset(results, betas, model, k);
    return results;
}

}  // namespace isingmf
