#pragma once
/// Command-line options that describe a model, shared by `sweep`, `ensemble` and `export`.

#include <boost/program_options.hpp>

#include "isingmf/lattices/generated_model.hpp"
#include "isingmf/model/model.hpp"
#include "output_file.hpp"

namespace isingmf::cli {

/// Adds --lattice, --size, --boundary, --J, --h, --disorder, --random-field, --J0, --seed,
/// --lattice-file and, when `uai_input`, --uai (export uses --uai for its output).
boost::program_options::options_description model_options(bool uai_input = true);

/// Builds the model the options describe. Contradictory or malformed options throw
/// UsageError; unreadable or malformed files throw the library's errors.
Model build_model_from_options(const boost::program_options::variables_map& vm,
                               bool uai_input = true);

/// The files the model options name for reading: --lattice-file, and --uai when `uai_input`
/// (an output must not be one of them).
std::vector<InputFile> model_input_files(const boost::program_options::variables_map& vm,
                                         bool uai_input = true);

/// The generated model the options --lattice, --size, --boundary, --J, --h, --disorder,
/// --random-field, --J0 and --seed describe, checked (contradictions and malformed values
/// throw UsageError) but not built.
GeneratedModelSpec generated_model_spec(const boost::program_options::variables_map& vm);

/// make_lattice(spec.lattice), its refusals (a periodic extent of 1, too many sites) turned
/// into UsageError since the command line is at fault.
LatticeGraph make_lattice_for_options(const GeneratedModelSpec& spec);

/// build_generated_model on the spec of generated_model_spec(vm).
Model build_generated_model_from_options(const boost::program_options::variables_map& vm);

}  // namespace isingmf::cli
