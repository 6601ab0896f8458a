#include "isingmf/exact/enumerate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "isingmf/exact/detail/enumerate_detail.hpp"
#include "isingmf/exact/detail/rescaled_model.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_size(const Model& model) {
    const int n = model.num_sites();
    if (n > kMaxEnumerationSites) {
        throw ModelError(
            fmt::format("enumeration of N={} spins (2^{} states) is beyond its limit of {}", n, n,
                        kMaxEnumerationSites));
    }
}

// A fixed partition of the 2^N states into chunks of consecutive Gray-code indices. It depends
// on N only, so that partial sums, combined in chunk order, do not depend on the thread count.
// Chunks hold at most 2^20 states (the direct path buffers one chunk per thread) and there are
// about 1024 of them for large N, enough to balance two or many threads.
struct Chunking {
    int bits = 0;
    i64 count = 1;
    u64 size() const { return u64{1} << bits; }
};

Chunking chunking(int n) {
    Chunking c;
    c.bits = std::min(20, std::max(n - 10, std::min(n, 8)));
    c.count = i64{1} << (n - c.bits);
    return c;
}

// Site i is bit i of the Gray code word g: 0 is spin up.
inline int spin_of(u64 g, int site) { return 1 - 2 * static_cast<int>((g >> site) & 1u); }

inline u64 gray(u64 k) { return k ^ (k >> 1); }

// H(s') - H(s) when site i of g flips: H holds -J s_i s_j - h_i s_i, so the change is
// 2 s_i (sum_j J_ij s_j + h_i) with the old s_i.
inline double flip_delta(const Adjacency& adj, const std::vector<double>& fields, u64 g, int i) {
    const auto si = static_cast<std::size_t>(i);
    double local = fields[si];
    for (std::size_t k = adj.offset[si]; k < adj.offset[si + 1]; ++k) {
        local += adj.coupling[k] * spin_of(g, adj.neighbour[k]);
    }
    return 2.0 * spin_of(g, i) * local;
}

// H of the state g evaluated by Model::energy, the one definition of H.
double exact_energy(const Model& model, u64 g, std::vector<signed char>& spins) {
    for (int i = 0; i < model.num_sites(); ++i)
        spins[static_cast<std::size_t>(i)] = static_cast<signed char>(spin_of(g, i));
    return model.energy(spins);
}

int magnetization_of(u64 g, int n) { return n - 2 * std::popcount(g); }

// ---------------------------------------------------------------------------------------------
// Factored path: no exp per state.
//
// Sites [0, b) form the low block L, sites [b, N) the high part (any split is exact; b = 10
// keeps a block's arrays in the L1 cache). For one high configuration s_H,
//   H(s) = E_H(s_H) + E_LL(s_L) - sum_{i in L} phi_i s_i,  phi_i = h_i + sum_{j in H} J_ij s_j,
// with E_H = E0 - (bonds and fields inside H) and E_LL the bonds inside L. Writing
// -phi_i s_i = -|phi_i| + d_i with d_i = 0 when s_i = sign(phi_i) and 2|phi_i| otherwise,
//   H = K + t(s_L),   K = E_H - sum_i |phi_i| + min E_LL,   t = (E_LL - min E_LL) + sum_i d_i >= 0.
// With G = min t over the block (so the block's lowest energy is K + G), each state's weight
// relative to that lowest state is
//   exp(-beta (t - G)) = exp(-beta (E_LL - min E_LL)) * prod_i exp(-beta d_i) * exp(beta G):
// a table per beta over the 2^b low states, a product of at most b per-block factors built
// by doubling, and one scale. Every factor is an exp accurate to ~1 ulp and every weight a
// product of at most b + 2 of them, so each weight carries at most ~(2b + 3) ulp of rounding
// whatever N (no chain of updates as in a Gray-code walk). b + 2 exps per block and beta
// remain instead of 2^b. The energies t themselves are sums of at most b + 1 terms.
//
// Range: the first two factors are <= 1 and exp(beta G) <= e^600 when beta G <= 600, so
// nothing overflows; a product that underflows (< e^-708) belongs to a state whose weight is
// below e^-108 of the block's lowest state's (~1), negligible at any precision. Blocks with
// beta G > 600 (only at very low temperature: G is how far the bound K is from the block's
// minimum) take exp(-beta (t - G)) per state instead.

constexpr int kLowBits = 10;
constexpr std::size_t kLanes = 8;  // padding unit: two vectors of four doubles

struct FactoredPlan {
    int n = 0;
    int bits = 0;            // b = number of low sites
    std::size_t size = 1;    // 2^b low states
    std::size_t padded = 0;  // size rounded up to a multiple of kLanes; padding has weight 0
    double low_min = 0.0;    // min E_LL
    std::vector<double> low_excess;         // E_LL(x) - low_min, 0 in the padding
    std::vector<double> low_magnetization;  // sum of the low spins of x
    // Bonds and fields inside H.
    std::vector<Edge> high_edges;
    std::vector<double> high_couplings;
    // Bonds from each low site into H, compressed rows.
    std::vector<std::size_t> cross_offset;
    std::vector<int> cross_site;
    std::vector<double> cross_coupling;
    // With every h_i = 0, H(s) = H(-s): only the high configurations with site N - 1 up are
    // enumerated (when that site is a high one) and the other half follows by symmetry.
    bool flip_symmetric = false;
    // Chunks of consecutive high configurations, fixed by the model (thread-count independence).
    int chunk_bits = 0;
    i64 chunk_count = 1;
};

