#include "isingmf/exact/enumerate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

#include "isingmf/exact/detail/enumerate_detail.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "support/brute_force.hpp"
#include "support/threads.hpp"

namespace isingmf {
namespace {

using detail::EnumerationOptions;
using detail::EnumerationPath;

Model periodic_chain(int length, double J, double h) {
    CouplingSpec spec;
    spec.J = J;
    spec.h = h;
    return build_model(make_lattice({LatticeKind::chain, {length}, Boundary::periodic}), spec);
}

Model lattice_model(LatticeKind kind, std::vector<int> size, CouplingSpec spec,
                    Boundary boundary = Boundary::periodic) {
    return build_model(make_lattice({kind, std::move(size), boundary}), spec);
}

// The same model with every field shifted by dh (dh = -2h flips a uniform field h).
Model with_fields(const Model& model, std::vector<double> fields) {
    return Model(model.num_sites(), model.edges(), model.couplings(), std::move(fields),
                 model.energy_offset());
}

Model shifted_field(const Model& model, double dh) {
    std::vector<double> fields = model.fields();
    for (double& h : fields) h += dh;
    return with_fields(model, fields);
}

ExactResult enumerate_one(const Model& model, double beta,
                          EnumerationPath path = EnumerationPath::automatic) {
    const std::vector<double> betas{beta};
    return detail::enumerate_exact(model, betas, EnumerationOptions{path})[0];
}

// Tolerance `rel` relative to max(1, |expected|): quantities of order one are compared
// absolutely, large ones (ln Z at low T) relatively.
void expect_close(double actual, double expected, double rel, const std::string& what) {
    EXPECT_NEAR(actual, expected, rel * std::max(1.0, std::abs(expected))) << what;
}

void expect_same_result(const ExactResult& a, const ExactResult& b, double rel,
                        const std::string& what) {
    expect_close(a.ln_z, b.ln_z, rel, what + " ln Z");
    expect_close(a.energy_per_spin, b.energy_per_spin, rel, what + " energy");
    expect_close(a.specific_heat_per_spin, b.specific_heat_per_spin, rel, what + " C");
    expect_close(a.magnetization, b.magnetization, rel, what + " m");
    expect_close(a.magnetization_abs, b.magnetization_abs, rel, what + " |m|");
    expect_close(a.susceptibility, b.susceptibility, rel, what + " chi");
}

// ---------------------------------------------------------------------------------------------
// Periodic chain in a field against the transfer matrix:
//   Z = l+^N + l-^N,  l+- = e^{bJ} cosh(bh) +- sqrt(e^{2bJ} sinh^2(bh) + e^{-2bJ}).

double chain_ln_z(int n, double J, double h, double beta) {
    const double a = std::exp(beta * J) * std::cosh(beta * h);
    const double root =
        std::sqrt(std::exp(2 * beta * J) * std::sinh(beta * h) * std::sinh(beta * h) +
                  std::exp(-2 * beta * J));
    // l+ > |l-|; N even keeps l-^N > 0 also for J < 0 where l- < 0.
    const double lp = a + root;
    const double lm = a - root;
    return n * std::log(lp) + std::log1p(std::pow(lm / lp, n));
}

// Five-point central differences: truncation d^4 f^(5) / 30 and d^4 f^(6) / 90.
double first_derivative(const std::function<double(double)>& g, double x, double d) {
    return (g(x - 2 * d) - 8 * g(x - d) + 8 * g(x + d) - g(x + 2 * d)) / (12 * d);
}

double second_derivative(const std::function<double(double)>& g, double x, double d) {
    return (-g(x - 2 * d) + 16 * g(x - d) - 30 * g(x) + 16 * g(x + d) - g(x + 2 * d)) /
           (12 * d * d);
}

class ChainInField : public ::testing::TestWithParam<std::tuple<double, double, double>> {};

TEST_P(ChainInField, MatchesTransferMatrix) {
    const auto [J, h, beta] = GetParam();
    constexpr int kN = 12;
    const Model model = periodic_chain(kN, J, h);
    const ExactResult r = enumerate_one(model, beta);
    const auto of_beta = [&](double b) { return chain_ln_z(kN, J, h, b); };
    const auto of_field = [&](double field) { return chain_ln_z(kN, J, field, beta); };

    // ln Z: the closed form is accurate to a few ulps of ln Z (~10).
    EXPECT_NEAR(r.ln_z, of_beta(beta), 1e-12 * std::abs(of_beta(beta)));

    // Derivatives of the closed form by five-point differences with step 1e-3 in K = beta J
    // and in beta h. ln Z is a sum of N terms whose derivatives in those variables grow at
    // most like powers of N (all 12 spins correlated at beta J = 2.5), so the truncation
    // d^4 N^6 / 90 ~ 3e-8 and the rounding ~5 eps |ln Z| / d^2 ~ 4e-8 stay below 1e-6 of
    // the derivative's scale max(1, |value|).
    const double db = 1e-3;
    const double dh = 1e-3 / beta;
    expect_close(r.energy_per_spin, -first_derivative(of_beta, beta, db) / kN, 1e-6, "energy");
    expect_close(r.specific_heat_per_spin, beta * beta * second_derivative(of_beta, beta, db) / kN,
                 1e-6, "C");
    // <m> = (1 / (beta N)) d ln Z / dh and chi = (1 / (beta N)) d^2 ln Z / dh^2.
    expect_close(r.magnetization, first_derivative(of_field, h, dh) / (beta * kN), 1e-6, "m");
    expect_close(r.susceptibility, second_derivative(of_field, h, dh) / (beta * kN), 1e-6, "chi");
}

INSTANTIATE_TEST_SUITE_P(Enumerate, ChainInField,
                         ::testing::Combine(::testing::Values(1.0, -0.7),
                                            ::testing::Values(0.0, 0.3, -0.5),
                                            ::testing::Values(0.1, 0.5, 1.0, 2.5)));

// ---------------------------------------------------------------------------------------------
// Both accumulation paths against the brute-force sum on models of every kind the key layout
// distinguishes: uniform and +-J couplings, Gaussian couplings and random fields (one class
// per bond and site), an energy offset, a zero coupling, several field values.

struct NamedModel {
    std::string name;
    std::function<Model()> make;
};

std::vector<NamedModel> small_models() {
    std::vector<NamedModel> models;
    models.push_back({"square4x4_uniform_h", [] {
                          CouplingSpec spec;
                          spec.h = 0.2;
                          return lattice_model(LatticeKind::square, {4, 4}, spec);
                      }});
    models.push_back({"triangular3x4_pm_h", [] {
                          CouplingSpec spec;
                          spec.disorder = Disorder::pm;
                          spec.h = -0.3;
                          spec.seed = 7;
                          return lattice_model(LatticeKind::triangular, {3, 4}, spec);
                      }});
    models.push_back(
        {"honeycomb2x3_pm_open", [] {
             CouplingSpec spec;
             spec.disorder = Disorder::pm;
             spec.J = 0.8;
             return lattice_model(LatticeKind::honeycomb, {2, 3}, spec, Boundary::open);
         }});
    models.push_back({"chain10_gauss_random_field", [] {
                          CouplingSpec spec;
                          spec.disorder = Disorder::gauss;
                          spec.random_field = 0.5;
                          spec.seed = 3;
                          return lattice_model(LatticeKind::chain, {10}, spec);
                      }});
    models.push_back({"complete8_sk", [] {
                          CouplingSpec spec;
                          spec.disorder = Disorder::sk;
                          spec.J0 = 0.5;
                          return lattice_model(LatticeKind::complete, {8}, spec);
                      }});
    models.push_back({"offset_and_zero_coupling", [] {
                          // Two field values, a zero bond and E0 = 3.5 (as a UAI import has).
                          return Model(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {0, 4}, {1, 3}},
                                       {1.0, 0.0, -0.5, 1.0, 0.25, 1.0}, {0.1, 0.1, 0.0, -0.2, 0.1},
                                       3.5);
                      }});
    return models;
}

class EnumerateModels : public ::testing::TestWithParam<std::tuple<std::size_t, EnumerationPath>> {
};

TEST_P(EnumerateModels, MatchesBruteForce) {
    const auto [index, path] = GetParam();
    const NamedModel named = small_models()[index];
    const Model model = named.make();
    // beta = 0 through deep in the ordered phase.
    const std::vector<double> betas{0.0, 0.3, 1.0, 4.0, 20.0};
    const auto results = detail::enumerate_exact(model, betas, EnumerationOptions{path});
    ASSERT_EQ(results.size(), betas.size());
    for (std::size_t b = 0; b < betas.size(); ++b) {
        // Both sides are sums of at most 2^16 positive terms in double or better: agreement to
        // ~1e-12 of the quantity's scale; C and chi are differences of moments in the brute
        // force, hence the same relative bound against max(1, |value|).
        expect_same_result(results[b], testing::brute_force_exact(model, betas[b]), 1e-11,
                           named.name + " beta=" + std::to_string(betas[b]));
    }
}

INSTANTIATE_TEST_SUITE_P(Enumerate, EnumerateModels,
                         ::testing::Combine(::testing::Range<std::size_t>(0, 6),
                                            ::testing::Values(EnumerationPath::automatic,
                                                              EnumerationPath::factored,
                                                              EnumerationPath::direct)));

TEST(Enumerate, PathChoiceFollowsTheCouplings) {
    CouplingSpec uniform;
    uniform.h = 0.1;
    CouplingSpec pm;
    pm.disorder = Disorder::pm;
    CouplingSpec gauss;
    gauss.disorder = Disorder::gauss;
    EXPECT_TRUE(detail::enumeration_uses_density_of_states(
        lattice_model(LatticeKind::square, {4, 4}, uniform)));
    EXPECT_TRUE(
        detail::enumeration_uses_density_of_states(lattice_model(LatticeKind::square, {4, 4}, pm)));
    // 66 distinct couplings, one binary digit of the key each: 2^66 keys exceed the 2^62 limit.
    EXPECT_FALSE(detail::enumeration_uses_density_of_states(
        lattice_model(LatticeKind::complete, {12}, gauss)));

    EnumerationPath used = EnumerationPath::automatic;
    const std::vector<double> betas{0.5};
    detail::enumerate_exact(lattice_model(LatticeKind::square, {3, 3}, pm), betas, {}, &used);
    EXPECT_EQ(used, EnumerationPath::density_of_states);
    detail::enumerate_exact(lattice_model(LatticeKind::complete, {12}, gauss), betas, {}, &used);
    EXPECT_EQ(used, EnumerationPath::factored);
    detail::enumerate_exact(lattice_model(LatticeKind::complete, {12}, gauss), betas,
                            {EnumerationPath::direct}, &used);
    EXPECT_EQ(used, EnumerationPath::direct);
}

TEST(Enumerate, TooManyDistinctKeysFallsBackToFactored) {
    // A random field makes every site its own field class: the key space fits, but nearly
    // every state has its own key, so a cap of 64 keys must give up and fall back.
    CouplingSpec spec;
    spec.random_field = 1.0;
    const Model model = lattice_model(LatticeKind::chain, {12}, spec);
    const std::vector<double> betas{0.2, 1.0};
    EnumerationPath used = EnumerationPath::automatic;
    EnumerationOptions capped;
    capped.max_distinct_keys = 64;
    const auto fallback = detail::enumerate_exact(model, betas, capped, &used);
    EXPECT_EQ(used, EnumerationPath::factored);
    const auto factored =
        detail::enumerate_exact(model, betas, EnumerationOptions{EnumerationPath::factored});
    for (std::size_t b = 0; b < betas.size(); ++b) {
        // The fallback is the factored path itself: bit-identical.
        EXPECT_EQ(fallback[b].ln_z, factored[b].ln_z);
        EXPECT_EQ(fallback[b].specific_heat_per_spin, factored[b].specific_heat_per_spin);
    }
    // With the default cap the same model stays on the density of states.
    detail::enumerate_exact(model, betas, {}, &used);
    EXPECT_EQ(used, EnumerationPath::density_of_states);
}

// ---------------------------------------------------------------------------------------------
// Factored path (continuous couplings) against the brute-force sum and the direct path, on
// models with more than 2^10 states so that several high-spin blocks (and chunks) are summed:
// Gaussian and SK couplings, random fields, large couplings, zero fields (the mirror half is
// not enumerated), an energy offset, tiny N (padding).
// At beta = 300 most blocks of the first four models have beta G > 600 and take the per-state
// exp while the others keep the products (checked by instrumenting the path once), so both
// ways enter the same sums there.

std::vector<NamedModel> continuous_models() {
    std::vector<NamedModel> models;
    models.push_back({"square4x4_gauss_random_field", [] {
                          CouplingSpec spec;
                          spec.disorder = Disorder::gauss;
                          spec.random_field = 0.7;
                          spec.seed = 5;
                          return lattice_model(LatticeKind::square, {4, 4}, spec);
                      }});
    models.push_back({"triangular3x5_gauss_h", [] {
                          CouplingSpec spec;
                          spec.disorder = Disorder::gauss;
                          spec.h = 0.3;
                          spec.seed = 9;
                          return lattice_model(LatticeKind::triangular, {3, 5}, spec);
                      }});
    models.push_back({"complete13_sk_random_field", [] {
                          // Every low spin couples to every high spin.
                          CouplingSpec spec;
                          spec.disorder = Disorder::sk;
                          spec.J0 = 0.3;
                          spec.random_field = 0.4;
                          spec.seed = 2;
                          return lattice_model(LatticeKind::complete, {13}, spec);
                      }});
    models.push_back({"chain17_strong_gauss_offset", [] {
                          // J ~ 6: energies of tens, weights spanning e^-thousands.
                          CouplingSpec spec;
                          spec.disorder = Disorder::gauss;
                          spec.J = 6.0;
                          spec.random_field = 2.0;
                          spec.seed = 4;
                          const Model chain = lattice_model(LatticeKind::chain, {17}, spec);
                          return Model(chain.num_sites(), chain.edges(), chain.couplings(),
                                       chain.fields(), -2.5);
                      }});
    models.push_back(
        {"honeycomb2x3_gauss_open", [] {
             CouplingSpec spec;
             spec.disorder = Disorder::gauss;
             spec.random_field = 0.2;
             spec.seed = 8;
             return lattice_model(LatticeKind::honeycomb, {2, 3}, spec, Boundary::open);
         }});
    models.push_back({"square4x4_gauss_zero_field", [] {
                          // h = 0: only half the states are enumerated, s -> -s gives the rest.
                          CouplingSpec spec;
                          spec.disorder = Disorder::gauss;
                          spec.seed = 12;
                          return lattice_model(LatticeKind::square, {4, 4}, spec);
                      }});
    models.push_back({"complete14_sk_zero_field_offset", [] {
                          CouplingSpec spec;
                          spec.disorder = Disorder::sk;
                          spec.J0 = 0.5;
                          spec.seed = 6;
                          const Model sk = lattice_model(LatticeKind::complete, {14}, spec);
                          return Model(sk.num_sites(), sk.edges(), sk.couplings(), sk.fields(),
                                       3.0);
                      }});
    models.push_back({"one_site", [] { return Model(1, {}, {}, {0.3}); }});
    models.push_back({"two_sites", [] { return Model(2, {{0, 1}}, {-0.7}, {0.2, -0.1}, 1.25); }});
    return models;
}

class FactoredModels : public ::testing::TestWithParam<std::size_t> {};

TEST_P(FactoredModels, MatchesBruteForceAndDirect) {
    const NamedModel named = continuous_models()[GetParam()];
    const Model model = named.make();
    const std::vector<double> betas{0.0, 0.1, 0.5, 1.0, 3.0, 10.0, 50.0, 300.0};
    EnumerationPath used = EnumerationPath::automatic;
    const auto factored =
        detail::enumerate_exact(model, betas, EnumerationOptions{EnumerationPath::factored}, &used);
    EXPECT_EQ(used, EnumerationPath::factored);
    const auto direct =
        detail::enumerate_exact(model, betas, EnumerationOptions{EnumerationPath::direct});
    for (std::size_t b = 0; b < betas.size(); ++b) {
        const std::string what = named.name + " beta=" + std::to_string(betas[b]);
        // Each factored weight is a product of at most 12 exps (<= ~25 ulp), each block's
        // second moments lose at most a factor 1 + 2^10 to cancellation (~2e-13), the direct
        // path's Gray-code energies drift by ~sqrt(2^17) ulp: 1e-12 of max(1, |value|) bounds
        // all of these with margin, while a wrong factor or level would miss by far more.
        expect_same_result(factored[b], testing::brute_force_exact(model, betas[b]), 1e-12,
                           what + " brute");
        expect_same_result(factored[b], direct[b], 1e-12, what + " direct");
    }
}

INSTANTIATE_TEST_SUITE_P(Enumerate, FactoredModels, ::testing::Range<std::size_t>(0, 9));

TEST(Enumerate, FactoredProductsEqualPerStateExp) {
    // max_factored_exponent < 0 sends every block through exp(-beta (t - G)) per state: the
    // same levels, weights computed the other way. Agreement to ~1e-14 (a few tens of ulp of
    // the products) shows that the table-and-factor products are the Boltzmann weights.
    for (const NamedModel& named : continuous_models()) {
        const Model model = named.make();
        const std::vector<double> betas{0.05, 0.7, 2.0, 8.0};
        EnumerationOptions per_state{EnumerationPath::factored};
        per_state.max_factored_exponent = -1.0;
        const auto products =
            detail::enumerate_exact(model, betas, EnumerationOptions{EnumerationPath::factored});
        const auto exps = detail::enumerate_exact(model, betas, per_state);
        for (std::size_t b = 0; b < betas.size(); ++b) {
            expect_same_result(products[b], exps[b], 1e-13,
                               named.name + " beta=" + std::to_string(betas[b]));
        }
    }
}

TEST(Enumerate, FactoredGroundEnergyOfContinuousModels) {
    // The block-wise scan re-evaluates near-minimal states with Model::energy: exact equality.
    for (const NamedModel& named : continuous_models()) {
        const Model model = named.make();
        EXPECT_EQ(enumerate_ground_energy(model), testing::brute_force_ground_energy(model))
            << named.name;
    }
}

// ---------------------------------------------------------------------------------------------
// Limits.

TEST(Enumerate, InfiniteTemperatureCountsStates) {
    // beta = 0: Z = 2^N for any H; <H> = E0 since every s_i and s_i s_j averages to zero;
    // C and chi carry a factor beta and vanish; <m> = 0 by the s -> -s symmetry of the measure.
    for (const NamedModel& named : small_models()) {
        const Model model = named.make();
        const ExactResult r = enumerate_one(model, 0.0);
        const double n = model.num_sites();
        EXPECT_NEAR(r.ln_z, n * std::numbers::ln2, 1e-13 * n) << named.name;
        EXPECT_NEAR(r.energy_per_spin, model.energy_offset() / n, 1e-13) << named.name;
        EXPECT_EQ(r.specific_heat_per_spin, 0.0) << named.name;
        EXPECT_EQ(r.susceptibility, 0.0) << named.name;
        EXPECT_NEAR(r.magnetization, 0.0, 1e-15) << named.name;
    }
}

TEST(Enumerate, ZeroTemperatureCountsGroundStates) {
    // Zero-field ferromagnet on the 4x4 torus: E_gs = -2 N J, two ground states, first
    // excitation 8J above. At beta = 50, ln Z = -beta E_gs + ln 2 up to 16 e^{-400}.
    const Model ferro = lattice_model(LatticeKind::square, {4, 4}, {});
    const ExactResult r = enumerate_one(ferro, 50.0);
    EXPECT_NEAR(r.ln_z, 50.0 * 32.0 + std::numbers::ln2, 1e-12 * r.ln_z);
    EXPECT_NEAR(r.energy_per_spin, -2.0, 1e-14);
    EXPECT_NEAR(r.specific_heat_per_spin, 0.0, 1e-14);
    EXPECT_NEAR(r.magnetization, 0.0, 1e-14);
    EXPECT_NEAR(r.magnetization_abs, 1.0, 1e-14);

    // A field selects the up state: ln Z + beta E_gs -> ln 1, m -> 1.
    CouplingSpec field;
    field.h = 0.1;
    const Model polarized = lattice_model(LatticeKind::square, {4, 4}, field);
    const double egs = enumerate_ground_energy(polarized);
    EXPECT_DOUBLE_EQ(egs, -32.0 - 1.6);
    const ExactResult p = enumerate_one(polarized, 50.0);
    EXPECT_NEAR(p.ln_z + 50.0 * egs, 0.0, 1e-12 * p.ln_z);
    EXPECT_NEAR(p.magnetization, 1.0, 1e-14);

    // +-J glass: the degeneracy g is counted by brute force; levels are 2 apart (integer
    // couplings), so at beta = 50 the excited states add at most 2^16 e^{-100}.
    CouplingSpec pm;
    pm.disorder = Disorder::pm;
    pm.seed = 11;
    const Model glass = lattice_model(LatticeKind::square, {4, 4}, pm);
    const double glass_gs = testing::brute_force_ground_energy(glass);
    int degeneracy = 0;
    std::vector<signed char> s(16);
    for (std::uint32_t x = 0; x < (1u << 16); ++x) {
        for (int i = 0; i < 16; ++i) s[static_cast<std::size_t>(i)] = ((x >> i) & 1u) ? -1 : 1;
        if (glass.energy(s) == glass_gs) ++degeneracy;
    }
    ASSERT_GE(degeneracy, 2);  // s -> -s
    const ExactResult g = enumerate_one(glass, 50.0);
    EXPECT_NEAR(g.ln_z + 50.0 * glass_gs, std::log(degeneracy), 1e-12 * g.ln_z);
}

TEST(Enumerate, FiniteAtVeryLowTemperature) {
    for (const NamedModel& named : small_models()) {
        for (EnumerationPath path :
             {EnumerationPath::automatic, EnumerationPath::factored, EnumerationPath::direct}) {
            const ExactResult r = enumerate_one(named.make(), 1e3, path);
            for (double v : {r.ln_z, r.energy_per_spin, r.specific_heat_per_spin, r.magnetization,
                             r.magnetization_abs, r.susceptibility}) {
                EXPECT_TRUE(std::isfinite(v)) << named.name;
            }
            EXPECT_GE(r.specific_heat_per_spin, 0.0) << named.name;
            EXPECT_GE(r.susceptibility, 0.0) << named.name;
        }
    }
}

TEST(Enumerate, GroundEnergyIsTheMinimumOfModelEnergy) {
    // The scan re-evaluates candidates with Model::energy, so it returns exactly the minimum
    // of that definition, not a drifting running sum.
    for (const NamedModel& named : small_models()) {
        const Model model = named.make();
        EXPECT_EQ(enumerate_ground_energy(model), testing::brute_force_ground_energy(model))
            << named.name;
    }
}

// ---------------------------------------------------------------------------------------------
// Symmetries and responses.

TEST(Enumerate, FieldReversalFlipsMagnetization) {
    // H(s; J, h) = H(-s; J, -h): under h -> -h, <m> changes sign and all else stays.
    CouplingSpec spec;
    spec.disorder = Disorder::gauss;
    spec.h = 0.25;
    spec.random_field = 0.3;
    for (const Model& model :
         {lattice_model(LatticeKind::square, {3, 4}, spec), periodic_chain(12, 1.0, 0.4)}) {
        std::vector<double> reversed = model.fields();
        for (double& h : reversed) h = -h;
        const Model mirror = with_fields(model, reversed);
        for (double beta : {0.2, 1.0, 3.0}) {
            const ExactResult a = enumerate_one(model, beta);
            const ExactResult b = enumerate_one(mirror, beta);
            // Same states summed in another order: agreement to rounding.
            EXPECT_NEAR(a.magnetization, -b.magnetization, 1e-13);
            EXPECT_NEAR(a.magnetization_abs, b.magnetization_abs, 1e-13);
            EXPECT_NEAR(a.ln_z, b.ln_z, 1e-13 * std::abs(a.ln_z));
            EXPECT_NEAR(a.susceptibility, b.susceptibility, 1e-12);
            EXPECT_GT(std::abs(a.magnetization), 1e-3);  // the field does polarize
        }
    }
}

TEST(Enumerate, SusceptibilityIsTheFieldDerivativeOfMagnetization) {
    // chi = beta N var(m) = d<m>/dh for a uniform field h added to every site.
    // Central difference with dh = 1e-5: truncation chi'' dh^2 / 6 ~ 1e-10 for chi'' = O(10),
    // rounding 2 eps / dh ~ 1e-11; tolerance 1e-7 relative to max(1, chi).
    CouplingSpec pm;
    pm.disorder = Disorder::pm;
    pm.h = 0.15;
    CouplingSpec gauss;
    gauss.disorder = Disorder::gauss;
    for (const Model& model : {lattice_model(LatticeKind::square, {4, 4}, pm),
                               lattice_model(LatticeKind::triangular, {3, 4}, gauss)}) {
        for (double beta : {0.3, 0.8, 2.0}) {
            const double dh = 1e-5;
            const double up = enumerate_one(shifted_field(model, dh), beta).magnetization;
            const double down = enumerate_one(shifted_field(model, -dh), beta).magnetization;
            const ExactResult r = enumerate_one(model, beta);
            EXPECT_NEAR(r.susceptibility, (up - down) / (2 * dh),
                        1e-7 * std::max(1.0, r.susceptibility))
                << "beta=" << beta;
        }
    }
}

TEST(Enumerate, ResultsDoNotDependOnThreadCount) {
    // Integer state counts (density of states) and chunk partial sums combined in a fixed
    // order (factored, direct) make the results bit-identical for any number of threads.
    CouplingSpec pm;
    pm.disorder = Disorder::pm;
    pm.h = 0.1;
    CouplingSpec gauss;
    gauss.disorder = Disorder::gauss;
    gauss.random_field = 0.2;
    const std::vector<double> betas{0.0, 0.4, 1.5, 10.0};
    // 3 x 7 Gaussian: 2^11 blocks of 2^10 states, one chunk each, on the factored path (2^10
    // without fields, by the s -> -s symmetry). Its ~2^21 distinct density-of-states keys
    // exceed the 2^20 cap whatever the number of threads, so automatic also takes the same
    // path each time (it once depended on how the states were split between threads).
    CouplingSpec gauss_no_field;
    gauss_no_field.disorder = Disorder::gauss;
    for (const Model& model : {lattice_model(LatticeKind::square, {4, 4}, pm),
                               lattice_model(LatticeKind::square, {4, 4}, gauss),
                               lattice_model(LatticeKind::square, {3, 7}, gauss),
                               lattice_model(LatticeKind::square, {3, 7}, gauss_no_field)}) {
        for (EnumerationPath path :
             {EnumerationPath::automatic, EnumerationPath::factored, EnumerationPath::direct}) {
            const auto run = [&] {
                return detail::enumerate_exact(model, betas, EnumerationOptions{path});
            };
            const auto one = test::with_threads(1, run);
            const auto two = test::with_threads(2, run);
            const auto three = test::with_threads(3, run);
            for (std::size_t b = 0; b < betas.size(); ++b) {
                for (const auto* other : {&two, &three}) {
                    EXPECT_EQ(one[b].ln_z, (*other)[b].ln_z);
                    EXPECT_EQ(one[b].energy_per_spin, (*other)[b].energy_per_spin);
                    EXPECT_EQ(one[b].specific_heat_per_spin, (*other)[b].specific_heat_per_spin);
                    EXPECT_EQ(one[b].magnetization, (*other)[b].magnetization);
                    EXPECT_EQ(one[b].magnetization_abs, (*other)[b].magnetization_abs);
                    EXPECT_EQ(one[b].susceptibility, (*other)[b].susceptibility);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors.

TEST(Enumerate, RejectsTooManySpins) {
    const Model big = periodic_chain(kMaxEnumerationSites + 1, 1.0, 0.0);
    const std::vector<double> betas{1.0};
    try {
        enumerate_exact(big, betas);
        FAIL() << "expected ModelError";
    } catch (const ModelError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("N=35"), std::string::npos) << message;
        EXPECT_NE(message.find("limit of 34"), std::string::npos) << message;
    }
    EXPECT_THROW(enumerate_ground_energy(big), ModelError);
    EXPECT_THROW(enumerate_exact(big, std::vector<double>{}), ModelError);
}

TEST(Enumerate, RejectsBadInverseTemperatures) {
    const Model model = periodic_chain(4, 1.0, 0.0);
    for (double bad : {-0.1, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
        const std::vector<double> betas{0.5, bad};
        EXPECT_THROW(enumerate_exact(model, betas), ModelError) << bad;
    }
    EXPECT_TRUE(enumerate_exact(model, std::vector<double>{}).empty());
}

}  // namespace

namespace {

TEST(Enumerate, GroundStateKeepsItsWeightAtHugeBeta) {
    // A 12-spin SK model (Gaussian couplings: the factored path). Weights were taken relative
    // to the ground energy by Model::energy, which the blocks' own sums can miss by an ulp; at
    // beta = 1e18 exp(-beta * ulp) was 0 for every state and ln Z came out -inf. The limit:
    // ln Z -> -beta E_gs + ln 2 (the ground state and its mirror image), <H> -> E_gs, C -> 0.
    CouplingSpec spec;
    spec.disorder = Disorder::sk;
    spec.seed = 4;
    const Model sk = build_model(make_lattice({LatticeKind::complete, {12}, Boundary::open}), spec);
    const double ground = enumerate_ground_energy(sk);
    for (EnumerationPath path : {EnumerationPath::automatic, EnumerationPath::factored}) {
        for (double beta : {1e17, 1e18, 1e19, 1e22}) {
            const ExactResult r = enumerate_one(sk, beta, path);
            const std::string what = "beta " + std::to_string(beta);
            EXPECT_NEAR(r.ln_z, -beta * ground + std::log(2.0), 4e-16 * beta * std::abs(ground))
                << what;
            EXPECT_NEAR(r.energy_per_spin, ground / 12.0, 1e-15 * std::abs(ground)) << what;
            EXPECT_EQ(r.specific_heat_per_spin, 0.0) << what;
        }
    }
}

TEST(Enumerate, OffsetDoesNotRoundAwayTheDifferencesBetweenStates) {
    // One spin, h = 1e-9, E0 = 1e5, beta = 1e3: <s> = tanh(1e-6), C = (beta h)^2 (1 - <s>^2).
    // With E0 inside every state's energy (1e5 -+ 1e-9, an ulp of 1.5e-11) <s> was 0.4% off.
    const Model spin(1, {}, {}, {1e-9}, 1e5);
    const double m = std::tanh(1e-6);
    for (EnumerationPath path :
         {EnumerationPath::automatic, EnumerationPath::factored, EnumerationPath::direct}) {
        const ExactResult r = enumerate_one(spin, 1e3, path);
        EXPECT_NEAR(r.magnetization, m, 1e-10 * m);
        EXPECT_NEAR(r.specific_heat_per_spin, 1e-12 * (1.0 - m * m), 1e-9 * 1e-12);
        EXPECT_NEAR(r.ln_z, -1e8 + std::log(2.0 * std::cosh(1e-6)), 1e-16 * 1e8);
        EXPECT_NEAR(r.energy_per_spin, 1e5 - 1e-9 * m, 1e-16 * 1e5);
    }
}

TEST(Enumerate, ExtremeInverseTemperatureGivesNoNaN) {
    // beta^2 overflows beyond ~1e154; the specific heat (0 at T -> 0 for a gapped ground
    // state) must not become 0 * inf = NaN.
    const Model model =
        build_model(make_lattice({LatticeKind::square, {3, 3}, Boundary::periodic}), {});
    for (const ExactResult& r : enumerate_exact(model, std::vector<double>{1e160, 1e300})) {
        EXPECT_TRUE(std::isfinite(r.ln_z));
        EXPECT_EQ(r.specific_heat_per_spin, 0.0);
        EXPECT_TRUE(std::isfinite(r.energy_per_spin));
    }
}

}  // namespace
}  // namespace isingmf
