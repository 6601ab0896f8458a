#include "isingmf/meanfield/mean_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
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
// Sweeps compute the gain bound once the previous residual is within this factor of the
// tolerance (no sweep shrinks the residual by more in practice; if one did, the stopping test
// would only wait for the next sweep or the change of F).
constexpr double kGainWindow = 1e6;

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

constexpr std::size_t kChunk = MeanFieldPlan::kernel_chunk_size();
constexpr std::size_t kLanes = 8;  // independent accumulators of the per-chunk sums
static_assert(kChunk % kLanes == 0);
using Lanes = double __attribute__((vector_size(kLanes * sizeof(double))));
using LaneBits = std::int64_t __attribute__((vector_size(kLanes * sizeof(double))));
constexpr std::int64_t kMagnitudeBits = 0x7fffffffffffffff;

struct KernelArgs {
    const int* neighbour;
    const double* coupling;
    const double* field;
    const std::size_t* row;         // null when the degree is uniform
    const std::ptrdiff_t* stencil;  // MeanFieldPlan::stencil_offsets()
    int degree;
    double beta;
    double omega;
    double slack;  // (omega - 1)^2
    bool gain;     // compute the gain bound (else it is reported as +inf)
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

// Where the couplings (and neighbour positions) of position p start.
[[gnu::always_inline]] inline std::size_t row_of(const KernelArgs& k, std::size_t p) {
    return k.row != nullptr ? k.row[p] : p * static_cast<std::size_t>(k.degree);
}

// beta phi_p for the positions of a stencil segment, phi = h + sum_s J_s m_(neighbour s) summed
// in the stored neighbour order, with neighbour s of position p at p + offset[s]: the same
// values in the same order as the gather through the neighbour list, but contiguous loads,
// which vectorise. Z > 0 fixes the degree at compile time; Z = 0 takes it from z.
template <int Z>
[[gnu::always_inline]] inline void stencil_fields(const KernelArgs& k, const double* m,
                                                  const KernelSegment& seg, std::size_t z,
                                                  double* a) {
    const std::size_t degree = Z > 0 ? static_cast<std::size_t>(Z) : z;
    const std::size_t p0 = seg.begin;
    const double* J = k.coupling + row_of(k, p0);
    const double* h = k.field + p0;
    const std::ptrdiff_t* offset = k.stencil + seg.stencil;
    if constexpr (Z > 0) {
        const double* next[Z];
        for (int s = 0; s < Z; ++s) next[s] = m + (static_cast<std::ptrdiff_t>(p0) + offset[s]);
        for (std::size_t j = 0; j < seg.size; ++j) {
            double phi = h[j];
            for (int s = 0; s < Z; ++s) phi += J[j * Z + s] * next[s][j];
            a[j] = k.beta * phi;
        }
    } else {
        for (std::size_t j = 0; j < seg.size; ++j) {
            double phi = h[j];
            const auto p = static_cast<std::ptrdiff_t>(p0 + j);
            for (std::size_t s = 0; s < degree; ++s) phi += J[j * degree + s] * m[p + offset[s]];
            a[j] = k.beta * phi;
        }
    }
}

template <int Z>
[[gnu::always_inline]] inline void gathered_fields(const KernelArgs& k, const double* m,
                                                   std::size_t p0, std::size_t n, double* a) {
    const int* nb = k.neighbour + p0 * Z;
    const double* J = k.coupling + p0 * Z;
    for (std::size_t j = 0; j < n; ++j, nb += Z, J += Z) {
        double phi = k.field[p0 + j];
        for (int s = 0; s < Z; ++s) phi += J[s] * m[nb[s]];
        a[j] = k.beta * phi;
    }
}

[[gnu::always_inline]] inline void scaled_local_fields(const KernelArgs& k, const double* m,
                                                       const KernelSegment& seg, double* a) {
    if (seg.stencil != KernelSegment::kNoStencil) {
        // Every position of the segment has this degree (uniform graphs, or a run of CSR rows).
        const std::size_t z = row_of(k, seg.begin + 1) - row_of(k, seg.begin);
        switch (z) {
            case 2:
                return stencil_fields<2>(k, m, seg, z, a);
            case 3:
                return stencil_fields<3>(k, m, seg, z, a);
            case 4:
                return stencil_fields<4>(k, m, seg, z, a);
            case 6:
                return stencil_fields<6>(k, m, seg, z, a);
            default:
                return stencil_fields<0>(k, m, seg, z, a);
        }
    }
    switch (k.degree) {
        case 3:
            return gathered_fields<3>(k, m, seg.begin, seg.size, a);
        case 4:
            return gathered_fields<4>(k, m, seg.begin, seg.size, a);
        case 6:
            return gathered_fields<6>(k, m, seg.begin, seg.size, a);
        default:
            break;
    }
    // Any other degree, or none: the general gather.
    for (std::size_t j = 0; j < seg.size; ++j) {
        const std::size_t p = seg.begin + j;
        const std::size_t end = row_of(k, p + 1);
        double phi = k.field[p];
        for (std::size_t s = row_of(k, p); s < end; ++s) phi += k.coupling[s] * m[k.neighbour[s]];
        a[j] = k.beta * phi;
    }
}

// A chunk: its segments first .. last.
struct ChunkView {
    const KernelSegment* first;
    const KernelSegment* last;
    std::size_t begin() const { return first->begin; }
    std::size_t end() const { return (last - 1)->begin + (last - 1)->size; }
};

// The memory a chunk streams (graph, fields, its own m and, for a stencil, the leading
// neighbour row), so that it can be requested while the previous chunk computes: the hardware
// prefetchers advance only on demand loads, which a chunk issues in its first loop alone.
class ChunkStreams {
public:
    ChunkStreams(const KernelArgs& k, const double* m, const ChunkView& c) {
        const std::size_t first = row_of(k, c.begin());
        const std::size_t last = row_of(k, c.end());
        const std::size_t bytes = (c.end() - c.begin()) * sizeof(double);
        add(k.coupling + first, (last - first) * sizeof(double));
        add(k.field + c.begin(), bytes);
        add(m + c.begin(), bytes);
        if (c.first->stencil == KernelSegment::kNoStencil) {
            add(k.neighbour + first, (last - first) * sizeof(int));
        } else {
            // The neighbour row furthest ahead brings new lines; the others were read already.
            const std::ptrdiff_t* offset = k.stencil + c.first->stencil;
            const std::size_t degree = row_of(k, c.begin() + 1) - row_of(k, c.begin());
            const std::ptrdiff_t lead = *std::max_element(offset, offset + degree);
            add(m + (static_cast<std::ptrdiff_t>(c.begin()) + lead), bytes);
        }
    }