FactoredPlan make_factored_plan(const Model& model) {
    FactoredPlan plan;
    plan.n = model.num_sites();
    plan.bits = std::min(plan.n, kLowBits);
    plan.size = std::size_t{1} << plan.bits;
    plan.padded = (plan.size + kLanes - 1) / kLanes * kLanes;
    const int b = plan.bits;
    const auto& edges = model.edges();
    const auto& couplings = model.couplings();

    std::vector<std::size_t> low_edges;
    plan.cross_offset.assign(static_cast<std::size_t>(b) + 1, 0);
    for (std::size_t e = 0; e < edges.size(); ++e) {
        if (edges[e].j < b) {
            low_edges.push_back(e);
        } else if (edges[e].i < b) {
            ++plan.cross_offset[static_cast<std::size_t>(edges[e].i) + 1];
        } else {
            plan.high_edges.push_back(edges[e]);
            plan.high_couplings.push_back(couplings[e]);
        }
    }
    for (std::size_t i = 0; i < static_cast<std::size_t>(b); ++i)
        plan.cross_offset[i + 1] += plan.cross_offset[i];
    plan.cross_site.resize(plan.cross_offset.back());
    plan.cross_coupling.resize(plan.cross_offset.back());
    std::vector<std::size_t> fill(plan.cross_offset.begin(), plan.cross_offset.end() - 1);
    for (std::size_t e = 0; e < edges.size(); ++e) {  // edges are stored with i < j
        if (edges[e].i < b && edges[e].j >= b) {
            const std::size_t k = fill[static_cast<std::size_t>(edges[e].i)]++;
            plan.cross_site[k] = edges[e].j;
            plan.cross_coupling[k] = couplings[e];
        }
    }

    std::vector<double> low_energy(plan.size);
    plan.low_magnetization.assign(plan.padded, 0.0);
    for (u64 x = 0; x < plan.size; ++x) {
        double e = 0.0;
        for (std::size_t k : low_edges)
            e -= couplings[k] * spin_of(x, edges[k].i) * spin_of(x, edges[k].j);
        low_energy[x] = e;
        plan.low_magnetization[x] = static_cast<double>(magnetization_of(x, b));
    }
    plan.low_min = *std::min_element(low_energy.begin(), low_energy.end());
    plan.low_excess.assign(plan.padded, 0.0);
    for (std::size_t x = 0; x < plan.size; ++x) plan.low_excess[x] = low_energy[x] - plan.low_min;

    plan.flip_symmetric = plan.n > b && std::all_of(model.fields().begin(), model.fields().end(),
                                                    [](double h) { return h == 0.0; });
    // Site N - 1 is the top bit of `high`: up (bit 0) in the lower half of the range.
    const int high_bits = plan.n - b - (plan.flip_symmetric ? 1 : 0);
    plan.chunk_bits = std::max(0, high_bits - 10);
    plan.chunk_count = i64{1} << (high_bits - plan.chunk_bits);
    return plan;
}

// One block: the high configuration `high` (bits b.. of the state index) and its 2^b low states.
struct Block {
    double base = 0.0;  // K
    double gap = 0.0;   // G = min t
    double high_magnetization = 0.0;
    std::vector<double> cost;             // 2 |phi_i|
    std::vector<unsigned char> up_costs;  // whether d_i = cost_i falls on s_i = +1 (phi_i < 0)
    std::vector<double> level;            // t(x), then t(x) - G; 0 in the padding
};

// Four doubles as one GCC vector value: element-wise IEEE operations, lowered to two SSE2
// operations each in the default clone and one AVX operation in the AVX2 clone (no FMA: the
// same operations, so the same bits). Plain loops with four scalar partial sums were
// vectorised with heavy shuffling instead.
using Vec4 = double __attribute__((vector_size(4 * sizeof(double))));

// t(x) = excess(x) + sum_i d_i(x) for the 2^bits low states, built by doubling (bit i of x set
// means s_i = -1; d_i = cost_i on the costly sign); returns G = min t.
__attribute__((target_clones("avx2", "default"))) double low_levels(const double* excess,
                                                                    const double* cost,
                                                                    const unsigned char* up_costs,
                                                                    int bits, std::size_t size,
                                                                    double* t) {
    t[0] = 0.0;
    for (int i = 0; i < bits; ++i) {
        const std::size_t half = std::size_t{1} << i;
        const auto si = static_cast<std::size_t>(i);
        if (up_costs[si]) {
            for (std::size_t x = 0; x < half; ++x) {
                t[x + half] = t[x];
                t[x] += cost[si];
            }
        } else {
            for (std::size_t x = 0; x < half; ++x) t[x + half] = t[x] + cost[si];
        }
    }
    if (size < kLanes) {  // fewer states than lanes: the padding must not enter the minimum
        double gap = kInf;
        for (std::size_t x = 0; x < size; ++x) {
            t[x] += excess[x];
            gap = std::min(gap, t[x]);
        }
        return gap;
    }
    Vec4 lane_min = {kInf, kInf, kInf, kInf};
    for (std::size_t x = 0; x < size; x += 4) {
        Vec4 tx, ex;
        std::memcpy(&tx, t + x, sizeof tx);
        std::memcpy(&ex, excess + x, sizeof ex);
        tx += ex;
        std::memcpy(t + x, &tx, sizeof tx);
        lane_min = tx < lane_min ? tx : lane_min;
    }
    return std::min(std::min(lane_min[0], lane_min[1]), std::min(lane_min[2], lane_min[3]));
}

