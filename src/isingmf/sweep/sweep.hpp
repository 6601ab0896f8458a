#pragma once
/// Temperature sweeps: at each temperature, in the order given, the bounds and estimates
/// asked for (naive and structured mean-field lower bounds, certified upper bound, Bethe
/// estimate) and (optionally) exact thermodynamics.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isingmf/bounds/bethe.hpp"
#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/exact/exact_result.hpp"
#include "isingmf/meanfield/mean_field.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// What a sweep can compute besides the exact side, by the names of `--bounds`.
enum class SweepBound {
    mean_field,  ///< "mf": naive mean-field lower bound (meanfield/mean_field.hpp)
    upper,       ///< "upper": certified upper bound (bounds/upper_bound.hpp)
    bethe,       ///< "bethe": Bethe estimate, not a bound (bounds/bethe.hpp)
    /// "structured": structured mean-field lower bound
    /// (meanfield/structured_mean_field.hpp)
    structured,
};

/// "mf", "upper", "bethe" or "structured".
std::string to_string(SweepBound bound);
/// Parses a comma list of those names (each at most once, at least one); throws ParseError
/// naming the unknown or repeated entry.
std::vector<SweepBound> parse_sweep_bounds(std::string_view list);

struct SweepOptions {
    /// What to compute; the default is the bracket: mean field and the upper bound.
    std::vector<SweepBound> bounds = {SweepBound::mean_field, SweepBound::upper};
    MeanFieldOptions mean_field;
    UpperBoundOptions upper;
    BetheOptions bethe;
    /// Structured mean field; its `naive` options are replaced by `mean_field`: the naive
    /// start is the sweep's naive solution (solved as for mf, warm passes included, also when
    /// mf is not reported), and its warm starts are the sweep's.
    StructuredMeanFieldOptions structured;
    /// Also start each temperature from its neighbours' solutions, except where its cold
    /// starts provably reached F's global maximum (single_start_suffices, meanfield/detail).
    bool warm_start = true;
    /// Whether each temperature's mean-field m stays in its result. With false (a caller that
    /// writes no m, as `isingmf sweep --store-m no`) every mean-field m is left empty, and each
    /// is dropped as soon as no later step reads it: where no warm start runs (warm_start false,
    /// or every temperature's cold start provably global) the sweep holds one m at a time
    /// instead of one per temperature. Warm starts read their neighbours' m, so those are kept
    /// until the second warm pass has passed them; structured mean field's naive starts read
    /// them all.
    bool keep_m = true;
    ExactMethod exact = ExactMethod::automatic;
    int threads = 0;  ///< 0: OpenMP's default; at most kMaxThreads (util/thread_count.hpp)
    /// Whether `bounds` lists `bound`.
    bool computes(SweepBound bound) const;
};

/// One temperature of a sweep. T = 1/beta (inf at beta = 0). Each result is present when
/// it was asked for (and, for the upper bound, could run).
struct SweepPoint {
    double T = 0.0;
    double beta = 0.0;
    std::optional<MeanFieldResult> mean_field;
    std::optional<UpperBoundResult> upper;
    std::optional<BetheResult> bethe;
    std::optional<StructuredMeanFieldResult> structured;
    std::optional<ExactResult> exact;
};

struct SweepResult {
    std::vector<SweepPoint> points;
    /// Exact method used ("enumerate", "eliminate", "kaufman") or "none".
    std::string exact_method = "none";
    /// Why the exact side was skipped, when `automatic` found nothing that applies.
    std::string exact_note;
    /// Why the upper bound was skipped although asked for, or why it ran on spanning trees
    /// although a strip width was asked for ("" otherwise).
    std::string upper_note;
};

/// Progress callback: (stage, steps done, steps in the stage). Stages are "exact" (0 of 1
/// before the exact solver starts, 1 of 1 when it is done), "mean field" (one step per
/// solve of a temperature, cold and warm passes), "upper bound", "bethe" and "structured"
/// (one step per temperature).
using SweepProgress = std::function<void(const char*, std::size_t, std::size_t)>;

/// Temperatures solved one after another with warm starts by the upper bound, BP and
/// structured mean field: the
/// grid is cut into runs of this many consecutive entries, which run in parallel (so the
/// result does not depend on the thread count).
inline constexpr std::size_t kWarmRun = 8;

/// Runs the sweep over `betas` (each >= 0 and finite). The upper bound runs on one
/// decomposition for all temperatures (choose_decomposition); where the automatic width's
/// cannot be built it is skipped with `upper_note`. Structured mean field runs on one
/// partition for all temperatures (options.structured.clusters, else make_cluster_partition
/// of its cluster_width), built before anything is solved; each temperature starts from the
/// naive solution at that temperature and, with warm_start, also from the previous
/// temperature's result in its run of kWarmRun. Results do not depend on the thread count.
/// Throws ModelError, before anything is solved, when an explicitly requested exact method
/// cannot run, the structured partition cannot be built (tables beyond
/// options.structured.limits), an explicit upper-bound width (options.upper.width > 0) cannot
/// be compiled, or the thread count is out of range.
SweepResult run_sweep(const Model& model, const std::vector<double>& betas,
                      const SweepOptions& options, const SweepProgress& progress = {});

/// Sets point k's T to temperatures[k], the temperature as the user gave it, instead of
/// 1/beta_k, which may differ from it in the last bit (files and tables show what was typed).
/// Leaves T alone when `temperatures` is empty (a grid given as beta).
void keep_typed_temperatures(std::span<const double> temperatures, SweepResult& sweep);

}  // namespace isingmf
