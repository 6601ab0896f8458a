#pragma once
// Magnetizations drawn uniformly from [-1, 1), reproducibly from a seed: the random starts
// of the mean-field tests.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "isingmf/util/random.hpp"

namespace isingmf::test {

inline std::vector<double> random_magnetizations(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<double> m(n);
    for (double& x : m) x = rng.uniform_symmetric();
    return m;
}

}  // namespace isingmf::test
