#include "isingmf/meanfield/mean_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <optional>

#include "isingmf/error.hpp"
#include "isingmf/meanfield/binary_entropy.hpp"
#include "isingmf/meanfield/extrapolation.hpp"
#include "isingmf/meanfield/fast_tanh.hpp"
#include "isingmf/meanfield/sweep_kernel.hpp"
#include "isingmf/random.hpp"

namespace isingmf {
namespace {

// Below this many sites the OpenMP fork costs more than the sweep.
constexpr std::size_t kParallelSites = 1u << 14;
// Fixed block size for sums, so that the rounding does not depend on the thread count.
constexpr std::size_t kSumBlock = 4096;
constexpr std::uint64_t kRandomStartStream = 1000;
// Extrapolation schedule (see ascend_mean_field).
constexpr double kSlowRate = 0.9;
constexpr double kSublinear = 1.5;
constexpr int kProbeSweeps = 3;
// Refinements of a line search: a flat maximum needs the line's maximiser to many digits
// (the residual there is cubic in the distance), elsewhere a rough step does.
constexpr int kFullRefinements = 30;
constexpr int kFewRefinements = 3;
constexpr int kBaseGap = 8;    // sweeps between searches on a flat maximum
constexpr int kFirstGap = 24;  // sweeps before the first search
constexpr int kMaxGap = 512;

void check_beta(double beta) {
    if (!(beta >= 0.0) || !std::isfinite(beta)) {
        throw ModelError(fmt::format("inverse temperature must be finite and >= 0, got {}", beta));
    }
}

double local_field(const Adjacency& adj, const std::vector<double>& fields,
                   const std::vector<double>& m, std::size_t i) {
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

// ---- The sweep kernel -------------------------------------------------------------------
//
// Sites of one colour class share no edge, so the class can be processed in any order and in
// parallel with exactly the result of updating its sites one after another. A class is cut
// into chunks of kChunk positions; each chunk is done in four short loops (local fields,
// tanh, update, sums) so that the arithmetic ones vectorise. Partial sums are kept per chunk
// and added in chunk order, so they do not depend on the thread count.

constexpr std::size_t kChunk = 256;

struct KernelArgs {
    const int* neighbour;
    const double* coupling;
    const double* field;
    const std::size_t* row;  // null when the degree is uniform
    int degree;
    double beta;
    double omega;
    double slack;  // (omega - 1)^2
};

// Per-sweep statistics of the plain step d_i = t_i - m_i (m_i before its update).
struct SweepStats {
    double max_residual = 0.0;  // max |d_i|
    double sum_sq = 0.0;        // sum d_i^2
    double gain_bound = 0.0;    // sum d_i^2 g(u_far)/2 >= the sweep's increase of F
};

// Branch-free helpers on bit patterns. A floating-point compare may trap, which stops GCC from
// if-converting (and so vectorising) a loop; integer compares of the bits do not, and for
// x, y >= 0 the bit patterns order exactly as the values.
inline std::int64_t bits_of(double x) { return std::bit_cast<std::int64_t>(x); }
inline double nonnegative_max(double x, double y) { return bits_of(x) < bits_of(y) ? y : x; }
inline double nonnegative_min(double x, double y) { return bits_of(x) < bits_of(y) ? x : y; }
// All ones when the sign bit of x is set, else zero.
inline std::int64_t sign_mask(std::int64_t x) { return x >> 63; }

// Floor of the denominator of the gain bound (1/kTiny stays finite after multiplying by 4).
constexpr double kTiny = 1e-300;

template <int Z>
void fixed_degree_fields(const KernelArgs& k, const double* m, std::size_t p0, std::size_t n,
                         double* a) {
    const int* nb = k.neighbour + p0 * Z;
    const double* J = k.coupling + p0 * Z;
    for (std::size_t j = 0; j < n; ++j, nb += Z, J += Z) {
        double phi = k.field[p0 + j];
        for (int s = 0; s < Z; ++s) phi += J[s] * m[nb[s]];
        a[j] = k.beta * phi;
    }
}

void scaled_local_fields(const KernelArgs& k, const double* m, std::size_t p0, std::size_t n,
                         double* a) {
    switch (k.degree) {
        case 3:
            return fixed_degree_fields<3>(k, m, p0, n, a);
        case 4:
            return fixed_degree_fields<4>(k, m, p0, n, a);
        case 6:
            return fixed_degree_fields<6>(k, m, p0, n, a);
        default:
            break;
    }
    for (std::size_t j = 0; j < n; ++j) {
        const std::size_t p = p0 + j;
        const std::size_t end =
            k.row != nullptr ? k.row[p + 1] : (p + 1) * static_cast<std::size_t>(k.degree);
        double phi = k.field[p];
        for (std::size_t s = k.row != nullptr ? k.row[p] : p * static_cast<std::size_t>(k.degree);
             s < end; ++s) {
            phi += k.coupling[s] * m[k.neighbour[s]];
        }
        a[j] = k.beta * phi;
    }
}

// One chunk of one colour class. The AVX2 clone (no FMA: the same IEEE operations, so the same
// bits) does the tanh and update loops four sites at a time where the CPU has it.
__attribute__((target_clones("avx2", "default"))) SweepStats update_chunk(const KernelArgs& k,
                                                                          double* m, std::size_t p0,
                                                                          std::size_t n) {
    alignas(64) double a[kChunk];
    alignas(64) double d[kChunk];
    alignas(64) double g[kChunk];
    scaled_local_fields(k, m, p0, n, a);
    for (std::size_t j = 0; j < n; ++j) a[j] = detail::fast_tanh(a[j]);
    double* mp = m + p0;
    for (std::size_t j = 0; j < n; ++j) {
        const double t = a[j];
        const double old = mp[j];
        const double dj = t - old;
        const double far = nonnegative_max(std::fabs(t), std::fabs(old));
        // At a saturated site that did not move (dj = 0, far = 1) the floor keeps 0/0 away.
        g[j] = dj * dj / nonnegative_max(2.0 * (1.0 - far) * (1.0 + far), kTiny);
        d[j] = dj;
    }
    // Locals: the compiler cannot tell that the stores to m leave k alone.
    const double omega = k.omega;
    const double slack = k.slack;
    if (omega == 1.0) {
        for (std::size_t j = 0; j < n; ++j) mp[j] = a[j];
    } else {
        for (std::size_t j = 0; j < n; ++j) {
            const double t = a[j];
            const double old = mp[j];
            const double x = old + omega * d[j];
            // The safeguard of the header: accept x only if it provably does not lower F.
            // u_near is 0 when m and t differ in sign (or one is 0), else min(|m|, |t|).
            // (Selects by sign masks: the loop then has no branch and vectorises.)
            const double near =
                std::bit_cast<double>(bits_of(nonnegative_min(std::fabs(old), std::fabs(t))) &
                                      ~sign_mask(bits_of(old) ^ bits_of(t)));
            const double far = nonnegative_max(std::fabs(t), std::fabs(x));
            // Reject when the rounded difference is negative; its sign is that of the exact one.
            const std::int64_t reject = sign_mask(
                bits_of((1.0 - far) * (1.0 + far) - slack * ((1.0 - near) * (1.0 + near))));
            mp[j] = std::bit_cast<double>((bits_of(x) & ~reject) | (bits_of(t) & reject));
        }
    }
    SweepStats s;
    for (std::size_t j = 0; j < n; ++j) {
        s.max_residual = std::max(s.max_residual, std::abs(d[j]));
        s.sum_sq += d[j] * d[j];
        s.gain_bound += g[j];
    }
    return s;
}

// Chunks of every colour class, numbered class by class.
std::vector<std::size_t> chunk_base(const MeanFieldPlan& plan) {
    std::vector<std::size_t> base(plan.num_colours() + 1, 0);
    for (std::size_t c = 0; c < plan.num_colours(); ++c) {
        const std::size_t size = plan.class_offset()[c + 1] - plan.class_offset()[c];
        base[c + 1] = base[c] + (size + kChunk - 1) / kChunk;
    }
    return base;
}

// One sweep of (over-relaxed) coordinate ascent in colour order, on m in position order.
SweepStats ascent_sweep(const MeanFieldPlan& plan, const KernelArgs& k, std::span<double> m,
                        const std::vector<std::size_t>& base, std::vector<SweepStats>& partial) {
    double* mp = m.data();
    const std::size_t colours = plan.num_colours();
#pragma omp parallel if (m.size() >= kParallelSites)
    for (std::size_t c = 0; c < colours; ++c) {
        const std::size_t begin = plan.class_offset()[c];
        const std::size_t end = plan.class_offset()[c + 1];
        const std::size_t chunks = base[c + 1] - base[c];
#pragma omp for schedule(static)
        for (std::size_t q = 0; q < chunks; ++q) {
            const std::size_t p0 = begin + q * kChunk;
            partial[base[c] + q] = update_chunk(k, mp, p0, std::min(kChunk, end - p0));
        }
    }
    SweepStats total;
    for (const SweepStats& s : partial) {
        total.max_residual = std::max(total.max_residual, s.max_residual);
        total.sum_sq += s.sum_sq;
        total.gain_bound += s.gain_bound;
    }
    return total;
}

// Adaptive choice of omega. For a consistently ordered system (two-coloured bipartite graphs
// exactly, others approximately) the plain (Gauss-Seidel) sweep contracts the error by
// mu^2, mu the spectral radius of the linearised Jacobi map, and the optimal SOR factor is
// 2 / (1 + sqrt(1 - mu^2)), which contracts by omega - 1 instead. So: plain sweeps until
// their residual ratio lambda is steady and slow, then omega from mu^2 = lambda; after that
// omega is only raised, by Hageman and Young's estimate mu^2 = (lambda + omega - 1)^2 /
// (lambda omega^2), whenever the SOR rate is steady and slower than omega - 1 shows it too low.
// A residual that grows for a while is not reset to plain sweeps: F rises at every step, so
// that is the escape from a saddle of F (common on glasses), which over-relaxation speeds up.
// (Tried and dropped: periodic plain-sweep probes to lower omega again, and falling back to
// omega = 1 on a growing residual; both cost sweeps on the 128^2 +-J benchmarks.)
class OmegaControl {
public:
    OmegaControl(MeanFieldMethod method, double fixed_omega)
        : adaptive_(method == MeanFieldMethod::over_relaxed && fixed_omega == 0.0),
          omega_(method == MeanFieldMethod::sequential || fixed_omega == 0.0 ? 1.0 : fixed_omega) {}

    double omega() const { return omega_; }

    /// Forget the residual history (m jumped, e.g. by an extrapolation); omega stays.
    void restart() {
        previous_sq_ = -1.0;
        previous_lambda_ = -1.0;
    }

    void observe(double sum_sq) {
        if (!adaptive_) return;
        if (previous_sq_ > 0.0 && sum_sq > 0.0) {
            const double lambda = std::sqrt(sum_sq / previous_sq_);
            const bool steady = previous_lambda_ > 0.0 && lambda < 1.0 &&
                                std::abs(lambda - previous_lambda_) <= kSteady * (1.0 - lambda);
            previous_lambda_ = lambda;
            double raised = omega_;
            if (steady && omega_ == 1.0 && lambda > kSlow) {
                raised = optimal(lambda);
            } else if (steady && omega_ > 1.0 && lambda > omega_ - 1.0 + kMargin) {
                raised = optimal((lambda + omega_ - 1.0) * (lambda + omega_ - 1.0) /
                                 (lambda * omega_ * omega_));
            }
            if (raised > omega_ + kMinRaise) {
                omega_ = raised;
                previous_lambda_ = -1.0;  // the rate at the new omega is still to be seen
            }
        }
        previous_sq_ = sum_sq;
    }

private:
    static constexpr double kSteady = 0.2;   // |dlambda| <= kSteady (1 - lambda)
    static constexpr double kSlow = 0.5;     // plain sweeps faster than this need no help
    static constexpr double kMargin = 0.02;  // SOR rate above omega - 1 by this: omega too low
    static constexpr double kMaxMu2 = 1.0 - 1e-6;
    static constexpr double kMaxOmega = 1.98;
    static constexpr double kMinRaise = 1e-3;

    static double optimal(double mu2) {
        return std::min(kMaxOmega, 2.0 / (1.0 + std::sqrt(1.0 - std::min(mu2, kMaxMu2))));
    }

    bool adaptive_;
    double omega_;
    double previous_sq_ = -1.0;
    double previous_lambda_ = -1.0;
};

void to_site_order(const MeanFieldPlan& plan, const std::vector<double>& by_position,
                   std::vector<double>& by_site) {
    const std::vector<int>& order = plan.order();
    by_site.resize(by_position.size());
    for (std::size_t p = 0; p < by_position.size(); ++p)
        by_site[static_cast<std::size_t>(order[p])] = by_position[p];
}

void check_method(const MeanFieldOptions& options) {
    if (!(options.omega == 0.0 || (options.omega >= 1.0 && options.omega < 2.0))) {
        throw ModelError(fmt::format(
            "over-relaxation factor must be 0 (adaptive) or in [1, 2), got {}", options.omega));
    }
}

}  // namespace

std::string to_string(MeanFieldMethod method) {
    return method == MeanFieldMethod::sequential ? "sequential" : "over_relaxed";
}

MeanFieldMethod parse_mean_field_method(const std::string& text) {
    if (text == "sequential") return MeanFieldMethod::sequential;
    if (text == "over_relaxed") return MeanFieldMethod::over_relaxed;
    throw ParseError(
        fmt::format("unknown mean-field method '{}' (expected sequential or over_relaxed)", text));
}

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
    for (std::size_t c = 0; c + 1 < class_offset_.size(); ++c)
        class_offset_[c + 1] += class_offset_[c];
    order_.resize(n);
    std::vector<std::size_t> fill(class_offset_.begin(), class_offset_.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
        order_[fill[static_cast<std::size_t>(colour[i])]++] = static_cast<int>(i);

    // The kernel's copy of the graph, in update order: a class is then one contiguous range
    // of m, field and neighbour lists, read front to back. Uniform degree (lattices) needs
    // no row offsets. Neighbours keep the model's order, so phi is summed exactly as in
    // Model::local_field and in the residual.
    position_.resize(n);
    for (std::size_t p = 0; p < n; ++p)
        position_[static_cast<std::size_t>(order_[p])] = static_cast<int>(p);
    const std::size_t first_degree = n > 0 ? adj.offset[1] - adj.offset[0] : 0;
    bool uniform = first_degree > 0;
    for (std::size_t i = 0; uniform && i < n; ++i)
        uniform = adj.offset[i + 1] - adj.offset[i] == first_degree;
    degree_ = uniform ? static_cast<int>(first_degree) : 0;
    if (!uniform) row_.assign(n + 1, 0);
    neighbour_.resize(adj.neighbour.size());
    coupling_.resize(adj.coupling.size());
    field_.resize(n);
    std::size_t slot = 0;
    for (std::size_t p = 0; p < n; ++p) {
        const auto i = static_cast<std::size_t>(order_[p]);
        field_[p] = model.fields()[i];
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k, ++slot) {
            neighbour_[slot] = position_[static_cast<std::size_t>(adj.neighbour[k])];
            coupling_[slot] = adj.coupling[k];
        }
        if (!uniform) row_[p + 1] = slot;
    }
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

MeanFieldResult ascend_mean_field(const MeanFieldPlan& plan, double beta,
                                  std::vector<double> start_m, const MeanFieldOptions& options,
                                  std::string start_name, const MeanFieldObserver& observer) {
    check_beta(beta);
    check_method(options);
    const Model& model = plan.model();
    const std::size_t n = start_m.size();
    if (n != static_cast<std::size_t>(model.num_sites())) {
        throw ModelError(
            fmt::format("start has {} magnetizations for {} sites", n, model.num_sites()));
    }
    MeanFieldResult result;
    result.start = std::move(start_name);
    result.method = options.method;
    result.m = std::move(start_m);
    std::vector<double> m(n);
    for (std::size_t p = 0; p < n; ++p) {
        const double x = result.m[static_cast<std::size_t>(plan.order()[p])];
        m[p] = std::isfinite(x) ? std::clamp(x, -1.0, 1.0) : 0.0;
    }

    const std::vector<std::size_t> base = chunk_base(plan);
    std::vector<SweepStats> partial(base.back());
    OmegaControl control(options.method, options.omega);
    KernelArgs args{plan.neighbour().data(),
                    plan.coupling().data(),
                    plan.field().data(),
                    plan.degree() > 0 ? nullptr : plan.row_offsets().data(),
                    plan.degree(),
                    beta,
                    1.0,
                    0.0};
    // Extrapolation (header): after a slow sweep (rate > kSlowRate), at least `gap` sweeps
    // after the last search, kProbeSweeps plain sweeps (over-relaxed sweeps near omega = 2
    // leave oscillating components in d that a long step would blow up), the last of which
    // gives d; then the search. A step much longer than geometric decay at the plain rate
    // would explain marks a flat maximum: keep plain sweeps and search every kBaseGap sweeps.
    // Otherwise the gap doubles, so that searches cost little where they do not help.
    const bool may_extrapolate =
        options.method == MeanFieldMethod::over_relaxed && options.extrapolate;
    std::optional<detail::LineSearch> search;
    std::vector<double> change;  // m before the sweep, then the sweep's change
    int gap = kFirstGap;
    int since_search = 0;
    double rate = 0.0;  // sqrt of the ratio of the last two sums of squared residuals
    double previous_sq = -1.0;
    bool plain_hold = false;  // plain sweeps between searches while the decay is sublinear
    int probe = 0;            // plain sweeps left before the next search
    bool evaluated = false;   // result matches m
    bool have_previous = false;
    double previous = 0.0;
    while (result.iterations < options.max_iterations) {
        if (may_extrapolate && probe == 0 && since_search >= gap && rate > kSlowRate)
            probe = plain_hold ? 1 : kProbeSweeps;
        const bool plain = plain_hold || probe > 0;
        const bool armed = probe == 1;
        args.omega = plain ? 1.0 : control.omega();
        args.slack = (args.omega - 1.0) * (args.omega - 1.0);
        if (armed) change.assign(m.begin(), m.end());
        const SweepStats stats = ascent_sweep(plan, args, m, base, partial);
        ++result.iterations;
        ++since_search;
        evaluated = false;
        if (!plain) control.observe(stats.sum_sq);
        rate = previous_sq > 0.0 ? std::sqrt(stats.sum_sq / previous_sq) : 0.0;
        previous_sq = stats.sum_sq;
        if (probe > 0) --probe;
        if (armed) {
            control.restart();  // it must not read the plain sweeps' rates as SOR rates
            since_search = 0;
        }
        if (armed && stats.max_residual > options.tolerance) {
            if (!search) search.emplace(plan, beta);
            for (std::size_t p = 0; p < n; ++p) change[p] = m[p] - change[p];
            const detail::LineSearchStep step = search->run(
                m, change, options.tolerance, plain_hold ? kFullRefinements : kFewRefinements);
            // Geometric convergence at the plain rate r leaves about d r / (1 - r) to go, so a
            // line search along d stops near alpha ~ 1 / (1 - r); a step several times longer
            // means the decay is slower than geometric (a flat, e.g. quartic, maximum).
            const bool sublinear = step.alpha * (1.0 - rate) >= kSublinear;
            gap = sublinear ? kBaseGap : std::min(2 * gap, kMaxGap);
            plain_hold = sublinear;
            if (step.alpha > 0.0) {
                ++result.extrapolations;
                previous_sq = -1.0;
                rate = 0.0;
                if (observer) {
                    to_site_order(plan, m, result.m);
                    observer(result.iterations, result.m);
                }
                continue;  // m moved: the sweep's residual no longer describes it
            }
        }
        if (observer) {
            to_site_order(plan, m, result.m);
            observer(result.iterations, result.m);
        }
        if (stats.max_residual > options.tolerance) continue;
        // Only near a fixed point is the bound (logs and std::tanh at every site) worth evaluating.
        to_site_order(plan, m, result.m);
        evaluate_mean_field(model, beta, result);
        evaluated = true;
        const double allowed = options.tolerance * std::max(1.0, std::abs(result.ln_z));
        const bool flat = stats.gain_bound <= allowed ||
                          (have_previous && std::abs(result.ln_z - previous) <= allowed);
        previous = result.ln_z;
        have_previous = true;
        if (result.residual <= options.tolerance && flat) {
            result.converged = true;
            break;
        }
    }
    if (!evaluated) {
        to_site_order(plan, m, result.m);
        evaluate_mean_field(model, beta, result);
    }
    result.omega = control.omega();
    return result;
}

SweepStatistics mean_field_sweep(const MeanFieldPlan& plan, double beta, double omega,
                                 std::span<double> m_by_position) {
    check_beta(beta);
    if (!(omega >= 1.0 && omega < 2.0)) {
        throw ModelError(fmt::format("over-relaxation factor must be in [1, 2), got {}", omega));
    }
    if (m_by_position.size() != static_cast<std::size_t>(plan.model().num_sites())) {
        throw ModelError(fmt::format("{} magnetizations given for {} sites", m_by_position.size(),
                                     plan.model().num_sites()));
    }
    const std::vector<std::size_t> base = chunk_base(plan);
    std::vector<SweepStats> partial(base.back());
    const KernelArgs args{plan.neighbour().data(),
                          plan.coupling().data(),
                          plan.field().data(),
                          plan.degree() > 0 ? nullptr : plan.row_offsets().data(),
                          plan.degree(),
                          beta,
                          omega,
                          (omega - 1.0) * (omega - 1.0)};
    const SweepStats s = ascent_sweep(plan, args, m_by_position, base, partial);
    return {s.max_residual, s.sum_sq, s.gain_bound};
}

double mean_field_sweep_bytes_per_site(const MeanFieldPlan& plan) {
    const double n = static_cast<double>(plan.model().num_sites());
    if (n == 0.0) return 0.0;
    const double slots = static_cast<double>(plan.neighbour().size()) / n;
    const double rows = plan.degree() > 0 ? 0.0 : static_cast<double>(sizeof(std::size_t));
    return slots * static_cast<double>(sizeof(int) + sizeof(double)) + rows + 3.0 * sizeof(double);
}

MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta,
                                 const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
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

MeanFieldResult solve_mean_field(const Model& model, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start) {
    const MeanFieldPlan plan(model);
    return solve_mean_field(plan, beta, options, warm_start);
}

}  // namespace isingmf
