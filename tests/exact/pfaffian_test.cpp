#include "isingmf/exact/detail/pfaffian.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "isingmf/util/random.hpp"

namespace isingmf::detail {
namespace {

// Pf by expansion along the first row, Pf(A) = sum_j (-1)^(j+1) a_1j Pf(A minus 1, j), on
// jets: an independent (factorial-time) evaluation for small n.
Jet naive_pfaffian(const std::vector<std::vector<Jet>>& a, std::vector<int> rows) {
    if (rows.empty()) return {1.0, 0.0, 0.0};
    const int first = rows.front();
    Jet sum;
    for (std::size_t k = 1; k < rows.size(); ++k) {
        std::vector<int> rest;
        for (std::size_t r = 1; r < rows.size(); ++r)
            if (r != k) rest.push_back(rows[r]);
        const Jet term = a[static_cast<std::size_t>(first)][static_cast<std::size_t>(rows[k])] *
                         naive_pfaffian(a, rest);
        sum = (k % 2 == 1) ? sum + term : sum - term;
    }
    return sum;
}

struct Case {
    SkewPattern pattern;
    std::vector<Jet> values;
    std::vector<std::vector<Jet>> dense;
};

// A random skew matrix of order n with about `density` of its pairs set, entries jets with
// random value and derivatives.
Case random_case(int n, double density, std::uint64_t seed) {
    Rng rng(seed);
    Case c;
    c.pattern.n = n;
    const auto un = static_cast<std::size_t>(n);
    c.dense.assign(un, std::vector<Jet>(un));
    for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
            if (rng.uniform() > density && j != i + 1) continue;  // keep a perfect matching
            const Jet g{rng.normal(), rng.normal(), rng.normal()};
            // Store as K[i][j] or K[j][i] at random, to test both orientations.
            const bool flip = rng.uniform() < 0.5;
            c.pattern.row.push_back(flip ? j : i);
            c.pattern.col.push_back(flip ? i : j);
            const Jet stored = flip ? -1.0 * g : g;
            c.values.push_back(stored);
            c.dense[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] = g;
            c.dense[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)] = -1.0 * g;
        }
    }
    return c;
}

Jet assemble(const PfaffianValue& p) {
    const WideJet linear = std::ldexp(1.0L, p.linear_exponent) * p.linear;
    const WideJet e = exp(p.log_abs);
    const WideJet w = static_cast<long double>(p.sign) * (e * linear);
    return {static_cast<double>(w.v), static_cast<double>(w.d), static_cast<double>(w.dd)};
}

void expect_jet_near(const Jet& got, const Jet& want, double rel, const std::string& what) {
    const double scale = std::abs(want.v) + std::abs(want.d) + std::abs(want.dd);
    EXPECT_NEAR(got.v, want.v, rel * scale) << what;
    EXPECT_NEAR(got.d, want.d, rel * scale) << what;
    EXPECT_NEAR(got.dd, want.dd, rel * scale) << what;
}

TEST(Pfaffian, EqualsExpansionOnRandomSparseMatrices) {
    for (int n : {2, 4, 6, 8, 10}) {
        for (double density : {0.3, 1.0}) {
            for (std::uint64_t seed = 1; seed <= 4; ++seed) {
                const Case c = random_case(n, density, seed * 100 + static_cast<std::uint64_t>(n));
                std::vector<int> rows(static_cast<std::size_t>(n));
                for (int k = 0; k < n; ++k) rows[static_cast<std::size_t>(k)] = k;
                const Jet want = naive_pfaffian(c.dense, rows);
                // Leaves of one and of several variables; every threshold; both arithmetics;
                // pivots in log form and (rate 0) all in linear form.
                for (int leaf : {1, 4}) {
                    const PfaffianPlan plan = plan_pfaffian(c.pattern, {}, leaf);
                    for (double threshold : {0.01, 1.0}) {
                        for (Arithmetic arithmetic :
                             {Arithmetic::double_precision, Arithmetic::extended}) {
                            for (double rate : {1e30, 0.0}) {
                                const PfaffianValue p = pfaffian(plan, c.pattern, c.values,
                                                                 threshold, rate, arithmetic);
                                ASSERT_NE(p.sign, 0);
                                expect_jet_near(
                                    assemble(p), want, 1e-12,
                                    "n=" + std::to_string(n) + " seed=" + std::to_string(seed));
                            }
                        }
                    }
                }
            }
        }
    }
}

TEST(Pfaffian, GroupsAndMatesGiveTheSameValue) {
    const Case c = random_case(10, 0.5, 7);
    std::vector<int> rows(10);
    for (int k = 0; k < 10; ++k) rows[static_cast<std::size_t>(k)] = k;
    const Jet want = naive_pfaffian(c.dense, rows);
    const std::vector<int> group{0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
    const PfaffianPlan plan = plan_pfaffian(c.pattern, group, 1);
    ASSERT_EQ(plan.mate.size(), 10u);
    EXPECT_EQ(plan.mate[0], 1);
    expect_jet_near(assemble(pfaffian(plan, c.pattern, c.values, 0.1, 1e30)), want, 1e-12,
                    "grouped");
}

TEST(Pfaffian, SingularAndOddMatricesHaveNoPfaffian) {
    // Two disjoint triangles: no perfect matching.
    SkewPattern pattern{6, {0, 1, 2, 3, 4, 5}, {1, 2, 0, 4, 5, 3}};
    const std::vector<Jet> values(6, Jet{1.0, 0.0, 0.0});
    EXPECT_EQ(pfaffian(plan_pfaffian(pattern, {}), pattern, values, 0.1, 1e30).sign, 0);
    SkewPattern odd{3, {0, 1}, {1, 2}};
    const std::vector<Jet> two(2, Jet{1.0, 0.0, 0.0});
    EXPECT_EQ(pfaffian(plan_pfaffian(odd, {}), odd, two, 0.1, 1e30).sign, 0);
}

TEST(Pfaffian, AnalysisCountsWorkAndMemory) {
    const Case c = random_case(10, 0.4, 3);
    const PfaffianPlan plan = plan_pfaffian(c.pattern, {}, 2);
    std::size_t own = 0;
    for (const PfaffianFront& f : plan.fronts) own += f.own.size();
    EXPECT_EQ(own, 10u);  // every variable in exactly one front
    EXPECT_GT(plan.flops, 0.0);
    EXPECT_GT(plan.peak_bytes, 0.0);
}

}  // namespace
}  // namespace isingmf::detail
