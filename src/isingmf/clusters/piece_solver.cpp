#include "isingmf/clusters/piece_solver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <numeric>
#include <utility>

#include "isingmf/clusters/detail/union_find.hpp"
#include "isingmf/util/detail/rounding.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

constexpr double kLn2 = std::numbers::ln2;
using detail::kUnitRoundoff;
// The estimates of PieceRounding are first order; this covers the rest.
constexpr double kSecondOrder = 1.01;

// Above this largest cut weight (see the header) the frontier tables switch to logarithms:
// an entry that matters is then at least exp(-4 * 80 - 2 * 80) of the largest, which is kept
// above 2^-64, so above 1e-230 overall.
constexpr double kSafeCut = 80.0;

double lncosh(double x) {
    const double a = std::abs(x);
    return a + std::log1p(std::exp(-2.0 * a)) - kLn2;
}

// ln(e^a + e^b) for finite a, b.
double log_add(double a, double b) {
    const double hi = std::max(a, b);
    return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

std::size_t pow2(int bits) { return std::size_t{1} << bits; }

// PieceRounding::marginal_absolute of the table kernels: a mean or correlation sums up to
// 2^(width + 1) weights, with the ratio's own rounding.
double table_ratio_rounding(int width) {
    return kSecondOrder * kUnitRoundoff * (static_cast<double>(pow2(width + 1)) + 4.0);
}

// Logarithms; sums are log-sum-exp.
struct LogDomain {
    static constexpr double one() { return 0.0; }
    static double times(double a, double b) { return a + b; }
    static double plus(double a, double b) { return log_add(a, b); }
    static double factor(double sh, double /*h_max*/) { return sh; }
    static double scale_of_factors(double /*h_max*/) { return 0.0; }
    static double normalize(double* t, std::size_t n) {
        double top = -std::numeric_limits<double>::infinity();
        for (std::size_t k = 0; k < n; ++k) top = std::max(top, t[k]);
        for (std::size_t k = 0; k < n; ++k) t[k] -= top;
        return top;
    }
    static double log_of(double x) { return x; }
    static double weight(double x, double top) { return std::exp(x - top); }
    static double top_of(const double* t, std::size_t n) { return *std::max_element(t, t + n); }
};

// Keeps the largest entry of a scaled table within [2^-kDrift, 2^kDrift]: when it leaves that
// range the table is divided by the power of two nearest below its largest entry (an exact
// operation) and the log of it returned; otherwise 0. NaN when every entry vanished (the
// caller then falls back to logarithms).
constexpr int kDrift = 64;
double normalize_scaled(double* t, std::size_t n) {
    // Entries are >= 0, whose bit patterns order like their values: an integer maximum
    // (which vectorises, unlike a floating-point one under strict IEEE semantics).
    std::uint64_t top_bits = 0;
    for (std::size_t k = 0; k < n; ++k) {
        const auto b = std::bit_cast<std::uint64_t>(t[k]);
        top_bits = b > top_bits ? b : top_bits;
    }
    const double top = std::bit_cast<double>(top_bits);
    if (!(top > 0.0) || !std::isfinite(top)) return std::numeric_limits<double>::quiet_NaN();
    // The exponent of a normal double, from its bits.
    const int e = static_cast<int>((std::bit_cast<std::uint64_t>(top) >> 52) & 0x7ff) - 1023;
    if (e >= -kDrift && e <= kDrift) return 0.0;
    const double scale = std::bit_cast<double>(static_cast<std::uint64_t>(1023 - e) << 52);
    for (std::size_t k = 0; k < n; ++k) t[k] *= scale;
    return e * kLn2;
}

// out[x] = in[x with bit r removed] + in[x with bit r set], for x < 2^(bits-1).
void sum_out_bit(const double* in, double* out, int bits, int r) {
    if (r == 0) {  // the common case (the oldest frontier site), as one flat loop
        const std::size_t half = pow2(bits - 1);
        for (std::size_t x = 0; x < half; ++x) out[x] = in[2 * x] + in[2 * x + 1];
        return;
    }
    const std::size_t low = pow2(r);
    const std::size_t blocks = pow2(bits - 1 - r);
    for (std::size_t hi = 0; hi < blocks; ++hi) {
        const double* a = in + 2 * hi * low;
        double* o = out + hi * low;
        for (std::size_t lo = 0; lo < low; ++lo) o[lo] = a[lo] + a[lo + low];
    }
}

// out[x] = in[x with bit r removed], for x < 2^bits (the adjoint of sum_out_bit).
void insert_bit(const double* in, double* out, int bits, int r) {
    if (r == 0) {
        const std::size_t half = pow2(bits - 1);
        for (std::size_t x = 0; x < half; ++x) out[2 * x] = out[2 * x + 1] = in[x];
        return;
    }
    const std::size_t low = pow2(r);
    const std::size_t blocks = pow2(bits - 1 - r);
    for (std::size_t hi = 0; hi < blocks; ++hi) {
        const double* a = in + hi * low;
        double* o = out + 2 * hi * low;
        for (std::size_t lo = 0; lo < low; ++lo) o[lo] = o[lo + low] = a[lo];
    }
}

// Sum over x < 2^bits of d[x] times +1 where bit r of x is set and -1 where it is not.
double signed_sum(const double* d, int bits, int r) {
    double s = 0.0;
    if (r == 0) {
        const std::size_t half = pow2(bits - 1);
        for (std::size_t x = 0; x < half; ++x) s += d[2 * x + 1] - d[2 * x];
        return s;
    }
    const std::size_t low = pow2(r);
    const std::size_t blocks = pow2(bits - 1 - r);
    for (std::size_t hi = 0; hi < blocks; ++hi) {
        const double* a = d + 2 * hi * low;
        for (std::size_t lo = 0; lo < low; ++lo) s += a[lo + low] - a[lo];
    }
    return s;
}

// Local position of each model site of a piece, by binary search in (site, position) pairs.
class SiteIndex {
public:
    explicit SiteIndex(const std::vector<int>& sites) {
        pairs_.reserve(sites.size());
        for (std::size_t k = 0; k < sites.size(); ++k)
            pairs_.emplace_back(sites[k], static_cast<int>(k));
        std::sort(pairs_.begin(), pairs_.end());
    }
    int find(int site) const {
        const auto it = std::lower_bound(pairs_.begin(), pairs_.end(), std::pair{site, -1});
        return it != pairs_.end() && it->first == site ? it->second : -1;
    }
    // The first site listed twice, or -1.
    int repeated() const {
        for (std::size_t k = 1; k < pairs_.size(); ++k)
            if (pairs_[k].first == pairs_[k - 1].first) return pairs_[k].first;
        return -1;
    }

private:
    std::vector<std::pair<int, int>> pairs_;
};

}  // namespace

