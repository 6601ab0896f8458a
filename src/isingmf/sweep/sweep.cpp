#include "isingmf/sweep/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/detail/structured_plan.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/thread_count.hpp"

namespace isingmf {
namespace {

constexpr detail::EnumNames<SweepBound, 4> kBoundNames{{
    {SweepBound::mean_field, "mf"},
    {SweepBound::upper, "upper"},
    {SweepBound::bethe, "bethe"},
    {SweepBound::structured, "structured"},
}};

bool has_cold_start(const MeanFieldStarts& starts) {
    return starts.all_up || starts.all_down || starts.random > 0 || starts.paramagnet ||
           starts.anneal;
}

// Counts solves for the progress callback; safe to call from parallel solves.
class ProgressCounter {
public:
    ProgressCounter(const SweepProgress& progress, std::size_t total,
                    const char* stage = "mean field")
        : progress_(progress), total_(total), stage_(stage) {}
    void step() {
        if (!progress_) return;
#pragma omp critical(isingmf_sweep_progress)
        progress_(stage_, ++done_, total_);
    }

private:
    const SweepProgress& progress_;
    std::size_t total_;
    const char* stage_;
    std::size_t done_ = 0;
};

std::vector<SweepPoint> make_points(const std::vector<double>& betas) {
    std::vector<SweepPoint> points(betas.size());
    for (std::size_t k = 0; k < betas.size(); ++k) {
        points[k].beta = betas[k];
        points[k].T = betas[k] > 0.0 ? 1.0 / betas[k] : std::numeric_limits<double>::infinity();
    }
    return points;
}

// Models from this size on are solved one temperature at a time with all threads inside the
// sweep kernel: a solve on one thread each would leave the kernel's own parallel loops idle
// (nested) and hold a set of per-site arrays per thread.
constexpr std::size_t kParallelKernelSites = std::size_t{1} << 18;

// Which temperatures the warm passes try from a neighbour's solution: every one where the
// passes run, except where the cold starts provably reached F's global maximum, which a
// neighbour's solution cannot beat.
std::vector<char> warm_candidates(const MeanFieldPlan& plan, const MeanFieldOptions& options,
                                  bool cold, bool passes, const std::vector<SweepPoint>& points) {
    std::vector<char> tried(points.size(), 0);
    if (!passes || points.size() < 2) return tried;
    for (std::size_t k = 0; k < points.size(); ++k)
        tried[k] = !(cold && single_start_suffices(plan, points[k].beta, options.starts)) ? 1 : 0;
    return tried;
}

// Whether the warm passes read temperature k's m: as a neighbour's solution (k - 1, k + 1),
// or as the incumbent its own warm start is held to.
bool read_by_warm_passes(const std::vector<char>& tried, std::size_t k) {
    return tried[k] != 0 || (k > 0 && tried[k - 1] != 0) ||
           (k + 1 < tried.size() && tried[k + 1] != 0);
}

// Frees a result's m (SweepOptions::keep_m).
void drop_m(std::optional<MeanFieldResult>& result) {
    if (result) std::vector<double>().swap(result->m);
}

void drop_every_m(std::vector<SweepPoint>& points) {
    for (SweepPoint& p : points) drop_m(p.mean_field);
}

// Cold starts: temperatures are independent, so small models run them in parallel. Each
// solve's numbers do not depend on which thread ran it.
void cold_pass(const MeanFieldPlan& plan, const MeanFieldOptions& options, bool keep_m,
               const std::vector<char>& tried, std::vector<SweepPoint>& points,
               ProgressCounter& counter) {
    const auto sites = static_cast<std::size_t>(plan.model().num_sites());
    const bool by_temperature = points.size() > 1 && sites < kParallelKernelSites;
    detail::for_each_task(points.size(), by_temperature, [&](std::size_t k) {
        points[k].mean_field = solve_mean_field(plan, points[k].beta, options);
        if (!keep_m && !read_by_warm_passes(tried, k)) drop_m(points[k].mean_field);
        counter.step();
    });
}

// Warm starts: up and then down the grid, each temperature also tried from its neighbour's
// best solution (except where its cold starts reached the global maximum); with no cold start
// the chain is seeded by the ordered state at the first temperature. Sequential over T, so the
// result is deterministic; large graphs parallelise inside the kernel instead.
void warm_passes(const MeanFieldPlan& plan, const MeanFieldOptions& options, bool cold, bool keep_m,
                 const std::vector<char>& tried, std::vector<SweepPoint>& points,
                 ProgressCounter& counter) {
    const std::size_t n_t = points.size();
    MeanFieldOptions warm_only = options;
    warm_only.starts = MeanFieldStarts::none();
    for (std::size_t step = 0; step < 2 * n_t; ++step) {
        const bool up = step < n_t;
        const std::size_t k = up ? step : 2 * n_t - 1 - step;
        // On the way down, the temperature two above was the last one's neighbour and is read
        // no more (the one above is this one's).
        if (!up && !keep_m && k + 2 < n_t) drop_m(points[k + 2].mean_field);
        std::optional<MeanFieldResult>& here = points[k].mean_field;
        const bool first = up ? k == 0 : k + 1 == n_t;
        if (first) {
            if (!cold && up) {
                MeanFieldOptions ordered = warm_only;
                ordered.starts.all_up = true;
                here = solve_mean_field(plan, points[k].beta, ordered);
            }
            counter.step();
            continue;
        }
        if (tried[k] == 0) {
            counter.step();
            continue;
        }
        const MeanFieldResult& neighbour = *points[up ? k - 1 : k + 1].mean_field;
        // Held to the cut-off rule against this temperature's best so far.
        MeanFieldResult candidate =
            solve_mean_field(plan, points[k].beta, warm_only, neighbour.m, here ? &*here : nullptr);
        if (!here) {
            here = std::move(candidate);
        } else {
            std::vector<std::string> cut = here->cut;
            cut.insert(cut.end(), candidate.cut.begin(), candidate.cut.end());
            const long long sweeps = here->total_sweeps + candidate.total_sweeps;
            if (candidate.ln_z > here->ln_z) here = std::move(candidate);
            here->cut = std::move(cut);
            here->total_sweeps = sweeps;
        }
        counter.step();
    }
}

// Runs `solve(k, warm)` over the temperatures in runs of kWarmRun consecutive entries: the
// runs in parallel, each run in order with the previous temperature's result as warm start.
template <class Solve>
void warm_runs(std::size_t n_t, ProgressCounter& counter, const Solve& solve) {
    const std::size_t runs = (n_t + kWarmRun - 1) / kWarmRun;
    detail::for_each_task(runs, runs > 1, [&](std::size_t r) {
        for (std::size_t k = r * kWarmRun; k < std::min(n_t, (r + 1) * kWarmRun); ++k) {
            solve(k, k > r * kWarmRun);
            counter.step();
        }
    });
}

// The upper bound's plan in `plan`, or in `note` why it cannot run. An explicit strip width
// that cannot be compiled is the caller's error (as an over-wide cluster width is), not a note.
void make_upper_plan(const Model& model, const UpperBoundOptions& options,
                     std::optional<UpperBoundPlan>& plan, std::string& note) {
    try {
        plan.emplace(model, choose_decomposition(model, options));
        // A width asked for that the decomposition cannot use is said, not dropped silently.
        if (options.width > 1 && plan->decomposition().kind == DecompositionKind::trees) {
            note = fmt::format(
                "upper bound on spanning trees, not on strips of width {}: this graph is no "
                "lattice the strips fit",
                options.width);
        }
    } catch (const ModelError& error) {
        if (options.width != 0) {
            throw ModelError(
                fmt::format("upper bound on strips of width {}: {}", options.width, error.what()));
        }
        note = fmt::format("upper bound skipped: {}", error.what());
    }
}

// The upper bound at every temperature on one plan.
void upper_pass(const UpperBoundPlan& plan, const UpperBoundOptions& options, SweepResult& sweep,
                const SweepProgress& progress) {
    auto& points = sweep.points;
    ProgressCounter counter(progress, points.size(), "upper bound");
    warm_runs(points.size(), counter, [&](std::size_t k, bool warm) {
        points[k].upper = solve_upper_bound(plan, points[k].beta, options,
                                            warm ? &*points[k - 1].upper : nullptr);
    });
}

void bethe_pass(const Model& model, const BetheOptions& options, std::vector<SweepPoint>& points,
                const SweepProgress& progress) {
    ProgressCounter counter(progress, points.size(), "bethe");
    warm_runs(points.size(), counter, [&](std::size_t k, bool warm) {
        points[k].bethe =
            solve_bethe(model, points[k].beta, options, warm ? &*points[k - 1].bethe : nullptr);
    });
}

// The structured partition and its compiled clusters (before any solving, so that clusters
// too wide for the solver's limits fail the sweep at once).
StructuredPlan make_structured_plan(const Model& model, const StructuredMeanFieldOptions& options) {
    ClusterPartition partition =
        options.clusters ? *options.clusters : make_cluster_partition(model, options.cluster_width);
    try {
        return StructuredPlan(model, std::move(partition), options.limits);
    } catch (const ModelError& error) {
        // Which bound and which setting, as the upper bound's strips say theirs.
        throw ModelError(
            options.clusters
                ? fmt::format("structured mean field on the given clusters: {}", error.what())
                : fmt::format("structured mean field on clusters of width {}: {}",
                              options.cluster_width, error.what()));
    }
}

// Naive mean field at every temperature: cold starts in parallel, then warm passes. Without
// keep_m every m is left empty, each dropped once no later step reads it.
void mean_field_pass(const Model& model, const SweepOptions& options, bool keep_m,
                     std::vector<SweepPoint>& points, const SweepProgress& progress) {
    const MeanFieldPlan plan(model);
    const MeanFieldOptions& mf = options.mean_field;
    const std::size_t n_t = points.size();
    const bool cold = has_cold_start(mf.starts);
    const bool passes = (options.warm_start && n_t > 1) || !cold;
    const std::vector<char> tried = warm_candidates(plan, mf, cold, passes, points);
    ProgressCounter counter(progress, (cold ? n_t : 0) + (passes ? 2 * n_t : 0));
    if (cold) cold_pass(plan, mf, keep_m, tried, points, counter);
    if (passes) warm_passes(plan, mf, cold, keep_m, tried, points, counter);
    if (!keep_m) drop_every_m(points);
}

// Structured mean field at every temperature, in warm runs like the upper bound: each
// temperature from the naive solution there (`naive[k].mean_field`, when the options ask for
// the naive start) and, with warm starts, from the previous temperature's q (as independent
// spins).
void structured_pass(const StructuredPlan& plan, const SweepOptions& options,
                     const std::vector<SweepPoint>& naive, std::vector<SweepPoint>& points,
                     const SweepProgress& progress) {
    StructuredMeanFieldOptions structured = options.structured;
    structured.naive = options.mean_field;
    ProgressCounter counter(progress, points.size(), "structured");
    warm_runs(points.size(), counter, [&](std::size_t k, bool warm) {
        SweepPoint& p = points[k];
        const std::span<const double> naive_m =
            structured.starts.naive ? std::span<const double>(naive[k].mean_field->m)
                                    : std::span<const double>();
        const std::span<const double> previous =
            warm && options.warm_start ? std::span<const double>(points[k - 1].structured->m)
                                       : std::span<const double>();
        p.structured = solve_structured_mean_field(plan, p.beta, structured, previous, naive_m);
    });
}

}  // namespace

std::string to_string(SweepBound bound) { return detail::enum_name(kBoundNames, bound); }

std::vector<SweepBound> parse_sweep_bounds(std::string_view list) {
    std::vector<SweepBound> bounds;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const SweepBound bound =
            detail::parse_enum(kBoundNames, list.substr(pos, comma - pos), "bound");
        if (std::find(bounds.begin(), bounds.end(), bound) != bounds.end())
            throw ParseError(fmt::format("bound '{}' listed twice", to_string(bound)));
        bounds.push_back(bound);
        pos = comma + 1;
    }
    return bounds;
}

