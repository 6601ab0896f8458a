#pragma once
/// Temperature sweeps: mean-field bound and (optionally) exact thermodynamics at each
/// temperature, in the order given.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

struct SweepOptions {
    MeanFieldOptions mean_field;
    bool warm_start = true;  ///< also start each temperature from its neighbours' solutions
    ExactMethod exact = ExactMethod::automatic;
    int threads = 0;  ///< 0: OpenMP's default
};

/// One temperature of a sweep. T = 1/beta (inf at beta = 0).
struct SweepPoint {
    double T = 0.0;
    double beta = 0.0;
    MeanFieldResult mean_field;
    std::optional<ExactResult> exact;
};

struct SweepResult {
    std::vector<SweepPoint> points;
    /// Exact method used ("enumerate", "eliminate", "kaufman") or "none".
    std::string exact_method = "none";
    /// Why the exact side was skipped, when `automatic` found nothing that applies.
    std::string exact_note;
};

/// Progress callback: (stage, steps done, steps in the stage). Stages are "exact" (0 of 1
/// before the exact solver starts, 1 of 1 when it is done) and "mean field" (one step per
/// solve of a temperature, cold and warm passes).
using SweepProgress = std::function<void(const char*, std::size_t, std::size_t)>;

/// Runs the sweep over `betas` (each >= 0 and finite). Results do not depend on the
/// thread count. Throws ModelError when an explicitly requested exact method cannot run.
SweepResult run_sweep(const Model& model, const std::vector<double>& betas,
                      const SweepOptions& options, const SweepProgress& progress = {});

}  // namespace isingmf