void prepare_block(const Model& model, const FactoredPlan& plan, u64 high, Block& block) {
    const int b = plan.bits;
    const u64 g = high << b;
    const std::vector<double>& fields = model.fields();
    double e_high = model.energy_offset();
    for (std::size_t e = 0; e < plan.high_edges.size(); ++e) {
        e_high -= plan.high_couplings[e] * spin_of(g, plan.high_edges[e].i) *
                  spin_of(g, plan.high_edges[e].j);
    }
    int m_high = 0;
    for (int i = b; i < plan.n; ++i) {
        e_high -= fields[static_cast<std::size_t>(i)] * spin_of(g, i);
        m_high += spin_of(g, i);
    }
    double abs_sum = 0.0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(b); ++i) {
        double phi = fields[i];
        for (std::size_t k = plan.cross_offset[i]; k < plan.cross_offset[i + 1]; ++k)
            phi += plan.cross_coupling[k] * spin_of(g, plan.cross_site[k]);
        abs_sum += std::abs(phi);
        block.cost[i] = 2.0 * std::abs(phi);
        block.up_costs[i] = phi < 0.0;
    }
    block.base = e_high - abs_sum + plan.low_min;
    block.high_magnetization = static_cast<double>(m_high);

    block.gap = low_levels(plan.low_excess.data(), block.cost.data(), block.up_costs.data(), b,
                           plan.size, block.level.data());
}

// ---------------------------------------------------------------------------------------------
// Ground state: a pass over the blocks without exp.

// The ground energy by Model::energy's definition (`exact`), and the lowest block energy
// base + gap as the blocks compute it (`blocks`), which carries their rounding.
struct GroundEnergy {
    double exact = kInf;
    double blocks = kInf;
};

GroundEnergy scan_ground_energy(const Model& model, const FactoredPlan& plan) {
    // Block energies carry rounding; every state within `slack` of the running minimum is
    // re-evaluated by Model::energy, so the minimum returned is that of the exact definition
    // (the slack is far above the rounding, so its own last bits do not matter).
    const double slack = 1e-9 * (model.energy_scale() + 1.0);

    std::vector<double> chunk_best(static_cast<std::size_t>(plan.chunk_count), kInf);
    std::vector<double> chunk_lowest_block(static_cast<std::size_t>(plan.chunk_count), kInf);
#pragma omp parallel
    {
        Block block;
        block.cost.resize(static_cast<std::size_t>(plan.bits));
        block.up_costs.resize(static_cast<std::size_t>(plan.bits));
        block.level.assign(plan.padded, 0.0);
        std::vector<signed char> spins(static_cast<std::size_t>(plan.n));
#pragma omp for schedule(dynamic, 1)
        for (i64 c = 0; c < plan.chunk_count; ++c) {
            if (interrupt_requested()) continue;  // thrown below, outside the threads
            const u64 h0 = static_cast<u64>(c) << plan.chunk_bits;
            const u64 h1 = h0 + (u64{1} << plan.chunk_bits);
            double best_running = kInf;
            double best_exact = kInf;
            for (u64 high = h0; high < h1 && !interrupt_requested(); ++high) {
                prepare_block(model, plan, high, block);
                const double lowest = block.base + block.gap;
                if (!(lowest < best_running + slack)) continue;
                best_running = std::min(best_running, lowest);
                for (std::size_t x = 0; x < plan.size; ++x) {
                    if (block.base + block.level[x] < best_running + slack) {
                        const u64 g = (high << plan.bits) | x;
                        best_exact = std::min(best_exact, exact_energy(model, g, spins));
                    }
                }
            }
            chunk_best[static_cast<std::size_t>(c)] = best_exact;
            chunk_lowest_block[static_cast<std::size_t>(c)] = best_running;
        }
    }
    check_interrupt();
    return {*std::min_element(chunk_best.begin(), chunk_best.end()),
            *std::min_element(chunk_lowest_block.begin(), chunk_lowest_block.end())};
}

double scan_ground_energy(const Model& model) {
    return scan_ground_energy(model, make_factored_plan(model)).exact;
}

// ---------------------------------------------------------------------------------------------
// Weighted moments, combined pairwise (Chan, Golub & LeVeque) so that variances never come
// from a difference of large raw moments. Energies are measured from the ground energy.

struct Moments {
    double weight = 0.0;      // sum of exp(-beta (E - E_gs))
    double mean_e = 0.0;      // <E - E_gs>
    double m2_e = 0.0;        // sum w (E - <E>)^2
    double mean_m = 0.0;      // <m>
    double m2_m = 0.0;        // sum w (m - <m>)^2
    double mean_abs_m = 0.0;  // <|m|>
};

void combine(Moments& a, const Moments& b) {
    if (b.weight == 0.0) return;
    if (a.weight == 0.0) {
        a = b;
        return;
    }
    const double total = a.weight + b.weight;
    const double fb = b.weight / total;
    const double de = b.mean_e - a.mean_e;
    const double dm = b.mean_m - a.mean_m;
    a.m2_e += b.m2_e + de * de * a.weight * fb;
    a.m2_m += b.m2_m + dm * dm * a.weight * fb;
    a.mean_e += de * fb;
    a.mean_m += dm * fb;
    a.mean_abs_m += (b.mean_abs_m - a.mean_abs_m) * fb;
    a.weight = total;
}

// Moments of a set of states together with its mirror image s -> -s (same energies, opposite
// magnetizations): the mean magnetization is exactly 0 and its spread gains the squared mean.
Moments with_mirror_half(const Moments& half) {
    Moments r = half;
    r.weight = 2.0 * half.weight;
    r.m2_e = 2.0 * half.m2_e;
    r.mean_m = 0.0;
    r.m2_m = 2.0 * (half.m2_m + half.weight * half.mean_m * half.mean_m);
    return r;
}

// Moments of one set of (E - E_gs, m, multiplicity) at one beta, in two passes over the set:
// means first, then centred squares.
struct Levels {
    std::vector<double> excess;  // E - E_gs
    std::vector<double> m;
    std::vector<double> multiplicity;
    void resize(std::size_t size) {
        excess.resize(size);
        m.resize(size);
        multiplicity.resize(size);
    }
};

