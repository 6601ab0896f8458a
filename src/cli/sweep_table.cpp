#include "sweep_table.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

namespace isingmf::cli {

void print_sweep_table(std::FILE* out, const RunRecord& record, const SweepResult& sweep) {
    std::vector<std::string> parts;
    for (const auto& [key, value] : record.model) parts.push_back(fmt::format("{}={}", key, value));
    fmt::print(out, "# model: {}\n", fmt::join(parts, " "));
    fmt::print(out, "# N={} edges={}  exact: {} ({})\n", record.num_sites, record.num_edges,
               sweep.exact_method, sweep.exact_note);
    fmt::print(out, "# gap = ln Z_exact - ln Z_MF >= 0; per spin\n");
    fmt::print(out, "{:>10} {:>16} {:>16} {:>12} {:>10} {:>5}\n", "T", "lnZ_MF/N", "lnZ_exact/N",
               "gap/N", "m_MF", "conv");
    const double n = static_cast<double>(record.num_sites);
    for (const SweepPoint& p : sweep.points) {
        const MeanFieldResult& mf = p.mean_field;
        std::string exact = "-";
        std::string gap = "-";
        if (p.exact) {
            exact = fmt::format("{:.10g}", p.exact->ln_z / n);
            gap = fmt::format("{:.3e}", (p.exact->ln_z - mf.ln_z) / n);
        }
        // Rounds |m| < 5e-7 to 0 so the paramagnet does not print as "-0.000000".
        const double m = std::abs(mf.magnetization) < 5e-7 ? 0.0 : mf.magnetization;
        fmt::print(out, "{:>10.4g} {:>16.10g} {:>16} {:>12} {:>10.6f} {:>5}\n", p.T, mf.ln_z / n,
                   exact, gap, m, mf.converged ? "yes" : "NO");
    }
}

}  // namespace isingmf::cli
