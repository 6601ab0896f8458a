#pragma once
/// Extrapolating line search of the over-relaxed mean-field ascent (see mean_field.hpp):
/// from the current m (in the plan's update order) along d, the change of the last sweep,
/// find alpha > 0 with F(m + alpha d) > F(m) and move there; F is evaluated exactly, as a
/// difference from F(m), with a rounding allowance that the gain must exceed.

#include <cstddef>
#include <span>
#include <vector>

#include "isingmf/meanfield/detail/mean_field_plan.hpp"
#include "isingmf/util/detail/huge_pages.hpp"

namespace isingmf::detail {

/// The outcome of one line search.
struct LineSearchStep {
    double alpha = 0.0;   ///< the step taken (0: none, m unchanged)
    double gain = 0.0;    ///< F(m + alpha d) - F(m) as evaluated (> allowance when alpha > 0)
    int evaluations = 0;  ///< passes over the sites that evaluated F along the line
};

/// Reusable buffers of the line search for one plan and beta.
class LineSearch {
public:
    LineSearch(const MeanFieldPlan& plan, double beta);

    /// Searches along d from m and, when a step provably raises F, applies it to m: doubles
    /// alpha = 1, 2, 4, ... while F rises, then refines the bracket at most `refinements` times.
    /// `tolerance` is the ascent's residual tolerance: refining stops once the slope of F along
    /// the line is below a tenth of tolerance * sum_i |d_i| (the gradient's share along d is
    /// then below the tolerance).
    LineSearchStep run(std::span<double> m, std::span<const double> d, double tolerance,
                       int refinements);

private:
    struct Trial {
        double alpha = 0.0;
        double gain = 0.0;
        double slope = 0.0;
        double allowance = 0.0;
    };
    Trial evaluate(std::span<const double> m, std::span<const double> d, double alpha);

    const MeanFieldPlan* plan_;
    double beta_;
    HugePageVector<double> g_m_;  // G(m_i), see the .cpp
    // Coefficients of the energy part along the line: E(m + a d) - E(m) = a c1 + a^2 c2, and
    // the same sums over absolute values of the terms (for the rounding allowance).
    double c1_ = 0.0, c2_ = 0.0, abs_c1_ = 0.0, abs_c2_ = 0.0;
    double abs_g_m_ = 0.0;     // sum_i of the absolute terms of G(m_i)
    double max_weight_ = 0.0;  // max_i |h_i| + sum_j |J_ij|
    std::size_t max_degree_ = 0;
};

}  // namespace isingmf::detail