Moments level_moments(const Levels& levels, std::size_t begin, std::size_t end, double beta,
                      std::vector<double>& w) {
    Moments r;
    double sw = 0.0, se = 0.0, sm = 0.0, sa = 0.0;
    for (std::size_t s = begin; s < end; ++s) {
        w[s] = levels.multiplicity[s] * std::exp(-beta * levels.excess[s]);
        sw += w[s];
        se += w[s] * levels.excess[s];
        sm += w[s] * levels.m[s];
        sa += w[s] * std::abs(levels.m[s]);
    }
    if (sw == 0.0) return r;
    r.weight = sw;
    r.mean_e = se / sw;
    r.mean_m = sm / sw;
    r.mean_abs_m = sa / sw;
    double ve = 0.0, vm = 0.0;
    for (std::size_t s = begin; s < end; ++s) {
        const double de = levels.excess[s] - r.mean_e;
        const double dm = levels.m[s] - r.mean_m;
        ve += w[s] * de * de;
        vm += w[s] * dm * dm;
    }
    r.m2_e = ve;
    r.m2_m = vm;
    return r;
}

// Adds the moments of levels [0, size) at every beta to out[b], block by block: a block's
// arrays stay in cache while all betas pass over it, instead of streaming all levels from
// memory once per beta. Blocks are combined in a fixed order.
void accumulate_moments(const Levels& levels, std::size_t size, std::span<const double> betas,
                        Moments* out, std::vector<double>& w) {
    constexpr std::size_t kBlock = 2048;
    for (std::size_t begin = 0; begin < size; begin += kBlock) {
        const std::size_t end = std::min(size, begin + kBlock);
        for (std::size_t b = 0; b < betas.size(); ++b)
            combine(out[b], level_moments(levels, begin, end, betas[b], w));
    }
}

// `mo` holds energies measured from ground_energy and weights relative to
// exp(-beta weight_reference).
ExactResult to_result(const Moments& mo, double beta, double ground_energy, double weight_reference,
                      int n) {
    const double nd = static_cast<double>(n);
    ExactResult r;
    // At beta = 0 the shift -beta E_ref is exactly zero; avoid 0 * E_ref when E_ref is huge.
    r.ln_z = (beta == 0.0 ? 0.0 : -beta * weight_reference) + std::log(mo.weight);
    r.energy_per_spin = (ground_energy + mo.mean_e) / nd;
    // beta * (beta * var): beta^2 alone overflows beyond 1e154 and would turn a zero variance
    // into NaN.
    r.specific_heat_per_spin = beta * (beta * (mo.m2_e / mo.weight)) / nd;
    r.magnetization = mo.mean_m;
    r.magnetization_abs = mo.mean_abs_m;
    r.susceptibility = beta * nd * (mo.m2_m / mo.weight);
    return r;
}

// ---------------------------------------------------------------------------------------------
// Direct path: one exp per state and beta.

std::vector<ExactResult> enumerate_direct(const Model& model, std::span<const double> betas) {
    const int n = model.num_sites();
    const double ground = scan_ground_energy(model);
    const Chunking chunks = chunking(n);
    const Adjacency& adj = model.adjacency();
    const std::vector<double>& fields = model.fields();
    const std::size_t nb = betas.size();
    const double nd = static_cast<double>(n);

    std::vector<Moments> partial(static_cast<std::size_t>(chunks.count) * nb);
#pragma omp parallel
    {
        const std::size_t size = chunks.size();
        Levels levels;
        levels.resize(size);
        std::fill(levels.multiplicity.begin(), levels.multiplicity.end(), 1.0);
        std::vector<double> w(size);
        std::vector<signed char> spins(static_cast<std::size_t>(n));
#pragma omp for schedule(dynamic, 1)
        for (i64 c = 0; c < chunks.count; ++c) {
            if (interrupt_requested()) continue;  // thrown below, outside the threads
            const u64 k0 = static_cast<u64>(c) << chunks.bits;
            u64 g = gray(k0);
            double e = exact_energy(model, g, spins);
            levels.excess[0] = e - ground;
            levels.m[0] = magnetization_of(g, n) / nd;
            for (std::size_t s = 1; s < size; ++s) {
                const int i = std::countr_zero(k0 + s);
                e += flip_delta(adj, fields, g, i);
                g ^= u64{1} << i;
                levels.excess[s] = e - ground;
                levels.m[s] = magnetization_of(g, n) / nd;
            }
            accumulate_moments(levels, size, betas, &partial[static_cast<std::size_t>(c) * nb], w);
        }
    }
    check_interrupt();

    std::vector<ExactResult> results(nb);
    for (std::size_t b = 0; b < nb; ++b) {
        Moments total;
        for (i64 c = 0; c < chunks.count; ++c)
            combine(total, partial[static_cast<std::size_t>(c) * nb + b]);
        results[b] = to_result(total, betas[b], ground, ground, n);
    }
    return results;
}

// Per-thread buffers of the factored path.
struct FactoredWork {
    Block block;
    std::vector<double> weight;
    std::vector<double> magnetization;  // m - m(pivot)
    std::vector<double> abs_magnetization;
    std::vector<double> low_factor;  // exp(-2 beta |phi_i|) per low site
    explicit FactoredWork(const FactoredPlan& plan)
        : weight(plan.padded, 0.0),
          magnetization(plan.padded, 0.0),
          abs_magnetization(plan.padded, 0.0),
          low_factor(static_cast<std::size_t>(plan.bits)) {
        block.cost.resize(static_cast<std::size_t>(plan.bits));
        block.up_costs.resize(static_cast<std::size_t>(plan.bits));
        block.level.assign(plan.padded, 0.0);
    }
};