    /// Requests part `slice` of `slices` of every stream.
    void request(std::size_t slice, std::size_t slices) const {
        for (int r = 0; r < count_; ++r) {
            const std::size_t from = bytes_[r] * slice / slices;
            const std::size_t to = bytes_[r] * (slice + 1) / slices;
            for (std::size_t b = from; b < to; b += kLine) __builtin_prefetch(begin_[r] + b, 0, 3);
        }
    }

private:
    static constexpr std::size_t kLine = 64;
    const char* begin_[4] = {};
    std::size_t bytes_[4] = {};
    int count_ = 0;

    void add(const void* p, std::size_t bytes) {
        begin_[count_] = static_cast<const char*>(p);
        bytes_[count_] = bytes;
        ++count_;
    }
};

constexpr std::size_t kTanhBlock = 32;

// After the tanh: d_j = t_j - m_j, the new m_j (t_j, or over-relaxed behind the safeguard of the
// header) and, with Gain, g_j = d_j^2 g(u_far) / 2 for the gain bound. Branch-free, so that
// each variant is one vector loop.
template <bool Relaxed, bool Gain>
[[gnu::always_inline]] inline void apply_updates(const KernelArgs& k, const double* a, double* mp,
                                                 double* d, double* g, std::size_t n) {
    // Locals: the compiler cannot tell that the stores to m leave k alone.
    const double omega = k.omega;
    const double slack = k.slack;
    for (std::size_t j = 0; j < n; ++j) {
        const double t = a[j];
        const double old = mp[j];
        const double dj = t - old;
        d[j] = dj;
        if constexpr (Gain) {
            const double far = nonnegative_max(std::fabs(t), std::fabs(old));
            // At a saturated site that did not move (dj = 0, far = 1) the floor keeps 0/0 away.
            g[j] = dj * dj / nonnegative_max(2.0 * (1.0 - far) * (1.0 + far), kTiny);
        }
        if constexpr (Relaxed) {
            const double x = old + omega * dj;
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
        } else {
            mp[j] = t;
        }
    }
}  // tanh in blocks, a slice of prefetches before each

// One chunk of one colour class. The AVX2 clone (no FMA: the same IEEE operations, so the same
// bits) does the tanh and update loops four sites at a time where the CPU has it.
__attribute__((target_clones("avx512f", "avx2", "default"))) SweepStats update_chunk(
    const KernelArgs& k, double* m, const ChunkView& c, const ChunkView* next) {
    alignas(64) double a[kChunk];
    alignas(64) double d[kChunk];
    alignas(64) double g[kChunk];
    const std::size_t n = c.end() - c.begin();
    for (const KernelSegment* seg = c.first; seg != c.last; ++seg)
        scaled_local_fields(k, m, *seg, a + (seg->begin - c.begin()));
    const std::size_t blocks = (n + kTanhBlock - 1) / kTanhBlock;
    const std::optional<ChunkStreams> ahead =
        next != nullptr ? std::optional<ChunkStreams>(std::in_place, k, m, *next) : std::nullopt;
    for (std::size_t b = 0; b < blocks; ++b) {
        if (ahead) ahead->request(b, blocks);
        const std::size_t end = std::min(n, (b + 1) * kTanhBlock);
        for (std::size_t j = b * kTanhBlock; j < end; ++j) a[j] = detail::fast_tanh(a[j]);
    }
    double* mp = m + c.begin();
    if (k.omega == 1.0) {
        if (k.gain) {
            apply_updates<false, true>(k, a, mp, d, g, n);
        } else {
            apply_updates<false, false>(k, a, mp, d, g, n);
        }
    } else if (k.gain) {
        apply_updates<true, true>(k, a, mp, d, g, n);
    } else {
        apply_updates<true, false>(k, a, mp, d, g, n);
    }
    // Sums in kLanes interleaved accumulators, written as GCC vectors so that every clone adds
    // in the same order (one running sum would be a chain of dependent additions, as slow as
    // the rest of the chunk together). The tail of the last group is padded with zeros.
    const std::size_t padded = (n + kLanes - 1) / kLanes * kLanes;
    for (std::size_t j = n; j < padded; ++j) d[j] = g[j] = 0.0;
    Lanes sq = {};
    LaneBits largest = {};  // max |d| as bit patterns, which order like the values
    for (std::size_t j = 0; j < padded; j += kLanes) {
        Lanes dj;
        LaneBits magnitude;
        std::memcpy(&dj, d + j, sizeof dj);
        std::memcpy(&magnitude, d + j, sizeof magnitude);
        sq += dj * dj;
        magnitude &= kMagnitudeBits;
        largest = largest < magnitude ? magnitude : largest;
    }
    SweepStats s;
    for (std::size_t l = 0; l < kLanes; ++l) {
        s.sum_sq += sq[l];
        s.max_residual = nonnegative_max(s.max_residual, std::bit_cast<double>(largest[l]));
    }
    if (!k.gain) {
        s.gain_bound = std::numeric_limits<double>::infinity();
        return s;
    }
    Lanes gain = {};
    for (std::size_t j = 0; j < padded; j += kLanes) {
        Lanes gj;
        std::memcpy(&gj, g + j, sizeof gj);
        gain += gj;
    }
    for (std::size_t l = 0; l < kLanes; ++l) s.gain_bound += gain[l];
    return s;
}

// One sweep of (over-relaxed) coordinate ascent in colour order, on m in position order.
SweepStats ascent_sweep(const MeanFieldPlan& plan, const KernelArgs& k, std::span<double> m,
                        std::vector<SweepStats>& partial) {
    double* mp = m.data();
    const std::size_t colours = plan.num_colours();
    const KernelSegment* segments = plan.segments().data();
    const std::size_t* chunk_segments = plan.chunk_segments().data();
    const std::size_t* class_chunks = plan.class_chunks().data();
    const std::size_t num_chunks = plan.chunk_segments().size() - 1;
    partial.resize(num_chunks);
#pragma omp parallel if (m.size() >= kParallelSites)
    for (std::size_t c = 0; c < colours; ++c) {
#pragma omp for schedule(static)
        for (std::size_t q = class_chunks[c]; q < class_chunks[c + 1]; ++q) {
            const ChunkView chunk{segments + chunk_segments[q], segments + chunk_segments[q + 1]};
            if (q + 1 < num_chunks) {
                const ChunkView next{segments + chunk_segments[q + 1],
                                     segments + chunk_segments[q + 2]};
                partial[q] = update_chunk(k, mp, chunk, &next);
            } else {
                partial[q] = update_chunk(k, mp, chunk, nullptr);
            }
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

void to_site_order(const MeanFieldPlan& plan, std::span<const double> by_position,
                   std::vector<double>& by_site) {
    const std::vector<int>& order = plan.order();
    const std::size_t n = by_position.size();
    by_site.resize(n);
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
    for (std::size_t p = 0; p < n; ++p)
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
    cut_chunks();
}

namespace {

// Stencil runs shorter than this are gathered instead: the vector loop needs some length.
constexpr std::size_t kMinStencilRun = 8;

// How many positions from p (below end, at most limit) have as many neighbours as p, at the
// same offsets.
std::size_t stencil_run(const MeanFieldPlan& plan, std::size_t p, std::size_t end,
                        std::size_t limit) {
    const std::size_t z = plan.row(p + 1) - plan.row(p);
    const int* first = plan.neighbour().data() + plan.row(p);
    std::size_t q = p + 1;
    for (; q < end && q - p < limit; ++q) {
        if (plan.row(q + 1) - plan.row(q) != z) break;
        const int* row = plan.neighbour().data() + plan.row(q);
        const auto shift = static_cast<std::int64_t>(q - p);
        bool same = true;
        for (std::size_t s = 0; s < z && same; ++s)
            same = static_cast<std::int64_t>(row[s]) == static_cast<std::int64_t>(first[s]) + shift;
        if (!same) break;
    }
    return q - p;
}

}  // namespace

void MeanFieldPlan::cut_chunks() {
    class_chunks_.assign(1, 0);
    chunk_segments_.assign(1, 0);
    for (std::size_t c = 0; c < num_colours(); ++c) {
        const std::size_t end = class_offset_[c + 1];
        for (std::size_t p = class_offset_[c]; p < end; p += kChunk) {
            cut_segments(p, std::min(end, p + kChunk));
            chunk_segments_.push_back(segments_.size());
        }
        class_chunks_.push_back(chunk_segments_.size() - 1);
    }
}

void MeanFieldPlan::cut_segments(std::size_t begin, std::size_t end) {
    // Front to back: a stencil segment wherever at least kMinStencilRun positions with
    // neighbours share their degree and neighbour offsets, gathered segments in between.
    auto long_run = [&](std::size_t p) {
        return row(p + 1) > row(p) && stencil_run(*this, p, end, kMinStencilRun) >= kMinStencilRun;
    };
    std::size_t p = begin;
    while (p < end) {
        if (long_run(p)) {
            const std::size_t run = stencil_run(*this, p, end, end - p);
            segments_.push_back({p, static_cast<std::uint32_t>(run),
                                 static_cast<std::uint32_t>(stencil_offsets_.size())});
            for (std::size_t s = row(p); s < row(p + 1); ++s) {
                stencil_offsets_.push_back(static_cast<std::ptrdiff_t>(neighbour_[s]) -
                                           static_cast<std::ptrdiff_t>(p));
            }
            p += run;
            continue;
        }
        std::size_t q = p + 1;
        while (q < end && !long_run(q)) ++q;
        segments_.push_back({p, static_cast<std::uint32_t>(q - p), KernelSegment::kNoStencil});
        p = q;
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
    // Filled in parallel: the first touch of a large m zeroes its pages (see huge_pages.hpp).
    HugePageVector<double> m(n);
    const int* order = plan.order().data();
#pragma omp parallel for schedule(static) if (n >= kParallelSites)
    for (std::size_t p = 0; p < n; ++p) {
        const double x = result.m[static_cast<std::size_t>(order[p])];
        m[p] = std::isfinite(x) ? std::clamp(x, -1.0, 1.0) : 0.0;
    }

    std::vector<SweepStats> partial;
    OmegaControl control(options.method, options.omega);
    KernelArgs args{plan.neighbour().data(),
                    plan.coupling().data(),
                    plan.field().data(),
                    plan.degree() > 0 ? nullptr : plan.row_offsets().data(),
                    plan.stencil_offsets().data(),
                    plan.degree(),
                    beta,
                    1.0,
                    0.0,
                    false};
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
    double last_residual = std::numeric_limits<double>::infinity();
    while (result.iterations < options.max_iterations) {
        if (may_extrapolate && probe == 0 && since_search >= gap && rate > kSlowRate)
            probe = plain_hold ? 1 : kProbeSweeps;
        const bool plain = plain_hold || probe > 0;
        const bool armed = probe == 1;
        args.omega = plain ? 1.0 : control.omega();
        args.slack = (args.omega - 1.0) * (args.omega - 1.0);
        // The gain bound (a division per site) is only read once the residual is below the
        // tolerance, so far from it the sweep skips it.
        args.gain = last_residual <= kGainWindow * options.tolerance;
        if (armed) change.assign(m.begin(), m.end());
        const SweepStats stats = ascent_sweep(plan, args, m, partial);
        last_residual = stats.max_residual;
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
                                 std::span<double> m_by_position, bool gain_bound) {
    check_beta(beta);
    if (!(omega >= 1.0 && omega < 2.0)) {
        throw ModelError(fmt::format("over-relaxation factor must be in [1, 2), got {}", omega));
    }
    if (m_by_position.size() != static_cast<std::size_t>(plan.model().num_sites())) {
        throw ModelError(fmt::format("{} magnetizations given for {} sites", m_by_position.size(),
                                     plan.model().num_sites()));
    }
    std::vector<SweepStats> partial;
    const KernelArgs args{plan.neighbour().data(),
                          plan.coupling().data(),
                          plan.field().data(),
                          plan.degree() > 0 ? nullptr : plan.row_offsets().data(),
                          plan.stencil_offsets().data(),
                          plan.degree(),
                          beta,
                          omega,
                          (omega - 1.0) * (omega - 1.0),
                          gain_bound};
    const SweepStats s = ascent_sweep(plan, args, m_by_position, partial);
    return {s.max_residual, s.sum_sq, s.gain_bound};
}

double mean_field_sweep_bytes_per_site(const MeanFieldPlan& plan) {
    const double n = static_cast<double>(plan.model().num_sites());
    if (n == 0.0) return 0.0;
    // Couplings everywhere; neighbour positions and row offsets only where a segment gathers.
    const double row_bytes = plan.degree() > 0 ? 0.0 : static_cast<double>(sizeof(std::size_t));
    double gathered = 0.0;
    for (const KernelSegment& seg : plan.segments()) {
        if (seg.stencil != KernelSegment::kNoStencil) continue;
        gathered += static_cast<double>(plan.row(seg.begin + seg.size) - plan.row(seg.begin)) *
                        sizeof(int) +
                    static_cast<double>(seg.size) * row_bytes;
    }
    const double slots = static_cast<double>(plan.neighbour().size());
    return (slots * sizeof(double) + gathered) / n + 3.0 * sizeof(double);
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
