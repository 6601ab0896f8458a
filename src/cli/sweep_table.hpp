#pragma once
/// The printed sweep table: one row per temperature.

#include <cstdio>

#include "isingmf/io/results_file.hpp"

namespace isingmf::cli {

/// Prints a header naming the model, exact method and decomposition, then per temperature
/// T and per spin: ln Z_MF, ln Z_UB, ln Z_Bethe (those computed), ln Z_exact, the interval
/// width ln Z_UB - ln Z_MF, the gap ln Z_exact - ln Z_MF, m_MF and the converged flags.
void print_sweep_table(std::FILE* out, const RunRecord& record, const SweepResult& sweep);

}  // namespace isingmf::cli
