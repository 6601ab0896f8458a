#pragma once
/// Naive mean-field lower bound on ln Z.
///
/// With q(s) = prod_i (1 + m_i s_i)/2 and H = E0 - sum_e J_e s_i s_j - sum_i h_i s_i,
///
///   ln Z >= F(m) = -beta E0 + beta (sum_e J_e m_i m_j + sum_i h_i m_i) + sum_i H_b(m_i),
///   H_b(m) = -(1+m)/2 ln((1+m)/2) - (1-m)/2 ln((1-m)/2),
///
/// for every m in [-1, 1]^N (Gibbs/Jensen). F is concave in each m_i separately, with
/// maximiser m_i = tanh(beta phi_i), phi_i = sum_j J_ij m_j + h_i, so coordinate ascent
/// can only increase F. ln Z_MF is the best F found; it is a lower bound whether or not the
/// iteration converged, because it is evaluated at the m that is returned.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf {

/// Which starting points to try; the best bound over all of them is kept.
struct MeanFieldStarts {
    bool all_up = true;
    bool all_down = true;
    int random = 1;  ///< number of random starts, m_i uniform in [-1, 1]
};

struct MeanFieldOptions {
    double tolerance = 1e-10;  ///< stop when max|dm| and |dF|/max(1,|F|) are both below it
    int max_iterations = 10000;  ///< sweeps per start
    MeanFieldStarts starts;
    std::uint64_t seed = 1;  ///< random starts draw from this seed (and the start index)
};

/// The bound and the q that attains it. Per-spin quantities divide by N.
struct MeanFieldResult {
    double ln_z = 0.0;        ///< F(m), the lower bound on ln Z
    double energy = 0.0;      ///< <H>_q
    double entropy = 0.0;     ///< S(q) = sum_i H_b(m_i)
    double magnetization = 0.0;  ///< (1/N) sum_i m_i
    std::vector<double> m;    ///< per-site magnetizations
    int iterations = 0;       ///< sweeps used by the start that won
    bool converged = false;   ///< that start met the tolerance within max_iterations
    double residual = 0.0;    ///< max_i |m_i - tanh(beta phi_i)| at the returned m
    std::string start;        ///< "up", "down", "random:K" or "warm"
};

/// The update order of coordinate ascent, computed once per model: sites grouped in colour
/// classes of a greedy colouring (no edge inside a class), so the sites of one class can be
/// updated in parallel with exactly the result of updating them one after another.
class MeanFieldPlan {
public:
    explicit MeanFieldPlan(const Model& model);
    const Model& model() const { return *model_; }
    /// Sites ordered class by class; class c is order()[class_offset()[c] .. class_offset()[c+1]).
    const std::vector<int>& order() const { return order_; }
    const std::vector<std::size_t>& class_offset() const { return class_offset_; }
    std::size_t num_colours() const { return class_offset_.size() - 1; }

private:
    const Model* model_;
    std::vector<int> order_;
    std::vector<std::size_t> class_offset_;
};

/// F(m) of the formula above, evaluated exactly at m (entries clamped to [-1, 1]).
double mean_field_bound(const Model& model, double beta, std::span<const double> m);

/// Fills energy, entropy, magnetization, ln_z and residual of `result` from result.m.
void evaluate_mean_field(const Model& model, double beta, MeanFieldResult& result);

/// Coordinate ascent from one starting point until converged or max_iterations.
MeanFieldResult ascend_mean_field(const MeanFieldPlan& plan, double beta, std::vector<double> start_m,
                                  const MeanFieldOptions& options, std::string start_name);

/// Runs every start in `options.starts` (plus `warm_start` when non-empty) and returns the
/// best bound. beta >= 0; beta = 0 gives m = 0 and ln Z_MF = N ln 2 - 0.
MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start = {});

/// Same, building the plan for a single solve.
MeanFieldResult solve_mean_field(const Model& model, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start = {});

}  // namespace isingmf
