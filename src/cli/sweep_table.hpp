#pragma once
/// The printed sweep table: one row per temperature.

#include <cstdio>

#include "isingmf/io/results_file.hpp"

namespace isingmf::cli {

/// Prints a header naming the model and exact method, then T, ln Z_MF/N, ln Z_exact/N,
/// gap/N, m and the converged flag for each temperature.
void print_sweep_table(std::FILE* out, const RunRecord& record, const SweepResult& sweep);

}  // namespace isingmf::cli
