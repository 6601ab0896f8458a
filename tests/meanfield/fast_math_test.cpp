// The branch-free log1p and binary entropy that the bound's evaluation vectorises, against
// long-double references (x86's 64-bit significand: 2^-11 ulp of a double), and the bound F(m)
// they give against an independent long-double evaluation of its formula.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/detail/binary_entropy.hpp"
#include "isingmf/meanfield/detail/fast_log1p.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// |got - want| in units of the spacing of doubles in want's binade (its exponent taken from the
// long double, so that a value just below a power of two is measured on the finer spacing).
double ulps(double got, long double want) {
    const long double spacing =
        std::max(std::ldexp(1.0L, std::ilogb(want) - 52), std::ldexp(1.0L, -1074));
    return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / spacing);
}

// The references need x86's 80-bit long double; where long double is double (or emulated
// at 64 bits, as under valgrind) they are no better than what they check.
bool precise_long_double() { return std::numeric_limits<long double>::digits >= 64; }

// Arguments where log1p is hardest: random ones, every binade from the smallest subnormal up,
// both ends of (-1, 1], and both sides of the reduction's seams u = sqrt(2), sqrt(1/2).
std::vector<double> log1p_arguments() {
    std::vector<double> xs;
    Rng rng(3);
    for (int k = 0; k < 400000; ++k) xs.push_back(rng.uniform_symmetric());
    for (int e = -1074; e <= 0; ++e) {
        for (double mant = 1.0; mant < 2.0; mant += 0.03125) {
            const double x = std::ldexp(mant, e);
            if (x > 1.0) continue;
            xs.insert(xs.end(), {x, -x, 1.0 - x, -1.0 + x});
        }
    }
    for (double seam : {std::numbers::sqrt2 - 1.0, std::numbers::sqrt2 / 2.0 - 1.0}) {
        for (int k = 0; k < 20000; ++k) xs.push_back(seam + 1e-9 * rng.uniform_symmetric());
    }
    xs.push_back(1.0);
    xs.push_back(-1.0 + 0x1p-53);
    return xs;
}

TEST(FastMath, Log1pIsWithinOneUlp) {
    if (!precise_long_double()) GTEST_SKIP() << "long double has no more digits than double";
    // glibc's log1p reaches 0.86 ulp on the same arguments; the reduction keeps the exact g
    // as the leading term, so one ulp is the bound to hold (measured: 0.88).
    double worst = 0.0;
    double worst_x = 0.0;
    for (const double x : log1p_arguments()) {
        const long double want = std::log1p(static_cast<long double>(x));
        const double got = detail::fast_log1p(x);
        if (want == 0.0L) {
            EXPECT_EQ(got, 0.0) << x;
            continue;
        }
        const double e = ulps(got, want);
        if (e > worst) {
            worst = e;
            worst_x = x;
        }
    }
    EXPECT_LE(worst, 1.0) << "at x = " << worst_x;
    EXPECT_EQ(detail::fast_log1p(0.0), 0.0);
    EXPECT_EQ(detail::fast_log1p(1.0), std::numbers::ln2);
    EXPECT_EQ(detail::fast_log1p(1e-300), 1e-300);
    EXPECT_EQ(detail::fast_log1p(-0x1p-1074), -0x1p-1074);  // subnormal: log1p(x) = x
}

TEST(FastMath, BinaryEntropyAgreesWithLongDouble) {
    if (!precise_long_double()) GTEST_SKIP() << "long double has no more digits than double";
    // Reference: -p ln p - q ln q in long double. Within 3 eps of the value, or of 1/4 where the
    // value is smaller: near m = +-1 the term of the large probability, p ln p = p (log1p(m) -
    // ln 2), cancels to ~q against ln 2 and keeps an absolute error of about eps ln 2. (Measured
    // worst: 2.3 eps, the same as with glibc's log1p in the same formula.)
    double worst = 0.0;
    Rng rng(4);
    std::vector<double> ms;
    for (int k = 0; k < 200000; ++k) ms.push_back(rng.uniform_symmetric());
    for (int e = -60; e <= -1; ++e) {
        ms.insert(ms.end(),
                  {std::ldexp(1.0, e), 1.0 - std::ldexp(1.0, e), -1.0 + std::ldexp(1.0, e)});
    }
    for (const double m : ms) {
        const long double p = 0.5L * (1.0L + m);
        const long double q = 0.5L * (1.0L - m);
        const long double want = -p * std::log(p) - q * std::log(q);
        const double got = detail::binary_entropy(m);
        const double scale = std::max(static_cast<double>(want), 0.25);
        worst = std::max(worst, static_cast<double>(std::fabs(got - want)) / (kEps * scale));
    }
    EXPECT_LE(worst, 3.0);
    EXPECT_EQ(detail::binary_entropy(0.0), std::numbers::ln2);
    EXPECT_EQ(detail::binary_entropy(0.3), detail::binary_entropy(-0.3));
    for (const double outside : {1.0, -1.0, 1.5, -2.0, std::numeric_limits<double>::infinity()})
        EXPECT_EQ(detail::binary_entropy(outside), 0.0) << outside;
}

