#pragma once
// Plain sequential coordinate ascent of the naive mean-field bound, written independently of
// the library's kernel: the "plain Gauss-Seidel loop" of issue 10 that the default starts are
// measured against (tests/meanfield/starts_test.cpp, bench/starts_bench.cpp).

#include <algorithm>
#include <cmath>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf::test {

// Sites in index order, m_i <- tanh(beta (sum_j J_ij m_j + h_i)) with std::tanh, until a sweep
// moves no m_i by more than 1e-10. With `tiny_field` the sweeps first run with h_i + tiny_field
// (breaking the symmetry of h = 0, as "m = 0 plus a tiny field" means) until converged, and
// then on the model itself.
inline std::vector<double> plain_ascent(const Model& model, double beta, std::vector<double> m,
                                        double tiny_field = 0.0) {
    const Adjacency& adj = model.adjacency();
    const std::vector<double>& h = model.fields();
    double extra = tiny_field;
    for (int sweep = 0; sweep < 200000; ++sweep) {
        double largest = 0.0;
        for (std::size_t i = 0; i < m.size(); ++i) {
            double phi = h[i] + extra;
            for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k)
                phi += adj.coupling[k] * m[static_cast<std::size_t>(adj.neighbour[k])];
            const double t = std::tanh(beta * phi);
            largest = std::max(largest, std::abs(t - m[i]));
            m[i] = t;
        }
        if (largest < 1e-10) {
            if (extra == 0.0) break;
            extra = 0.0;
        }
    }
    return m;
}

}  // namespace isingmf::test
