#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "isingmf/lattices/edge_list.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"
#include "isingmf/util/thread_count.hpp"
#include "model_options.hpp"
#include "output_file.hpp"
#include "parse_arguments.hpp"
#include "usage_error.hpp"

namespace po = boost::program_options;

namespace isingmf::cli {

int export_command(const std::vector<std::string>& args) {
    po::options_description opts("Export");
    opts.add_options()("help,h", "show this help")(
        "uai", po::value<std::string>(),
        "write a UAI MARKOV file (factors exp(-beta H) at --beta)")(
        "edges", po::value<std::string>(), "write an edge-list file (lattices/README.md format)")(
        "beta", po::value<double>()->default_value(1.0),
        "inverse temperature the UAI tables are written at")("force",
                                                             "overwrite an existing output file");
    po::options_description all("isingmf export: write a model for other tools");
    all.add(opts).add(model_options(false));
    const po::variables_map vm = parse_arguments(args, all);
    if (vm.count("help") != 0) {
        std::cout << "usage: isingmf export (--uai FILE | --edges FILE) [model options]\n\n"
                  << all << "\n";
        return 0;
    }
    const bool to_uai = vm.count("uai") != 0;
    if (to_uai == (vm.count("edges") != 0))
        throw UsageError("give exactly one of --uai FILE and --edges FILE");
    const double beta = vm["beta"].as<double>();
    if (!(beta > 0.0) || !std::isfinite(beta)) {
        throw UsageError(fmt::format(
            "--beta must be finite and > 0 for an export (the tables hold exp(-beta H)), got {}",
            beta));
    }
    if (!to_uai && !vm["beta"].defaulted()) throw UsageError("--beta only applies to --uai");
    const std::filesystem::path out = vm[to_uai ? "uai" : "edges"].as<std::string>();
    // No --threads: OpenMP's default team builds the model, so OMP_NUM_THREADS is checked as
    // for --threads 0.
    check_thread_request(0);
    const ThreadCountGuard threads(0);
    const Model model = build_model_from_options(vm, false);
    const bool force = vm.count("force") != 0;
    prepare_output(out, force, model_input_files(vm, false));
    if (to_uai) {
        write_uai(model, out, beta, force);  // without force, never over a file made meanwhile
        // The tables already hold beta: a reader that applies its own temperature scales the
        // model a second time, which is easy to miss when comparing with another tool.
        const std::string shown = printable(out.string());
        if (beta == 1.0) {
            print_diagnostic("wrote {} (N={}, {} edges) at beta = 1: its T is the model's T\n",
                             shown, model.num_sites(), model.num_edges());
        } else {
            print_diagnostic(
                "wrote {} (N={}, {} edges) with its tables at beta = {} (the model at T = "
                "{:.6g}); read it at T = 1 (isingmf sweep --uai {} --T 1): another --T or "
                "--beta scales it again\n",
                shown, model.num_sites(), model.num_edges(), beta, 1.0 / beta, shown);
        }
    } else {
        write_edge_list(model, out, {}, force);
        print_diagnostic("wrote {} (N={}, {} edges)\n", printable(out.string()), model.num_sites(),
                         model.num_edges());
    }
    return 0;
}

}  // namespace isingmf::cli