TEST(FastMath, BoundAgreesWithALongDoubleEvaluation) {
    if (!precise_long_double()) GTEST_SKIP() << "long double has no more digits than double";
    // F(m) = -beta E0 + beta (sum_e J_e m_i m_j + sum_i h_i m_i) + sum_i H_b(m_i), summed
    // independently in long double with std::log; and the residual max_i |m_i - tanh(beta phi_i)|
    // with tanhl. A glass in a random field, m near saturation (the low-temperature case that
    // needs log1p's accuracy) and spread out.
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.h = 0.1;
    spec.random_field = 0.3;
    spec.seed = 9;
    const Model model =
        build_model(make_lattice({LatticeKind::square, {40, 40}, Boundary::periodic}), spec);
    const MeanFieldPlan plan(model);
    const auto n = static_cast<std::size_t>(model.num_sites());
    const std::vector<Edge>& edges = model.edges();
    const std::vector<double>& J = model.couplings();
    const std::vector<double>& h = model.fields();
    const double beta = 0.7;
    Rng rng(8);
    for (const bool saturated : {true, false}) {
        // Saturated: m_i = +-(1 - 10^-k), k uniform in [2, 14], as at low temperature; else
        // m_i uniform in (-0.9, 0.9).
        MeanFieldResult r;
        r.m.resize(n);
        for (double& x : r.m) {
            const double u = rng.uniform_symmetric();
            x = saturated ? std::copysign(1.0 - std::pow(10.0, -2.0 - 12.0 * std::fabs(u)), u)
                          : 0.9 * u;
        }
        evaluate_mean_field(plan, beta, r);

        long double coupling = 0.0L;   // sum_e J_e m_i m_j + sum_i h_i m_i
        long double magnitude = 0.0L;  // the same sum of absolute values, for the tolerance
        std::vector<long double> phi(h.begin(), h.end());
        for (std::size_t k = 0; k < edges.size(); ++k) {
            const long double mi = r.m[static_cast<std::size_t>(edges[k].i)];
            const long double mj = r.m[static_cast<std::size_t>(edges[k].j)];
            coupling += J[k] * mi * mj;
            magnitude += std::fabs(J[k] * mi * mj);
            phi[static_cast<std::size_t>(edges[k].i)] += J[k] * mj;
            phi[static_cast<std::size_t>(edges[k].j)] += J[k] * mi;
        }
        long double entropy = 0.0L;
        long double residual = 0.0L;
        for (std::size_t i = 0; i < n; ++i) {
            const long double m = r.m[i];
            coupling += h[i] * m;
            magnitude += std::fabs(h[i] * m);
            const long double p = 0.5L * (1.0L + m);
            const long double q = 0.5L * (1.0L - m);
            entropy -= p * std::log(p) + q * std::log(q);
            residual = std::max(residual, std::fabs(m - std::tanh(beta * phi[i])));
        }
        // Summed in double in blocks of 4096: at most (4096 + blocks + a few) eps times the sum
        // of the magnitudes of the terms; the per-site terms themselves err by a few eps.
        const double allowance = 5000.0 * kEps * static_cast<double>(beta * magnitude + entropy);
        EXPECT_NEAR(r.ln_z, static_cast<double>(beta * coupling + entropy), allowance)
            << (saturated ? "saturated" : "spread");
        EXPECT_NEAR(r.entropy, static_cast<double>(entropy),
                    5000.0 * kEps * static_cast<double>(entropy));
        // fast_tanh is within a few ulp of tanh, |m_i - t_i| <= 2, and beta phi_i carries the
        // rounding of a sum of five terms (a few eps of |beta phi_i| <= 2.5), which tanh' <= 1
        // passes on.
        EXPECT_NEAR(r.residual, static_cast<double>(residual), 32.0 * kEps);
    }
}

}  // namespace
}  // namespace isingmf