PieceSolver::PieceSolver(const Model& model, const Piece& piece, const PieceSolverLimits& limits)
    : sites_(piece.sites), edges_(piece.edges) {
    const int n_model = model.num_sites();
    for (int s : sites_) {
        if (s < 0 || s >= n_model)
            throw ModelError(
                fmt::format("piece site {} is out of range (model has {} sites)", s, n_model));
    }
    const SiteIndex index(sites_);
    if (const int r = index.repeated(); r >= 0)
        throw ModelError(fmt::format("piece lists site {} twice", r));
    const auto& model_edges = model.edges();
    std::vector<int> seen_edges = edges_;
    std::sort(seen_edges.begin(), seen_edges.end());
    for (std::size_t k = 1; k < seen_edges.size(); ++k) {
        if (seen_edges[k] == seen_edges[k - 1])
            throw ModelError(fmt::format("piece lists edge {} twice", seen_edges[k]));
    }
    edge_a_.reserve(edges_.size());
    edge_b_.reserve(edges_.size());
    for (int e : edges_) {
        if (e < 0 || static_cast<std::size_t>(e) >= model_edges.size())
            throw ModelError(fmt::format("piece edge {} is out of range (model has {} edges)", e,
                                         model_edges.size()));
        const Edge& edge = model_edges[static_cast<std::size_t>(e)];
        const int a = index.find(edge.i);
        const int b = index.find(edge.j);
        if (a < 0 || b < 0)
            throw ModelError(fmt::format("piece edge {} ({}, {}) has an end outside the piece", e,
                                         edge.i, edge.j));
        edge_a_.push_back(std::min(a, b));
        edge_b_.push_back(std::max(a, b));
    }
    // A forest visited in an order that needs tables of more than two sites runs the tree
    // kernel; paths in order, strips and everything with cycles run the frontier kernel.
    detail::UnionFind sets(sites_.size());
    bool forest = true;
    for (std::size_t k = 0; k < edge_a_.size() && forest; ++k)
        forest = sets.unite(edge_a_[k], edge_b_[k]);
    PieceSolverLimits frontier_limits = limits;
    if (forest) frontier_limits.max_frontier = std::min(limits.max_frontier, 1);
    try {
        compile_frontier(frontier_limits);
        kernel_ = PieceKernel::frontier;
    } catch (const ModelError&) {
        if (!forest) throw;
        compile_tree();
    }
}

