// The sweep kernel's work layout (chunks, stencil and gathered segments) and its equivalence
// with a plain scalar sweep through the neighbour lists, bit for bit.
#include "isingmf/meanfield/detail/sweep_kernel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/fast_tanh.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

struct LayoutCase {
    LatticeKind kind;
    std::vector<int> sizes;
    Boundary boundary;
    double min_stencil_share;  // lattices in generator order are mostly stencil rows
};

std::ostream& operator<<(std::ostream& os, const LayoutCase& c) {
    os << to_string(c.kind);
    for (int s : c.sizes) os << '_' << s;
    return os << (c.boundary == Boundary::periodic ? "_periodic" : "_open");
}

Model disordered(const LayoutCase& c) {
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.h = 0.2;
    spec.seed = 5;
    return build_model(make_lattice({c.kind, c.sizes, c.boundary}), spec);
}

// The rule of mean_field.hpp, one site after another in position order, with the kernel's tanh:
// t = tanh(beta phi) (phi summed in the stored neighbour order); x = m + omega (t - m) when
// 1 - u_far^2 >= (omega - 1)^2 (1 - u_near^2), else t.
double reference_sweep(const MeanFieldPlan& plan, double beta, double omega,
                       std::vector<double>& m) {
    double max_residual = 0.0;
    for (std::size_t p = 0; p < m.size(); ++p) {
        double phi = plan.field()[p];
        for (std::size_t s = plan.row(p); s < plan.row(p + 1); ++s)
            phi += plan.coupling()[s] * m[static_cast<std::size_t>(plan.neighbour()[s])];
        const double t = detail::fast_tanh(beta * phi);
        const double old = m[p];
        max_residual = std::max(max_residual, std::abs(t - old));
        if (omega == 1.0) {
            m[p] = t;
            continue;
        }
        const double x = old + omega * (t - old);
        const double near = (old > 0.0) == (t > 0.0) && old != 0.0 && t != 0.0
                                ? std::min(std::abs(old), std::abs(t))
                                : 0.0;
        const double far = std::max(std::abs(t), std::abs(x));
        const double slack = (omega - 1.0) * (omega - 1.0);
        m[p] = (1.0 - far) * (1.0 + far) - slack * ((1.0 - near) * (1.0 + near)) >= 0.0 ? x : t;
    }
    return max_residual;
}

class KernelLayout : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(KernelLayout, ChunksCoverEveryClassInOrder) {
    const Model model = disordered(GetParam());
    const MeanFieldPlan plan(model);
    const std::size_t chunk = MeanFieldPlan::kernel_chunk_size();
    ASSERT_EQ(plan.class_chunks().size(), plan.num_colours() + 1);
    ASSERT_EQ(plan.class_chunks().back() + 1, plan.chunk_segments().size());
    for (std::size_t c = 0; c < plan.num_colours(); ++c) {
        std::size_t next = plan.class_offset()[c];
        for (std::size_t q = plan.class_chunks()[c]; q < plan.class_chunks()[c + 1]; ++q) {
            // Chunks start every kernel_chunk_size() positions of the class.
            EXPECT_EQ((next - plan.class_offset()[c]) % chunk, 0u);
            const std::size_t chunk_begin = next;
            for (std::size_t g = plan.chunk_segments()[q]; g < plan.chunk_segments()[q + 1]; ++g) {
                const KernelSegment& seg = plan.segments()[g];
                EXPECT_EQ(seg.begin, next);
                EXPECT_GT(seg.size, 0u);
                next += seg.size;
            }
            EXPECT_LE(next - chunk_begin, chunk);
        }
        EXPECT_EQ(next, plan.class_offset()[c + 1]);
    }
}

TEST_P(KernelLayout, StencilOffsetsHoldAtEveryPositionOfTheirSegment) {
    const Model model = disordered(GetParam());
    const MeanFieldPlan plan(model);
    std::size_t stencil_sites = 0;
    for (const KernelSegment& seg : plan.segments()) {
        if (seg.stencil == KernelSegment::kNoStencil) continue;
        stencil_sites += seg.size;
        const std::size_t z = plan.row(seg.begin + 1) - plan.row(seg.begin);
        ASSERT_GT(z, 0u);
        for (std::size_t p = seg.begin; p < seg.begin + seg.size; ++p) {
            ASSERT_EQ(plan.row(p + 1) - plan.row(p), z) << "position " << p;
            for (std::size_t s = 0; s < z; ++s) {
                ASSERT_EQ(static_cast<std::ptrdiff_t>(plan.neighbour()[plan.row(p) + s]),
                          static_cast<std::ptrdiff_t>(p) + plan.stencil_offsets()[seg.stencil + s])
                    << "position " << p << " slot " << s;
            }
        }
    }
    const double share =
        static_cast<double>(stencil_sites) / static_cast<double>(model.num_sites());
    EXPECT_GE(share, GetParam().min_stencil_share);
}

