#include "isingmf/meanfield/detail/sweep_kernel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "isingmf/meanfield/detail/branch_free.hpp"
#include "isingmf/meanfield/detail/fast_tanh.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

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

struct KernelArgs {
    const int* neighbour;
    const double* coupling;  // unused when one coupling is shared
    const double* field;     // unused when one field is shared
    bool coupling_shared;
    bool field_shared;
    double shared_coupling;
    double shared_field;
    const std::size_t* row;         // null when the degree is uniform
    const std::ptrdiff_t* stencil;  // MeanFieldPlan::stencil_offsets()
    std::size_t sites;              // length of m
    int degree;
    double beta;
    double omega;
    double slack;  // (omega - 1)^2
    bool gain;     // compute the gain bound (else it is reported as +inf)
};

using detail::bits_of;
using detail::kMagnitudeBits;
using detail::nonnegative_max;
using detail::nonnegative_min;
using detail::sign_mask;

// Floor of the denominator of the gain bound (1/kTiny stays finite after multiplying by 4).
constexpr double kTiny = 1e-300;

// Where the couplings (and neighbour positions) of position p start.
[[gnu::always_inline]] inline std::size_t row_of(const KernelArgs& k, std::size_t p) {
    return k.row != nullptr ? k.row[p] : p * static_cast<std::size_t>(k.degree);
}

// The couplings and fields as the loops below read them: J[s] and h[p] from the plan's arrays
// (based where the loop starts), or, with SharedJ / SharedH, the one value the plan keeps,
// held in a register and multiplied and added exactly as its copies would be.
template <bool SharedJ, bool SharedH>
struct WeightReader {
    const double* J;  // null when shared
    const double* h;  // null when shared
    double shared_J;
    double shared_h;

    WeightReader(const KernelArgs& k, std::size_t first_slot, std::size_t first_position)
        : J(SharedJ ? nullptr : k.coupling + first_slot),
          h(SharedH ? nullptr : k.field + first_position),
          shared_J(k.shared_coupling),
          shared_h(k.shared_field) {}
    [[gnu::always_inline]] double coupling(std::size_t s) const {
        if constexpr (SharedJ) {
            return shared_J;
        } else {
            return J[s];
        }
    }
    [[gnu::always_inline]] double field(std::size_t p) const {
        if constexpr (SharedH) {
            return shared_h;
        } else {
            return h[p];
        }
    }
};

// beta phi_p for the positions of a stencil segment, phi = h + sum_s J_s m_(neighbour s) summed
// in the stored neighbour order, with neighbour s of position p at p + offset[s]: the same
// values in the same order as the gather through the neighbour list, but contiguous loads,
// which vectorise. Z > 0 fixes the degree at compile time; Z = 0 takes it from z.
template <int Z, bool SharedJ, bool SharedH>
[[gnu::always_inline]] inline void stencil_fields(const KernelArgs& k, const double* m,
                                                  const KernelSegment& seg, std::size_t z,
                                                  double* a) {
    const std::size_t degree = Z > 0 ? static_cast<std::size_t>(Z) : z;
    const std::size_t p0 = seg.begin;
    const WeightReader<SharedJ, SharedH> w(k, row_of(k, p0), p0);
    const std::ptrdiff_t* offset = k.stencil + seg.stencil;
    if constexpr (Z > 0) {
        const double* next[Z];
        for (int s = 0; s < Z; ++s) next[s] = m + (static_cast<std::ptrdiff_t>(p0) + offset[s]);
        for (std::size_t j = 0; j < seg.size; ++j) {
            double phi = w.field(j);
            for (int s = 0; s < Z; ++s) phi += w.coupling(j * Z + s) * next[s][j];
            a[j] = k.beta * phi;
        }
    } else {
        for (std::size_t j = 0; j < seg.size; ++j) {
            double phi = w.field(j);
            const auto p = static_cast<std::ptrdiff_t>(p0 + j);
            for (std::size_t s = 0; s < degree; ++s)
                phi += w.coupling(j * degree + s) * m[p + offset[s]];
            a[j] = k.beta * phi;
        }
    }
}

template <int Z, bool SharedJ, bool SharedH>
[[gnu::always_inline]] inline void gathered_fields(const KernelArgs& k, const double* m,
                                                   const KernelSegment& seg, double* a) {
    const std::size_t p0 = seg.begin;
    const std::size_t n = seg.size;
    const int* nb = k.neighbour + seg.first_neighbour;
    const WeightReader<SharedJ, SharedH> w(k, p0 * Z, p0);
    for (std::size_t j = 0; j < n; ++j, nb += Z) {
        double phi = w.field(j);
        for (int s = 0; s < Z; ++s) phi += w.coupling(j * Z + s) * m[nb[s]];
        a[j] = k.beta * phi;
    }
}

