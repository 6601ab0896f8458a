#include "isingmf/meanfield/mean_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/detail/binary_entropy.hpp"
#include "isingmf/meanfield/detail/sweep_kernel.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {
namespace {

using detail::kParallelSites;
// Fixed block size for sums, so that the rounding does not depend on the thread count.
constexpr std::size_t kSumBlock = 4096;
constexpr detail::EnumNames<MeanFieldMethod, 2> kMethodNames = {{
    {MeanFieldMethod::sequential, "sequential"},
    {MeanFieldMethod::over_relaxed, "over_relaxed"},
}};
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

}  // namespace

std::string to_string(MeanFieldMethod method) { return detail::enum_name(kMethodNames, method); }

MeanFieldMethod parse_mean_field_method(std::string_view text) {
    return detail::parse_enum(kMethodNames, text, "mean-field method");
}

StartList parse_mean_field_starts(std::string_view list, int restarts, std::string_view option) {
    StartList parsed;
    MeanFieldStarts& s = parsed.starts;
    // Items as std::getline splits them: none in "", no empty last item after a final comma.
    std::size_t pos = 0;
    while (pos < list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string_view item = list.substr(pos, comma - pos);
        pos = comma + 1;
        if (item == "up")
            s.all_up = true;
        else if (item == "down")
            s.all_down = true;
        else if (item == "paramagnet")
            s.paramagnet = true;
        else if (item == "anneal")
            s.anneal = true;
        else if (item == "random")
            s.random = restarts;
        else if (item == "warm")
            parsed.warm = true;
        else
            throw ParseError(fmt::format(
                "unknown start {} in {} (expected up, down, paramagnet, anneal, random, warm)",
                quote_token(item), option));
    }
    if (!s.all_up && !s.all_down && s.random == 0 && !s.paramagnet && !s.anneal && !parsed.warm)
        throw ParseError(fmt::format("{} names no start", option));
    return parsed;
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

MeanFieldResult solve_mean_field(const Model& model, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
    const MeanFieldPlan plan(model);
    return solve_mean_field(plan, beta, options, warm_start);
}

}  // namespace isingmf