// The eight partial sums in a fixed order.
inline double lane_sum(const Vec4 (&v)[2]) {
    return ((v[0][0] + v[0][1]) + (v[0][2] + v[0][3])) +
           ((v[1][0] + v[1][1]) + (v[1][2] + v[1][3]));
}

// Moments of (level, dm) over one block at one beta, where level >= 0 and dm are measured from
// the block's lowest state (level 0, weight ~1: the largest of the block), so mean_e and
// mean_m of the result are relative to that state too; abs_m = |m|. With `table`, the
// weights are built here:
//   w(x) = table(x) * (scale * prod_i factor_i(x)),
// factor_i(x) = factor[i] when bit i of x is the costly sign of site i and 1 otherwise, the
// product by doubling; without, w holds the weights already.
//
// One pass of raw sums about that pivot p: m2 = S2 - S1^2 / S0. The cancellation costs a factor
// 1 + (mean - p)^2 / var in relative accuracy, and since p carries the largest weight, a
// fraction q >= 2^-b of the total, var >= q (mean - p)^2: the factor is at most 1 + 2^b, i.e.
// m2 to ~2^10 eps ~ 2e-13 relative even in the worst case (typically a few eps: at low
// temperature the pivot dominates, at high temperature the spread is wide). Eight partial sums
// per quantity in a fixed order keep the result independent of the thread count.
__attribute__((target_clones("avx2", "default"))) Moments block_moments(
    const double* table, const double* factor, const unsigned char* up_costs, int bits,
    double scale, const double* level, const double* dm, const double* abs_m, std::size_t padded,
    double* w) {
    if (table != nullptr) {
        w[0] = scale;
        for (int i = 0; i < bits; ++i) {
            const std::size_t half = std::size_t{1} << i;
            const auto si = static_cast<std::size_t>(i);
            if (up_costs[si]) {
                for (std::size_t x = 0; x < half; ++x) {
                    w[x + half] = w[x];
                    w[x] *= factor[si];
                }
            } else {
                for (std::size_t x = 0; x < half; ++x) w[x + half] = w[x] * factor[si];
            }
        }
    }
    // Two vectors of partial sums per quantity: independent additions keep the adder busy.
    Vec4 s0[2] = {}, s1e[2] = {}, s2e[2] = {}, s1m[2] = {}, s2m[2] = {}, sa[2] = {};
    for (std::size_t x = 0; x < padded; x += kLanes) {
        for (std::size_t v = 0; v < 2; ++v) {
            const std::size_t y = x + 4 * v;
            Vec4 wx, ex, mx, ax;
            std::memcpy(&wx, w + y, sizeof wx);
            if (table != nullptr) {
                Vec4 tx;
                std::memcpy(&tx, table + y, sizeof tx);
                wx = tx * wx;  // 0 in the padding
            }
            std::memcpy(&ex, level + y, sizeof ex);
            std::memcpy(&mx, dm + y, sizeof mx);
            std::memcpy(&ax, abs_m + y, sizeof ax);
            const Vec4 we = wx * ex;
            const Vec4 wm = wx * mx;
            s0[v] += wx;
            s1e[v] += we;
            s2e[v] += we * ex;
            s1m[v] += wm;
            s2m[v] += wm * mx;
            sa[v] += wx * ax;
        }
    }
    Moments r;
    const double tw = lane_sum(s0);
    if (tw == 0.0) return r;
    const double s1_e = lane_sum(s1e);
    const double s1_m = lane_sum(s1m);
    r.weight = tw;
    r.mean_e = s1_e / tw;
    r.mean_m = s1_m / tw;
    r.mean_abs_m = lane_sum(sa) / tw;
    r.m2_e = std::max(0.0, lane_sum(s2e) - s1_e * r.mean_e);
    r.m2_m = std::max(0.0, lane_sum(s2m) - s1_m * r.mean_m);
    return r;
}

