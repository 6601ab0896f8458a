#include "isingmf/exact/kaufman.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

#include "isingmf/exact/enumerate.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

// Critical inverse temperature of the square lattice, J = 1: sinh(2 beta_c) = 1.
const double kBetaC = 0.5 * std::log(1.0 + std::numbers::sqrt2);

Model torus(int lx, int ly, double J, double h = 0.0) {
    CouplingSpec spec;
    spec.J = J;
    spec.h = h;
    return build_model(make_lattice({LatticeKind::square, {lx, ly}, Boundary::periodic}), spec);
}

// A 4x4 torus given as bare edges, with no lattice spec.
Model bare_torus() {
    const Model t = torus(4, 4, 1.0);
    return Model(t.num_sites(), t.edges(), t.couplings(), t.fields());
}

void expect_close(double actual, double expected, double rel, const std::string& what) {
    EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::abs(expected))) << what;
}

// ---------------------------------------------------------------------------------------------
// Kaufman against enumeration on small tori, odd and even, ferro- and antiferromagnetic.

class KaufmanSmall : public ::testing::TestWithParam<std::tuple<int, int, double>> {};

TEST_P(KaufmanSmall, EqualsEnumeration) {
    const auto [lx, ly, J] = GetParam();
    const Model model = torus(lx, ly, J);
    // T from 0.25 to 8 (in units of |J| = 1 at J = +-1) and exactly T_c.
    std::vector<double> betas{kBetaC};
    for (int i = 0; i < 32; ++i) betas.push_back(1.0 / (0.25 + 0.25 * i));
    const auto exact = enumerate_exact(model, betas);
    const auto kaufman = kaufman_exact(model, betas);
    for (std::size_t b = 0; b < betas.size(); ++b) {
        const std::string at = "beta=" + std::to_string(betas[b]);
        // Two exact evaluations in double: agreement to a few hundred ulps of each quantity.
        expect_close(kaufman[b].ln_z, exact[b].ln_z, 1e-13, at + " ln Z");
        expect_close(kaufman[b].energy_per_spin, exact[b].energy_per_spin, 1e-12, at + " energy");
        expect_close(kaufman[b].specific_heat_per_spin, exact[b].specific_heat_per_spin, 1e-11,
                     at + " C");
        EXPECT_EQ(kaufman[b].magnetization, 0.0);
        EXPECT_TRUE(std::isnan(kaufman[b].magnetization_abs));
        EXPECT_TRUE(std::isnan(kaufman[b].susceptibility));
    }
}

INSTANTIATE_TEST_SUITE_P(Kaufman, KaufmanSmall,
                         ::testing::Values(std::make_tuple(4, 4, 1.0), std::make_tuple(4, 4, -1.0),
                                           std::make_tuple(4, 4, 0.6), std::make_tuple(3, 3, 1.0),
                                           std::make_tuple(3, 5, 1.0), std::make_tuple(5, 3, 1.3),
                                           std::make_tuple(4, 5, 1.0), std::make_tuple(4, 3, 0.8)));

TEST(Kaufman, TransposeGivesTheSameTorus) {
    // Lx x Ly and Ly x Lx are the same graph; the formula treats the extents asymmetrically.
    for (double beta : {0.1, kBetaC, 0.7, 3.0}) {
        const ExactResult a = kaufman_exact(6, 10, 1.0, beta);
        const ExactResult b = kaufman_exact(10, 6, 1.0, beta);
        expect_close(a.ln_z, b.ln_z, 1e-13, "ln Z");
        expect_close(a.energy_per_spin, b.energy_per_spin, 1e-12, "energy");
        expect_close(a.specific_heat_per_spin, b.specific_heat_per_spin, 1e-11, "C");
    }
}

// ---------------------------------------------------------------------------------------------
// Large tori against Onsager's infinite lattice.

// Onsager: ln Z / N = ln(2 cosh 2K) + (1/2pi) int_0^pi ln[(1 + sqrt(1 - k^2 sin^2 t)) / 2] dt,
// k = 2 sinh 2K / cosh^2 2K. Midpoint rule: the integrand is smooth and periodic for k < 1,
// so the rule converges exponentially; 20000 points reach rounding.
double onsager_ln_z_per_spin(double K) {
    const double k = 2.0 * std::sinh(2.0 * K) / (std::cosh(2.0 * K) * std::cosh(2.0 * K));
    constexpr int kPoints = 20000;
    double sum = 0.0;
    for (int i = 0; i < kPoints; ++i) {
        const double t = std::numbers::pi * (i + 0.5) / kPoints;
        const double st = std::sin(t);
        sum += std::log(0.5 * (1.0 + std::sqrt(1.0 - k * k * st * st)));
    }
    return std::log(2.0 * std::cosh(2.0 * K)) + sum / kPoints / 2.0;
}

