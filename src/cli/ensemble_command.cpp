// isingmf ensemble: the sweep of `isingmf sweep` on K disorder samples (seed S + k for sample
// k), averaged, with a checkpoint of finished samples beside the output and --resume.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "isingmf/ensemble/ensemble.hpp"
#include "isingmf/io/ensemble_file.hpp"
#include "isingmf/lattices/generated_model.hpp"
#include "isingmf/util/append_log.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/text.hpp"
#include "isingmf/util/thread_count.hpp"
#include "model_options.hpp"
#include "output_file.hpp"
#include "parse_arguments.hpp"
#include "progress_bar.hpp"
#include "sample_team.hpp"
#include "signals.hpp"
#include "sweep_setup.hpp"
#include "usage_error.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace isingmf::cli {
namespace {

constexpr const char* kCheckpointFormat = "isingmf-ensemble-checkpoint 1";

po::options_description ensemble_options() {
    po::options_description opts("Ensemble");
    opts.add_options()("samples",
                       po::value<UnsignedOption>()->default_value(UnsignedOption{100}, "100"),
                       "number of disorder samples K; sample k uses seed --seed + k")(
        "resume",
        "finish the run whose checkpoint lies beside --out (.NAME.ensemble-checkpoint) after "
        "a crash or kill; the options must be the same");
    return opts;
}

// Every option that decides the data of the file, as (name, value): the checkpoint's header.
// --threads, --out, --force and --quiet do not change the data and may differ on resume.
Description fingerprint(const GeneratedModelSpec& model, unsigned long long samples,
                        const SweepSetup& setup) {
    Description keys = describe_model(model);
    keys.emplace_back("samples", fmt::format("{}", samples));
    for (const auto& [key, value] : setup.solver) {
        if (key != "threads" && key != "seed") keys.emplace_back(key, value);
    }
    // The grid bit for bit: a resumed run must have the very same temperatures.
    std::string grid;
    for (const double beta : setup.betas)
        grid += fmt::format("{:016x}", std::bit_cast<std::uint64_t>(beta));
    keys.emplace_back("beta", grid);
    std::string typed;
    for (const double T : setup.temperatures)
        typed += fmt::format("{:016x}", std::bit_cast<std::uint64_t>(T));
    keys.emplace_back("T", typed);
    return keys;
}

std::string encode_fingerprint(const Description& keys) {
    std::string text(kCheckpointFormat);
    text.push_back('\n');
    for (const auto& [key, value] : keys) text.append(key).append("=").append(value).append("\n");
    return text;
}

Description decode_fingerprint(const std::string& text, const fs::path& path) {
    Description keys;
    std::size_t at = 0;
    bool first = true;
    while (at < text.size()) {
        const std::size_t end = text.find('\n', at);
        if (end == std::string::npos) break;
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        if (first) {
            if (line != kCheckpointFormat)
                throw IoError(
                    fmt::format("'{}' is not an isingmf ensemble checkpoint", path.string()));
            first = false;
            continue;
        }
        const std::size_t eq = line.find('=');
        if (eq == std::string::npos)
            throw IoError(fmt::format("'{}': damaged checkpoint header", path.string()));
        keys.emplace_back(line.substr(0, eq), line.substr(eq + 1));
    }
    if (first)
        throw IoError(fmt::format("'{}' is not an isingmf ensemble checkpoint", path.string()));
    return keys;
}

// Refuses to resume with options other than the checkpoint's, naming the first that differs.
void check_same_run(const Description& was, const Description& now, const fs::path& path) {
    const auto value_of = [](const Description& keys, const std::string& key) {
        for (const auto& [k, v] : keys)
            if (k == key) return std::optional<std::string>(v);
        return std::optional<std::string>();
    };
    // The settings of a bound the run does not compute decide nothing (a checkpoint of an
    // earlier version may hold --ub-tol or --bp-damping given without that bound, which is
    // refused now): they are not compared.
    // Built with append: GCC 12 at -O3 raises a false -Wrestrict on "," + std::string.
    std::string bounds = ",";
    bounds.append(value_of(now, "bounds").value_or("")).append(",");
    const auto decides = [&](const std::string& key) {
        if (key.rfind("ub_", 0) == 0) return bounds.find(",upper,") != std::string::npos;
        if (key.rfind("bp_", 0) == 0) return bounds.find(",bethe,") != std::string::npos;
        return true;
    };
    for (const Description* side : {&now, &was}) {
        for (const auto& [key, value] : *side) {
            const auto a = value_of(was, key);
            const auto b = value_of(now, key);
            if (a == b || !decides(key)) continue;
            const bool grid = key == "beta" || key == "T";
            throw UsageError(
                fmt::format("cannot resume from '{}': it is an ensemble with other options: {} {}",
                            path.string(), key,
                            grid ? std::string("(the temperature grid differs)")
                                 : fmt::format("was {}, now {}", a ? quote_token(*a) : "not set",
                                               b ? quote_token(*b) : "not set")));
        }
    }
}

// No run touches the checkpoint of a run still going, whose process holds its claim
// (AppendLog::claim_for_run): not with --resume (both would run the missing samples) and not
// with --force (the live run would go on appending to a file no longer in place).
[[noreturn]] void refuse_live(const fs::path& checkpoint) {
    throw IoError(fmt::format(
        "'{}' is the checkpoint of a run of this output that is still going (its process holds "
        "the checkpoint's lock); wait for it to finish, or stop it and finish it with --resume",
        checkpoint.string()));
}

void refuse_live_checkpoint(const fs::path& checkpoint) {
    if (claimed_by_a_run(checkpoint)) refuse_live(checkpoint);
}

// The claim, taken as soon as a resuming run has the checkpoint open: another run that started
// between refuse_live_checkpoint and here holds it, and this one stops.
void claim_checkpoint(AppendLog& log) {
    if (!log.claim_for_run()) refuse_live(log.path());
}

// A run without --resume or --force never replaces another run's checkpoint: it may hold
// finished samples, or belong to a run still going (which may not have finished one yet). The
// refusal says which.
void refuse_existing_checkpoint(const fs::path& checkpoint) {
    refuse_live_checkpoint(checkpoint);
    std::error_code error;
    const fs::file_type type = fs::symlink_status(checkpoint, error).type();
    if (type == fs::file_type::not_found) return;
    std::size_t samples = 0;
    try {
        samples = read_append_log(checkpoint).records.size();
    } catch (const IoError& e) {
        // --force replaces a file; a directory or a FIFO in the way is the user's to remove.
        throw IoError(fmt::format(
            "'{}' is in the way of this run's checkpoint and cannot be read as one ({}); {}",
            checkpoint.string(), e.what(),
            type == fs::file_type::regular ? "remove it, or start afresh with --force"
                                           : "remove it"));
    }
    throw IoError(fmt::format(
        "'{}' is the checkpoint of another run of this output, {}; finish it with --resume or "
        "start afresh with --force",
        checkpoint.string(),
        samples == 0 ? std::string("with no finished sample yet")
                     : fmt::format("with {} finished sample(s)", samples)));
}

// What a run that ends early with samples in its checkpoint tells the user: where they are
// (the whole path: a cut one would not find them), and how to finish.
std::string kept_samples_note(const fs::path& checkpoint) {
    return fmt::format(
        "the finished samples are kept in '{}': run the same command with --resume to finish",
        printable(checkpoint.string()));
}

// The line a signal prints while samples are kept; on a terminal it starts a line of its own
// (the progress bar's has none).
void set_kept_samples_note(const fs::path& checkpoint) {
    set_interrupt_note(fmt::format("{}isingmf: interrupted; {}\n",
                                   ::isatty(STDERR_FILENO) != 0 ? "\n" : "",
                                   kept_samples_note(checkpoint)));
}

fs::path checkpoint_path(const fs::path& out) {
    // Built with append: GCC 12 at -O3 raises a false -Wrestrict on "." + std::string.
    std::string name = ".";
    name.append(out.filename().string()).append(".ensemble-checkpoint");
    return out.parent_path() / name;
}

// The checkpoint's name is the output's with a few bytes more, and --resume looks for exactly
// that name: an output name that the file system takes may leave no room for it. Refused up
// front, in one line, rather than by the file system's error with the whole path.
void check_checkpoint_name(const fs::path& out, const fs::path& checkpoint) {
    const fs::path dir = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    long name_max = ::pathconf(dir.c_str(), _PC_NAME_MAX);
    if (name_max <= 0) name_max = 255;  // no such directory (reported later) or no limit given
    const std::size_t bytes = checkpoint.filename().native().size();
    if (bytes <= static_cast<std::size_t>(name_max)) return;
    const std::size_t added = bytes - out.filename().native().size();
    throw UsageError(fmt::format(
        "--out {}: the name is too long for the checkpoint beside it ('.NAME.ensemble-checkpoint', "
        "{} bytes where the file system allows {}); use a name of at most {} bytes",
        quote_token(out.filename().string()), bytes, name_max,
        static_cast<std::size_t>(name_max) - added));
}

// The planar method leaves NaN where it cannot vouch for 1e-9 relative on ln Z, and an average
// over samples with a NaN is NaN: said, as the sweep says it, from the file as written.
void warn_of_missing_exact_values(const fs::path& out) {
    try {
        const EnsembleSummary summary = read_ensemble_summary(out);
        for (const EnsembleAverage& average : summary.averages) {
            if (average.group != "exact" || average.dataset != "ln_z") continue;
            const auto missing = std::count_if(average.mean.begin(), average.mean.end(),
                                               [](double v) { return std::isnan(v); });
            if (missing == 0) return;
            print_diagnostic(
                "warning: planar: some samples have no exact values at {} temperature(s), where "
                "the averages of /average/exact and /average/comparison are NaN: the estimated "
                "relative error of ln Z exceeds 1e-9 (terms cancel at low T)\n",
                missing);
        }
    } catch (const std::exception& e) {  // the file is written; this check is advice
        print_diagnostic("warning: cannot read {} back to check its exact values: {}\n",
                         printable(out.string()), printable(e.what()));
    }
}

// `group` without the options named in `hidden`, for --help, under `caption` (the group's own:
// Boost 1.74 does not give it back).
po::options_description without(const po::options_description& group, const char* caption,
                                std::initializer_list<std::string_view> hidden) {
    po::options_description shown(caption);
    for (const auto& option : group.options()) {
        if (std::find(hidden.begin(), hidden.end(), option->long_name()) == hidden.end())
            shown.add(option);
    }
    return shown;
}

}  // namespace

