#include "isingmf/meanfield/detail/extrapolation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "isingmf/meanfield/detail/branch_free.hpp"
#include "isingmf/meanfield/detail/fast_log1p.hpp"
#include "isingmf/util/detail/parallel.hpp"

namespace isingmf::detail {
namespace {

// Fixed blocks for every sum, so that the rounding does not depend on the thread count.
constexpr std::size_t kBlock = 4096;
// Positions per piece of a block in a trial: its four buffers (2 KiB each) stay in L1 and on
// the stack of any thread.
constexpr std::size_t kPiece = 256;
// Below this many sites the OpenMP fork costs more than the pass.
constexpr std::size_t kParallelSites = 1u << 14;
constexpr double kEps = std::numeric_limits<double>::epsilon();
// Doubling steps at most (alpha <= 2^kMaxDoublings), and refinement steps after bracketing.
constexpr int kMaxDoublings = 60;
constexpr int kMaxRefinements = 30;
// Stop refining once |slope| <= kSlopeFraction * tolerance * sum_i |d_i|.
constexpr double kSlopeFraction = 0.1;

// The entropy is H_b(u) = ln 2 - G(u)/2 with G(u) = (1+u) ln(1+u) + (1-u) ln(1-u) >= 0.
// Differences of G, unlike differences of H_b, keep their relative accuracy for small |u|
// (G ~ u^2), which is where the slow, near-critical cases live. `abs` receives the sum of
// the absolute values of the two terms (for the rounding allowance), `atanh` is
// (ln(1+u) - ln(1-u))/2 = -H_b'(u).
struct EntropyTerms {
    double g = 0.0;
    double abs = 0.0;
    double atanh = 0.0;
};

// Branch-free (fast_log1p, selects on bits), so that a trial's loop vectorises; the search's
// start G(m_i) takes the same function, so a site with d_i = 0 adds exactly 0 to G(m) - G(x).
inline EntropyTerms entropy_terms(double u) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    // At u = -1, ln(1 + u) = -inf and (1 + u) ln(1 + u) -> 0; likewise at u = 1. The logs there
    // are taken of 0 instead and replaced.
    const bool low = bits_of(u) == bits_of(-1.0);
    const bool high = bits_of(u) == bits_of(1.0);
    const double lp_finite = fast_log1p(bit_select(low, 0.0, u));
    const double lm_finite = fast_log1p(bit_select(high, 0.0, -u));
    const double lp = bit_select(low, -kInf, lp_finite);
    const double lm = bit_select(high, -kInf, lm_finite);
    // Both products are computed and then selected (branch_free.hpp).
    const double a_product = (1.0 + u) * lp;
    const double b_product = (1.0 - u) * lm;
    const double a = bit_select(low, 0.0, a_product);
    const double b = bit_select(high, 0.0, b_product);
    return {a + b, std::fabs(a) + std::fabs(b), 0.5 * (lp - lm)};
}

// The point a trial evaluates and a step moves to: the same expression in both places, so
// the applied m is exactly the evaluated one. Clamped to [-1, 1] by a select on bits (the
// values std::clamp gives, for finite m + alpha d), so that the trial's loop vectorises.
inline double line_point(double m, double d, double alpha) {
    const double x = m + alpha * d;
    return bits_of(std::fabs(x)) > bits_of(1.0) ? std::copysign(1.0, x) : x;
}

// A trial's per-site terms at positions [0, n) of a piece: G(m_i) - G(x_i), G(x_i)'s absolute
// terms, d_i atanh(x_i) (0 where d_i = 0, which would give 0 * inf at a saturated site) and
// |x_i|, x = m + alpha d. One vector loop (restrict: with seven arrays GCC gives up on the
// runtime alias checks); the AVX-512 and AVX2 clones give the plain one's bits
// (-ffp-contract=off).
__attribute__((target_clones("avx512f", "avx2", "default"))) void trial_terms(
    const double* __restrict m, const double* __restrict d, const double* __restrict g_m,
    double alpha, std::size_t n, double* __restrict dg, double* __restrict abs_g,
    double* __restrict slope, double* __restrict l1_x) {
    for (std::size_t k = 0; k < n; ++k) {
        const double x = line_point(m[k], d[k], alpha);
        const EntropyTerms e = entropy_terms(x);
        dg[k] = g_m[k] - e.g;
        abs_g[k] = e.abs;
        const double along = d[k] * e.atanh;
        slope[k] = bit_select((bits_of(d[k]) & kMagnitudeBits) != 0, along, 0.0);
        l1_x[k] = std::fabs(x);
    }
}

// Runs body(begin, end, partial) over fixed blocks of the sites, in parallel for large N, and
// adds the per-block partials in block order.
template <class Partial, class Body>
Partial blockwise(std::size_t n, Body body) {
    const std::size_t blocks = (n + kBlock - 1) / kBlock;
    std::vector<Partial> partial(blocks);
    detail::for_each_index(blocks, detail::team_pays(n, kParallelSites), [&](std::size_t b) {
        body(b * kBlock, std::min(n, (b + 1) * kBlock), partial[b]);
    });
    Partial total;
    for (const Partial& p : partial) total += p;
    return total;
}

struct PrepSums {
    double c1 = 0.0, c2 = 0.0, abs_c1 = 0.0, abs_c2 = 0.0, abs_g = 0.0, l1_d = 0.0;
    double alpha_max = std::numeric_limits<double>::infinity();
    PrepSums& operator+=(const PrepSums& o) {
        c1 += o.c1;
        c2 += o.c2;
        abs_c1 += o.abs_c1;
        abs_c2 += o.abs_c2;
        abs_g += o.abs_g;
        l1_d += o.l1_d;
        alpha_max = std::min(alpha_max, o.alpha_max);
        return *this;
    }
};

// The largest |h_i| + sum_j |J_ij| and degree (a maximum does not depend on the order).
struct WeightMaxima {
    double weight = 0.0;
    std::size_t degree = 0;
    WeightMaxima& operator+=(const WeightMaxima& o) {
        weight = std::max(weight, o.weight);
        degree = std::max(degree, o.degree);
        return *this;
    }
};

struct TrialSums {
    double dg = 0.0;     // sum_i G(m_i) - G(x_i)
    double abs_g = 0.0;  // sum_i of G(x_i)'s absolute terms
    double slope = 0.0;  // -sum_i d_i atanh(x_i)
    double l1_x = 0.0;   // sum_i |x_i|
    TrialSums& operator+=(const TrialSums& o) {
        dg += o.dg;
        abs_g += o.abs_g;
        slope += o.slope;
        l1_x += o.l1_x;
        return *this;
    }
};

}  // namespace

