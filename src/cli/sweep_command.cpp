#include <fmt/format.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <tuple>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "isingmf/exact/exact_solver.hpp"
#include "isingmf/io/results_file.hpp"
#include "isingmf/lattices/cluster_file.hpp"
#include "isingmf/sweep/sweep.hpp"
#include "isingmf/sweep/temperature_grid.hpp"
#include "isingmf/util/text.hpp"
#include "isingmf/util/thread_count.hpp"
#include "isingmf/util/version.hpp"
#include "model_options.hpp"
#include "output_file.hpp"
#include "parse_arguments.hpp"
#include "progress_bar.hpp"
#include "sweep_setup.hpp"
#include "sweep_table.hpp"
#include "usage_error.hpp"

namespace po = boost::program_options;

namespace isingmf::cli {
namespace {

// Per-site magnetizations are written when n_T x N stays below this (80 MB uncompressed).
constexpr double kStoreMLimit = 1e7;

}  // namespace

po::options_description sweep_options(const char* default_out) {
    po::options_description opts("Sweep");
    opts.add_options()("help,h", "show this help")(
        "T", po::value<std::string>(),
        "temperatures: start:stop:step or a comma list (default 0.5:5:0.1)")(
        "beta", po::value<std::string>(), "inverse temperatures instead of --T (beta = 0 allowed)")(
        "exact", po::value<std::string>()->default_value("auto"),
        "auto, enumerate, eliminate, kaufman, planar or none")(
        "out", po::value<std::string>()->default_value(default_out), "HDF5 results file")(
        "force", "overwrite an existing results file")(
        "threads", po::value<int>()->default_value(0), "OpenMP threads (0: all cores)")(
        "starts", po::value<std::string>()->default_value("up,down,paramagnet,anneal,random,warm"),
        "mean-field starts, a comma list of up, down, paramagnet (m_i = tanh(beta h_i)), anneal "
        "(continuation in beta from the paramagnet), random, warm (neighbouring temperatures' "
        "solutions); run in that order, starts that fall behind are cut off")(
        "restarts", po::value<int>()->default_value(1),
        "number of random starts ('random' must be in --starts)")(
        "tol", po::value<double>()->default_value(1e-10),
        "tolerance on the residual max|m_i - tanh(beta phi_i)| and on the relative change of the "
        "bound (structured: on the largest change of an m_i in a sweep)")(
        "max-iter", po::value<int>()->default_value(10000), "sweeps per start")(
        "mf-method", po::value<std::string>()->default_value("over_relaxed"),
        "mean-field update: over_relaxed (safeguarded SOR, never lowers the bound) or sequential "
        "(structured: over-relaxed or exact block steps)")(
        "omega", po::value<double>()->default_value(0.0),
        "over-relaxation factor in [1, 2); 0 chooses it adaptively")(
        "store-m", po::value<std::string>()->default_value("auto"),
        "write per-site m: yes, no, or auto (when n_T x N <= 1e7)")(
        "bounds", po::value<std::string>()->default_value("mf,upper"),
        "what to compute, a comma list of mf (mean-field lower bound), upper (certified upper "
        "bound), bethe (Bethe estimate, not a bound) and structured (structured mean-field "
        "lower bound)")(
        "cluster-width", po::value<int>()->default_value(0),
        "structured: rows per strip on lattices (1: chains), frontier of the clusters on other "
        "graphs (1: trees); 0: automatic")(
        "clusters", po::value<std::string>(),
        "structured: read the clusters from FILE (one cluster of sites per line)")(
        "ub-width", po::value<int>()->default_value(0),
        "strip width of the upper bound on lattices (1: chains; 0: automatic)")(
        "ub-tol", po::value<double>()->default_value(1e-7, "1e-7"),
        "upper bound: stop when the bound changes by less than this (relative) per iteration")(
        "bp-schedule", po::value<std::string>()->default_value("sequential"),
        "Bethe: BP schedule, sequential or parallel")(
        "bp-damping", po::value<double>()->default_value(0.5),
        "Bethe: damping in [0, 1), the weight of the old message")("quiet",
                                                                   "do not print the table");
    return opts;
}

namespace {

std::string utc_now() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

}  // namespace

SweepSetup parse_sweep_setup(const po::variables_map& vm) {
    // Everything that can be wrong with the command line is checked before any work.
    if (vm.count("T") != 0 && vm.count("beta") != 0)
        throw UsageError("give --T or --beta, not both");
    const bool by_beta = vm.count("beta") != 0;
    std::vector<double> temperatures;
    std::vector<double> betas;
    as_usage([&] {
        if (by_beta) {
            betas = checked_betas(parse_grid(vm["beta"].as<std::string>()));
        } else {
            temperatures = parse_grid(vm.count("T") != 0 ? vm["T"].as<std::string>() : "0.5:5:0.1");
            betas = betas_from_temperatures(temperatures);
        }
    });
    SweepOptions options;
    options.exact = as_usage([&] { return parse_exact_method(vm["exact"].as<std::string>()); });
    options.threads = vm["threads"].as<int>();
    if (options.threads < 0 || options.threads > kMaxThreads) {
        throw UsageError(fmt::format("--threads must be between 0 and {}", kMaxThreads));
    }
    check_thread_request(options.threads);  // OMP_NUM_THREADS, where --threads 0 takes it
    const int restarts = vm["restarts"].as<int>();
    if (restarts < 0 || restarts > kMaxRestarts) {
        throw UsageError(fmt::format(
            "--restarts must be between 0 and {} (each one is a full solve at every temperature)",
            kMaxRestarts));
    }
    const StartList starts = as_usage([&] {
        return parse_mean_field_starts(vm["starts"].as<std::string>(), restarts, "--starts");
    });
    // A setting of a start that is not run is a slip, as --ub-width without the upper bound.
    if (!vm["restarts"].defaulted() && starts.starts.random == 0 && restarts > 0)
        throw UsageError("--restarts needs 'random' in --starts");
    options.mean_field.starts = starts.starts;
    options.warm_start = starts.warm;
    options.mean_field.tolerance = vm["tol"].as<double>();
    if (!(options.mean_field.tolerance > 0.0) || !std::isfinite(options.mean_field.tolerance)) {
        throw UsageError("--tol must be a finite number > 0");
    }
    options.mean_field.max_iterations = vm["max-iter"].as<int>();
    if (options.mean_field.max_iterations < 1) throw UsageError("--max-iter must be >= 1");
    options.mean_field.seed = vm["seed"].as<UnsignedOption>().value;
    options.mean_field.method =
        as_usage([&] { return parse_mean_field_method(vm["mf-method"].as<std::string>()); });
    options.mean_field.omega = vm["omega"].as<double>();
    if (!(options.mean_field.omega == 0.0 ||
          (options.mean_field.omega >= 1.0 && options.mean_field.omega < 2.0))) {
        throw UsageError("--omega must be 0 (adaptive) or in [1, 2)");
    }
    if (!vm["omega"].defaulted() && options.mean_field.method == MeanFieldMethod::sequential)
        throw UsageError(
            "--omega needs --mf-method over_relaxed (sequential sweeps do not use it)");
    // Structured mean field takes the same convergence and update settings.
    options.structured.tolerance = options.mean_field.tolerance;
    options.structured.max_iterations = options.mean_field.max_iterations;
    options.structured.method = options.mean_field.method;
    options.structured.omega = options.mean_field.omega;
    const std::string store_m = vm["store-m"].as<std::string>();
    if (store_m != "auto" && store_m != "yes" && store_m != "no")
        throw UsageError("--store-m must be yes, no or auto");
    options.bounds = as_usage([&] { return parse_sweep_bounds(vm["bounds"].as<std::string>()); });
    const bool mean_field = options.computes(SweepBound::mean_field);
    const bool structured = options.computes(SweepBound::structured);
    if (store_m == "yes" && !mean_field && !structured)
        throw UsageError("--store-m yes needs mf or structured in --bounds");
    const bool explicit_width = !vm["cluster-width"].defaulted();
    const bool cluster_file = vm.count("clusters") != 0;
    if ((explicit_width || cluster_file) && !structured)
        throw UsageError(fmt::format("--{} needs structured in --bounds",
                                     cluster_file ? "clusters" : "cluster-width"));
    if (explicit_width && cluster_file)
        throw UsageError("give --cluster-width or --clusters, not both");
    options.structured.cluster_width = vm["cluster-width"].as<int>();
    if (options.structured.cluster_width < 0)
        throw UsageError("--cluster-width must be >= 0 (0: automatic)");
    options.upper.width = vm["ub-width"].as<int>();
    if (options.upper.width < 0) throw UsageError("--ub-width must be >= 0 (0: automatic)");
    options.upper.tolerance = vm["ub-tol"].as<double>();
    if (!(options.upper.tolerance > 0.0) || !std::isfinite(options.upper.tolerance))
        throw UsageError("--ub-tol must be a finite number > 0");
    options.bethe.schedule =
        as_usage([&] { return parse_bp_schedule(vm["bp-schedule"].as<std::string>()); });
    options.bethe.damping = vm["bp-damping"].as<double>();
    if (!(options.bethe.damping >= 0.0 && options.bethe.damping < 1.0))
        throw UsageError("--bp-damping must be in [0, 1)");
    // A setting of a bound that is not computed would be silently ignored: refused, as
    // --cluster-width is above.
    for (const auto& [option, bound, name] :
         {std::tuple{"ub-width", SweepBound::upper, "upper"},
          std::tuple{"ub-tol", SweepBound::upper, "upper"},
          std::tuple{"bp-schedule", SweepBound::bethe, "bethe"},
          std::tuple{"bp-damping", SweepBound::bethe, "bethe"}}) {
        if (!vm[option].defaulted() && !options.computes(bound))
            throw UsageError(fmt::format("--{} needs {} in --bounds", option, name));
    }

    SweepSetup setup;
    setup.temperatures = std::move(temperatures);
    setup.betas = std::move(betas);
    setup.store_m = store_m;
    if (cluster_file) setup.clusters = vm["clusters"].as<std::string>();
    setup.solver = {
        {"exact", vm["exact"].as<std::string>()},
        {"starts", vm["starts"].as<std::string>()},
        {"restarts", fmt::format("{}", restarts)},
        {"tolerance", fmt::format("{}", options.mean_field.tolerance)},
        {"max_iterations", fmt::format("{}", options.mean_field.max_iterations)},
        {"seed", fmt::format("{}", options.mean_field.seed)},
        {"mf_method", to_string(options.mean_field.method)},
        {"omega", options.mean_field.omega == 0.0 ? "adaptive"
                                                  : fmt::format("{}", options.mean_field.omega)},
        {"threads", fmt::format("{}", options.threads)},
        {"bounds", vm["bounds"].as<std::string>()},
        {"ub_width", options.upper.width == 0 ? "auto" : fmt::format("{}", options.upper.width)},
        {"ub_tolerance", fmt::format("{}", options.upper.tolerance)},
        {"bp_schedule", to_string(options.bethe.schedule)},
        {"bp_damping", fmt::format("{}", options.bethe.damping)},
        {"cluster_width", cluster_file ? "file"
                          : options.structured.cluster_width == 0
                              ? "auto"
                              : fmt::format("{}", options.structured.cluster_width)},
    };
    if (cluster_file) setup.solver.emplace_back("clusters", vm["clusters"].as<std::string>());
    setup.options = std::move(options);
    return setup;
}

void use_cluster_file(SweepSetup& setup, const Model& model) {
    if (!setup.clusters) return;
    setup.options.structured.clusters = given_partition(
        model, read_cluster_file(*setup.clusters, model.num_sites()), *setup.clusters);
}

bool store_m_for(const SweepSetup& setup, const Model& model) {
    const bool solved = setup.options.computes(SweepBound::mean_field) ||
                        setup.options.computes(SweepBound::structured);
    return solved &&
           (setup.store_m == "yes" ||
            (setup.store_m == "auto" &&
             static_cast<double>(setup.betas.size()) * model.num_sites() <= kStoreMLimit));
}

RunRecord run_record(const SweepSetup& setup, const Model& model, const std::string& command_line) {
    RunRecord record;
    record.program_version = kVersion;
    record.command_line = command_line;
    record.created = utc_now();
    record.model = model.description();
    record.num_sites = model.num_sites();
    record.num_edges = model.num_edges();
    record.energy_offset = model.energy_offset();
    record.store_m = store_m_for(setup, model);
    record.solver = setup.solver;
    return record;
}

int sweep_command(const std::vector<std::string>& args, const std::string& command_line) {
    po::options_description all(
        "isingmf sweep: bounds on ln Z (mean-field lower, certified upper), the Bethe estimate "
        "and exact ln Z over temperatures");
    all.add(sweep_options("results.h5")).add(model_options());
    const po::variables_map vm = parse_arguments(args, all);
    if (vm.count("help") != 0) {
        std::cout << "usage: isingmf sweep [options]\n\n" << all << "\n";
        return 0;
    }
    SweepSetup setup = parse_sweep_setup(vm);
    const std::vector<double>& betas = setup.betas;
    SweepOptions& options = setup.options;
    const ThreadCountGuard threads(options.threads);  // the whole run, the model's set-up included

    // The model first: its options are part of the command line, and a usage error there
    // should not hide behind a file problem. Then the output, before any solving.
    const Model model = build_model_from_options(vm);
    use_cluster_file(setup, model);
    const std::filesystem::path out = vm["out"].as<std::string>();
    const bool force = vm.count("force") != 0;
    std::vector<InputFile> inputs = model_input_files(vm);
    if (setup.clusters) inputs.push_back({"clusters", *setup.clusters});
    prepare_output(out, force, inputs);

    RunRecord record = run_record(setup, model, command_line);
    options.keep_m = record.store_m;  // m the file will not hold need not be kept meanwhile

    ProgressBar bar;
    SweepResult sweep = run_sweep(model, betas, options,
                                  [&](const char* stage, std::size_t done, std::size_t total) {
                                      bar.update(stage, done, total);
                                  });
    bar.finish();
    keep_typed_temperatures(setup.temperatures, sweep);
    record.solver.emplace_back("exact_method", sweep.exact_method);
    record.solver.emplace_back("exact_note", sweep.exact_note);
    if (!sweep.upper_note.empty()) print_diagnostic("note: {}\n", sweep.upper_note);
    // The table first: when it cannot be written (a full device), the run fails before the
    // results file exists; a reader that has gone (`| head`) does not stop the file.
    // Flushed before the notes, also when both go to one pipe.
    print_to_stdout([&](std::FILE* table) {
        if (vm.count("quiet") == 0) print_sweep_table(table, record, sweep);
    });
    write_results(out, record, sweep, force);
    // The planar method leaves NaN where it cannot vouch for 1e-9 relative on ln Z.
    const auto refused = std::count_if(sweep.points.begin(), sweep.points.end(), [&](auto& p) {
        return sweep.exact_method == "planar" && p.exact && std::isnan(p.exact->ln_z);
    });
    if (refused > 0) {
        print_diagnostic(
            "warning: planar: no exact values at {} temperature(s): the estimated relative "
            "error of ln Z exceeds 1e-9 (terms cancel at low T)\n",
            refused);
    }
    print_diagnostic("wrote {}\n", printable(out.string()));
    return 0;
}

}  // namespace isingmf::cli