int ensemble_command(const std::vector<std::string>& args, const std::string& command_line) {
    const char* const caption =
        "isingmf ensemble: the sweep of `isingmf sweep` on K disorder samples (seed of sample k "
        "= --seed + k), with averages and standard errors over the samples";
    po::options_description all(caption);
    all.add(ensemble_options()).add(sweep_options("ensemble.h5")).add(model_options());
    const po::variables_map vm = parse_arguments(args, all);
    if (vm.count("help") != 0) {
        // sweep's options that an ensemble refuses with a reason (--lattice-file, --uai,
        // --store-m yes) or accepts doing nothing (--quiet: there is no table) are not offered.
        po::options_description shown(caption);
        shown.add(ensemble_options())
            .add(without(sweep_options("ensemble.h5"), "Sweep", {"store-m", "quiet"}))
            .add(without(model_options(false), "Model", {"lattice-file"}));
        std::cout << "usage: isingmf ensemble [options]\n"
                     "       mpirun -n P isingmf ensemble [options]   (built with MPI)\n\n"
                  << shown << "\n";
        return 0;
    }

    // Everything the command line can get wrong, before any file is touched.
    if (vm.count("lattice-file") != 0 || vm.count("uai") != 0) {
        throw UsageError(fmt::format(
            "--{} cannot be used by ensemble: its samples' disorder is drawn by the lattice "
            "generator (--lattice, --disorder, --random-field)",
            vm.count("uai") != 0 ? "uai" : "lattice-file"));
    }
    SweepSetup setup = parse_sweep_setup(vm);
    const ThreadCountGuard threads(setup.options.threads);  // the samples' set-up included
    if (setup.store_m == "yes")
        throw UsageError("ensemble files do not store per-site m (--store-m yes)");
    const unsigned long long samples = vm["samples"].as<UnsignedOption>().value;
    if (samples < 1 || samples > kMaxSamples)
        throw UsageError(fmt::format("--samples must be between 1 and {}", kMaxSamples));
    const GeneratedModelSpec spec = generated_model_spec(vm);
    std::vector<std::uint64_t> seeds;
    try {
        seeds = ensemble_seeds(spec.couplings.seed, samples);
    } catch (const ModelError& e) {
        throw UsageError(
            fmt::format("--seed {} --samples {}: {}", spec.couplings.seed, samples, e.what()));
    }
    const LatticeGraph lattice = make_lattice_for_options(spec);
    EnsembleOptions options;
    options.samples = samples;
    options.seed = spec.couplings.seed;
    options.threads = setup.options.threads;
    const Model first = sample_model(spec, seeds.front(), lattice);
    use_cluster_file(setup, first);
    options.sweep = setup.options;
    const bool resume = vm.count("resume") != 0;
    const bool force = vm.count("force") != 0;
    const fs::path out = vm["out"].as<std::string>();
    const fs::path checkpoint = checkpoint_path(out);
    check_checkpoint_name(out, checkpoint);
    std::vector<InputFile> inputs;  // --lattice-file and --uai are refused above
    if (setup.clusters) inputs.push_back({"clusters", *setup.clusters});
    const Description keys = fingerprint(spec, samples, setup);

    RunRecord record = run_record(setup, first, command_line);
    record.store_m = false;
    record.model = describe_model(spec);  // seed: the base seed S
    record.solver.emplace_back("samples", fmt::format("{}", samples));

    const std::unique_ptr<SampleTeam> team = make_sample_team();
    const bool root = team->rank() == 0;
    // Rank 0 checks the output and opens the checkpoint; the positions still to run (sample
    // indices) go to every rank.
    std::vector<std::uint64_t> todo;
    std::vector<std::string> finished;  // encoded samples, the checkpoint's and this run's
    std::optional<AppendLog> log;
    bool created_checkpoint = false;  // by this run, not resumed
    // Until it holds a sample, the checkpoint this run created would only block the next run
    // ("finish it with --resume"): SIGINT, SIGTERM or SIGHUP remove it then, as they remove
    // temporaries. Alone only: in a job, another rank may have appended meanwhile.
    std::optional<RemovedOnSignal> empty_checkpoint;
    if (root) {
        try {
            std::vector<bool> done(seeds.size(), false);
            if (resume) {
                // The checkpoint first: resuming something that is not this run's ensemble
                // is the error to report, not that a file of the output's name exists.
                if (!fs::exists(checkpoint)) {
                    if (fs::exists(out) && is_ensemble_file(out)) {
                        throw IoError(fmt::format("nothing to resume: '{}' is a finished ensemble",
                                                  out.string()));
                    }
                    throw IoError(fmt::format(
                        "nothing to resume: no checkpoint '{}' of an unfinished ensemble beside "
                        "'{}'",
                        checkpoint.string(), out.string()));
                }
                refuse_live_checkpoint(checkpoint);
                const AppendLogContents contents = read_append_log(checkpoint);
                check_same_run(decode_fingerprint(contents.header, checkpoint), keys, checkpoint);
                prepare_output(out, force, inputs);
                for (const std::string& sample : contents.records) {
                    const std::size_t index = encoded_sample_index(sample);
                    if (index >= done.size() || done[index]) continue;
                    done[index] = true;
                    finished.push_back(sample);
                }
                log.emplace(AppendLog::open(checkpoint));
                claim_checkpoint(*log);
                if (contents.skipped_bytes > 0) {
                    print_diagnostic(
                        "isingmf: {}: skipped {} damaged bytes between intact records (the "
                        "samples they held run again)\n",
                        printable(checkpoint.string()), contents.skipped_bytes);
                }
                if (contents.dropped_bytes > 0) {
                    print_diagnostic("isingmf: {}: dropped a torn last record ({} bytes)\n",
                                     printable(checkpoint.string()), contents.dropped_bytes);
                }
                print_diagnostic("isingmf: resuming: {} of {} samples done\n", finished.size(),
                                 samples);
                if (!finished.empty() && team->size() == 1) set_kept_samples_note(checkpoint);
            } else {
                prepare_output(out, force, inputs);
                // With --force, the old checkpoint's claim is held until the new one is in
                // place, so that no run can start appending to the file being replaced.
                std::optional<ReplacementClaim> replaced;
                if (force) {
                    replaced.emplace(checkpoint);
                    if (!replaced->held()) refuse_live(checkpoint);
                } else {
                    refuse_existing_checkpoint(checkpoint);
                }
                // Registered first, so that no signal finds the new checkpoint unregistered;
                // what stands there before is this run's to replace (--force) or nothing.
                if (team->size() == 1) empty_checkpoint.emplace(checkpoint);
                try {
                    // Claimed from before it appears; it replaces only the file this run holds,
                    // never one that another run created meanwhile.
                    log.emplace(AppendLog::create_for_run(checkpoint, encode_fingerprint(keys),
                                                          replaced && replaced->found()));
                } catch (const OutputExistsError&) {
                    empty_checkpoint.reset();  // whatever stands there is not this run's
                    refuse_live_checkpoint(checkpoint);
                    throw;
                } catch (...) {
                    empty_checkpoint.reset();
                    throw;
                }
                created_checkpoint = true;
            }
            for (std::size_t k = 0; k < done.size(); ++k)
                if (!done[k]) todo.push_back(k);
        } catch (...) {
            team->follow_root(false);  // the other ranks end quietly; this one reports
            throw;
        }
        team->follow_root(true);
    } else {
        if (!team->follow_root(false)) return 1;
        log.emplace(AppendLog::open(checkpoint));
    }
    team->broadcast(todo);

    std::size_t appended = 0;  // records this process added to the checkpoint
    try {
        ProgressBar bar(team->size() == 1);
        std::size_t done_here = 0;
        std::vector<std::string> mine;
        team->start(todo.size());
        run_samples(
            spec, setup.betas, seeds, options,
            [&]() -> std::optional<std::size_t> {
                const std::optional<std::size_t> position = team->next();
                if (!position) return std::nullopt;
                return static_cast<std::size_t>(todo[*position]);
            },
            [&](std::size_t index, SweepResult&& sweep) {
                keep_typed_temperatures(setup.temperatures, sweep);
                std::string sample = encode_sample(index, seeds[index], record, sweep);
                // Before the append: a signal after it leaves the checkpoint with the sample (one
                // whose handler read the registration just before can still remove it).
                if (empty_checkpoint) empty_checkpoint->release();
                log->append(sample);
                // Alone only: under MPI this rank cannot tell whether others appended.
                if (++appended == 1 && team->size() == 1) set_kept_samples_note(checkpoint);
                // No lock: run_samples calls this by one thread at a time.
                mine.push_back(std::move(sample));
                bar.update("samples", ++done_here, todo.size());
            },
            todo.size());
        bar.finish();
        log->sync();
        if (team->size() > 1) {
            print_diagnostic("isingmf: rank {} of {} ran {} samples\n", team->rank(), team->size(),
                             done_here);
        }
        std::vector<std::string> gathered = team->gather(std::move(mine));
        if (!root) return 0;
        finished.insert(finished.end(), std::make_move_iterator(gathered.begin()),
                        std::make_move_iterator(gathered.end()));
        write_ensemble(out, EnsembleRecord{record, seeds}, finished, force);
    } catch (const std::exception& e) {
        // Alone, main reports the error; in a job, the other ranks would wait for this one.
        if (team->size() > 1) {
            print_error(e.what(), fmt::format(" (rank {})", team->rank()));
            team->abort_on_error();
        }
        // A checkpoint this run created and that holds no sample would only block the next
        // run ("finish it with --resume"): a failure before the first sample leaves no file.
        // Removed before the log closes, while its claim keeps other runs off it.
        if (created_checkpoint && appended == 0 && team->size() == 1) {
            std::error_code ignored;
            fs::remove(checkpoint, ignored);
            log.reset();
        }
        // A checkpoint that holds samples stays: an I/O error (a full disk, a failed write of
        // the output) says so. Not an output that appeared meanwhile (--resume would meet it
        // too: main says to use --force), nor a solver's error, which a resume would repeat.
        if (team->size() == 1 && (appended > 0 || !finished.empty()) &&
            dynamic_cast<const IoError*>(&e) != nullptr &&
            dynamic_cast<const OutputExistsError*>(&e) == nullptr) {
            throw IoError(fmt::format("{}; {}", e.what(), kept_samples_note(checkpoint)));
        }
        throw;
    }
    set_interrupt_note("");  // the output is written: nothing is left to resume
    std::error_code ignored;
    fs::remove(checkpoint, ignored);
    log.reset();
    warn_of_missing_exact_values(out);
    print_diagnostic("wrote {} ({} samples)\n", printable(out.string()), samples);
    return 0;
}

}  // namespace isingmf::cli
