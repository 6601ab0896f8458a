#pragma once
// max_i sum_j |J_ij|: Gershgorin's bound on the largest eigenvalue of the coupling matrix (the
// mean-field bound is concave for beta times it <= 1, and the sweep contracts below it).

#include <algorithm>
#include <cmath>

#include "isingmf/model/model.hpp"

namespace isingmf::test {

inline double max_row_sum(const Model& model) {
    const Adjacency& adj = model.adjacency();
    double best = 0.0;
    for (std::size_t i = 0; i + 1 < adj.offset.size(); ++i) {
        double s = 0.0;
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k)
            s += std::abs(adj.coupling[k]);
        best = std::max(best, s);
    }
    return best;
}

}  // namespace isingmf::test