TEST(Kaufman, ApproachesOnsagerFreeEnergy) {
    // Away from T_c the torus differs from the infinite lattice by O(e^{-L/xi}) per spin
    // (xi < 20 at these K, L = 256), except for the two ordered states below T_c, which add
    // ln 2 to ln Z. Both sides are accurate to ~1e-15 per spin.
    constexpr int kL = 256;
    const double n = kL * kL;
    for (double beta : {0.1, 0.3, 0.4, 0.48, 0.6, 1.0}) {
        const ExactResult r = kaufman_exact(kL, kL, 1.0, beta);
        const double degeneracy = beta > kBetaC ? std::numbers::ln2 : 0.0;
        EXPECT_NEAR((r.ln_z - degeneracy) / n, onsager_ln_z_per_spin(beta), 1e-13)
            << "beta=" << beta;
    }
    // At T_c the finite-size correction is O(1/N) per spin.
    const ExactResult c = kaufman_exact(kL, kL, 1.0, kBetaC);
    EXPECT_NEAR(c.ln_z / n, onsager_ln_z_per_spin(kBetaC), 1e-4);
}

TEST(Kaufman, SpecificHeatPeaksNearTcAndGrowsLogarithmically) {
    // Ferdinand & Fisher (Phys. Rev. 185, 832 (1969)): on the L x L torus the peak of C/N lies
    // above T_c by about 0.8/L, and C(T_c)/N = A0 ln L + const + O(ln L / L) with
    // A0 = (2/pi) ln^2(1 + sqrt 2) = 8 K_c^2 / pi.
    const double tc = 1.0 / kBetaC;
    constexpr int kL = 256;
    double best_c = 0.0, best_t = 0.0;
    for (int i = 0; i <= 400; ++i) {
        const double t = 2.25 + 0.05 * i / 400.0;
        const double c = kaufman_exact(kL, kL, 1.0, 1.0 / t).specific_heat_per_spin;
        if (c > best_c) best_c = c, best_t = t;
    }
    EXPECT_GT(best_t, tc);
    EXPECT_LT(best_t - tc, 2.0 / kL);

    const double a0 = 2.0 / std::numbers::pi * std::pow(std::log(1.0 + std::numbers::sqrt2), 2);
    const double c128 = kaufman_exact(128, 128, 1.0, kBetaC).specific_heat_per_spin;
    const double c256 = kaufman_exact(256, 256, 1.0, kBetaC).specific_heat_per_spin;
    // Doubling L adds A0 ln 2 = 0.3428; the O(ln L / L) corrections are ~1e-3 here.
    EXPECT_NEAR(c256 - c128, a0 * std::numbers::ln2, 2e-3);
}

// ---------------------------------------------------------------------------------------------
// Limits.

TEST(Kaufman, InfiniteTemperature) {
    // beta = 0: Z = 2^N, <H> = 0, C = 0, for either sign of J and for J = 0.
    for (double J : {1.0, -2.0, 0.0}) {
        const ExactResult r = kaufman_exact(8, 6, J, 0.0);
        EXPECT_DOUBLE_EQ(r.ln_z, 48 * std::numbers::ln2);
        EXPECT_EQ(r.energy_per_spin, 0.0);
        EXPECT_EQ(r.specific_heat_per_spin, 0.0);
    }
}

