#pragma once
/// The temperature and solver options of `sweep`, shared with `ensemble` (defined in
/// sweep_command.cpp beside the command that owns them), so that sample k of an ensemble
/// runs with exactly the options `sweep` would use.

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "isingmf/io/results_file.hpp"
#include "isingmf/model/model.hpp"
#include "isingmf/sweep/sweep.hpp"

namespace isingmf::cli {

/// --help, --T, --beta, --exact, --out (default `default_out`), --force, --threads, the
/// mean-field, bound, structured and Bethe options, --store-m and --quiet.
boost::program_options::options_description sweep_options(const char* default_out);

/// What the options of sweep_options() ask for, checked.
struct SweepSetup {
    std::vector<double> temperatures;  ///< as typed (empty when given as --beta)
    std::vector<double> betas;
    SweepOptions options;                 ///< mean_field.seed is --seed
    std::string store_m;                  ///< yes, no or auto
    std::optional<std::string> clusters;  ///< --clusters FILE
    Description solver;                   ///< the options as text, for /parameters
};

/// Checks every option of sweep_options() (contradictions and malformed values throw
/// UsageError) and collects them; touches no file.
SweepSetup parse_sweep_setup(const boost::program_options::variables_map& vm);

/// Reads --clusters (if given) for `model` into setup.options.structured.clusters.
void use_cluster_file(SweepSetup& setup, const Model& model);

/// The record of a run of `setup` on `model` (store_m as --store-m decides; created now).
RunRecord run_record(const SweepSetup& setup, const Model& model, const std::string& command_line);

}  // namespace isingmf::cli
