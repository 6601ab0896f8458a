#pragma once
/// Command-line options that describe a model, shared by `sweep` and `export`.

#include <boost/program_options.hpp>

#include "isingmf/model/model.hpp"

namespace isingmf::cli {

/// Adds --lattice, --size, --boundary, --J, --h, --disorder, --random-field, --J0, --seed,
/// --lattice-file and, when `uai_input`, --uai (export uses --uai for its output).
boost::program_options::options_description model_options(bool uai_input = true);

/// Builds the model the options describe. Contradictory or malformed options throw
/// UsageError; unreadable or malformed files throw the library's errors.
Model build_model_from_options(const boost::program_options::variables_map& vm,
                               bool uai_input = true);

}  // namespace isingmf::cli
