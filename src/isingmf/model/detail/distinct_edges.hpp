#pragma once
/// A check for repeated bonds that needs no rows when the edge list is nearly sorted, as
/// generated lattices and most edge-list files are: Model asks it first, and builds rows of
/// neighbours (incidence.hpp) only when it cannot tell.

#include <cstddef>
#include <span>

#include "isingmf/model/model.hpp"

namespace isingmf::detail {

enum class Distinct { yes, no, unknown };

/// One edge in kMaxUnsortedShare may come after a larger one before the check gives up.
inline constexpr std::size_t kMaxUnsortedShare = 16;

/// Whether no two of `edges` (each with i < j) join the same two sites. Reads the list twice
/// (once on one thread), sorts the edges that come after a larger one (the wrap-around bonds
/// of a periodic lattice, about one in L) and looks each of them up in a short block of the
/// list. When there are more of those than
/// about one in kMaxUnsortedShare of the edges (and 64) it stops early and answers unknown, where
/// the cut-off can depend on the thread count; yes and no do not.
Distinct distinct_when_nearly_sorted(std::span<const Edge> edges);

}  // namespace isingmf::detail