std::vector<ExactResult> enumerate_factored(const Model& model, std::span<const double> betas,
                                            double max_exponent) {
    const FactoredPlan plan = make_factored_plan(model);
    const GroundEnergy ground = scan_ground_energy(model, plan);
    const std::size_t nb = betas.size();
    const double nd = static_cast<double>(plan.n);
    const auto b = static_cast<std::size_t>(plan.bits);

    // exp(-beta (E_LL - min E_LL)) per beta, 0 in the padding.
    std::vector<double> tables(nb * plan.padded, 0.0);
    for (std::size_t k = 0; k < nb; ++k) {
        for (std::size_t x = 0; x < plan.size; ++x)
            tables[k * plan.padded + x] = std::exp(-betas[k] * plan.low_excess[x]);
    }

    std::vector<Moments> partial(static_cast<std::size_t>(plan.chunk_count) * nb);
#pragma omp parallel
    {
        FactoredWork work(plan);
        Block& block = work.block;
#pragma omp for schedule(dynamic, 1)
        for (i64 c = 0; c < plan.chunk_count; ++c) {
            if (interrupt_requested()) continue;  // thrown below, outside the threads
            Moments* out = &partial[static_cast<std::size_t>(c) * nb];
            const u64 h0 = static_cast<u64>(c) << plan.chunk_bits;
            const u64 h1 = h0 + (u64{1} << plan.chunk_bits);
            for (u64 high = h0; high < h1 && !interrupt_requested(); ++high) {
                prepare_block(model, plan, high, block);
                // Levels and magnetizations per spin measured from the block's lowest state
                // (the first with t = G); dm from integers, so exactly rounded.
                std::size_t pivot = 0;
                while (block.level[pivot] != block.gap) ++pivot;
                const double pivot_low_m = plan.low_magnetization[pivot];
                const double pivot_m = (block.high_magnetization + pivot_low_m) / nd;
                for (std::size_t x = 0; x < plan.size; ++x) {
                    block.level[x] -= block.gap;
                    work.magnetization[x] = (plan.low_magnetization[x] - pivot_low_m) / nd;
                    work.abs_magnetization[x] =
                        std::abs((block.high_magnetization + plan.low_magnetization[x]) / nd);
                }
                const double lowest = block.base + block.gap - ground.exact;  // min - E_gs
                // Weights are relative to the lowest block as the blocks round it: that block
                // weighs exactly 1 then. Relative to E_gs it could weigh exp(-beta * (an ulp
                // of the energies)), which at beta 1e18 on a complete graph is 0 (ln Z = -inf).
                const double above_lowest = block.base + block.gap - ground.blocks;
                for (std::size_t k = 0; k < nb; ++k) {
                    const double beta = betas[k];
                    Moments r;
                    if (beta * block.gap <= max_exponent) {
                        for (std::size_t i = 0; i < b; ++i)
                            work.low_factor[i] = std::exp(-beta * block.cost[i]);
                        r = block_moments(&tables[k * plan.padded], work.low_factor.data(),
                                          block.up_costs.data(), plan.bits,
                                          std::exp(beta * block.gap), block.level.data(),
                                          work.magnetization.data(), work.abs_magnetization.data(),
                                          plan.padded, work.weight.data());
                    } else {
                        for (std::size_t x = 0; x < plan.size; ++x)
                            work.weight[x] = std::exp(-beta * block.level[x]);
                        r = block_moments(nullptr, nullptr, nullptr, 0, 1.0, block.level.data(),
                                          work.magnetization.data(), work.abs_magnetization.data(),
                                          plan.padded, work.weight.data());
                    }
                    // Back to weights relative to the lowest block; at beta = 0 the factor
                    // is exactly 1 (no 0 * huge).
                    const double scale = beta == 0.0 ? 1.0 : std::exp(-beta * above_lowest);
                    r.weight *= scale;
                    r.m2_e *= scale;
                    r.m2_m *= scale;
                    r.mean_e += lowest;
                    r.mean_m += pivot_m;
                    combine(out[k], r);
                }
            }
        }
    }
    check_interrupt();

    std::vector<ExactResult> results(nb);
    for (std::size_t k = 0; k < nb; ++k) {
        Moments total;
        for (i64 c = 0; c < plan.chunk_count; ++c)
            combine(total, partial[static_cast<std::size_t>(c) * nb + k]);
        if (plan.flip_symmetric) total = with_mirror_half(total);
        results[k] = to_result(total, betas[k], ground.exact, ground.blocks, plan.n);
    }
    return results;
}

// ---------------------------------------------------------------------------------------------
// Density-of-states path.
//
// H = E0 - sum_c J_c (2 a_c - E_c) - sum_f h_f (2 u_f - N_f), where the edges are grouped by
// their exact coupling value J_c (E_c edges, a_c of them satisfied: s_i s_j = +1) and the sites
// by their exact field value h_f (N_f sites, u_f of them up). The integers (a_c, u_f) determine
// E and M = sum_f (2 u_f - N_f) exactly, so they key the density of states without any
// rounding question: two states share a key only if they have the same energy by construction,
// and each key's energy is evaluated once by the same formula. The key packs them in mixed
// radix, key = sum a_c stride_c + sum u_f stride_f, updated in O(degree) per flip.

constexpr u64 kMaxKeySpace = u64{1} << 62;

struct KeyLayout {
    std::vector<double> coupling_value;
    std::vector<i64> coupling_edges;
    std::vector<u64> coupling_stride;
    std::vector<double> field_value;
    std::vector<i64> field_sites;
    std::vector<u64> field_stride;
    std::vector<int> edge_class;  // -1 for J = 0, which does not enter H
    std::vector<int> site_class;
    // Per-site neighbour lists restricted to J != 0, with the stride of the edge's class.
    std::vector<std::size_t> offset;
    std::vector<int> neighbour;
    std::vector<i64> neighbour_stride;
    std::vector<i64> site_stride;
};

std::optional<KeyLayout> make_key_layout(const Model& model) {
    KeyLayout layout;
    const int n = model.num_sites();
    std::map<double, int> coupling_index;
    for (double J : model.couplings()) {
        if (J != 0.0) coupling_index.emplace(J, 0);
    }
    std::map<double, int> field_index;
    for (double h : model.fields()) field_index.emplace(h == 0.0 ? 0.0 : h, 0);

    u64 space = 1;
    auto extend = [&space](i64 members) {
        const u64 radix = static_cast<u64>(members) + 1;
        if (space > kMaxKeySpace / radix) return false;
        space *= radix;
        return true;
    };
    for (auto& [J, index] : coupling_index) {
        index = static_cast<int>(layout.coupling_value.size());
        layout.coupling_value.push_back(J);
    }
    for (auto& [h, index] : field_index) {
        index = static_cast<int>(layout.field_value.size());
        layout.field_value.push_back(h);
    }
    layout.coupling_edges.assign(layout.coupling_value.size(), 0);
    layout.field_sites.assign(layout.field_value.size(), 0);
    for (double J : model.couplings()) {
        const int c = J == 0.0 ? -1 : coupling_index.at(J);
        layout.edge_class.push_back(c);
        if (c >= 0) ++layout.coupling_edges[static_cast<std::size_t>(c)];
    }
    for (double h : model.fields()) {
        const int f = field_index.at(h == 0.0 ? 0.0 : h);
        layout.site_class.push_back(f);
        ++layout.field_sites[static_cast<std::size_t>(f)];
    }
    for (i64 members : layout.coupling_edges) {
        layout.coupling_stride.push_back(space);
        if (!extend(members)) return std::nullopt;
    }
    for (i64 members : layout.field_sites) {
        layout.field_stride.push_back(space);
        if (!extend(members)) return std::nullopt;
    }

    const auto nn = static_cast<std::size_t>(n);
    layout.offset.assign(nn + 1, 0);
    const auto& edges = model.edges();
    for (std::size_t e = 0; e < edges.size(); ++e) {
        if (layout.edge_class[e] < 0) continue;
        ++layout.offset[static_cast<std::size_t>(edges[e].i) + 1];
        ++layout.offset[static_cast<std::size_t>(edges[e].j) + 1];
    }
    for (std::size_t i = 0; i < nn; ++i) layout.offset[i + 1] += layout.offset[i];
    layout.neighbour.resize(layout.offset[nn]);
    layout.neighbour_stride.resize(layout.offset[nn]);
    std::vector<std::size_t> fill(layout.offset.begin(), layout.offset.end() - 1);
    for (std::size_t e = 0; e < edges.size(); ++e) {
        const int c = layout.edge_class[e];
        if (c < 0) continue;
        const auto stride = static_cast<i64>(layout.coupling_stride[static_cast<std::size_t>(c)]);
        const auto i = static_cast<std::size_t>(edges[e].i);
        const auto j = static_cast<std::size_t>(edges[e].j);
        layout.neighbour[fill[i]] = edges[e].j;
        layout.neighbour_stride[fill[i]++] = stride;
        layout.neighbour[fill[j]] = edges[e].i;
        layout.neighbour_stride[fill[j]++] = stride;
    }
    for (int i = 0; i < n; ++i) {
        layout.site_stride.push_back(static_cast<i64>(layout.field_stride[static_cast<std::size_t>(
            layout.site_class[static_cast<std::size_t>(i)])]));
    }
    return layout;
}

