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
        double phi = plan.field_at(p);
        plan.neighbours_of(p, [&](const auto& neighbours) {
            for (std::size_t s = 0; s < neighbours.size(); ++s)
                phi += plan.coupling_at(plan.row(p) + s) * m[neighbours[s]];
        });
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

// Checks that every position of every stencil segment has its neighbours (its site's row of the
// model's adjacency, renamed to positions) at the segment's offsets; returns the share of
// positions in stencil segments.
double stencils_hold(const MeanFieldPlan& plan) {
    const Adjacency& adjacency = plan.model().adjacency();
    std::size_t stencil_sites = 0;
    for (const KernelSegment& seg : plan.segments()) {
        if (seg.stencil == KernelSegment::kNoStencil) continue;
        stencil_sites += seg.size;
        const std::size_t z = plan.row(seg.begin + 1) - plan.row(seg.begin);
        EXPECT_GT(z, 0u);
        for (std::size_t p = seg.begin; p < seg.begin + seg.size; ++p) {
            EXPECT_EQ(plan.row(p + 1) - plan.row(p), z) << "position " << p;
            const auto site = static_cast<std::size_t>(plan.order()[p]);
            const std::size_t first = adjacency.offset[site];
            EXPECT_EQ(adjacency.offset[site + 1] - first, z) << "position " << p;
            for (std::size_t s = 0; s < z; ++s) {
                const auto other = static_cast<std::size_t>(adjacency.neighbour[first + s]);
                if (static_cast<std::ptrdiff_t>(plan.position()[other]) !=
                    static_cast<std::ptrdiff_t>(p) + plan.stencil_offsets()[seg.stencil + s]) {
                    ADD_FAILURE() << "position " << p << " slot " << s;
                    return 0.0;
                }
            }
        }
    }
    return static_cast<double>(stencil_sites) / static_cast<double>(plan.order().size());
}

TEST_P(KernelLayout, StencilOffsetsHoldAtEveryPositionOfTheirSegment) {
    const Model model = disordered(GetParam());
    EXPECT_GE(stencils_hold(MeanFieldPlan(model)), GetParam().min_stencil_share);
}

