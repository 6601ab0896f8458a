#pragma once
/// Structured mean field on a prebuilt plan (see structured_mean_field.hpp for the method):
/// the clusters compiled once for exact inference, the colouring of the cluster graph and the
/// bonds that leave each cluster, reused across temperatures by the sweep driver, tests and
/// benchmarks.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "isingmf/clusters/piece_solver.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"

namespace isingmf {

/// The update order and the compiled clusters of one partition of one model.
class StructuredPlan {
public:
    /// Keeps a reference to `model`, which must outlive the plan. Throws ModelError when the
    /// partition does not fit the model or a cluster needs tables beyond `limits`.
    StructuredPlan(const Model& model, ClusterPartition partition,
                   const PieceSolverLimits& limits = {});
    StructuredPlan(Model&&, ClusterPartition, const PieceSolverLimits& = {}) = delete;

    const Model& model() const { return *model_; }
    const ClusterPartition& partition() const { return partition_; }
    std::size_t num_clusters() const { return solvers_.size(); }
    const PieceSolver& solver(std::size_t c) const { return solvers_[c]; }
    /// Couplings J_e of cluster c's edges, in the solver's edge order.
    std::span<const double> couplings(std::size_t c) const;
    /// Colour classes: class k is clusters class_members()[class_offset()[k] ..
    /// class_offset()[k+1]); no bond joins two clusters of one class.
    const std::vector<int>& class_members() const { return class_members_; }
    const std::vector<std::size_t>& class_offset() const { return class_offset_; }
    std::size_t num_colours() const { return class_offset_.size() - 1; }
    /// Cluster of each site.
    const std::vector<int>& cluster_of() const { return cluster_of_; }
    /// Bonds leaving site i's cluster: neighbours outside()[outside_offset()[i] ..
    /// outside_offset()[i+1]) with couplings outside_coupling() at the same places.
    const std::vector<std::size_t>& outside_offset() const { return outside_offset_; }
    const std::vector<int>& outside() const { return outside_; }
    const std::vector<double>& outside_coupling() const { return outside_coupling_; }
    /// Model edges joining two clusters, in edge order.
    const std::vector<int>& inter_edges() const { return inter_edges_; }

private:
    const Model* model_;
    ClusterPartition partition_;
    std::vector<PieceSolver> solvers_;
    std::vector<std::size_t> coupling_offset_;
    std::vector<double> cluster_couplings_;
    std::vector<int> class_members_;
    std::vector<std::size_t> class_offset_;
    std::vector<int> cluster_of_;
    std::vector<std::size_t> outside_offset_;
    std::vector<int> outside_;
    std::vector<double> outside_coupling_;
    std::vector<int> inter_edges_;
};

/// Block coordinate ascent from one start (per-site magnetizations of independent spins)
/// until converged or options.max_iterations; `observer` (may be empty) sees F along the way.
StructuredMeanFieldResult ascend_structured_mean_field(const StructuredPlan& plan, double beta,
                                                       std::vector<double> start_m,
                                                       const StructuredMeanFieldOptions& options,
                                                       std::string start_name,
                                                       const StructuredObserver& observer = {});

/// solve_structured_mean_field of structured_mean_field.hpp on a prebuilt plan. When
/// options.starts.naive is set and `naive_m` is non-empty, it is taken as the naive solution
/// at this beta (the sweep has it already) instead of solving for it.
StructuredMeanFieldResult solve_structured_mean_field(const StructuredPlan& plan, double beta,
                                                      const StructuredMeanFieldOptions& options,
                                                      std::span<const double> warm_start = {},
                                                      std::span<const double> naive_m = {});

}  // namespace isingmf