void PieceSolver::compile_tree() {
    kernel_ = PieceKernel::tree;
    steps_.clear();
    nbr_bit_.clear();
    nbr_edge_.clear();
    removal_bit_.clear();
    stored_entries_ = stored_q_ = 0;
    const auto n = sites_.size();
    std::vector<std::vector<std::pair<int, int>>> adjacent(n);
    for (std::size_t k = 0; k < edge_a_.size(); ++k) {
        adjacent[static_cast<std::size_t>(edge_a_[k])].emplace_back(edge_b_[k],
                                                                    static_cast<int>(k));
        adjacent[static_cast<std::size_t>(edge_b_[k])].emplace_back(edge_a_[k],
                                                                    static_cast<int>(k));
    }
    order_.clear();
    order_.reserve(n);
    parent_.assign(n, -2);
    parent_edge_.assign(n, -1);
    for (std::size_t root = 0; root < n; ++root) {
        if (parent_[root] != -2) continue;
        parent_[root] = -1;
        std::size_t head = order_.size();
        order_.push_back(static_cast<int>(root));
        while (head < order_.size()) {
            const int v = order_[head++];
            for (const auto& [w, e] : adjacent[static_cast<std::size_t>(v)]) {
                if (parent_[static_cast<std::size_t>(w)] != -2) continue;
                parent_[static_cast<std::size_t>(w)] = v;
                parent_edge_[static_cast<std::size_t>(w)] = e;
                order_.push_back(w);
            }
        }
    }
    width_ = 1;
    work_ = 8.0 * static_cast<double>(n);
}

void PieceSolver::compile_frontier(const PieceSolverLimits& limits) {
    const auto n = sites_.size();
    std::vector<int> last_neighbour(n, -1);
    std::vector<std::vector<int>> earlier(n);  // local edges ending at each site
    for (std::size_t k = 0; k < edge_a_.size(); ++k) {
        const auto a = static_cast<std::size_t>(edge_a_[k]);
        const auto b = static_cast<std::size_t>(edge_b_[k]);
        last_neighbour[a] = std::max(last_neighbour[a], edge_b_[k]);
        last_neighbour[b] = std::max(last_neighbour[b], edge_a_[k]);
        earlier[b].push_back(static_cast<int>(k));
    }
    std::vector<int> frontier;       // local sites by bit
    std::vector<int> bit_of(n, -1);  // bit of each site while it is in the frontier
    steps_.assign(n, Step{});
    nbr_bit_.clear();
    nbr_edge_.clear();
    removal_bit_.clear();
    stored_entries_ = 0;
    stored_q_ = 0;
    width_ = 0;
    max_earlier_ = 0;
    work_ = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
        Step& step = steps_[t];
        step.site = static_cast<int>(t);
        step.frontier = static_cast<int>(frontier.size());
        width_ = std::max(width_, step.frontier);
        if (width_ > limits.max_frontier) {
            throw ModelError(fmt::format(
                "piece of {} sites and {} edges needs tables over {} sites in its order, more "
                "than the limit {}",
                n, edge_a_.size(), width_, limits.max_frontier));
        }
        step.table_offset = stored_entries_;
        stored_entries_ += pow2(step.frontier);
        step.nbr_begin = static_cast<int>(nbr_bit_.size());
        for (int k : earlier[t]) {
            nbr_bit_.push_back(
                bit_of[static_cast<std::size_t>(edge_a_[static_cast<std::size_t>(k)])]);
            nbr_edge_.push_back(k);
        }
        step.nbr_end = static_cast<int>(nbr_bit_.size());
        max_earlier_ = std::max(max_earlier_, step.nbr_end - step.nbr_begin);
        step.q_offset = stored_q_;
        stored_q_ += pow2(step.nbr_end - step.nbr_begin + 1);
        bit_of[t] = static_cast<int>(frontier.size());
        frontier.push_back(static_cast<int>(t));
        work_ += static_cast<double>(pow2(step.frontier + 1));
        step.rm_begin = static_cast<int>(removal_bit_.size());
        for (int bit = static_cast<int>(frontier.size()) - 1; bit >= 0; --bit) {
            const int site = frontier[static_cast<std::size_t>(bit)];
            if (last_neighbour[static_cast<std::size_t>(site)] > static_cast<int>(t)) continue;
            removal_bit_.push_back(bit);
            bit_of[static_cast<std::size_t>(site)] = -1;
            frontier.erase(frontier.begin() + bit);
            for (std::size_t b = static_cast<std::size_t>(bit); b < frontier.size(); ++b)
                bit_of[static_cast<std::size_t>(frontier[b])] = static_cast<int>(b);
        }
        step.rm_end = static_cast<int>(removal_bit_.size());
    }
    if (static_cast<double>(stored_entries_) > limits.max_stored_entries) {
        throw ModelError(fmt::format(
            "piece of {} sites keeps {} table entries for its marginals, more than the limit {}", n,
            stored_entries_, limits.max_stored_entries));
    }
    work_ *= 4.0;
}

