#pragma once
/// Internals of enumeration exposed for tests and benchmarks: choosing the accumulation
/// path explicitly, so that the two paths can be checked against each other.

#include <cstddef>
#include <span>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf::detail {

/// How enumerate_exact accumulates the Boltzmann sums.
///   density_of_states: count states per exact (coupling-class counts, field-class
///     magnetizations) key, then evaluate every beta from the counts; falls back to direct
///     when the key space is too large or too many distinct keys appear, to factored.
///   factored: blocks of 2^10 low spins per high-spin configuration; each state's weight is
///     a product of a per-beta table entry and per-block factors (b + 2 exps per block and
///     beta instead of one per state), per-state exp only where that product could overflow.
///   direct: one exp per state and beta (the reference the factored path is tested against).
enum class EnumerationPath { automatic, density_of_states, factored, direct };

/// Knobs of enumerate_exact that tests and benchmarks turn.
struct EnumerationOptions {
    EnumerationPath path = EnumerationPath::automatic;
    /// Distinct keys (of the whole model) beyond which the density of states gives up.
    std::size_t max_distinct_keys = std::size_t{1} << 20;
    /// Factored path: largest beta * (relaxation gap of a block) for which a block's weights
    /// are built as products; blocks beyond it take one exp per state. 600 keeps every
    /// product finite (exp(709) overflows); tests lower it to compare the two ways.
    double max_factored_exponent = 600.0;
};

/// enumerate_exact with explicit options (automatic == density_of_states with fallback to
/// factored);
/// `used`, when given, receives the path that produced the results.
std::vector<ExactResult> enumerate_exact(const Model& model, std::span<const double> betas,
                                         const EnumerationOptions& options,
                                         EnumerationPath* used = nullptr);

/// Whether the density-of-states path can represent this model's energies exactly
/// (few distinct coupling and field values); it may still fall back on too many keys.
bool enumeration_uses_density_of_states(const Model& model);

}  // namespace isingmf::detail
