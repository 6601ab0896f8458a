#pragma once
/// Exact thermodynamics by variable elimination (sum-product over the spins one at a time),
/// for graphs of small treewidth: open grids up to ~20x20, tori up to ~12x12, strips of
/// any length.
///
///   Z(beta, eta) = sum_s exp(-beta H(s) + eta sum_i s_i),   H as in model/model.hpp.
///
/// Every table entry carries, besides its value, the first and second derivatives of its
/// logarithm in beta and in eta (a uniform extra field times beta), so that
///   <H> = -d lnZ/dbeta,  beta^2 Var(H) = beta^2 d2 lnZ/dbeta2,
///   N <m> = d lnZ/deta,  N^2 Var(m) = d2 lnZ/deta2   (at eta = 0)
/// come out exactly, with no finite differences. Differentiating in eta rather than in the
/// field h keeps <m> and the susceptibility well defined at beta = 0.
///
/// The work and memory grow as 2^width, where width is the induced width of the
/// elimination order (largest clique minus one).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// Limits and parallelism of eliminate_exact.
struct EliminationOptions {
    /// Largest memory the tables of all concurrently processed temperatures may take.
    double max_memory_bytes = 4.0 * 1024.0 * 1024.0 * 1024.0;
    /// OpenMP threads; 0 = the OpenMP default. Large tables are shared out inside each
    /// elimination step (one temperature at a time); small ones run temperatures on separate
    /// threads, fewer when the memory limit does not allow one set of tables per thread.
    int num_threads = 0;
};

/// An elimination order and what it costs.
struct EliminationOrder {
    /// Sites in the order they are summed out. When `complete` is false, only the prefix
    /// planned before the memory limit was exceeded.
    std::vector<int> order;
    /// Induced width: largest number of other sites a site is joined to when it is
    /// summed out (the largest clique minus one). A lower bound when `complete` is false.
    int width = 0;
    /// Estimated peak bytes of the tables alive at once, for one temperature.
    double peak_bytes = 0.0;
    /// Sum over the steps of the clique sizes 2^(clique): the number of products formed.
    double work = 0.0;
    /// False when planning stopped early because one table alone exceeded the memory limit.
    bool complete = true;
};

/// Bytes one table entry takes (the value and four derivatives).
inline constexpr std::size_t kEliminationEntryBytes = 5 * sizeof(double);

/// Elimination order with its width and memory estimate. Three deterministic orders are
/// tried: greedy min-fill (ties by fewest neighbours, then lowest site index), the same
/// greedy restricted to sites next to those already summed out (one front sweeping the
/// system), and breadth-first from a pseudo-peripheral site; the one that fits in memory
/// with the smallest width, then the least work, is kept. An order stops early
/// (complete = false) once a single table would exceed options.max_memory_bytes.
EliminationOrder plan_elimination(const Model& model, const EliminationOptions& options = {});

/// Why elimination with this plan would be refused (width and estimated memory beyond the
/// limit), or "" when it fits.
std::string elimination_refusal(const EliminationOrder& plan,
                                const EliminationOptions& options = {});

/// One ExactResult per beta (finite, >= 0); magnetization_abs is NaN. The order is planned
/// once and reused for every beta; OpenMP-parallel inside the steps of large tables or over
/// the betas (see EliminationOptions); every table entry is computed the same way whichever
/// thread computes it, so results do not depend on the thread count.
/// Throws ModelError when the tables would exceed options.max_memory_bytes, naming the
/// width and the estimated memory, and on a negative or non-finite beta.
std::vector<ExactResult> eliminate_exact(const Model& model, std::span<const double> betas,
                                         const EliminationOptions& options = {});

}  // namespace isingmf
