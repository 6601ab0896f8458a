#pragma once
/// The mean-field ascent on a prebuilt update plan (see mean_field.hpp for the method), for
/// callers that solve one model many times: the sweep driver, tests and benchmarks.

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "isingmf/meanfield/detail/mean_field_plan.hpp"
#include "isingmf/meanfield/mean_field.hpp"

namespace isingmf {

/// Called after every sweep of ascend_mean_field with the sweep number (from 1) and the
/// current m in site order; meant for tests and diagnostics (it costs a copy of m per sweep).
using MeanFieldObserver = std::function<void(int, std::span<const double>)>;

/// Coordinate ascent from one starting point until converged or max_iterations.
MeanFieldResult ascend_mean_field(const MeanFieldPlan& plan, double beta,
                                  std::vector<double> start_m, const MeanFieldOptions& options,
                                  std::string start_name, const MeanFieldObserver& observer = {});

/// solve_mean_field of mean_field.hpp on a prebuilt plan.
MeanFieldResult solve_mean_field(const MeanFieldPlan& plan, double beta,
                                 const MeanFieldOptions& options,
                                 std::span<const double> warm_start = {});

}  // namespace isingmf