// A stencil run must end at a row that differs from the run's in one neighbour only: lattices
// whose bonds (a, a + d) and (b, b + d) trade their upper ends, which changes one entry of the
// rows of a, b, a + d and b + d (the bonds keep their places in the list, so the rows keep
// their order) and no degree. Every entry of a row of 4 (square) and 6 (triangular) is changed
// in some row.
TEST(KernelLayoutOneChangedNeighbour, StencilRunsEndThere) {
    for (const auto& [spec, steps] : std::vector<std::pair<LatticeSpec, std::vector<int>>>{
             {{LatticeKind::square, {64, 64}, Boundary::periodic}, {1, 64}},
             {{LatticeKind::triangular, {48, 48}, Boundary::periodic}, {1, 48, 49}}}) {
        const int L = spec.size[0];
        const int a = (L / 2) * L + L / 2;
        const int b = a + 4 * L + 8;
        std::vector<Edge> bonds = make_lattice(spec).bonds;
        for (const int d : steps) {
            const auto at = [&](int from) {
                return std::find_if(bonds.begin(), bonds.end(), [&](const Edge& e) {
                    return std::min(e.i, e.j) == from && std::max(e.i, e.j) == from + d;
                });
            };
            const auto ea = at(a);
            const auto eb = at(b);
            ASSERT_TRUE(ea != bonds.end() && eb != bonds.end());
            *ea = {a, b + d};
            *eb = {b, a + d};
        }
        const auto n = static_cast<int>(lattice_num_sites(spec));
        const Model model(n, bonds, std::vector<double>(bonds.size(), 1.0),
                          std::vector<double>(n, 0.1), 0.0, {}, spec);
        const MeanFieldPlan plan(model);
        ASSERT_EQ(plan.degree(), spec.kind == LatticeKind::square ? 4 : 6);
        EXPECT_GT(stencils_hold(plan), 0.5) << to_string(spec.kind);
    }
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

// The same lattice with couplings and fields that the plan can share, or not.
struct WeightsCase {
    const char* name;
    CouplingSpec spec;
    bool shared_coupling;
    bool shared_field;
};

std::vector<WeightsCase> weights_cases() {
    // Shared values other than 0 and 1, so that neither could stand in for them unnoticed.
    CouplingSpec ferromagnet;  // J = 0.8 on every bond, h = 0.1 on every site
    ferromagnet.J = 0.8;
    ferromagnet.h = 0.1;
    CouplingSpec glass;  // +-J couplings, h = 0.25 everywhere
    glass.disorder = Disorder::pm;
    glass.h = 0.25;
    glass.seed = 9;
    CouplingSpec random_field;  // J = 1.3, random h
    random_field.J = 1.3;
    random_field.h = 0.1;
    random_field.random_field = 0.7;
    random_field.seed = 4;
    CouplingSpec gauss;  // nothing shared
    gauss.disorder = Disorder::gauss;
    gauss.h = -0.3;
    gauss.random_field = 0.2;
    gauss.seed = 2;
    return {{"ferromagnet", ferromagnet, true, true},
            {"glass", glass, false, true},
            {"random field", random_field, true, false},
            {"gauss", gauss, false, false}};
}

// A coupling or field kept once multiplies and adds as its copies do: every sweep of a plan
// that shares them gives the bits of a plan that stores them in every slot.
TEST_P(KernelLayout, SharedWeightsGiveTheBitsOfStoredWeights) {
    const LayoutCase& c = GetParam();
    for (const WeightsCase& w : weights_cases()) {
        SCOPED_TRACE(w.name);
        const Model model = build_model(make_lattice({c.kind, c.sizes, c.boundary}), w.spec);
        const MeanFieldPlan shared(model);
        const MeanFieldPlan stored(model, MeanFieldPlan::Weights::always_stored);
        ASSERT_EQ(shared.shared_coupling().has_value(), w.shared_coupling);
        ASSERT_EQ(shared.shared_field().has_value(), w.shared_field);
        EXPECT_EQ(shared.coupling().empty(), w.shared_coupling);
        EXPECT_EQ(shared.field().empty(), w.shared_field);
        EXPECT_FALSE(stored.shared_coupling() || stored.shared_field());
        for (double omega : {1.0, 1.6}) {
            std::vector<double> a(static_cast<std::size_t>(model.num_sites()));
            Rng rng(23);
            for (double& x : a) x = rng.uniform_symmetric();
            std::vector<double> b = a;
            for (int sweep = 0; sweep < 3; ++sweep) {
                const SweepStatistics sa = mean_field_sweep(shared, 0.6, omega, a);
                const SweepStatistics sb = mean_field_sweep(stored, 0.6, omega, b);
                EXPECT_EQ(sa.max_residual, sb.max_residual);
                EXPECT_EQ(std::bit_cast<std::uint64_t>(sa.sum_sq),
                          std::bit_cast<std::uint64_t>(sb.sum_sq));
                EXPECT_EQ(std::bit_cast<std::uint64_t>(sa.gain_bound),
                          std::bit_cast<std::uint64_t>(sb.gain_bound));
                for (std::size_t p = 0; p < a.size(); ++p) {
                    ASSERT_EQ(std::bit_cast<std::uint64_t>(a[p]),
                              std::bit_cast<std::uint64_t>(b[p]))
                        << "omega " << omega << " sweep " << sweep << " position " << p;
                }
            }
        }
    }
}

TEST(MeanFieldPlanWeights, SharedOnlyWhenEqualToTheBit) {
    // +0 and -0 compare equal but are different couplings to the bit (they give -0 or +0 local
    // fields), so they are not shared; a model without bonds has no coupling to share.
    const Model signed_zeros(3, {{0, 1}, {1, 2}}, {0.0, -0.0}, {0.5, 0.5, 0.5});
    const MeanFieldPlan plan(signed_zeros);
    EXPECT_FALSE(plan.shared_coupling());
    EXPECT_EQ(plan.coupling().size(), 4u);
    ASSERT_TRUE(plan.shared_field());
    EXPECT_EQ(*plan.shared_field(), 0.5);
    const Model isolated(2, {}, {}, {0.25, 0.25});
    const MeanFieldPlan lone(isolated);
    EXPECT_FALSE(lone.shared_coupling());
    ASSERT_TRUE(lone.shared_field());
    std::vector<double> m{0.0, 0.0};
    mean_field_sweep(lone, 2.0, 1.0, m);
    EXPECT_EQ(m[0], detail::fast_tanh(2.0 * 0.25));
    EXPECT_EQ(m[1], m[0]);
}

TEST(KernelBytes, CountsWhatTheSweepStreams) {
    // 64^2 torus: 4 couplings (8 bytes each), m read and written per site (h = 0.2 is shared);
    // the stencil rows need no neighbour positions, the 3% of gathered sites add 4 bytes per
    // neighbour.
    const Model torus = disordered({LatticeKind::square, {64, 64}, Boundary::periodic, 0.0});
    const MeanFieldPlan torus_plan(torus);
    double gathered = 0.0;
    for (const KernelSegment& seg : torus_plan.segments())
        if (seg.stencil == KernelSegment::kNoStencil) gathered += seg.size;
    EXPECT_DOUBLE_EQ(mean_field_sweep_bytes_per_site(torus_plan),
                     4 * 8 + 2 * 8 + gathered * 4 * 4 / static_cast<double>(torus.num_sites()));
    // A shared coupling and field stream nothing: m read and written, and the gathered rows.
    CouplingSpec uniform;
    uniform.h = 0.1;
    const Model ferromagnet =
        build_model(make_lattice({LatticeKind::square, {64, 64}, Boundary::periodic}), uniform);
    EXPECT_DOUBLE_EQ(mean_field_sweep_bytes_per_site(MeanFieldPlan(ferromagnet)),
                     2 * 8 + gathered * 4 * 4 / static_cast<double>(torus.num_sites()));
    // The complete graph gathers everywhere: (n - 1) (8 + 4) bytes of graph per site.
    const Model complete = disordered({LatticeKind::complete, {12}, Boundary::open, 0.0});
    EXPECT_DOUBLE_EQ(mean_field_sweep_bytes_per_site(MeanFieldPlan(complete)), 11 * 12 + 2 * 8);
    // Stored fields add 8 bytes.
    EXPECT_DOUBLE_EQ(mean_field_sweep_bytes_per_site(
                         MeanFieldPlan(complete, MeanFieldPlan::Weights::always_stored)),
                     11 * 12 + 3 * 8);
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
