#include "isingmf/meanfield/mean_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "isingmf/error.hpp"
#include "isingmf/meanfield/binary_entropy.hpp"
#include "isingmf/random.hpp"

namespace isingmf {
namespace {

// Below this many sites the OpenMP fork costs more than the sweep.
constexpr std::size_t kParallelSites = 1u << 14;
// Fixed block size for sums, so that the rounding does not depend on the thread count.
constexpr std::size_t kSumBlock = 4096;
constexpr std::uint64_t kRandomStartStream = 1000;

void check_beta(double beta) {
    if (!(beta >= 0.0) || !std::isfinite(beta)) {
        throw ModelError(fmt::format("inverse temperature must be finite and >= 0, got {}", beta));
    }
}

double local_field(const Adjacency& adj, const std::vector<double>& fields, const std::vector<double>& m,
                   std::size_t i) {
    double phi = fields[i];
    for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k) {
        phi += adj.coupling[k] * m[static_cast<std::size_t>(adj.neighbour[k])];
    }
    return phi;
}

// Per-site parts of F and <H>, summed in fixed blocks.
struct BoundParts {
    double coupling_energy = 0.0;  // sum_e J_e m_i m_j + sum_i h_i m_i
    double entropy = 0.0;
    double magnetization = 0.0;
    double residual = 0.0;
};

BoundParts bound_parts(const Model& model, double beta, const std::vector<double>& m) {
    const Adjacency& adj = model.adjacency();
    const std::vector<double>& h = model.fields();
    const std::size_t n = m.size();
    const std::size_t blocks = (n + kSumBlock - 1) / kSumBlock;
    std::vector<BoundParts> partial(blocks);
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
    for (std::size_t b = 0; b < blocks; ++b) {
        BoundParts p;
        const std::size_t end = std::min(n, (b + 1) * kSumBlock);
        for (std::size_t i = b * kSumBlock; i < end; ++i) {
            const double phi = local_field(adj, h, m, i);
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

// One sweep of coordinate ascent in colour order; returns max |dm|. Sites of one colour
// class share no edge, so updating them in parallel equals updating them in sequence.
double ascent_sweep(const MeanFieldPlan& plan, double beta, std::vector<double>& m) {
    const Model& model = plan.model();
    const Adjacency& adj = model.adjacency();
    const std::vector<double>& h = model.fields();
    const std::vector<int>& order = plan.order();
    const bool parallel = m.size() >= kParallelSites;
    double max_change = 0.0;
    for (std::size_t c = 0; c < plan.num_colours(); ++c) {
        const std::size_t begin = plan.class_offset()[c];
        const std::size_t end = plan.class_offset()[c + 1];
#pragma omp parallel for schedule(static) reduction(max : max_change) if (parallel)
        for (std::size_t k = begin; k < end; ++k) {
            const auto i = static_cast<std::size_t>(order[k]);
            const double updated = std::tanh(beta * local_field(adj, h, m, i));
            max_change = std::max(max_change, std::abs(updated - m[i]));
            m[i] = updated;
        }
    }
    return max_change;
}

}  // namespace

MeanFieldPlan::MeanFieldPlan(const Model& model) : model_(&model) {
    // Greedy colouring in site order: deterministic, and two colours on bipartite lattices
    // numbered as ours are (checkerboard), at most max_degree + 1 in general.
    const Adjacency& adj = model.adjacency();
    const auto n = static_cast<std::size_t>(model.num_sites());
    std::vector<int> colour(n, -1);
    std::vector<char> used;
    int num_colours = 0;
    for (std::size_t i = 0; i < n; ++i) {
        used.assign(static_cast<std::size_t>(num_colours) + 1, 0);
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k) {
            const int c = colour[static_cast<std::size_t>(adj.neighbour[k])];
            if (c >= 0) used[static_cast<std::size_t>(c)] = 1;
        }
        int c = 0;
        while (used[static_cast<std::size_t>(c)] != 0) ++c;
        colour[i] = c;
        num_colours = std::max(num_colours, c + 1);
    }
    class_offset_.assign(static_cast<std::size_t>(num_colours) + 1, 0);
    for (int c : colour) ++class_offset_[static_cast<std::size_t>(c) + 1];
    for (std::size_t c = 0; c + 1 < class_offset_.size(); ++c) class_offset_[c + 1] += class_offset_[c];
    order_.resize(n);
    std::vector<std::size_t> fill(class_offset_.begin(), class_offset_.end() - 1);
    for (std::size_t i = 0; i < n; ++i) order_[fill[static_cast<std::size_t>(colour[i])]++] = static_cast<int>(i);
}

double mean_field_bound(const Model& model, double beta, std::span<const double> m) {
    check_beta(beta);
    if (m.size() != static_cast<std::size_t>(model.num_sites())) {
        throw ModelError(fmt::format("{} magnetizations given for {} sites", m.size(), model.num_sites()));
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

MeanFieldResult ascend_mean_field(const MeanFieldPlan& plan, double beta, std::vector<double> start_m,
                                  const MeanFieldOptions& options, std::string start_name) {
    check_beta(beta);
    const Model& model = plan.model();
    if (start_m.size() != static_cast<std::size_t>(model.num_sites())) {
        throw ModelError(fmt::format("start has {} magnetizations for {} sites", start_m.size(), model.num_sites()));
    }
    MeanFieldResult result;
    result.start = std::move(start_name);
    result.m = std::move(start_m);
    for (double& x : result.m) x = std::isfinite(x) ? std::clamp(x, -1.0, 1.0) : 0.0;

    evaluate_mean_field(model, beta, result);
    double previous = result.ln_z;
    while (result.iterations < options.max_iterations) {
        const double max_change = ascent_sweep(plan, beta, result.m);
        ++result.iterations;
        if (max_change > options.tolerance) continue;
        // Only near a fixed point is the bound worth evaluating: the change of F is second order in dm.
        evaluate_mean_field(model, beta, result);
        const bool flat = std::abs(result.ln_z - previous) <= options.tolerance * std::max(1.0, std::abs(result.ln_z));
        previous = result.ln_z;
        if (flat) {
            result.converged = true;
            break;
        }
    }
    evaluate_mean_field(model, beta, result);
    return result;
}

MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
    check_beta(beta);
    const auto n = static_cast<std::size_t>(plan.model().num_sites());
    MeanFieldResult best;
    bool have_best = false;
    auto consider = [&](std::vector<double> start, std::string name) {
        MeanFieldResult r = ascend_mean_field(plan, beta, std::move(start), options, std::move(name));
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
    if (!warm_start.empty()) consider(std::vector<double>(warm_start.begin(), warm_start.end()), "warm");
    if (!have_best) consider(std::vector<double>(n, 0.0), "zero");
    return best;
}

MeanFieldResult solve_mean_field(const Model& model, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
    const MeanFieldPlan plan(model);
    return solve_mean_field(plan, beta, options, warm_start);
}

}  // namespace isingmf
