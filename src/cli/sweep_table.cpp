#include "sweep_table.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

namespace isingmf::cli {
namespace {

std::string per_spin(const std::optional<double>& value, double n, const char* format) {
    if (!value) return "-";
    const double v = *value / n;
    // Fixed notation past 1e15 (T = 1e-300) would print hundreds of digits of rounding noise.
    if (std::abs(v) >= 1e15) return fmt::format("{:.15e}", v);
    return fmt::format(fmt::runtime(format), v);
}

template <class R>
std::optional<double> ln_z_of(const std::optional<R>& result) {
    return result ? std::optional<double>(result->ln_z) : std::nullopt;
}

std::optional<double> difference(const std::optional<double>& a, const std::optional<double>& b) {
    return a && b ? std::optional<double>(*a - *b) : std::nullopt;
}

// One precision per column keeps the decimal points of a column in line (ln Z to 10
// decimals, differences in scientific notation). T gets the fewest decimals (up to 6) that
// show every temperature of the run to 1e-9 relative, so that a grid 0.5:5:0.1 prints 0.5,
// 0.6, ... rather than 0.6000000000000001; temperatures that fixed notation cannot show well
// go to scientific notation, the same for the whole column.
std::string temperature_format(const SweepResult& sweep) {
    int decimals = 1;
    for (const SweepPoint& p : sweep.points) {
        if (!std::isfinite(p.T)) continue;
        if (p.T != 0.0 && (std::abs(p.T) < 1e-4 || std::abs(p.T) >= 1e6)) return "{:>10.4e}";
        while (decimals < 6) {
            const double scale = std::pow(10.0, decimals);
            if (std::abs(std::round(p.T * scale) / scale - p.T) <= 1e-9 * std::abs(p.T)) break;
            ++decimals;
        }
    }
    return fmt::format("{{:>10.{}f}}", decimals);
}

// The line above the header: T's units (the file's T is absolute, in the units of H's
// couplings and fields) and what the printed columns mean, those alone.
std::string legend(bool mf, bool upper, bool structured, bool bethe) {
    std::vector<std::string> parts;
    if (mf && upper) {
        parts.emplace_back("lnZ_MF <= lnZ <= lnZ_UB (certified)");
        parts.emplace_back("width = lnZ_UB - lnZ_MF");
    } else if (mf) {
        parts.emplace_back("lnZ_MF <= lnZ");
    } else if (upper) {
        parts.emplace_back("lnZ <= lnZ_UB (certified)");
    }
    if (mf) parts.emplace_back("gap = lnZ_exact - lnZ_MF");
    if (structured) {
        parts.emplace_back("lnZ_SMF <= lnZ (structured)");
        if (upper) parts.emplace_back("widthS = lnZ_UB - lnZ_SMF");
        parts.emplace_back("gapS = lnZ_exact - lnZ_SMF");
    }
    if (bethe) parts.emplace_back("lnZ_Bethe is an estimate, not a bound");
    return fmt::format("# T in the energy units of H (k_B = 1); per spin: {}",
                       fmt::join(parts, "; "));
}

}  // namespace

void print_sweep_table(std::FILE* out, const RunRecord& record, const SweepResult& sweep) {
    std::vector<std::string> parts;
    for (const auto& [key, value] : record.model) parts.push_back(fmt::format("{}={}", key, value));
    fmt::print(out, "# model: {}\n", fmt::join(parts, " "));
    fmt::print(out, "# N={} edges={}  exact: {} ({})\n", record.num_sites, record.num_edges,
               sweep.exact_method, sweep.exact_note);
    const SweepPoint* first = sweep.points.empty() ? nullptr : &sweep.points.front();
    const bool mf = first != nullptr && first->mean_field.has_value();
    const bool upper = first != nullptr && first->upper.has_value();
    const bool bethe = first != nullptr && first->bethe.has_value();
    const bool structured = first != nullptr && first->structured.has_value();
    if (upper) fmt::print(out, "# upper bound: {}\n", first->upper->description);
    if (structured) fmt::print(out, "# structured mean field: {}\n", first->structured->clusters);
    if (!sweep.upper_note.empty()) fmt::print(out, "# {}\n", sweep.upper_note);
    fmt::print(out, "{}\n", legend(mf, upper, structured, bethe));
    std::string header = fmt::format("{:>10}", "T");
    if (mf) header += fmt::format(" {:>14}", "lnZ_MF/N");
    if (structured) header += fmt::format(" {:>14}", "lnZ_SMF/N");
    if (upper) header += fmt::format(" {:>14}", "lnZ_UB/N");
    if (bethe) header += fmt::format(" {:>14}", "lnZ_Bethe/N");
    header += fmt::format(" {:>14}", "lnZ_exact/N");
    if (mf && upper) header += fmt::format(" {:>10}", "width/N");
    if (structured && upper) header += fmt::format(" {:>10}", "widthS/N");
    if (mf) header += fmt::format(" {:>10}", "gap/N");
    if (structured) header += fmt::format(" {:>10}", "gapS/N");
    if (mf) header += fmt::format(" {:>10}", "m_MF");
    header += fmt::format(" {:>5}", "conv");
    fmt::print(out, "{}\n", header);
    const double n = static_cast<double>(record.num_sites);
    const std::string t_format = temperature_format(sweep);
    for (const SweepPoint& p : sweep.points) {
        const auto lower = ln_z_of(p.mean_field);
        const auto ub = ln_z_of(p.upper);
        const auto smf = ln_z_of(p.structured);
        const auto exact = ln_z_of(p.exact);
        std::string row = fmt::format(fmt::runtime(t_format), p.T);
        if (mf) row += fmt::format(" {:>14}", per_spin(lower, n, "{:.10f}"));
        if (structured) row += fmt::format(" {:>14}", per_spin(smf, n, "{:.10f}"));
        if (upper) row += fmt::format(" {:>14}", per_spin(ub, n, "{:.10f}"));
        if (bethe) row += fmt::format(" {:>14}", per_spin(ln_z_of(p.bethe), n, "{:.10f}"));
        row += fmt::format(" {:>14}", per_spin(exact, n, "{:.10f}"));
        if (mf && upper)
            row += fmt::format(" {:>10}", per_spin(difference(ub, lower), n, "{:.3e}"));
        if (structured && upper)
            row += fmt::format(" {:>10}", per_spin(difference(ub, smf), n, "{:.3e}"));
        if (mf) row += fmt::format(" {:>10}", per_spin(difference(exact, lower), n, "{:.3e}"));
        if (structured)
            row += fmt::format(" {:>10}", per_spin(difference(exact, smf), n, "{:.3e}"));
        if (mf) {
            // Rounds |m| < 5e-7 to 0 so the paramagnet does not print as "-0.000000".
            const double m =
                std::abs(p.mean_field->magnetization) < 5e-7 ? 0.0 : p.mean_field->magnetization;
            row += fmt::format(" {:>10.6f}", m);
        }
        // "yes", or NO with the results that did not converge (mf, ub, bp).
        std::vector<std::string> failed;
        if (p.mean_field && !p.mean_field->converged) failed.emplace_back("mf");
        if (p.upper && !p.upper->converged) failed.emplace_back("ub");
        if (p.bethe && !p.bethe->converged) failed.emplace_back("bp");
        if (p.structured && !p.structured->converged) failed.emplace_back("smf");
        row += fmt::format(" {:>5}",
                           failed.empty() ? "yes" : fmt::format("NO:{}", fmt::join(failed, ",")));
        fmt::print(out, "{}\n", row);
    }
}

}  // namespace isingmf::cli
