#pragma once
/// Reported bounds that stay bounds in floating point: a value computed in double differs
/// from the exact value of its formula by rounding, and a lower bound that equals the exact
/// ln Z (a tree, T -> 0, beta = 0) comes out above it, or above an upper bound, in about one
/// case in ten (one ulp). The solvers therefore sum their terms with compensation, bound the
/// rounding of what remains from the sizes of the terms, and report the value moved outward
/// by that allowance.

#include <cmath>
#include <limits>

namespace isingmf::detail {

/// The unit roundoff of double: |fl(a op b) - a op b| <= u |a op b| for + - * /.
inline constexpr double kUnitRoundoff = 0x1p-53;

/// Cascaded compensated summation (TwoSum, Ogita, Rump and Oishi's Sum2): the result of
/// adding n terms t_k differs from their exact sum S by at most u |S| + (n u)^2 sum |t_k|,
/// instead of up to (n - 1) u sum |t_k| for plain summation. Branch-free; merging two
/// partial sums keeps the bound.
struct CompensatedSum {
    double sum = 0.0;
    double compensation = 0.0;

    void add(double x) {
        const double t = sum + x;
        const double z = t - sum;
        compensation += (sum - (t - z)) + (x - z);
        sum = t;
    }
    void add(const CompensatedSum& other) {
        add(other.sum);
        compensation += other.compensation;
    }
    double value() const { return sum + compensation; }
};

/// `value - allowance`, then one step down: below value - allowance in exact arithmetic,
/// whatever the rounding of the subtraction. Monotone in `value`, so an ascent that never
/// lowers the computed value never lowers the reported one.
inline double rounded_down(double value, double allowance) {
    return std::nextafter(value - allowance, -std::numeric_limits<double>::infinity());
}

/// `value + allowance`, then one step up (the mirror image of rounded_down).
inline double rounded_up(double value, double allowance) {
    return std::nextafter(value + allowance, std::numeric_limits<double>::infinity());
}

}  // namespace isingmf::detail