double PieceRounding::marginal_error(double x) const {
    const double d = marginal_relative;
    if (!(d >= 0.0)) return 2.0;
    const double a = std::atanh(std::min(std::abs(x), 1.0 - 0x1p-53));
    // ln sinh d - ln cosh a - ln cosh(a - d), each without overflow.
    const double log_sinh = d + std::log(-std::expm1(-2.0 * d)) - kLn2;
    const double shift = std::exp(log_sinh - lncosh(a) - lncosh(a - d));
    return std::min(2.0, shift + marginal_absolute);
}

double PieceSolver::solve(std::span<const double> theta_site, std::span<const double> theta_edge,
                          std::span<double> site_mean, std::span<double> edge_correlation,
                          PieceWorkspace& workspace, PieceRounding* rounding) const {
    if (theta_site.size() != sites_.size() || theta_edge.size() != edges_.size())
        throw ModelError(fmt::format("piece of {} sites and {} edges given {} and {} parameters",
                                     sites_.size(), edges_.size(), theta_site.size(),
                                     theta_edge.size()));
    const bool marginals = !site_mean.empty() || !edge_correlation.empty();
    if (marginals &&
        (site_mean.size() != sites_.size() || edge_correlation.size() != edges_.size()))
        throw ModelError("piece marginals need one mean per site and one correlation per edge");
    PieceRounding local;
    PieceRounding& r = rounding != nullptr ? *rounding : local;
    r = {};
    if (kernel_ == PieceKernel::tree)
        return solve_tree(theta_site, theta_edge, site_mean, edge_correlation, workspace, r);
    if (max_cut(theta_edge, workspace) <= kSafeCut) {
        const double ln_z =
            solve_scaled(theta_site, theta_edge, site_mean, edge_correlation, workspace, r);
        if (!std::isnan(ln_z)) return ln_z;
        r = {};
    }
    return solve_log(theta_site, theta_edge, site_mean, edge_correlation, workspace, r);
}

double PieceSolver::max_cut(std::span<const double> theta_edge, PieceWorkspace& ws) const {
    auto& delta = ws.c_;
    delta.assign(sites_.size() + 1, 0.0);
    for (std::size_t k = 0; k < edge_a_.size(); ++k) {
        delta[static_cast<std::size_t>(edge_a_[k])] += std::abs(theta_edge[k]);
        delta[static_cast<std::size_t>(edge_b_[k])] -= std::abs(theta_edge[k]);
    }
    double cut = 0.0;
    double top = 0.0;
    for (double d : delta) {
        cut += d;
        top = std::max(top, cut);
    }
    return top;
}

double PieceSolver::solve_tree(std::span<const double> theta_site,
                               std::span<const double> theta_edge, std::span<double> site_mean,
                               std::span<double> edge_correlation, PieceWorkspace& ws,
                               PieceRounding& rounding) const {
    const auto n = sites_.size();
    auto& H = ws.a_;  // field of each subtree on its root
    auto& u = ws.b_;  // message to the parent
    H.assign(theta_site.begin(), theta_site.end());
    u.assign(n, 0.0);
    detail::CompensatedSum ln_z;
    // Local rounding errors in units of u (PieceRounding): each lncosh(x) is within
    // u (3 |x| + 3.4) (its input's rounding, exp, log1p within one ulp, two additions); a
    // node's term and message add 6 (|H| + |theta|) + 4.5 and 3 |H| + 4 |theta| + 3.4, and
    // each addition to a parent's field |H_p|. Summed times u, which keeps the sum finite
    // wherever the terms are (parameters near DBL_MAX / 100).
    constexpr double unit = kUnitRoundoff;
    double forward = 0.0;
    for (std::size_t k = n; k-- > 0;) {
        const auto i = static_cast<std::size_t>(order_[k]);
        const int p = parent_[i];
        if (p < 0) {
            ln_z.add(kLn2 + lncosh(H[i]));
            forward += 4.0 * unit * std::abs(H[i]) + 4.5 * unit;
            continue;
        }
        const double theta = theta_edge[static_cast<std::size_t>(parent_edge_[i])];
        const double plus = lncosh(H[i] + theta);
        const double minus = lncosh(H[i] - theta);
        u[i] = 0.5 * (plus - minus);
        ln_z.add(kLn2 + 0.5 * (plus + minus));
        H[static_cast<std::size_t>(p)] += u[i];
        forward += 9.0 * unit * std::abs(H[i]) + 10.0 * unit * std::abs(theta) + 8.0 * unit +
                   unit * std::abs(H[static_cast<std::size_t>(p)]);
    }
    rounding.ln_z = kSecondOrder * (forward + unit * std::abs(ln_z.value()));
    if (site_mean.empty()) return ln_z.value();
    auto& F = ws.c_;  // full field on each site
    F.assign(n, 0.0);
    double backward = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        const auto i = static_cast<std::size_t>(order_[k]);
        const int p = parent_[i];
        if (p < 0) {
            F[i] = H[i];
        } else {
            const auto e = static_cast<std::size_t>(parent_edge_[i]);
            const double theta = theta_edge[e];
            const double cavity = F[static_cast<std::size_t>(p)] - u[i];  // parent without i
            F[i] = H[i] + 0.5 * (lncosh(cavity + theta) - lncosh(cavity - theta));
            edge_correlation[e] =
                std::tanh(theta + 0.5 * (lncosh(H[i] + cavity) - lncosh(H[i] - cavity)));
            // Four lncosh and their combinations, as in the forward pass.
            backward += 7.0 * unit * std::abs(cavity) + 7.0 * unit * std::abs(H[i]) +
                        7.0 * unit * std::abs(theta) + 16.0 * unit + unit * std::abs(F[i]);
        }
        site_mean[i] = std::tanh(F[i]);
    }
    // A field F's error e moves tanh F by at most (1 - tanh^2 F) e (first order); tanh itself
    // is within one ulp.
    rounding.marginal_relative = kSecondOrder * (forward + backward);
    rounding.marginal_absolute = 2.0 * unit;
    return ln_z.value();
}

