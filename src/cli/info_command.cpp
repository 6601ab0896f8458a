#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <iostream>

#include "commands.hpp"
#include "isingmf/io/results_file.hpp"
#include "parse_arguments.hpp"
#include "sweep_table.hpp"
#include "usage_error.hpp"

namespace po = boost::program_options;

namespace isingmf::cli {

int info_command(const std::vector<std::string>& args) {
    po::options_description opts("isingmf info: summarize a results file");
    opts.add_options()("help", "show this help")("table", "also print the full table")(
        "file", po::value<std::string>(), "results file (HDF5)");
    po::positional_options_description positional;
    positional.add("file", 1);
    const po::variables_map vm = parse_arguments(args, opts, positional);
    if (vm.count("help") != 0) {
        std::cout << "usage: isingmf info FILE [--table]\n\n" << opts << "\n";
        return 0;
    }
    if (vm.count("file") == 0) throw UsageError("isingmf info needs a results file");

    const ResultsFile file = read_results(vm["file"].as<std::string>(), false);
    const RunRecord& r = file.record;
    const SweepResult& sweep = file.sweep;
    fmt::print("file:       {}\n", vm["file"].as<std::string>());
    fmt::print("written by: isingmf {} at {}\n", r.program_version, r.created);
    fmt::print("command:    {}\n", r.command_line);
    for (const auto& [key, value] : r.model) fmt::print("  {:<14} {}\n", key, value);
    fmt::print("N={} edges={} energy_offset={}\n", r.num_sites, r.num_edges, r.energy_offset);
    for (const auto& [key, value] : r.solver) fmt::print("  {:<14} {}\n", key, value);

    const auto& points = sweep.points;
    std::size_t converged = 0;
    double max_gap = -INFINITY;
    double min_gap = INFINITY;
    for (const SweepPoint& p : points) {
        converged += p.mean_field.converged ? 1 : 0;
        if (p.exact && std::isfinite(p.exact->ln_z)) {
            const double gap = (p.exact->ln_z - p.mean_field.ln_z) / r.num_sites;
            max_gap = std::max(max_gap, gap);
            min_gap = std::min(min_gap, gap);
        }
    }
    if (!points.empty()) {
        fmt::print("temperatures: {} from T={:.6g} to T={:.6g}; {} of {} converged\n",
                   points.size(), points.front().T, points.back().T, converged, points.size());
    }
    fmt::print("exact: {}", sweep.exact_method);
    if (std::isfinite(max_gap)) fmt::print("; gap/N from {:.3e} to {:.3e}", min_gap, max_gap);
    fmt::print("\n");
    if (vm.count("table") != 0) print_sweep_table(stdout, r, sweep);
    return 0;
}

}  // namespace isingmf::cli
