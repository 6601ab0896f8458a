#pragma once
/// Reproducible random numbers: the same seed gives the same model on every platform,
/// compiler and thread count. std::*_distribution is implementation-defined, so the
/// distributions here are written out.

#include <cmath>
#include <cstdint>
#include <numbers>

namespace isingmf {

/// SplitMix64: seeds other generators and derives independent sub-streams.
inline std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/// xoshiro256** (Blackman & Vigna), with uniform and normal variates on top.
class Rng {
public:
    /// `stream` separates independent uses of one user seed (bonds, fields, starts...).
    explicit Rng(std::uint64_t seed, std::uint64_t stream = 0) {
        std::uint64_t s = seed ^ (0xd1b54a32d192ed03ULL * (stream + 1));
        for (auto& word : state_) word = splitmix64(s);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// Uniform in [-1, 1).
    double uniform_symmetric() { return 2.0 * uniform() - 1.0; }

    /// +1 or -1 with equal probability.
    double sign() { return (next() >> 63) != 0 ? 1.0 : -1.0; }

    /// Standard normal by Box-Muller (one variate per call, the pair's second is dropped
    /// so that each draw depends only on the call count).
    double normal() {
        const double u1 = 1.0 - uniform();  // in (0, 1]: log is finite
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4]{};
};

}  // namespace isingmf
