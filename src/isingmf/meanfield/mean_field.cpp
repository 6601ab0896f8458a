#include "isingmf/meanfield/mean_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/detail/binary_entropy.hpp"
#include "isingmf/meanfield/detail/branch_free.hpp"
#include "isingmf/meanfield/detail/fast_tanh.hpp"
#include "isingmf/meanfield/detail/sweep_kernel.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/detail/rounding.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {
namespace {

using detail::kParallelSites;
// Fixed block size for sums, so that the rounding does not depend on the thread count.
constexpr std::size_t kSumBlock = 4096;
// Sites per piece of a block in bound_parts: its buffers (3 x 2 KiB) stay in L1 and on the
// stack of any thread.
constexpr std::size_t kTermPiece = 256;
constexpr detail::EnumNames<MeanFieldMethod, 2> kMethodNames = {{
    {MeanFieldMethod::sequential, "sequential"},
    {MeanFieldMethod::over_relaxed, "over_relaxed"},
}};
// Per-site parts of F and <H>, summed in fixed blocks (with compensation: see
// bound_allowance).
struct BoundParts {
    detail::CompensatedSum coupling_energy;  // sum_e J_e m_i m_j + sum_i h_i m_i
    detail::CompensatedSum entropy;
    double magnetization = 0.0;
    double residual = 0.0;
    double sizes = 0.0;  // u sum_i (d_i + 7) (|h_i| + sum_j |J_ij|), for the allowance
};

// A site's local field phi_i and the size u (d_i + 7) (|h_i| + sum_j |J_ij|) of its energy
// term (bound_allowance), from one pass over its neighbours. Each magnitude is taken times u
// as it is added, so that the sizes stay finite wherever the weights are.
struct LocalField {
    double phi = 0.0;
    double size = 0.0;
};

// The size of a site's energy term from its degree, field and u sum_j |J_ij|.
double energy_term_size(std::size_t degree, double h, double scaled_couplings) {
    return (static_cast<double>(degree) + 7.0) *
           (detail::kUnitRoundoff * std::abs(h) + scaled_couplings);
}

// The per-site terms of F for sites [0, n) of a piece: the coupling part of the energy (each
// bond is seen from both ends: half of the coupling part of phi, all of h) and the entropy into
// `energy` and `entropy`, and the largest |m_i - tanh(beta phi_i)| as the result. Branch-free
// (fast_tanh, binary_entropy), so the loop vectorises; with -ffp-contract=off the AVX-512 and
// AVX2 clones do the same IEEE operations as the plain one and give the same bits.
__attribute__((target_clones("avx512f", "avx2", "default"))) double site_terms(
    const double* m, const double* h, const double* phi, double beta, std::size_t n, double* energy,
    double* entropy) {
    // Bits of nonnegative doubles order as the values; a NaN (whose bits are larger than
    // infinity's, from an m outside the solvers' reach) counts as an infinite residual.
    constexpr std::int64_t kInfinityBits = 0x7ff0000000000000;
    std::int64_t largest = 0;
    for (std::size_t k = 0; k < n; ++k) {
        energy[k] = m[k] * (0.5 * (phi[k] - h[k]) + h[k]);
        entropy[k] = detail::binary_entropy(m[k]);
        const std::int64_t r = std::min(
            detail::bits_of(std::fabs(m[k] - detail::fast_tanh(beta * phi[k]))), kInfinityBits);
        largest = largest < r ? r : largest;
    }
    return std::bit_cast<double>(largest);
}

// F's parts at m (by site). `local_field(i)` gives phi_i = h_i + sum_j J_ij m_j, summed in the
// model's adjacency order, whether read from the model or from a plan, and the size of its
// term. Each block is done in pieces: the local fields (gathers), then site_terms, then the
// sums in site order.
template <class FieldOf>
BoundParts bound_parts(const Model& model, double beta, std::span<const double> m,
                       const FieldOf& local_field) {
    // A shared field is read from a piece of copies: the model need not write its array out.
    const std::optional<double> shared_h = model.shared_field();
    const double* h = shared_h ? nullptr : model.fields().data();
    const std::size_t n = m.size();
    const std::size_t blocks = (n + kSumBlock - 1) / kSumBlock;
    std::vector<BoundParts> partial(blocks);
    detail::for_each_index(blocks, detail::team_pays(n, kParallelSites), [&](std::size_t b) {
        alignas(64) double phi[kTermPiece];
        alignas(64) double size[kTermPiece];
        alignas(64) double energy[kTermPiece];
        alignas(64) double entropy[kTermPiece];
        alignas(64) double shared[kTermPiece];
        if (shared_h) std::fill(shared, shared + kTermPiece, *shared_h);
        BoundParts p;
        const std::size_t end = std::min(n, (b + 1) * kSumBlock);
        for (std::size_t begin = b * kSumBlock; begin < end; begin += kTermPiece) {
            const std::size_t len = std::min(kTermPiece, end - begin);
            for (std::size_t k = 0; k < len; ++k) {
                const LocalField f = local_field(begin + k);
                phi[k] = f.phi;
                size[k] = f.size;
            }
            const double residual = site_terms(m.data() + begin, shared_h ? shared : h + begin, phi,
                                               beta, len, energy, entropy);
            p.residual = std::max(p.residual, residual);
            for (std::size_t k = 0; k < len; ++k) {
                p.coupling_energy.add(energy[k]);
                p.entropy.add(entropy[k]);
                p.magnetization += m[begin + k];
                p.sizes += size[k];
            }
        }
        partial[b] = p;
    });
    BoundParts total;
    for (const BoundParts& p : partial) {
        total.coupling_energy.add(p.coupling_energy);
        total.entropy.add(p.entropy);
        total.magnetization += p.magnetization;
        total.residual = std::max(total.residual, p.residual);
        total.sizes += p.sizes;
    }
    return total;
}

BoundParts bound_parts(const Model& model, double beta, std::span<const double> m) {
    // Built here, on all threads, not inside the loop below by one of them.
    const Adjacency& adj = model.adjacency();
    const std::optional<double> shared_h = model.shared_field();
    return bound_parts(model, beta, m, [&](std::size_t i) {
        // Model::local_field's sum, in its order, with the magnitudes beside it.
        const double h = shared_h ? *shared_h : model.fields()[i];
        LocalField f{h, 0.0};
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k) {
            f.phi += adj.coupling[k] * m[static_cast<std::size_t>(adj.neighbour[k])];
            f.size += detail::kUnitRoundoff * std::abs(adj.coupling[k]);
        }
        f.size = energy_term_size(adj.offset[i + 1] - adj.offset[i], h, f.size);
        return f;
    });
}