TEST(Kaufman, MatchesHighTemperatureSeries) {
    // ln Z/N = ln 2 + 2 ln cosh K + t^4 + 2 t^6 + 9/2 t^8 + 12 t^10 + ..., t = tanh K (closed
    // polygons on the square lattice; the torus adds terms only at order t^L). At K = 0.02 the
    // omitted 12 t^10 ~ 1e-16, and the omitted terms of the energy and C ~ 1e-13.
    constexpr int kL = 64;
    const double n = kL * kL;
    for (double K : {0.02, 1e-3, 1e-6}) {
        const double t = std::tanh(K);
        const double ln_z = std::numbers::ln2 + 2.0 * std::log(std::cosh(K)) + std::pow(t, 4) +
                            2.0 * std::pow(t, 6) + 4.5 * std::pow(t, 8);
        // d/dK with dt/dK = 1 - t^2; g = d(series - 2 ln cosh K)/dt.
        const double g = 4 * std::pow(t, 3) + 12 * std::pow(t, 5) + 36 * std::pow(t, 7);
        const double g1 = 12 * t * t + 60 * std::pow(t, 4) + 252 * std::pow(t, 6);
        const double energy = -(2.0 * t + (1.0 - t * t) * g);
        const double second =
            2.0 * (1.0 - t * t) + (1.0 - t * t) * (-2.0 * t * g + (1.0 - t * t) * g1);
        const ExactResult r = kaufman_exact(kL, kL, 1.0, K);
        EXPECT_NEAR(r.ln_z / n, ln_z, 1e-14) << K;
        EXPECT_NEAR(r.energy_per_spin, energy, 1e-12) << K;
        EXPECT_NEAR(r.specific_heat_per_spin, K * K * second, 1e-13) << K;
    }
}

TEST(Kaufman, LowTemperatureIsFiniteAndOrdered) {
    // beta -> inf: ln Z -> -beta E_gs + ln 2 with E_gs = -2 N |J|; first excitations cost
    // 8|J|, so at beta |J| >= 50 they are below rounding. C vanishes like e^{-8 beta}.
    for (int L : {4, 64, 1024}) {
        for (double beta : {50.0, 1e3}) {
            const double n = static_cast<double>(L) * L;
            const ExactResult r = kaufman_exact(L, L, -1.0, beta);
            EXPECT_NEAR(r.ln_z, 2.0 * n * beta + std::numbers::ln2, 1e-15 * r.ln_z) << L;
            EXPECT_NEAR(r.energy_per_spin, -2.0, 1e-14) << L;
            EXPECT_TRUE(std::isfinite(r.specific_heat_per_spin)) << L;
            EXPECT_NEAR(r.specific_heat_per_spin, 0.0, 1e-12) << L;
        }
    }
}

TEST(Kaufman, LargeLatticeIsFiniteAcrossTemperatures) {
    // 1024 x 1024 from T = 0.1 to T = 1e6, including T_c: every quantity finite and C >= 0.
    for (double beta : {1e-6, 0.1, 0.4, kBetaC, 0.45, 1.0, 10.0}) {
        const ExactResult r = kaufman_exact(1024, 1024, 1.0, beta);
        EXPECT_TRUE(std::isfinite(r.ln_z) && std::isfinite(r.energy_per_spin) &&
                    std::isfinite(r.specific_heat_per_spin))
            << beta;
        EXPECT_GE(r.specific_heat_per_spin, 0.0) << beta;
        EXPECT_GE(r.energy_per_spin, -2.0 - 1e-12) << beta;
        EXPECT_LE(r.energy_per_spin, 0.0) << beta;
    }
}

TEST(Kaufman, ExtremeTemperaturesGiveNoNaN) {
    // Regression: below K ~ 1e-80 the jets' 1/K^2 terms overflowed (C and then <H> NaN), and
    // beyond beta ~ 1e154 beta^2 C'' was inf * 0 = NaN. Expected values: independent bonds,
    // <H>/N = -2 J tanh K and C/N = 2 K^2 / cosh^2 K, as K -> 0 (polygon corrections are
    // O(K) relative, below rounding here); <H>/N = -2 |J| and C = 0 as K -> inf (first
    // excitations cost 8 |J|).
    for (int L : {3, 4, 64}) {
        const double n = static_cast<double>(L) * L;
        for (double beta : {1e-20, 1e-80, 1e-100, 1e-200, 1e-300}) {
            const ExactResult r = kaufman_exact(L, L, 1.0, beta);
            EXPECT_DOUBLE_EQ(r.ln_z, n * std::numbers::ln2) << L << " beta " << beta;
            EXPECT_DOUBLE_EQ(r.energy_per_spin, -2.0 * beta) << L << " beta " << beta;
            EXPECT_DOUBLE_EQ(r.specific_heat_per_spin, 2.0 * beta * beta) << L << " beta " << beta;
        }
        for (double beta : {1e100, 1e200, 1e300}) {
            const ExactResult r = kaufman_exact(L, L, 1.0, beta);
            // ln 2 is below rounding; ln Z is a sum of ~4L terms, each rounded: 1e-14.
            EXPECT_NEAR(r.ln_z, 2.0 * n * beta, 1e-14 * 2.0 * n * beta) << L << " beta " << beta;
            EXPECT_DOUBLE_EQ(r.energy_per_spin, -2.0) << L << " beta " << beta;
            EXPECT_EQ(r.specific_heat_per_spin, 0.0) << L << " beta " << beta;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Which models Kaufman covers.

TEST(Kaufman, AppliesToUniformZeroFieldTori) {
    KaufmanLattice lattice;
    ASSERT_TRUE(kaufman_applies(torus(4, 6, 0.5), &lattice));
    EXPECT_EQ(lattice.lx, 4);
    EXPECT_EQ(lattice.ly, 6);
    EXPECT_EQ(lattice.J, 0.5);
    EXPECT_TRUE(kaufman_applies(torus(3, 5, 1.0)));
    EXPECT_TRUE(kaufman_applies(torus(4, 4, -1.0)));
}

TEST(Kaufman, AppliesFromTheLatticeNotTheDescription) {
    // A torus built through the library with no description at all still gets the closed form.
    const Model plain =
        build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::periodic}), {});
    EXPECT_TRUE(kaufman_applies(plain));
    // The same edges without a lattice spec: nothing says which bonds run along x.
    const Model bare(plain.num_sites(), plain.edges(), plain.couplings(), plain.fields());
    EXPECT_FALSE(kaufman_applies(bare));
}

