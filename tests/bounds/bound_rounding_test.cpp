// Every reported bound is on its side of ln Z to the last bit: the mean-field and structured
// lower bounds and the certified upper bound, on random small models from T = inf to
// T -> 0, against ln Z in extended precision (support/brute_force.hpp). Before the bounds
// were rounded outward by their rounding allowance (util/detail/rounding.hpp), about one in
// ten of these had a lower bound above an upper one by an ulp, because both equal ln Z in
// exact arithmetic on trees, at T -> 0 and at beta = 0.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"
#include "isingmf/util/random.hpp"
#include "support/brute_force.hpp"

namespace isingmf {
namespace {

struct Case {
    Model model;
    double beta = 0.0;
    double scale = 0.0;  // beta sum |terms| + N: the size the reference's error scales with
};

// A random graph on 1..10 sites with couplings, fields and offset over six decades, some
// ferromagnetic (where the bounds meet ln Z at low T), some with no field, and beta from
// 1e-2 to 1e5 over the couplings' scale (and 0).
Case random_case(Rng& rng) {
    const int n = 1 + static_cast<int>(rng.next() % 10);
    const double size = std::pow(10.0, 6.0 * rng.uniform() - 3.0);
    const bool ferromagnet = rng.uniform() < 0.5;
    const double field_scale = std::vector<double>{0.0, 0.1, 1.0, 5.0}[rng.next() % 4];
    std::vector<Edge> edges;
    std::vector<double> J;
    const double density = rng.uniform();
    for (int i = 0; i < n; ++i) {
        for (int j = i + 1; j < n; ++j) {
            if (rng.uniform() >= density) continue;
            edges.push_back({i, j});
            J.push_back(size * (ferromagnet ? std::abs(rng.normal()) : rng.normal()));
        }
    }
    std::vector<double> h(static_cast<std::size_t>(n));
    for (double& x : h) x = size * field_scale * rng.normal();
    const double offset =
        size * std::vector<double>{0.0, 1.0, 100.0}[rng.next() % 3] * rng.normal();
    const double beta =
        rng.uniform() < 0.1 ? 0.0 : std::pow(10.0, 7.0 * rng.uniform() - 2.0) / size;
    Model model(n, std::move(edges), std::move(J), std::move(h), offset);
    const double scale = beta * model.energy_scale() + n;
    return {std::move(model), beta, scale};
}

TEST(BoundRounding, EveryBoundIsOnItsSideOfLnZToTheLastBit) {
    Rng rng(2026, 11);
    int checked = 0;
    for (int k = 0; k < 1500; ++k) {
        const Case c = random_case(rng);
        const long double truth = testing::extended_ln_z(c.model, c.beta);
        const long double slack = 1e-18L * c.scale;  // the reference's own error
        const std::string what = "case " + std::to_string(k) + " N " +
                                 std::to_string(c.model.num_sites()) + " beta " +
                                 std::to_string(c.beta);
        const double mf = solve_mean_field(c.model, c.beta, {}).ln_z;
        const double smf = solve_structured_mean_field(c.model, c.beta, {}).ln_z;
        const double upper = solve_upper_bound(c.model, c.beta, {}).ln_z;
        EXPECT_LE(mf, truth + slack) << what;
        EXPECT_LE(smf, truth + slack) << what;
        EXPECT_GE(upper, truth - slack) << what;
        ++checked;
    }
    EXPECT_EQ(checked, 1500);
}

}  // namespace
}  // namespace isingmf