// The plan's rows hold the model's neighbours in the model's order, as positions.
BoundParts bound_parts(const MeanFieldPlan& plan, double beta, std::span<const double> m) {
    const HugePageVector<int>& order = plan.order();
    const HugePageVector<int>& position = plan.position();
    return bound_parts(plan.model(), beta, m, [&](std::size_t i) {
        const auto p = static_cast<std::size_t>(position[i]);
        const double h = plan.field_at(p);
        LocalField f{h, 0.0};
        plan.neighbours_of(p, [&](const auto& neighbours) {
            for (std::size_t s = 0; s < neighbours.size(); ++s) {
                const double J = plan.coupling_at(plan.row(p) + s);
                f.phi += J * m[static_cast<std::size_t>(order[neighbours[s]])];
                f.size += detail::kUnitRoundoff * std::abs(J);
            }
        });
        f.size = energy_term_size(plan.row(p + 1) - plan.row(p), h, f.size);
        return f;
    });
}

std::vector<double> clamped(std::span<const double> m) {
    std::vector<double> c(m.begin(), m.end());
    for (double& x : c) x = std::clamp(x, -1.0, 1.0);
    return c;
}

void check_magnetizations(const Model& model, std::span<const double> m) {
    if (m.size() != static_cast<std::size_t>(model.num_sites())) {
        throw ModelError(
            fmt::format("{} magnetizations given for {} sites", m.size(), model.num_sites()));
    }
}

