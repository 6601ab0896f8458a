#include "isingmf/exact/exact_solver.hpp"

#include <fmt/format.h>

#include <cmath>

#include "isingmf/exact/eliminate.hpp"
#include "isingmf/exact/enumerate.hpp"
#include "isingmf/exact/kaufman.hpp"
#include "isingmf/exact/planar.hpp"
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
            if (!kaufman_applies(model)) {
                throw ModelError(
                    "Kaufman's closed form needs a uniform zero-field periodic square lattice with "
                    "extents >= 3");
            }
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

std::vector<ExactResult> solve_exact(const Model& model, ExactMethod method,
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

}  // namespace isingmf