LineSearch::LineSearch(const MeanFieldPlan& plan, double beta)
    : plan_(&plan), beta_(beta), g_m_(plan.order().size()) {
    // max_i (|h_i| + sum_j |J_ij|) and the largest degree, for the rounding allowance. (g_m_ is
    // left uninitialised: every run fills it, on all threads, before reading it.)
    const WeightMaxima maxima = blockwise<WeightMaxima>(
        plan.order().size(), [&](std::size_t begin, std::size_t end, WeightMaxima& found) {
            for (std::size_t p = begin; p < end; ++p) {
                double w = std::abs(plan.field_at(p));
                for (std::size_t s = plan.row(p); s < plan.row(p + 1); ++s)
                    w += std::abs(plan.coupling_at(s));
                found.weight = std::max(found.weight, w);
                found.degree = std::max(found.degree, plan.row(p + 1) - plan.row(p));
            }
        });
    max_weight_ = maxima.weight;
    max_degree_ = maxima.degree;
}

LineSearch::Trial LineSearch::evaluate(std::span<const double> m, std::span<const double> d,
                                       double alpha) {
    const TrialSums s =
        blockwise<TrialSums>(m.size(), [&](std::size_t begin, std::size_t end, TrialSums& t) {
            alignas(64) double dg[kPiece];
            alignas(64) double abs_g[kPiece];
            alignas(64) double slope[kPiece];
            alignas(64) double l1_x[kPiece];
            for (std::size_t p = begin; p < end; p += kPiece) {
                const std::size_t len = std::min(kPiece, end - p);
                trial_terms(m.data() + p, d.data() + p, g_m_.data() + p, alpha, len, dg, abs_g,
                            slope, l1_x);
                // Summed in position order, term by term, as one loop over the sites would.
                for (std::size_t k = 0; k < len; ++k) {
                    t.dg += dg[k];
                    t.abs_g += abs_g[k];
                    t.slope -= slope[k];
                    t.l1_x += l1_x[k];
                }
            }
        });
    Trial t;
    t.alpha = alpha;
    t.gain = beta_ * (alpha * c1_ + alpha * alpha * c2_) + 0.5 * s.dg;
    t.slope = beta_ * (c1_ + 2.0 * alpha * c2_) + s.slope;
    // First-order bounds on the rounding: recursive summation of n terms in blocks errs by
    // at most (block + blocks) eps times the sum of |terms|, each term (logs, products, the
    // local fields) by a few eps of its own absolute parts; and x_i itself is rounded, which
    // moves the energy by at most eps |x_i| (|h_i| + sum_j |J_ij|).
    const double blocks = static_cast<double>((m.size() + kBlock - 1) / kBlock);
    const double sum_terms = static_cast<double>(kBlock) + blocks + 16.0;
    const double graph_terms = sum_terms + static_cast<double>(max_degree_);
    t.allowance = kEps * (sum_terms * 0.5 * (s.abs_g + abs_g_m_) +
                          beta_ * graph_terms * (alpha * abs_c1_ + alpha * alpha * abs_c2_) +
                          beta_ * max_weight_ * s.l1_x);
    return t;
}

