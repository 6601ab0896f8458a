#include <fmt/format.h>

#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {
constexpr std::uint64_t kRandomStartStream = 1000;
}

MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta,
                                 const MeanFieldOptions& options,
                                 std::span<const double> warm_start, const MeanFieldResult*) {
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
    if (options.starts.all_up) consider(std::vector<double>(n, 1.0), "up");
    if (options.starts.all_down) consider(std::vector<double>(n, -1.0), "down");
    for (int k = 0; k < options.starts.random; ++k) {
        Rng rng(options.seed, kRandomStartStream + static_cast<std::uint64_t>(k));
        std::vector<double> start(n);
        for (double& x : start) x = rng.uniform_symmetric();
        consider(std::move(start), fmt::format("random:{}", k));
    }
    if (!warm_start.empty())
        consider(std::vector<double>(warm_start.begin(), warm_start.end()), "warm");
    if (!have_best) consider(std::vector<double>(n, 0.0), "zero");
    return best;
}

}  // namespace isingmf
