// run_ensemble against its definition: sample k is run_sweep on the model built with seed
// S + k (the same build path as `isingmf sweep --seed S+k`), whatever the thread count.

#include "isingmf/ensemble/ensemble.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>

#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

GeneratedModelSpec glass() {
    GeneratedModelSpec spec;
    spec.lattice.kind = LatticeKind::square;
    spec.lattice.size = {4, 4};
    spec.couplings.disorder = Disorder::pm;
    spec.size_text = "4x4";
    return spec;
}

EnsembleOptions options(int threads) {
    EnsembleOptions o;
    o.samples = 6;
    o.seed = 11;
    o.threads = threads;
    o.sweep.bounds = {SweepBound::mean_field, SweepBound::upper};
    return o;
}

const std::vector<double> kBetas = {0.3, 0.7, 1.5};

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

// Every number a sample's sweep carries that the file keeps, bit for bit.
void expect_same(const SweepResult& a, const SweepResult& b) {
    ASSERT_EQ(a.points.size(), b.points.size());
    EXPECT_EQ(a.exact_method, b.exact_method);
    for (std::size_t t = 0; t < a.points.size(); ++t) {
        const SweepPoint& p = a.points[t];
        const SweepPoint& q = b.points[t];
        ASSERT_TRUE(p.mean_field && q.mean_field && p.upper && q.upper && p.exact && q.exact);
        EXPECT_EQ(bits(p.mean_field->ln_z), bits(q.mean_field->ln_z)) << t;
        EXPECT_EQ(bits(p.mean_field->energy), bits(q.mean_field->energy)) << t;
        EXPECT_EQ(p.mean_field->iterations, q.mean_field->iterations) << t;
        EXPECT_EQ(p.mean_field->start, q.mean_field->start) << t;
        EXPECT_EQ(bits(p.upper->ln_z), bits(q.upper->ln_z)) << t;
        EXPECT_EQ(bits(p.exact->ln_z), bits(q.exact->ln_z)) << t;
        EXPECT_EQ(bits(p.exact->specific_heat_per_spin), bits(q.exact->specific_heat_per_spin));
    }
}

TEST(EnsembleSeeds, ConsecutiveFromTheBaseSeed) {
    EXPECT_EQ(ensemble_seeds(7, 3), (std::vector<std::uint64_t>{7, 8, 9}));
    // The last range that fits: S + K - 1 = 2^64 - 1.
    EXPECT_EQ(ensemble_seeds(kMax - 2, 3), (std::vector<std::uint64_t>{kMax - 2, kMax - 1, kMax}));
}

TEST(EnsembleSeeds, OverflowAndNoSamplesRefused) {
    try {
        ensemble_seeds(kMax - 1, 3);
        FAIL() << "no error";
    } catch (const ModelError& e) {
        // Names the largest base seed that fits for 3 samples: 2^64 - 3.
        EXPECT_NE(std::string(e.what()).find("18446744073709551613"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(ensemble_seeds(1, 0), ModelError);
}

TEST(Ensemble, SampleKIsTheSweepWithSeedSPlusK) {
    const EnsembleResult ensemble = run_ensemble(glass(), kBetas, options(1));
    ASSERT_EQ(ensemble.samples.size(), 6u);
    const LatticeGraph lattice = make_lattice(glass().lattice);
    for (const std::size_t k : {0u, 2u, 5u}) {
        EXPECT_EQ(ensemble.seeds[k], 11u + k);
        // The sweep's own path: the model built with that seed, mean-field starts seeded too.
        GeneratedModelSpec spec = glass();
        spec.couplings.seed = 11 + k;
        SweepOptions sweep = options(1).sweep;
        sweep.mean_field.seed = 11 + k;
        sweep.threads = 1;
        const SweepResult alone = run_sweep(build_generated_model(spec, lattice), kBetas, sweep);
        SCOPED_TRACE(k);
        expect_same(ensemble.samples[k], alone);
    }
    // Different seeds give different glasses (else the test above could not fail on a seed
    // mix-up).
    EXPECT_NE(bits(ensemble.samples[0].points[2].exact->ln_z),
              bits(ensemble.samples[1].points[2].exact->ln_z));
}

TEST(Ensemble, OneAndTwoThreadsGiveTheSameSamples) {
    const EnsembleResult one = run_ensemble(glass(), kBetas, options(1));
    const EnsembleResult two = run_ensemble(glass(), kBetas, options(2));
    ASSERT_EQ(one.samples.size(), two.samples.size());
    for (std::size_t k = 0; k < one.samples.size(); ++k) {
        SCOPED_TRACE(k);
        expect_same(one.samples[k], two.samples[k]);
    }
    // Fewer samples than threads: the threads are shared out inside the sweeps.
    EnsembleOptions few = options(2);
    few.samples = 1;
    EnsembleOptions alone = options(1);
    alone.samples = 1;
    expect_same(run_ensemble(glass(), kBetas, few).samples[0],
                run_ensemble(glass(), kBetas, alone).samples[0]);
}

}  // namespace
}  // namespace isingmf