// An upper bound on |F computed - F(m)|, F(m) in exact arithmetic, that does not depend on m
// (so that rounded_down keeps every comparison of two F's made during an ascent). First order
// in u, with 1% for the rest; per site:
// - the energy term m_i ((phi_i - h_i) / 2 + h_i): phi_i is a plain sum of d_i + 1 terms
//   (d_i u (|h_i| + sum_j |J_ij|)) and four more roundings follow; with the compensated sum
//   (u |sum| + (n u)^2 sum |terms|) and the combination below, (d_i + 7) u (|h_i| + sum_j
//   |J_ij|), times beta;
// - the entropy H_b(m_i) = -p ln p - q ln q, ln p = log1p(m) - ln 2 with log1p within one ulp
//   (2u relative): p (2 |ln 2p| + ln 2 + 3 |ln p|) u for each term and u ln 2 for their
//   difference, at most 4.03 u (at m = -0.51); its compensated sum adds u ln 2, and so does
//   the last addition of F: 6 u;
// - -beta E0 + beta <coupling part> + S: 3 u beta |E0| beyond the terms above (the product
//   and two additions; fill_result's E0 - CE, beta <H> and + S alike).
double bound_allowance(const Model& model, double beta, const BoundParts& parts) {
    const auto n = static_cast<double>(model.num_sites());
    const double u = detail::kUnitRoundoff;
    // The sizes are kept times u: beta times them stays finite where beta |H| does. At
    // beta = 0 the energy term is exactly 0 (fill_result), whatever the sizes.
    const double energy =
        beta == 0.0 ? 0.0 : beta * (parts.sizes + 3.0 * u * std::abs(model.energy_offset()));
    return 1.01 * (energy + 6.0 * u * n);
}

double bound_from(const Model& model, double beta, const BoundParts& parts) {
    const double f = -beta * model.energy_offset() + beta * parts.coupling_energy.value() +
                     parts.entropy.value();
    return detail::rounded_down(f, bound_allowance(model, beta, parts));
}

void fill_result(const Model& model, double beta, const BoundParts& parts,
                 MeanFieldResult& result) {
    result.energy = model.energy_offset() - parts.coupling_energy.value();
    result.entropy = parts.entropy.value();
    // At beta = 0 the energy term vanishes exactly, whatever <H>_q is.
    result.ln_z = detail::rounded_down((beta == 0.0 ? 0.0 : -beta * result.energy) + result.entropy,
                                       bound_allowance(model, beta, parts));
    result.magnetization = parts.magnetization / static_cast<double>(result.m.size());
    result.residual = parts.residual;
}

}  // namespace

std::string to_string(MeanFieldMethod method) { return detail::enum_name(kMethodNames, method); }

MeanFieldMethod parse_mean_field_method(std::string_view text) {
    return detail::parse_enum(kMethodNames, text, "mean-field method");
}

StartList parse_mean_field_starts(std::string_view list, int restarts, std::string_view option) {
    StartList parsed;
    MeanFieldStarts& s = parsed.starts;
    // Items between commas: none in "", and an empty one (",,", a final comma) is an unknown
    // start, as an empty bound is in --bounds. Each at most once, as --bounds: a repeat is a
    // slip, and would not run the start twice.
    std::vector<std::string_view> seen;
    std::size_t pos = 0;
    while (!list.empty() && pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string_view item = list.substr(pos, comma - pos);
        pos = comma + 1;
        if (std::find(seen.begin(), seen.end(), item) != seen.end())
            throw ParseError(fmt::format("start {} listed twice in {}", quote_token(item), option));
        seen.push_back(item);
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
    if (!s.all_up && !s.all_down && s.random == 0 && !s.paramagnet && !s.anneal && !parsed.warm) {
        const bool random_listed = std::find(seen.begin(), seen.end(), "random") != seen.end();
        throw ParseError(random_listed ? fmt::format("{} names only random starts, and there are "
                                                     "0 of them (restarts = 0)",
                                                     option)
                                       : fmt::format("{} names no start", option));
    }
    return parsed;
}

double mean_field_bound(const Model& model, double beta, std::span<const double> m) {
    check_beta(beta);
    check_energy_scale(model, beta);
    check_magnetizations(model, m);
    return bound_from(model, beta, bound_parts(model, beta, clamped(m)));
}

double mean_field_bound(const MeanFieldPlan& plan, double beta, std::span<const double> m) {
    check_beta(beta);
    check_energy_scale(plan.model(), beta);
    check_magnetizations(plan.model(), m);
    return bound_from(plan.model(), beta, bound_parts(plan, beta, clamped(m)));
}

void evaluate_mean_field(const Model& model, double beta, MeanFieldResult& result) {
    check_beta(beta);
    check_energy_scale(model, beta);
    fill_result(model, beta, bound_parts(model, beta, result.m), result);
}

void evaluate_mean_field(const MeanFieldPlan& plan, double beta, MeanFieldResult& result) {
    check_beta(beta);
    check_energy_scale(plan.model(), beta);
    fill_result(plan.model(), beta, bound_parts(plan, beta, result.m), result);
}

MeanFieldResult solve_mean_field(const Model& model, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
    const MeanFieldPlan plan(model);
    return solve_mean_field(plan, beta, options, warm_start);
}

}  // namespace isingmf