TEST_P(KernelLayout, SweepEqualsTheScalarSweepBitForBit) {
    const Model model = disordered(GetParam());
    const MeanFieldPlan plan(model);
    for (double omega : {1.0, 1.6}) {
        std::vector<double> m(static_cast<std::size_t>(model.num_sites()));
        Rng rng(17);
        for (double& x : m) x = rng.uniform_symmetric();
        std::vector<double> expected = m;
        for (int sweep = 0; sweep < 3; ++sweep) {
            const double residual = reference_sweep(plan, 0.7, omega, expected);
            const SweepStatistics stats = mean_field_sweep(plan, 0.7, omega, m, sweep != 1);
            EXPECT_EQ(stats.max_residual, residual) << "omega " << omega << " sweep " << sweep;
            if (sweep == 1) {
                EXPECT_EQ(stats.gain_bound, std::numeric_limits<double>::infinity());
            }
            for (std::size_t p = 0; p < m.size(); ++p) {
                ASSERT_EQ(std::bit_cast<std::uint64_t>(m[p]),
                          std::bit_cast<std::uint64_t>(expected[p]))
                    << "omega " << omega << " sweep " << sweep << " position " << p;
            }
        }
    }
}

TEST(KernelBytes, CountsWhatTheSweepStreams) {
    // 64^2 torus: 4 couplings (8 bytes each), h, m read and written per site; the stencil
    // rows need no neighbour positions, the 3% of gathered sites add 4 bytes per neighbour.
    const Model torus = disordered({LatticeKind::square, {64, 64}, Boundary::periodic, 0.0});
    const MeanFieldPlan torus_plan(torus);
    double gathered = 0.0;
    for (const KernelSegment& seg : torus_plan.segments())
        if (seg.stencil == KernelSegment::kNoStencil) gathered += seg.size;
    EXPECT_DOUBLE_EQ(mean_field_sweep_bytes_per_site(torus_plan),
                     4 * 8 + 3 * 8 + gathered * 4 * 4 / static_cast<double>(torus.num_sites()));
    // The complete graph gathers everywhere: (n - 1) (8 + 4) bytes of graph per site.
    const Model complete = disordered({LatticeKind::complete, {12}, Boundary::open, 0.0});
    EXPECT_DOUBLE_EQ(mean_field_sweep_bytes_per_site(MeanFieldPlan(complete)), 11 * 12 + 3 * 8);
}

// Shares: a square row of L/2 sites per class breaks only at its two ends; open boundaries
// give irregular degrees, so the rows run through CSR storage (the general gather at the edges);
// the 5x5 torus is not bipartite; a 16^3 cube has rows of 8 per class, too short to pay off;
// the complete graph has one site per class.
INSTANTIATE_TEST_SUITE_P(
    Lattices, KernelLayout,
    ::testing::Values(LayoutCase{LatticeKind::square, {64, 64}, Boundary::periodic, 0.9},
                      LayoutCase{LatticeKind::square, {40, 24}, Boundary::open, 0.9},
                      LayoutCase{LatticeKind::square, {5, 5}, Boundary::periodic, 0.0},
                      LayoutCase{LatticeKind::triangular, {48, 48}, Boundary::periodic, 0.9},
                      LayoutCase{LatticeKind::honeycomb, {32, 32}, Boundary::periodic, 0.9},
                      LayoutCase{LatticeKind::cubic, {32, 32, 32}, Boundary::periodic, 0.9},
                      LayoutCase{LatticeKind::chain, {1000}, Boundary::periodic, 0.95},
                      LayoutCase{LatticeKind::cubic, {32, 32, 32}, Boundary::open, 0.9},
                      LayoutCase{LatticeKind::complete, {12}, Boundary::open, 0.0}),
    [](const ::testing::TestParamInfo<LayoutCase>& param) {
        std::ostringstream os;
        os << param.param;
        return os.str();
    });

}  // namespace
}  // namespace isingmf