LineSearchStep LineSearch::run(std::span<double> m, std::span<const double> d, double tolerance,
                               int refinements) {
    const MeanFieldPlan& plan = *plan_;
    // Couplings and fields from the plan's arrays, or its shared values (chosen once, here).
    const double* J = plan.shared_coupling() ? nullptr : plan.coupling().data();
    const double* h = plan.shared_field() ? nullptr : plan.field().data();
    const double shared_J = plan.shared_coupling().value_or(0.0);
    const double shared_h = plan.shared_field().value_or(0.0);
    // E(x) = sum_e J_e x_i x_j + sum_i h_i x_i has gradient phi(x), so E(m + a d) - E(m) =
    // a d.phi(m) + a^2 d.J.d/2: one pass over the graph gives both coefficients.
    const PrepSums prep =
        blockwise<PrepSums>(m.size(), [&](std::size_t begin, std::size_t end, PrepSums& s) {
            plan.for_each_row(begin, end, [&](std::size_t p, const auto& neighbours) {
                const double h_p = h != nullptr ? h[p] : shared_h;
                double phi = h_p, psi = 0.0, abs_phi = std::abs(h_p), abs_psi = 0.0;
                const std::size_t first = plan.row(p);
                for (std::size_t k = 0; k < neighbours.size(); ++k) {
                    const std::size_t q = neighbours[k];
                    const double J_k = J != nullptr ? J[first + k] : shared_J;
                    phi += J_k * m[q];
                    psi += J_k * d[q];
                    abs_phi += std::abs(J_k * m[q]);
                    abs_psi += std::abs(J_k * d[q]);
                }
                s.c1 += d[p] * phi;
                s.c2 += 0.5 * d[p] * psi;
                s.abs_c1 += std::abs(d[p]) * abs_phi;
                s.abs_c2 += 0.5 * std::abs(d[p]) * abs_psi;
                const EntropyTerms e = entropy_terms(m[p]);
                g_m_[p] = e.g;
                s.abs_g += e.abs;
                s.l1_d += std::abs(d[p]);
                // The largest step that keeps m + alpha d in [-1, 1]^N.
                if (d[p] > 0.0) s.alpha_max = std::min(s.alpha_max, (1.0 - m[p]) / d[p]);
                if (d[p] < 0.0) s.alpha_max = std::min(s.alpha_max, (-1.0 - m[p]) / d[p]);
            });
        });
    c1_ = prep.c1;
    c2_ = prep.c2;
    abs_c1_ = prep.abs_c1;
    abs_c2_ = prep.abs_c2;
    abs_g_m_ = prep.abs_g;

    LineSearchStep step;
    if (!(prep.l1_d > 0.0) || !(prep.alpha_max > 0.0)) return step;
    const double flat_slope = kSlopeFraction * tolerance * prep.l1_d;
    Trial best;  // alpha = 0: stay
    auto consider = [&](const Trial& t) {
        ++step.evaluations;
        if (t.gain > t.allowance && t.gain > best.gain) best = t;
    };

    // Doubling: alpha = 1, 2, 4, ... while F still rises along the line.
    Trial lo;  // slope at alpha = 0 is not evaluated; the sweep just moved uphill along d
    lo.slope = std::numeric_limits<double>::infinity();
    Trial hi;
    bool bracketed = false;
    double alpha = std::min(1.0, prep.alpha_max);
    for (int k = 0; k < kMaxDoublings; ++k) {
        const Trial t = evaluate(m, d, alpha);
        consider(t);
        if (!(t.slope > 0.0)) {
            hi = t;
            bracketed = true;
            break;
        }
        lo = t;
        if (t.slope <= flat_slope || alpha >= prep.alpha_max) break;
        alpha = std::min(2.0 * alpha, prep.alpha_max);
    }

    // Refinement inside [lo, hi]: false position on the slope, with a bisection whenever the
    // same end moved twice in a row (near a multiple root, as at a critical point where F is
    // quartic along the line, false position alone stalls at one end).
    int run = 0;  // consecutive moves of the same end
    bool last_lo = false;
    for (int k = 0; bracketed && k < std::min(refinements, kMaxRefinements); ++k) {
        if (std::abs(hi.slope) <= flat_slope || (lo.alpha > 0.0 && lo.slope <= flat_slope)) break;
        const double width = hi.alpha - lo.alpha;
        if (!(width > 1e-12 * hi.alpha)) break;
        const bool bisect = run >= 2 || !std::isfinite(lo.slope) || !std::isfinite(hi.slope);
        double next = lo.alpha + 0.5 * width;
        if (!bisect) {
            const double secant = lo.alpha + width * lo.slope / (lo.slope - hi.slope);
            if (secant > lo.alpha + 0.01 * width && secant < hi.alpha - 0.01 * width) next = secant;
        }
        const Trial t = evaluate(m, d, next);
        consider(t);
        const bool is_lo = t.slope > 0.0;
        run = bisect ? 0 : (run > 0 && is_lo == last_lo ? run + 1 : 1);
        last_lo = is_lo;
        (is_lo ? lo : hi) = t;
    }

    if (best.alpha > 0.0) {
        const std::size_t n = m.size();
        const double a = best.alpha;
        detail::for_each_index(n, detail::team_pays(n, kParallelSites),
                               [&](std::size_t p) { m[p] = line_point(m[p], d[p], a); });
        step.alpha = best.alpha;
        step.gain = best.gain;
    }
    return step;
}

}  // namespace isingmf::detail
