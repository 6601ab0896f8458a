#pragma once
/// Exact thermodynamics at one temperature, whichever exact method produced it.

#include <limits>
#include <string>

namespace isingmf {

/// Per-spin quantities divide by N; m = (1/N) sum_i s_i; averages are Boltzmann averages
/// at inverse temperature beta of the model's H (including its energy offset).
struct ExactResult {
    double ln_z = 0.0;                    ///< ln Z(beta)
    double energy_per_spin = 0.0;         ///< <H> / N
    double specific_heat_per_spin = 0.0;  ///< beta^2 (<H^2> - <H>^2) / N
    double magnetization = 0.0;           ///< <m>
    /// <|m|>; NaN when the method cannot compute it (only enumeration can).
    double magnetization_abs = std::numeric_limits<double>::quiet_NaN();
    /// beta N (<m^2> - <m>^2), the response of <m> to a uniform field; NaN when unavailable.
    double susceptibility = std::numeric_limits<double>::quiet_NaN();
};

/// Which exact method to use for a sweep. `automatic` picks the cheapest that applies.
enum class ExactMethod { automatic, enumerate, eliminate, kaufman, planar, none };

}  // namespace isingmf