bool SweepOptions::computes(SweepBound bound) const {
    return std::find(bounds.begin(), bounds.end(), bound) != bounds.end();
}

SweepResult run_sweep(const Model& model, const std::vector<double>& betas,
                      const SweepOptions& options, const SweepProgress& progress) {
    check_energy_scale(model, betas);
    check_threads(options.threads);
    const ThreadCountGuard threads(options.threads);
    std::optional<StructuredPlan> structured;
    if (options.computes(SweepBound::structured))
        structured.emplace(make_structured_plan(model, options.structured));
    // An explicit strip width is compiled before any solving, so that one that cannot be fails
    // at once; the automatic choice is compiled after the mean field, whose memory is then free.
    SweepResult sweep;
    std::optional<UpperBoundPlan> upper;
    const bool upper_first = options.computes(SweepBound::upper) && options.upper.width != 0;
    if (upper_first) make_upper_plan(model, options.upper, upper, sweep.upper_note);
    const ExactChoice choice = choose_exact_method(model, options.exact);
    sweep.exact_method = to_string(choice.method);
    sweep.exact_note = choice.note;
    sweep.points = make_points(betas);
    if (choice.method != ExactMethod::none) {
        if (progress) progress("exact", 0, 1);
        const std::vector<ExactResult> exact = solve_exact(model, choice.method, betas);
        if (progress) progress("exact", 1, 1);
        for (std::size_t k = 0; k < betas.size(); ++k) sweep.points[k].exact = exact[k];
    }

    // Structured mean field's naive starts read the reported mean field's m.
    const bool naive_starts = structured && options.structured.starts.naive;
    if (options.computes(SweepBound::mean_field))
        mean_field_pass(model, options, options.keep_m || naive_starts, sweep.points, progress);
    if (options.computes(SweepBound::upper)) {
        if (!upper_first) make_upper_plan(model, options.upper, upper, sweep.upper_note);
        if (upper) upper_pass(*upper, options.upper, sweep, progress);
        upper.reset();
    }
    if (options.computes(SweepBound::bethe))
        bethe_pass(model, options.bethe, sweep.points, progress);
    if (structured) {
        // The naive start is the sweep's naive solution, solved here when mf is not reported.
        std::vector<SweepPoint> scratch;
        if (options.structured.starts.naive && !options.computes(SweepBound::mean_field)) {
            scratch = make_points(betas);
            mean_field_pass(model, options, true, scratch, progress);
        }
        structured_pass(*structured, options, scratch.empty() ? sweep.points : scratch,
                        sweep.points, progress);
        if (!options.keep_m) drop_every_m(sweep.points);
    }
    return sweep;
}

void keep_typed_temperatures(std::span<const double> temperatures, SweepResult& sweep) {
    for (std::size_t k = 0; k < temperatures.size(); ++k) sweep.points[k].T = temperatures[k];
}

}  // namespace isingmf
