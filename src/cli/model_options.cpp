#include "model_options.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/edge_list.hpp"
#include "isingmf/lattices/generated_model.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/util/text.hpp"
#include "parse_arguments.hpp"
#include "usage_error.hpp"

namespace po = boost::program_options;

namespace isingmf::cli {
namespace {

// Options that only mean something for a generated lattice.
const char* const kGeneratorOptions[] = {"lattice", "size",     "boundary",     "J",
                                         "h",       "disorder", "random-field", "J0"};

bool given(const po::variables_map& vm, const char* name) {
    return vm.count(name) != 0 && !vm[name].defaulted();
}

}  // namespace

po::options_description model_options(bool uai_input) {
    po::options_description opts("Model");
    opts.add_options()("lattice", po::value<std::string>()->default_value("square"),
                       "chain, square, triangular, honeycomb, cubic or complete")(
        "size", po::value<std::string>()->default_value("4x4"),
        "extents: 16 (chain, complete), 8x8, or 4x4x4 (cubic)")(
        "boundary", po::value<std::string>()->default_value("periodic"), "periodic or open")(
        "J", po::value<double>()->default_value(1.0),
        "coupling J (> 0 ferromagnetic); scale of random bonds")(
        "h", po::value<double>()->default_value(0.0), "uniform field h")(
        "disorder", po::value<std::string>()->default_value("none"),
        "none, pm (+-J), gauss (N(0,J^2)) or sk (N(J0/N, J^2/N), complete graph only)")(
        "random-field", po::value<double>()->default_value(0.0),
        "add N(0, SIGMA^2) to every field")("J0", po::value<double>()->default_value(0.0),
                                            "SK mean coupling times N")(
        "seed", po::value<UnsignedOption>()->default_value(UnsignedOption{1}, "1"),
        "seed of bonds, fields and random starts")(
        "lattice-file", po::value<std::string>(),
        "read the model from an edge-list file (see lattices/README.md)");
    if (uai_input) {
        opts.add_options()(
            "uai", po::value<std::string>(),
            "read the model from a UAI MARKOV file (binary variables, factors of one or two)");
    }
    return opts;
}

Model build_model_from_options(const po::variables_map& vm, bool uai_input) {
    const bool from_file = vm.count("lattice-file") != 0;
    const bool from_uai = uai_input && vm.count("uai") != 0;
    if (from_file && from_uai) throw UsageError("--lattice-file and --uai exclude each other");
    if (from_file || from_uai) {
        for (const char* name : kGeneratorOptions) {
            if (given(vm, name)) {
                throw UsageError(fmt::format("--{} has no meaning with --{}", name,
                                             from_file ? "lattice-file" : "uai"));
            }
        }
        return from_file ? read_edge_list(vm["lattice-file"].as<std::string>())
                         : read_uai(vm["uai"].as<std::string>());
    }

    return build_generated_model_from_options(vm);
}

std::vector<InputFile> model_input_files(const po::variables_map& vm, bool uai_input) {
    std::vector<InputFile> inputs;
    if (vm.count("lattice-file") != 0)
        inputs.push_back({"lattice-file", vm["lattice-file"].as<std::string>()});
    if (uai_input && vm.count("uai") != 0) inputs.push_back({"uai", vm["uai"].as<std::string>()});
    return inputs;
}

GeneratedModelSpec generated_model_spec(const po::variables_map& vm) {
    GeneratedModelSpec model;
    LatticeSpec& spec = model.lattice;
    CouplingSpec& couplings = model.couplings;
    as_usage([&] {
        spec.kind = parse_lattice_kind(vm["lattice"].as<std::string>());
        spec.size = parse_size(vm["size"].as<std::string>());
        spec.boundary = parse_boundary(vm["boundary"].as<std::string>());
        couplings.disorder = parse_disorder(vm["disorder"].as<std::string>());
        return 0;
    });
    if (static_cast<int>(spec.size.size()) != lattice_dimension(spec.kind)) {
        throw UsageError(
            fmt::format("--size {} does not fit lattice '{}', which takes {} extent(s)",
                        quote_token(vm["size"].as<std::string>()), to_string(spec.kind),
                        lattice_dimension(spec.kind)));
    }
    const bool complete = spec.kind == LatticeKind::complete;
    if (complete && given(vm, "boundary"))
        throw UsageError("--boundary has no meaning for a complete graph");
    if (couplings.disorder == Disorder::sk && !complete) {
        throw UsageError("--disorder sk needs --lattice complete");
    }
    if (given(vm, "J0") && couplings.disorder != Disorder::sk)
        throw UsageError("--J0 is only used with --disorder sk");
    couplings.J = vm["J"].as<double>();
    couplings.h = vm["h"].as<double>();
    couplings.random_field = vm["random-field"].as<double>();
    couplings.J0 = vm["J0"].as<double>();
    couplings.seed = vm["seed"].as<UnsignedOption>().value;
    for (const char* name : {"J", "h", "random-field", "J0"}) {
        if (!std::isfinite(vm[name].as<double>()))
            throw UsageError(fmt::format("--{} must be finite", name));
    }
    if (couplings.random_field < 0.0) throw UsageError("--random-field must be >= 0");
    model.size_text = vm["size"].as<std::string>();
    return model;
}

namespace {

void check_lattice_for_options(const GeneratedModelSpec& spec) {
    // What make_lattice refuses (a periodic extent of 1, too many sites) is the --size and
    // --boundary the user typed: a usage error.
    try {
        check_lattice_spec(spec.lattice);
    } catch (const ModelError& e) {
        throw UsageError(e.what());
    }
}

}  // namespace

LatticeGraph make_lattice_for_options(const GeneratedModelSpec& spec) {
    check_lattice_for_options(spec);
    return make_lattice(spec.lattice);
}

Model build_generated_model_from_options(const po::variables_map& vm) {
    const GeneratedModelSpec spec = generated_model_spec(vm);
    check_lattice_for_options(spec);
    return build_generated_model(spec);
}

}  // namespace isingmf::cli
