#pragma once
// An independent, deliberately naive exact ln Z for small test models: every state's energy
// from Model::energy and a log-sum-exp. Slow (2^N * E) but shares no code with the solvers.

#include <algorithm>
#include <cmath>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf::testing {

inline double brute_force_ln_z(const Model& model, double beta) {
    const int n = model.num_sites();
    std::vector<signed char> s(static_cast<std::size_t>(n));
    std::vector<double> exponents;
    exponents.reserve(std::size_t{1} << n);
    for (unsigned long state = 0; state < (1ul << n); ++state) {
        for (int i = 0; i < n; ++i)
            s[static_cast<std::size_t>(i)] = ((state >> i) & 1ul) != 0 ? 1 : -1;
        exponents.push_back(-beta * model.energy(s));
    }
    const double top = *std::max_element(exponents.begin(), exponents.end());
    double sum = 0.0;
    for (double x : exponents) sum += std::exp(x - top);
    return top + std::log(sum);
}

inline double brute_force_ground_energy(const Model& model) {
    const int n = model.num_sites();
    std::vector<signed char> s(static_cast<std::size_t>(n));
    double best = INFINITY;
    for (unsigned long state = 0; state < (1ul << n); ++state) {
        for (int i = 0; i < n; ++i)
            s[static_cast<std::size_t>(i)] = ((state >> i) & 1ul) != 0 ? 1 : -1;
        best = std::min(best, model.energy(s));
    }
    return best;
}

}  // namespace isingmf::testing
