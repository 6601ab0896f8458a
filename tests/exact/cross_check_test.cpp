// The exact methods against each other: elimination vs enumeration on random small graphs,
// elimination vs Kaufman's closed form on tori, and the mean-field bound under the exact
// ln Z of the UAI 2014 grid instances. Three independent methods agreeing is the evidence
// that each is right.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "isingmf/exact/eliminate.hpp"
#include "isingmf/exact/enumerate.hpp"
#include "isingmf/exact/kaufman.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

// A random d-regular graph on n sites by the pairing model, retried until simple.
Model random_regular(int n, int d, std::uint64_t seed, double field_sigma) {
    Rng rng(seed, 77);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        std::vector<int> stubs;
        for (int i = 0; i < n; ++i)
            for (int k = 0; k < d; ++k) stubs.push_back(i);
        for (std::size_t k = stubs.size(); k > 1; --k) {
            std::swap(stubs[k - 1], stubs[static_cast<std::size_t>(rng.next() % k)]);
        }
        std::vector<Edge> edges;
        bool simple = true;
        for (std::size_t k = 0; k < stubs.size(); k += 2) {
            const int a = std::min(stubs[k], stubs[k + 1]);
            const int b = std::max(stubs[k], stubs[k + 1]);
            if (a == b || std::find(edges.begin(), edges.end(), Edge{a, b}) != edges.end())
                simple = false;
            edges.push_back({a, b});
        }
        if (!simple) continue;
        std::vector<double> couplings(edges.size());
        for (double& J : couplings) J = rng.normal();
        std::vector<double> fields(static_cast<std::size_t>(n));
        for (double& h : fields) h = field_sigma * rng.normal();
        return Model(n, edges, couplings, fields);
    }
    throw std::runtime_error("no simple regular graph drawn");
}

void expect_same(const ExactResult& a, const ExactResult& b, const std::string& what) {
    // 1e-10 relative (floor 1 for quantities that vanish): both are exact up to rounding
    // of sums over up to 2^24 terms or a few hundred table operations.
    const auto close = [](double x, double y) {
        return std::abs(x - y) <= 1e-10 * std::max(1.0, std::abs(y));
    };
    EXPECT_TRUE(close(a.ln_z, b.ln_z)) << what << ": ln Z " << a.ln_z << " vs " << b.ln_z;
    EXPECT_TRUE(close(a.energy_per_spin, b.energy_per_spin)) << what << ": energy";
    EXPECT_TRUE(close(a.specific_heat_per_spin, b.specific_heat_per_spin))
        << what << ": specific heat";
    EXPECT_TRUE(close(a.magnetization, b.magnetization)) << what << ": magnetization";
    if (!std::isnan(a.susceptibility) && !std::isnan(b.susceptibility)) {
        EXPECT_TRUE(close(a.susceptibility, b.susceptibility)) << what << ": susceptibility";
    }
}

TEST(EliminationVsEnumeration, RandomGraphsUpToTwentyFourSpins) {
    const std::vector<double> betas = {0.0, 0.2, 0.44, 1.0, 2.5};
    std::vector<std::pair<std::string, Model>> models;
    for (auto [kind, size, disorder] :
         {std::tuple{LatticeKind::square, std::vector<int>{4, 6}, Disorder::pm},
          std::tuple{LatticeKind::square, std::vector<int>{4, 6}, Disorder::gauss},
          std::tuple{LatticeKind::triangular, std::vector<int>{4, 5}, Disorder::gauss},
          std::tuple{LatticeKind::cubic, std::vector<int>{2, 3, 4}, Disorder::uniform},
          std::tuple{LatticeKind::complete, std::vector<int>{14}, Disorder::sk}}) {
        CouplingSpec spec;
        spec.disorder = disorder;
        spec.h = 0.1;
        spec.random_field = 0.3;
        spec.seed = 11;
        models.emplace_back(to_string(kind),
                            build_model(make_lattice({kind, size, Boundary::periodic}), spec));
    }
    models.emplace_back("regular3_n24", random_regular(24, 3, 5, 0.5));
    models.emplace_back("regular4_n20", random_regular(20, 4, 6, 0.5));
    for (const auto& [name, model] : models) {
        const auto enumerated = enumerate_exact(model, betas);
        const auto eliminated = eliminate_exact(model, betas);
        for (std::size_t k = 0; k < betas.size(); ++k) {
            expect_same(eliminated[k], enumerated[k], name + " beta " + std::to_string(betas[k]));
        }
    }
}

TEST(EliminationVsKaufman, TorusAtSeveralTemperaturesIncludingTc) {
    // T_c = 2 / ln(1 + sqrt 2) of the infinite lattice (Onsager), J = 1.
    const double tc = 2.0 / std::log(1.0 + std::sqrt(2.0));
    const std::vector<double> betas = {1.0 / 5.0, 1.0 / 3.0, 1.0 / tc, 1.0 / 1.5, 1.0};
    for (int L : {6, 8, 10}) {
        const Model model =
            build_model(make_lattice({LatticeKind::square, {L, L}, Boundary::periodic}), {},
                        {{"lattice", "square"},
                         {"boundary", "periodic"},
                         {"size", std::to_string(L) + "x" + std::to_string(L)}});
        ASSERT_TRUE(kaufman_applies(model));
        const auto eliminated = eliminate_exact(model, betas);
        const auto closed_form = kaufman_exact(model, betas);
        for (std::size_t k = 0; k < betas.size(); ++k) {
            expect_same(eliminated[k], closed_form[k],
                        "L=" + std::to_string(L) + " beta " + std::to_string(betas[k]));
        }
    }
}

class UaiGrid : public ::testing::TestWithParam<std::pair<std::string, double>> {};

// ln Z from tests/data/uai2014-grids/README.md (exact, recomputed by elimination
// in row-major order there; published log10 Z agrees to two decimals).
TEST_P(UaiGrid, MeanFieldBoundIsBelowTheExactLnZ) {
    const auto& [file, ln_z] = GetParam();
    const std::filesystem::path path = std::filesystem::path(ISINGMF_UAI_GRIDS_DIR) / file;
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
    const Model model = read_uai(path);
    const double exact = eliminate_exact(model, std::vector<double>{1.0})[0].ln_z;
    EXPECT_NEAR(exact, ln_z, 1e-6 * ln_z);
    MeanFieldOptions options;
    options.starts.random = 4;
    const MeanFieldResult mf = solve_mean_field(model, 1.0, options);
    EXPECT_LT(mf.ln_z, exact);
    EXPECT_GT(mf.ln_z, 0.9 * exact);  // a useful bound, not a vacuous one
}

INSTANTIATE_TEST_SUITE_P(Uai2014, UaiGrid,
                         ::testing::Values(std::pair{"Grids_11.uai", 390.077166},
                                           std::pair{"Grids_12.uai", 697.881206},
                                           std::pair{"Grids_13.uai", 767.500738},
                                           std::pair{"Grids_14.uai", 1146.142775}),
                         [](const auto& p) { return p.param.first.substr(0, 8); });

}  // namespace
}  // namespace isingmf