u64 key_of(const Model& model, const KeyLayout& layout, u64 g) {
    u64 key = 0;
    const auto& edges = model.edges();
    for (std::size_t e = 0; e < edges.size(); ++e) {
        const int c = layout.edge_class[e];
        if (c >= 0 && spin_of(g, edges[e].i) == spin_of(g, edges[e].j)) {
            key += layout.coupling_stride[static_cast<std::size_t>(c)];
        }
    }
    for (int i = 0; i < model.num_sites(); ++i) {
        if (spin_of(g, i) > 0)
            key += static_cast<u64>(layout.site_stride[static_cast<std::size_t>(i)]);
    }
    return key;
}

// Change of the key when site i of g flips: a satisfied bond becomes unsatisfied and vice
// versa, an up spin goes down and vice versa.
inline i64 key_delta(const KeyLayout& layout, u64 g, int i) {
    const auto si = static_cast<std::size_t>(i);
    i64 sum = layout.site_stride[si];
    for (std::size_t k = layout.offset[si]; k < layout.offset[si + 1]; ++k) {
        sum += layout.neighbour_stride[k] * spin_of(g, layout.neighbour[k]);
    }
    return -spin_of(g, i) * sum;
}

// Open-addressing count table for keys below 2^62; add() fails instead of growing past `cap`
// distinct keys.
class KeyCounts {
public:
    explicit KeyCounts(std::size_t cap) : cap_(cap) { rehash(1024); }

    bool add(u64 key, u64 count = 1) {
        std::size_t slot = slot_of(key);
        while (true) {
            if (keys_[slot] == key) {
                counts_[slot] += count;
                return true;
            }
            if (keys_[slot] == kEmpty) {
                if (size_ >= cap_) return false;
                keys_[slot] = key;
                counts_[slot] = count;
                if (2 * ++size_ > keys_.size()) rehash(2 * keys_.size());
                return true;
            }
            slot = (slot + 1) & mask_;
        }
    }

    bool merge(const KeyCounts& other) {
        for (std::size_t s = 0; s < other.keys_.size(); ++s) {
            if (other.keys_[s] != kEmpty && !add(other.keys_[s], other.counts_[s])) return false;
        }
        return true;
    }