// Scaled probabilities. A visit multiplies the table by
//   q_s(f) = exp(s theta_v - |theta_v|) prod_k exp(s s_k theta_k - |theta_k|)   (all <= 1),
// built over the frontier bits one bit at a time (Qm for s = -1, Qp for s = +1), so every
// loop runs over contiguous blocks; the factors' logs go into the scale.
double PieceSolver::solve_scaled(std::span<const double> theta_site,
                                 std::span<const double> theta_edge, std::span<double> site_mean,
                                 std::span<double> edge_correlation, PieceWorkspace& ws,
                                 PieceRounding& rounding) const {
    const bool marginals = !site_mean.empty();
    const std::size_t table = pow2(width_ + 1);
    ws.a_.resize(table);
    ws.b_.resize(table);
    ws.c_.resize(table);  // Qm, then Qp at + table / 2
    if (marginals) ws.stored_.resize(stored_entries_);
    double* cur = ws.a_.data();
    double* next = ws.b_.data();
    double* Qm = ws.c_.data();
    double* Qp = Qm + table / 2;
    int* nbr_of_bit = nullptr;
    std::vector<int>& kbit = ws.bits_;
    kbit.assign(static_cast<std::size_t>(width_) + 1, -1);
    nbr_of_bit = kbit.data();
    // The visit's factors exp(-2|theta|) (site, then each earlier neighbour), computed in the
    // forward pass and kept for the backward pass when marginals are asked for.
    if (marginals) ws.q_.resize(stored_q_);
    ws.e_.resize(static_cast<std::size_t>(max_earlier_) + 1);
    auto factors = [&](const Step& step, bool forward) {
        double* e = marginals ? ws.q_.data() + step.q_offset : ws.e_.data();
        if (forward) {
            e[0] = std::exp(-2.0 * std::abs(theta_site[static_cast<std::size_t>(step.site)]));
            for (int k = step.nbr_begin; k < step.nbr_end; ++k) {
                const double t =
                    theta_edge[static_cast<std::size_t>(nbr_edge_[static_cast<std::size_t>(k)])];
                e[k - step.nbr_begin + 1] = std::exp(-2.0 * std::abs(t));
            }
        }
        return e;
    };
    // Builds Qm, Qp over `F` frontier bits for `step` from its factors `e`; returns the log
    // scale taken out.
    auto build_q = [&](const Step& step, int F, const double* e) {
        const double tv = theta_site[static_cast<std::size_t>(step.site)];
        Qp[0] = tv >= 0.0 ? 1.0 : e[0];
        Qm[0] = tv >= 0.0 ? e[0] : 1.0;
        double scale = std::abs(tv);
        for (int k = step.nbr_begin; k < step.nbr_end; ++k)
            nbr_of_bit[nbr_bit_[static_cast<std::size_t>(k)]] = k;
        std::size_t len = 1;
        for (int b = 0; b < F; ++b) {
            const int k = nbr_of_bit[b];
            if (k < 0) {
                for (std::size_t j = 0; j < len; ++j) {
                    Qp[len + j] = Qp[j];
                    Qm[len + j] = Qm[j];
                }
            } else {
                nbr_of_bit[b] = -1;
                const double t =
                    theta_edge[static_cast<std::size_t>(nbr_edge_[static_cast<std::size_t>(k)])];
                const double ek = e[k - step.nbr_begin + 1];
                scale += std::abs(t);
                // s = +1: neighbour up (bit set) agrees; s = -1: neighbour down agrees.
                const double agree = t >= 0.0 ? 1.0 : ek, differ = t >= 0.0 ? ek : 1.0;
                for (std::size_t j = 0; j < len; ++j) {
                    Qp[len + j] = Qp[j] * agree;
                    Qp[j] *= differ;
                    Qm[len + j] = Qm[j] * differ;
                    Qm[j] *= agree;
                }
            }
            len *= 2;
        }
        return scale;
    };
    cur[0] = 1.0;
    detail::CompensatedSum log_scale;
    // Rounding (PieceRounding), in units of u: `relative`, of the table entries, gains per
    // visit 2 (d + 1) for the exp factors (within one ulp), d for their products, 1 for the
    // product with the table and 1 per sum of two entries; `scale`, of the log scale, d times
    // the visit's scale (its plain sum) and 1.5 times each power of two's log (kept times u).
    double relative = 0.0, scale = 0.0;
    for (const Step& step : steps_) {
        const int F = step.frontier;
        const std::size_t size = pow2(F);
        if (marginals) {
            double* keep = ws.stored_.data() + step.table_offset;
            for (std::size_t f = 0; f < size; ++f) keep[f] = cur[f];
        }
        const double d = step.nbr_end - step.nbr_begin;
        const double visit_scale = build_q(step, F, factors(step, true));
        log_scale.add(visit_scale);
        relative += 3.0 * d + 3.0 + (step.rm_end - step.rm_begin);
        scale += d * kUnitRoundoff * visit_scale;
        for (std::size_t f = 0; f < size; ++f) {
            next[f] = cur[f] * Qm[f];
            next[f + size] = cur[f] * Qp[f];
        }
        std::swap(cur, next);
        int held = F + 1;
        for (int r = step.rm_begin; r < step.rm_end; ++r) {
            sum_out_bit(cur, next, held, removal_bit_[static_cast<std::size_t>(r)]);
            std::swap(cur, next);
            --held;
        }
        const double s = normalize_scaled(cur, pow2(held));
        if (std::isnan(s)) return s;
        log_scale.add(s);
        scale += 1.5 * kUnitRoundoff * std::abs(s);
    }
    const double log_top = std::log(cur[0]);
    const double ln_z = log_scale.value() + log_top;
    // The log within one ulp, the compensated log scale and the last addition.
    rounding.ln_z = kSecondOrder *
                    (kUnitRoundoff * (relative + 2.0 * std::abs(log_top)) + scale +
                     kUnitRoundoff * std::abs(log_scale.value()) + kUnitRoundoff * std::abs(ln_z));
    // A mean is (P+ - P-) / (P+ + P-) over products of forward and backward entries, which
    // carry the same relative error: 2 relative + 2 for the products; the sums of 2^(F + 1)
    // terms add an absolute error.
    rounding.marginal_relative = kSecondOrder * kUnitRoundoff * (2.0 * relative + 2.0);
    rounding.marginal_absolute = table_ratio_rounding(width_);
    if (!marginals) return ln_z;

    // Backward pass: B over the frontier after each visit; the joint weight of the extended
    // table is T(f) q_s(f) B(f, s).
    ws.d_.resize(3 * table);
    double* B = ws.d_.data();
    double* Bx = B + table;
    double* D = Bx + table;  // P(f, +) - P(f, -)
    B[0] = 1.0;
    for (std::size_t t = steps_.size(); t-- > 0;) {
        const Step& step = steps_[t];
        const int F = step.frontier;
        int held = F + 1 - (step.rm_end - step.rm_begin);
        for (int r = step.rm_end; r-- > step.rm_begin;) {
            ++held;
            insert_bit(B, Bx, held, removal_bit_[static_cast<std::size_t>(r)]);
            std::swap(B, Bx);
        }
        const std::size_t size = pow2(F);
        (void)build_q(step, F, factors(step, false));
        const double* T = ws.stored_.data() + step.table_offset;
        double total = 0.0, mean = 0.0;
        for (std::size_t f = 0; f < size; ++f) {
            const double down = Qm[f] * B[f];
            const double up = Qp[f] * B[f + size];
            const double pm = T[f] * down, pp = T[f] * up;
            total += pm + pp;
            mean += pp - pm;
            D[f] = pp - pm;
            Bx[f] = down + up;
        }
        site_mean[static_cast<std::size_t>(step.site)] = mean / total;
        for (int k = step.nbr_begin; k < step.nbr_end; ++k) {
            edge_correlation[static_cast<std::size_t>(nbr_edge_[static_cast<std::size_t>(k)])] =
                signed_sum(D, F, nbr_bit_[static_cast<std::size_t>(k)]) / total;
        }
        std::swap(B, Bx);
        (void)normalize_scaled(B, size);
    }
    return ln_z;
}