TEST(Kaufman, RejectsOtherModels) {
    EXPECT_FALSE(kaufman_applies(torus(4, 4, 1.0, 0.1))) << "field";
    EXPECT_FALSE(kaufman_applies(torus(3, 4, -1.0))) << "frustrated antiferromagnet";
    EXPECT_FALSE(kaufman_applies(torus(2, 4, 1.0))) << "repeated bonds at length 2";
    EXPECT_FALSE(kaufman_applies(
        build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::open}), {})))
        << "open boundaries";

    CouplingSpec pm;
    pm.disorder = Disorder::pm;
    const LatticeGraph graph = make_lattice({LatticeKind::square, {4, 4}, Boundary::periodic});
    EXPECT_FALSE(kaufman_applies(build_model(graph, pm))) << "+-J";

    const Model base = torus(4, 4, 1.0);
    const Model offset(base.num_sites(), base.edges(), base.couplings(), base.fields(), 1.0,
                       base.description(), base.lattice());
    EXPECT_FALSE(kaufman_applies(offset)) << "energy offset";

    // Same site and bond counts but other bonds: a 3x6 torus whose spec says 6x3.
    const Model tall = torus(3, 6, 1.0);
    const Model transposed(tall.num_sites(), tall.edges(), tall.couplings(), tall.fields(), 0.0, {},
                           LatticeSpec{LatticeKind::square, {6, 3}, Boundary::periodic});
    EXPECT_FALSE(kaufman_applies(transposed)) << "bonds that are not the spec's";

    // A triangular lattice whose spec says square has 3N bonds.
    const Model triangular =
        build_model(make_lattice({LatticeKind::triangular, {4, 4}, Boundary::periodic}), {});
    const Model mislabelled(triangular.num_sites(), triangular.edges(), triangular.couplings(),
                            triangular.fields(), 0.0, {},
                            LatticeSpec{LatticeKind::square, {4, 4}, Boundary::periodic});
    EXPECT_FALSE(kaufman_applies(mislabelled)) << "triangular bonds";

    const std::vector<double> betas{0.5};
    EXPECT_THROW(kaufman_exact(bare_torus(), betas), ModelError);
}

TEST(Kaufman, RejectsBadArguments) {
    EXPECT_THROW(kaufman_exact(2, 4, 1.0, 0.5), ModelError);
    EXPECT_THROW(kaufman_exact(4, 0, 1.0, 0.5), ModelError);
    EXPECT_THROW(kaufman_exact(1 << 16, 1 << 15, 1.0, 0.5), ModelError);
    EXPECT_THROW(kaufman_exact(3, 4, -1.0, 0.5), ModelError);
    EXPECT_THROW(kaufman_exact(4, 4, std::numeric_limits<double>::infinity(), 0.5), ModelError);
    EXPECT_THROW(kaufman_exact(4, 4, 1.0, -0.5), ModelError);
    EXPECT_THROW(kaufman_exact(4, 4, 1.0, std::numeric_limits<double>::quiet_NaN()), ModelError);
}

}  // namespace
}  // namespace isingmf