    /// (key, count) pairs sorted by key, so that later sums have a fixed order.
    std::vector<std::pair<u64, u64>> sorted() const {
        std::vector<std::pair<u64, u64>> out;
        out.reserve(size_);
        for (std::size_t s = 0; s < keys_.size(); ++s) {
            if (keys_[s] != kEmpty) out.emplace_back(keys_[s], counts_[s]);
        }
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    static constexpr u64 kEmpty = ~u64{0};

    // Keys are structured (satisfied-bond patterns form an affine GF(2) subspace), which
    // defeats a plain multiplicative hash; the full 64-bit finalizer of MurmurHash3 mixes
    // every key bit into the low bits used as the slot.
    std::size_t slot_of(u64 key) const {
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdULL;
        key ^= key >> 33;
        key *= 0xc4ceb9fe1a85ec53ULL;
        key ^= key >> 33;
        return static_cast<std::size_t>(key) & mask_;
    }

    void rehash(std::size_t capacity) {
        std::vector<u64> old_keys = std::move(keys_);
        std::vector<u64> old_counts = std::move(counts_);
        keys_.assign(capacity, kEmpty);
        counts_.assign(capacity, 0);
        mask_ = capacity - 1;
        size_ = 0;
        for (std::size_t s = 0; s < old_keys.size(); ++s) {
            if (old_keys[s] == kEmpty) continue;
            std::size_t slot = slot_of(old_keys[s]);
            while (keys_[slot] != kEmpty) slot = (slot + 1) & mask_;
            keys_[slot] = old_keys[s];
            counts_[slot] = old_counts[s];
            ++size_;
        }
    }

    std::size_t cap_;
    std::vector<u64> keys_;
    std::vector<u64> counts_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

// Counts states per key; nullopt when the model has more than max_distinct_keys distinct keys.
// One cap for each thread's table and for the merged one makes that decision, and so the path
// taken, independent of the thread count: a thread over the cap means the whole is over it.
std::optional<std::vector<std::pair<u64, u64>>> count_keys(const Model& model,
                                                           const KeyLayout& layout,
                                                           std::size_t max_distinct_keys) {
    const int n = model.num_sites();
    const Chunking chunks = chunking(n);
    KeyCounts total(max_distinct_keys);
    std::atomic<bool> overflow{false};
#pragma omp parallel
    {
        KeyCounts local(max_distinct_keys);
#pragma omp for schedule(dynamic, 1)
        for (i64 c = 0; c < chunks.count; ++c) {
            if (overflow.load(std::memory_order_relaxed) || interrupt_requested()) continue;
            const u64 k0 = static_cast<u64>(c) << chunks.bits;
            const u64 k1 = k0 + chunks.size();
            u64 g = gray(k0);
            u64 key = key_of(model, layout, g);
            bool ok = local.add(key);
            for (u64 k = k0 + 1; ok && k < k1; ++k) {
                const int i = std::countr_zero(k);
                key = static_cast<u64>(static_cast<i64>(key) + key_delta(layout, g, i));
                g ^= u64{1} << i;
                ok = local.add(key);
            }
            if (!ok) overflow.store(true, std::memory_order_relaxed);
        }
        // Integer counts: the merged table does not depend on the merge order.
#pragma omp critical(isingmf_enumerate_merge)
        {
            if (!overflow.load(std::memory_order_relaxed) && !total.merge(local)) {
                overflow.store(true, std::memory_order_relaxed);
            }
        }
    }
    check_interrupt();
    if (overflow.load()) return std::nullopt;
    return total.sorted();
}

std::optional<std::vector<ExactResult>> enumerate_density_of_states(const Model& model,
                                                                    std::span<const double> betas,
                                                                    std::size_t max_distinct_keys) {
    const std::optional<KeyLayout> layout = make_key_layout(model);
    if (!layout) return std::nullopt;
    const auto counts = count_keys(model, *layout, max_distinct_keys);
    if (!counts) return std::nullopt;

    const int n = model.num_sites();
    const double nd = static_cast<double>(n);
    const std::size_t size = counts->size();
    std::vector<double> energy(size);
    Levels levels;
    levels.resize(size);
    for (std::size_t s = 0; s < size; ++s) {
        const u64 key = (*counts)[s].first;
        double e = model.energy_offset();
        for (std::size_t c = 0; c < layout->coupling_value.size(); ++c) {
            const auto satisfied =
                static_cast<i64>((key / layout->coupling_stride[c]) %
                                 static_cast<u64>(layout->coupling_edges[c] + 1));
            e -= layout->coupling_value[c] *
                 static_cast<double>(2 * satisfied - layout->coupling_edges[c]);
        }
        i64 magnetization = 0;
        for (std::size_t f = 0; f < layout->field_value.size(); ++f) {
            const auto up = static_cast<i64>((key / layout->field_stride[f]) %
                                             static_cast<u64>(layout->field_sites[f] + 1));
            const i64 mf = 2 * up - layout->field_sites[f];
            e -= layout->field_value[f] * static_cast<double>(mf);
            magnetization += mf;
        }
        energy[s] = e;
        levels.m[s] = static_cast<double>(magnetization) / nd;
        levels.multiplicity[s] = static_cast<double>((*counts)[s].second);  // <= 2^34, exact
    }
    const double ground = *std::min_element(energy.begin(), energy.end());
    for (std::size_t s = 0; s < size; ++s) levels.excess[s] = energy[s] - ground;

    std::vector<double> w(size);
    std::vector<Moments> totals(betas.size());
    accumulate_moments(levels, size, betas, totals.data(), w);
    std::vector<ExactResult> results(betas.size());
    for (std::size_t b = 0; b < betas.size(); ++b)
        results[b] = to_result(totals[b], betas[b], ground, ground, n);
    return results;
}

}  // namespace

namespace detail {

bool enumeration_uses_density_of_states(const Model& model) {
    return make_key_layout(model).has_value();
}

std::vector<ExactResult> enumerate_exact(const Model& model, std::span<const double> betas,
                                         const EnumerationOptions& options, EnumerationPath* used) {
    check_size(model);
    check_betas(betas);
    check_energy_scale(model, betas);
    if (model.energy_offset() != 0.0) {
        // E0 enters at the end: folded into every state's energy it rounds away the
        // differences between states below its ulp (E0 = 1e5 and h = 1e-9 moved <m> by 0.4%).
        std::vector<ExactResult> results =
            enumerate_exact(scaled_without_offset(model, 0), betas, options, used);
        restore_scale_and_offset(results, betas, model, 0);
        return results;
    }
    if (options.path == EnumerationPath::automatic ||
        options.path == EnumerationPath::density_of_states) {
        // Even with no betas, so that `used` tells which path a sweep would take.
        if (auto results = enumerate_density_of_states(model, betas, options.max_distinct_keys)) {
            if (used) *used = EnumerationPath::density_of_states;
            return std::move(*results);
        }
    }
    if (options.path == EnumerationPath::direct) {
        if (used) *used = EnumerationPath::direct;
        return enumerate_direct(model, betas);
    }
    if (used) *used = EnumerationPath::factored;
    return enumerate_factored(model, betas, std::min(options.max_factored_exponent, 600.0));
}

}  // namespace detail

std::vector<ExactResult> enumerate_exact(const Model& model, std::span<const double> betas) {
    check_betas(betas);
    check_energy_scale(model, betas);
    if (betas.empty()) {
        check_size(model);
        return {};
    }
    return detail::enumerate_exact(model, betas, detail::EnumerationOptions{});
}

double enumerate_ground_energy(const Model& model) {
    check_size(model);
    return scan_ground_energy(model);
}

}  // namespace isingmf