// Logarithms throughout (the fallback at very low temperatures).
double PieceSolver::solve_log(std::span<const double> theta_site,
                              std::span<const double> theta_edge, std::span<double> site_mean,
                              std::span<double> edge_correlation, PieceWorkspace& ws,
                              PieceRounding& rounding) const {
    const bool marginals = !site_mean.empty();
    const std::size_t table = pow2(width_ + 1);
    ws.a_.resize(table);
    ws.b_.resize(table);
    if (marginals) {
        ws.stored_.resize(stored_entries_);
        ws.q_.resize(stored_q_);
    } else {
        ws.q_.resize(pow2(max_earlier_ + 1));
    }
    ws.e_.resize(pow2(max_earlier_ + 1));
    double* h = ws.e_.data();
    double* cur = ws.a_.data();
    double* next = ws.b_.data();
    cur[0] = LogDomain::one();
    detail::CompensatedSum log_scale;
    // Absolute rounding error of the log entries (PieceRounding), in units of u: per visit
    // 2 d A for the fields h(p) (A = |theta_v| + sum_k |theta_k|), then |entry| + A (+ 3 for
    // each log-sum-exp) for the product and each sum, and the range R of the normalised table
    // for its normalisation; the entries lie in [-R, 0] after it. Kept times u.
    double absolute = 0.0, range = 0.0, largest_range = 0.0, largest_field = 0.0;
    for (const Step& step : steps_) {
        const int F = step.frontier;
        const std::size_t size = pow2(F);
        if (marginals) std::copy(cur, cur + size, ws.stored_.data() + step.table_offset);
        const int d = step.nbr_end - step.nbr_begin;
        const int* bits = nbr_bit_.data() + step.nbr_begin;
        const int* nbr_edges = nbr_edge_.data() + step.nbr_begin;
        // h(p) = theta_v + sum_k theta_k s_k for each pattern p of the earlier neighbours.
        h[0] = theta_site[static_cast<std::size_t>(step.site)];
        for (int k = 0; k < d; ++k) h[0] -= theta_edge[static_cast<std::size_t>(nbr_edges[k])];
        double h_max = std::abs(h[0]);
        double field = std::abs(theta_site[static_cast<std::size_t>(step.site)]);
        for (int k = 0; k < d; ++k)
            field += std::abs(theta_edge[static_cast<std::size_t>(nbr_edges[k])]);
        for (int k = 0; k < d; ++k) {
            const double twice = 2.0 * theta_edge[static_cast<std::size_t>(nbr_edges[k])];
            for (std::size_t p = 0; p < pow2(k); ++p) {
                h[p + pow2(k)] = h[p] + twice;
                h_max = std::max(h_max, std::abs(h[p + pow2(k)]));
            }
        }
        double* q = ws.q_.data() + (marginals ? step.q_offset : 0);
        const std::size_t patterns = pow2(d);
        for (std::size_t p = 0; p < patterns; ++p) {
            q[p] = LogDomain::factor(-h[p], h_max);
            q[p + patterns] = LogDomain::factor(h[p], h_max);
        }
        log_scale.add(LogDomain::scale_of_factors(h_max));
        for (std::size_t f = 0; f < size; ++f) {
            std::size_t p = 0;
            for (int k = 0; k < d; ++k) p |= ((f >> bits[k]) & 1u) << k;
            next[f] = LogDomain::times(cur[f], q[p]);
            next[f + size] = LogDomain::times(cur[f], q[p + patterns]);
        }
        std::swap(cur, next);
        int held = F + 1;
        for (int r = step.rm_begin; r < step.rm_end; ++r) {
            const int bit = removal_bit_[static_cast<std::size_t>(r)];
            const std::size_t low = pow2(bit);
            const std::size_t half = pow2(held - 1);
            for (std::size_t x = 0; x < half; ++x) {
                const std::size_t lo = x & (low - 1);
                const std::size_t from = lo | ((x - lo) << 1);
                next[x] = LogDomain::plus(cur[from], cur[from | low]);
            }
            std::swap(cur, next);
            --held;
        }
        const double s = LogDomain::normalize(cur, pow2(held));
        if (std::isnan(s)) return s;
        log_scale.add(s);
        const double before = range;
        range = -*std::min_element(cur, cur + pow2(held));
        const double sums = step.rm_end - step.rm_begin + 1.0;
        absolute += 2.0 * d * kUnitRoundoff * field + sums * kUnitRoundoff * (before + 3.0) +
                    sums * kUnitRoundoff * field + kUnitRoundoff * range;
        largest_range = std::max(largest_range, range);
        largest_field = std::max(largest_field, field);
    }
    const double ln_z = log_scale.value() + LogDomain::log_of(cur[0]);
    rounding.ln_z = kSecondOrder * (absolute + kUnitRoundoff * std::abs(log_scale.value()) +
                                    kUnitRoundoff * std::abs(ln_z));
    // The backward entries carry the same error as the forward ones, and each weight of the
    // means adds three sums of entries (within 2 R + 2 A) and its exp: relative errors of the
    // weights; the sums of 2^(F + 1) terms add an absolute error.
    rounding.marginal_relative =
        kSecondOrder * (2.0 * absolute + 6.0 * kUnitRoundoff * largest_range +
                        6.0 * kUnitRoundoff * largest_field + 2.0 * kUnitRoundoff);
    rounding.marginal_absolute = table_ratio_rounding(width_);
    if (!marginals) return ln_z;

    // Backward pass: B over the frontier after each visit; the joint weight of the extended
    // table is T(f) q(p, s) B(f, s), normalised per visit.
    ws.c_.resize(table);
    ws.d_.resize(table);
    double* B = ws.c_.data();
    double* Bx = ws.d_.data();
    B[0] = LogDomain::one();
    for (std::size_t t = steps_.size(); t-- > 0;) {
        const Step& step = steps_[t];
        const int F = step.frontier;
        int held = F + 1 - (step.rm_end - step.rm_begin);
        for (int r = step.rm_end; r-- > step.rm_begin;) {
            const int bit = removal_bit_[static_cast<std::size_t>(r)];
            const std::size_t low = pow2(bit);
            ++held;
            for (std::size_t x = 0; x < pow2(held); ++x) {
                const std::size_t lo = x & (low - 1);
                Bx[x] = B[lo | ((x >> (bit + 1)) << bit)];
            }
            std::swap(B, Bx);
        }
        const std::size_t size = pow2(F);
        const int d = step.nbr_end - step.nbr_begin;
        const int* bits = nbr_bit_.data() + step.nbr_begin;
        const int* nbr_edges = nbr_edge_.data() + step.nbr_begin;
        const double* T = ws.stored_.data() + step.table_offset;
        const double* q = ws.q_.data() + step.q_offset;
        const std::size_t patterns = pow2(d);
        double top = 0.0;
        {
            top = -std::numeric_limits<double>::infinity();
            for (std::size_t f = 0; f < size; ++f) {
                std::size_t p = 0;
                for (int k = 0; k < d; ++k) p |= ((f >> bits[k]) & 1u) << k;
                // Summed as the weights below are, T + (q + B): at parameters of ~1e18 the
                // two orders differ by more than exp's range, and exp(x - top) overflowed.
                top = std::max(top, T[f] + (q[p] + B[f]));
                top = std::max(top, T[f] + (q[p + patterns] + B[f + size]));
            }
        }
        double* bins = h;
        std::fill(bins, bins + 2 * patterns, 0.0);
        for (std::size_t f = 0; f < size; ++f) {
            std::size_t p = 0;
            for (int k = 0; k < d; ++k) p |= ((f >> bits[k]) & 1u) << k;
            const double down = LogDomain::times(q[p], B[f]);
            const double up = LogDomain::times(q[p + patterns], B[f + size]);
            bins[p] += LogDomain::weight(LogDomain::times(T[f], down), top);
            bins[p + patterns] += LogDomain::weight(LogDomain::times(T[f], up), top);
            Bx[f] = LogDomain::plus(down, up);
        }
        double total = 0.0, mean = 0.0;
        for (std::size_t p = 0; p < patterns; ++p) {
            total += bins[p] + bins[p + patterns];
            mean += bins[p + patterns] - bins[p];
        }
        site_mean[static_cast<std::size_t>(step.site)] = mean / total;
        for (int k = 0; k < d; ++k) {
            double corr = 0.0;  // sum of P s s_k
            for (std::size_t p = 0; p < patterns; ++p) {
                const double sk = ((p >> k) & 1u) != 0 ? 1.0 : -1.0;
                corr += sk * (bins[p + patterns] - bins[p]);
            }
            edge_correlation[static_cast<std::size_t>(nbr_edges[k])] = corr / total;
        }
        std::swap(B, Bx);
        (void)LogDomain::normalize(B, size);
    }
    return ln_z;
}

}  // namespace isingmf