template <bool SharedJ, bool SharedH>
[[gnu::always_inline]] inline void scaled_local_fields(const KernelArgs& k, const double* m,
                                                       const KernelSegment& seg, double* a) {
    if (seg.stencil != KernelSegment::kNoStencil) {
        // Every position of the segment has this degree (uniform graphs, or a run of CSR rows).
        const std::size_t z = row_of(k, seg.begin + 1) - row_of(k, seg.begin);
        switch (z) {
            case 2:
                return stencil_fields<2, SharedJ, SharedH>(k, m, seg, z, a);
            case 3:
                return stencil_fields<3, SharedJ, SharedH>(k, m, seg, z, a);
            case 4:
                return stencil_fields<4, SharedJ, SharedH>(k, m, seg, z, a);
            case 6:
                return stencil_fields<6, SharedJ, SharedH>(k, m, seg, z, a);
            default:
                return stencil_fields<0, SharedJ, SharedH>(k, m, seg, z, a);
        }
    }
    switch (k.degree) {
        case 3:
            return gathered_fields<3, SharedJ, SharedH>(k, m, seg, a);
        case 4:
            return gathered_fields<4, SharedJ, SharedH>(k, m, seg, a);
        case 6:
            return gathered_fields<6, SharedJ, SharedH>(k, m, seg, a);
        default:
            break;
    }
    // Any other degree, or none: the general gather.
    const WeightReader<SharedJ, SharedH> w(k, 0, 0);
    const std::size_t first = row_of(k, seg.begin);
    const int* nb = k.neighbour + seg.first_neighbour;  // slot s's neighbour at nb[s - first]
    for (std::size_t j = 0; j < seg.size; ++j) {
        const std::size_t p = seg.begin + j;
        const std::size_t end = row_of(k, p + 1);
        double phi = w.field(p);
        for (std::size_t s = row_of(k, p); s < end; ++s) phi += w.coupling(s) * m[nb[s - first]];
        a[j] = k.beta * phi;
    }
}

