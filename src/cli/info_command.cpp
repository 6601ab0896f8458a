#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "isingmf/io/detail/reader_child.hpp"
#include "isingmf/io/ensemble_file.hpp"
#include "isingmf/io/results_file.hpp"
#include "isingmf/util/text.hpp"
#include "isolated.hpp"
#include "parse_arguments.hpp"
#include "sweep_table.hpp"
#include "usage_error.hpp"

namespace po = boost::program_options;

namespace isingmf::cli {

namespace {

// How a file was made. Text from the file is shown escaped: a damaged or foreign file may
// hold any bytes.
void print_record(const std::string& path, const char* kind, const RunRecord& r) {
    fmt::print("file:       {}{}\n", printable(path), kind);
    fmt::print("written by: isingmf {} at {}\n", printable(r.program_version),
               printable(r.created));
    fmt::print("command:    {}\n", printable(r.command_line));
    for (const auto& [key, value] : r.model)
        fmt::print("  {:<14} {}\n", printable(key), printable(value));
    fmt::print("N={} edges={} energy_offset={}\n", r.num_sites, r.num_edges, r.energy_offset);
    for (const auto& [key, value] : r.solver)
        fmt::print("  {:<14} {}\n", printable(key), printable(value));
}

// An ensemble file: its record, samples and seeds, and the averages of ln Z and of the gaps
// per spin with their standard errors at each temperature.
int print_ensemble_info(const std::string& path) {
    const EnsembleSummary e = read_ensemble_summary(path);
    const RunRecord& r = e.run;
    print_record(path, " (ensemble)", r);
    if (!e.seeds.empty()) {
        fmt::print("samples: {} (seeds {} to {})\n", e.seeds.size(), e.seeds.front(),
                   e.seeds.back());
    }
    if (!e.T.empty()) {
        fmt::print("temperatures: {} from T={:.6g} to T={:.6g}\n", e.T.size(), e.T.front(),
                   e.T.back());
    }
    fmt::print("groups: /{}\n", fmt::join(e.groups, " /"));
    // How many runs (samples x temperatures) each method converged in: the mean of a 0/1
    // column over the samples is a fraction.
    std::vector<std::string> converged;
    for (const EnsembleAverage& a : e.averages) {
        if (a.dataset != "converged") continue;
        double runs = 0.0;
        for (const double fraction : a.mean) runs += fraction * static_cast<double>(e.seeds.size());
        converged.push_back(fmt::format("{} {} of {}", a.group, std::llround(runs),
                                        a.mean.size() * e.seeds.size()));
    }
    if (!converged.empty()) {
        fmt::print("converged (runs of a sample at a temperature): {}\n",
                   fmt::join(converged, ", "));
    }
    // Columns: [ln Z]/N of each method, then the average gaps per spin, each +- its stderr.
    std::vector<const EnsembleAverage*> columns;
    for (const EnsembleAverage& a : e.averages) {
        if ((a.dataset == "ln_z" && a.group != "comparison") ||
            (a.group == "comparison" && a.dataset != "exact_minus_lower"))
            columns.push_back(&a);
    }
    const double n = r.num_sites;
    fmt::print("averages per spin over the samples (mean +- standard error):\n{:>10}", "T");
    for (const EnsembleAverage* a : columns)
        fmt::print("  {:>26}", a->group == "comparison" ? a->dataset : a->group + "/ln_z");
    fmt::print("\n");
    for (std::size_t t = 0; t < e.T.size(); ++t) {
        fmt::print("{:>10.4g}", e.T[t]);
        for (const EnsembleAverage* a : columns)
            fmt::print("  {:>14.8f} +- {:<8.2e}", a->mean[t] / n, a->stderr_of_mean[t] / n);
        fmt::print("\n");
    }
    return 0;
}

// Reads the file and prints its summary; run in a child process (see run_isolated).
int print_info(const std::string& path, bool table) {
    if (is_ensemble_file(path)) return print_ensemble_info(path);
    const ResultsFile file = read_results(path, false);
    const RunRecord& r = file.record;
    const SweepResult& sweep = file.sweep;
    print_record(path, "", r);

    const auto& points = sweep.points;
    const double n = r.num_sites;
    // Smallest and largest of f(p) / N over the points where f gives a finite value.
    const auto range = [&](auto f) {
        double lo = INFINITY, hi = -INFINITY;
        for (const SweepPoint& p : points) {
            const double v = f(p) / n;
            if (!std::isfinite(v)) continue;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        return std::pair{lo, hi};
    };
    const auto count = [&](auto converged) {
        std::size_t c = 0;
        for (const SweepPoint& p : points) c += converged(p) ? 1 : 0;
        return c;
    };
    const SweepPoint* first = points.empty() ? nullptr : &points.front();
    if (first != nullptr) {
        fmt::print("temperatures: {} from T={:.6g} to T={:.6g}\n", points.size(), points.front().T,
                   points.back().T);
    }
    std::vector<std::string> groups;
    if (first != nullptr && first->mean_field) groups.emplace_back("/mean_field");
    if (first != nullptr && first->upper) groups.emplace_back("/upper_bound");
    if (first != nullptr && first->bethe) groups.emplace_back("/bethe");
    if (first != nullptr && first->structured) groups.emplace_back("/structured_mean_field");
    if (sweep.exact_method != "none") groups.emplace_back("/exact");
    fmt::print("groups: {}\n", fmt::join(groups, " "));
    if (first != nullptr && first->mean_field) {
        fmt::print("mean field: {} of {} converged\n",
                   count([](const SweepPoint& p) { return p.mean_field->converged; }),
                   points.size());
    }
    if (first != nullptr && first->upper) {
        const UpperBoundResult& u = *first->upper;
        fmt::print(
            "upper bound: {} (kind {}, width {}, {} pieces in {} families); {} of {} "
            "converged\n",
            printable(u.description), to_string(u.kind), u.width, u.num_pieces, u.weights.size(),
            count([](const SweepPoint& p) { return p.upper->converged; }), points.size());
        if (first->mean_field) {
            const auto [lo, hi] =
                range([](const SweepPoint& p) { return p.upper->ln_z - p.mean_field->ln_z; });
            if (std::isfinite(lo))
                fmt::print("interval width (upper - lower)/N from {:.3e} to {:.3e}\n", lo, hi);
        }
    }
    if (!sweep.upper_note.empty()) fmt::print("note: {}\n", printable(sweep.upper_note));
    if (first != nullptr && first->bethe) {
        fmt::print("bethe (estimate, not a bound): {} schedule, damping {}; {} of {} converged\n",
                   to_string(first->bethe->schedule), first->bethe->damping,
                   count([](const SweepPoint& p) { return p.bethe->converged; }), points.size());
    }
    if (first != nullptr && first->structured) {
        const StructuredMeanFieldResult& s = *first->structured;
        fmt::print(
            "structured mean field: {} (kind {}, width {}, {} clusters); {} of {} converged\n",
            printable(s.clusters), to_string(s.cluster_kind), s.cluster_width, s.num_clusters,
            count([](const SweepPoint& p) { return p.structured->converged; }), points.size());
        if (first->upper) {
            const auto [lo, hi] =
                range([](const SweepPoint& p) { return p.upper->ln_z - p.structured->ln_z; });
            if (std::isfinite(lo))
                fmt::print("interval width (upper - structured)/N from {:.3e} to {:.3e}\n", lo, hi);
        }
    }
    fmt::print("exact: {}", printable(sweep.exact_method));
    if (first != nullptr && first->mean_field) {
        const auto [lo, hi] = range(
            [](const SweepPoint& p) { return p.exact ? p.exact->ln_z - p.mean_field->ln_z : NAN; });
        if (std::isfinite(lo)) fmt::print("; gap/N from {:.3e} to {:.3e}", lo, hi);
    }
    if (first != nullptr && first->structured) {
        const auto [lo, hi] = range(
            [](const SweepPoint& p) { return p.exact ? p.exact->ln_z - p.structured->ln_z : NAN; });
        if (std::isfinite(lo)) fmt::print("; structured gap/N from {:.3e} to {:.3e}", lo, hi);
    }
    fmt::print("\n");
    if (table) print_sweep_table(stdout, r, sweep);
    return 0;
}

}  // namespace

int info_command(const std::vector<std::string>& args) {
    po::options_description opts("isingmf info: summarize a results file or an ensemble file");
    opts.add_options()("help,h", "show this help")("table", "also print the full table")(
        "file", po::value<std::string>(), "results file (HDF5)");
    po::positional_options_description positional;
    positional.add("file", 1);
    const po::variables_map vm = parse_arguments(args, opts, positional);
    if (vm.count("help") != 0) {
        std::cout << "usage: isingmf info FILE [--table]\n\n" << opts << "\n";
        return 0;
    }
    if (vm.count("file") == 0) throw UsageError("isingmf info needs a results file");
    const std::string path = vm["file"].as<std::string>();
    const int timeout = as_usage_error(isingmf::detail::read_timeout_seconds);
    return run_isolated([&] { return print_info(path, vm.count("table") != 0); }, path, timeout);
}

}  // namespace isingmf::cli