// The instance of scaled_local_fields for the weights this plan shares.
[[gnu::always_inline]] inline void local_fields(const KernelArgs& k, const double* m,
                                                const KernelSegment& seg, double* a) {
    if (k.coupling_shared && k.field_shared) return scaled_local_fields<true, true>(k, m, seg, a);
    if (k.coupling_shared) return scaled_local_fields<true, false>(k, m, seg, a);
    if (k.field_shared) return scaled_local_fields<false, true>(k, m, seg, a);
    return scaled_local_fields<false, false>(k, m, seg, a);
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
    ChunkStreams() = default;  // nothing to request (the last chunk)
    ChunkStreams(const KernelArgs& k, const double* m, const ChunkView& c) {
        const std::size_t first = row_of(k, c.begin());
        const std::size_t last = row_of(k, c.end());
        const std::size_t bytes = (c.end() - c.begin()) * sizeof(double);
        if (!k.coupling_shared) add(k.coupling + first, (last - first) * sizeof(double));
        if (!k.field_shared) add(k.field + c.begin(), bytes);
        add(m + c.begin(), bytes);
        if (c.first->stencil == KernelSegment::kNoStencil) {
            // The chunk's gathered rows, which follow one another in neighbour().
            const KernelSegment* g = c.last - 1;
            while (g->stencil != KernelSegment::kNoStencil) --g;
            const std::size_t end =
                g->first_neighbour + row_of(k, g->begin + g->size) - row_of(k, g->begin);
            add(k.neighbour + c.first->first_neighbour,
                (end - c.first->first_neighbour) * sizeof(int));
        } else {
            // The neighbour row furthest ahead brings new lines; the others were read already.
            const std::ptrdiff_t* offset = k.stencil + c.first->stencil;
            const std::size_t degree = row_of(k, c.begin() + 1) - row_of(k, c.begin());
            const std::ptrdiff_t lead = *std::max_element(offset, offset + degree);
            // Its first position exists; later segments may lead elsewhere, so stay inside m.
            const auto from =
                static_cast<std::size_t>(static_cast<std::ptrdiff_t>(c.begin()) + lead);
            const std::size_t count = std::min(c.end() - c.begin(), k.sites - from);
            add(m + from, count * sizeof(double));
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

constexpr std::size_t kTanhBlock = 32;  // tanh in blocks, a slice of prefetches before each

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
}

// One chunk of one colour class. The AVX-512 and AVX2 clones do the loops eight or four sites at
// a time where the CPU has them; with -ffp-contract=off they do the same IEEE operations, and give
// the same bits.
__attribute__((target_clones("avx512f", "avx2", "default"))) SweepStatistics update_chunk(
    const KernelArgs& k, double* m, const ChunkView& c, const ChunkView* next) {
    alignas(64) double a[kChunk];
    alignas(64) double d[kChunk];
    alignas(64) double g[kChunk];
    const std::size_t n = c.end() - c.begin();
    for (const KernelSegment* seg = c.first; seg != c.last; ++seg)
        local_fields(k, m, *seg, a + (seg->begin - c.begin()));
    const std::size_t blocks = (n + kTanhBlock - 1) / kTanhBlock;
    const ChunkStreams ahead = next != nullptr ? ChunkStreams(k, m, *next) : ChunkStreams();
    for (std::size_t b = 0; b < blocks; ++b) {
        ahead.request(b, blocks);
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
    SweepStatistics s;
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

}  // namespace

SweepKernel::SweepKernel(const MeanFieldPlan& plan)
    : plan_(&plan), partial_(plan.chunk_segments().size() - 1) {}

SweepStatistics SweepKernel::sweep(double beta, double omega, bool gain_bound,
                                   std::span<double> m) {
    const MeanFieldPlan& plan = *plan_;
    const KernelArgs k{plan.neighbour().data(),
                       plan.coupling().data(),
                       plan.field().data(),
                       plan.shared_coupling().has_value(),
                       plan.shared_field().has_value(),
                       plan.shared_coupling().value_or(0.0),
                       plan.shared_field().value_or(0.0),
                       plan.degree() > 0 ? nullptr : plan.row_offsets().data(),
                       plan.stencil_offsets().data(),
                       m.size(),
                       plan.degree(),
                       beta,
                       omega,
                       (omega - 1.0) * (omega - 1.0),
                       gain_bound};
    SweepStatistics* partial = partial_.data();
    double* mp = m.data();
    const std::size_t colours = plan.num_colours();
    const KernelSegment* segments = plan.segments().data();
    const std::size_t* chunk_segments = plan.chunk_segments().data();
    const std::size_t* class_chunks = plan.class_chunks().data();
    const std::size_t num_chunks = partial_.size();
    const auto update = [&](std::size_t q) {
        const ChunkView chunk{segments + chunk_segments[q], segments + chunk_segments[q + 1]};
        if (q + 1 < num_chunks) {
            const ChunkView next{segments + chunk_segments[q + 1],
                                 segments + chunk_segments[q + 2]};
            partial[q] = update_chunk(k, mp, chunk, &next);
        } else {
            partial[q] = update_chunk(k, mp, chunk, nullptr);
        }
    };
    if (detail::team_pays(m.size(), detail::kParallelSites)) {
#pragma omp parallel
        for (std::size_t c = 0; c < colours; ++c) {
#pragma omp for schedule(static)
            for (std::size_t q = class_chunks[c]; q < class_chunks[c + 1]; ++q) update(q);
        }
    } else {
        // The classes' chunks in order, as one thread of a team would take them, with no
        // parallel region (util/detail/parallel.hpp: team_pays).
        for (std::size_t q = class_chunks[0]; q < class_chunks[colours]; ++q) update(q);
    }
    SweepStatistics total;
    for (const SweepStatistics& s : partial_) {
        total.max_residual = std::max(total.max_residual, s.max_residual);
        total.sum_sq += s.sum_sq;
        total.gain_bound += s.gain_bound;
    }
    return total;
}

SweepStatistics mean_field_sweep(const MeanFieldPlan& plan, double beta, double omega,
                                 std::span<double> m_by_position, bool gain_bound) {
    check_beta(beta);
    check_omega(omega, false);
    if (m_by_position.size() != static_cast<std::size_t>(plan.model().num_sites())) {
        throw ModelError(fmt::format("{} magnetizations given for {} sites", m_by_position.size(),
                                     plan.model().num_sites()));
    }
    return SweepKernel(plan).sweep(beta, omega, gain_bound, m_by_position);
}

double mean_field_sweep_bytes_per_site(const MeanFieldPlan& plan) {
    const double n = static_cast<double>(plan.model().num_sites());
    if (n == 0.0) return 0.0;
    // Couplings everywhere (unless shared); neighbour positions and row offsets only where a
    // segment gathers; h and m read, m written.
    const double row_bytes = plan.degree() > 0 ? 0.0 : static_cast<double>(sizeof(std::size_t));
    double gathered = 0.0;
    for (const KernelSegment& seg : plan.segments()) {
        if (seg.stencil != KernelSegment::kNoStencil) continue;
        gathered += static_cast<double>(plan.row(seg.begin + seg.size) - plan.row(seg.begin)) *
                        sizeof(int) +
                    static_cast<double>(seg.size) * row_bytes;
    }
    const double coupling_bytes = static_cast<double>(plan.coupling().size()) * sizeof(double);
    const double field_bytes = plan.shared_field() ? 0.0 : sizeof(double);
    return (coupling_bytes + gathered) / n + field_bytes + 2.0 * sizeof(double);
}

}  // namespace isingmf
