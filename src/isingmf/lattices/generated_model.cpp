#include "isingmf/lattices/generated_model.hpp"

#include <fmt/format.h>

#include <utility>

namespace isingmf {
namespace {

std::string format_number(double x) { return fmt::format("{}", x); }

}  // namespace

Description describe_model(const GeneratedModelSpec& spec) {
    const bool complete = spec.lattice.kind == LatticeKind::complete;
    const CouplingSpec& couplings = spec.couplings;
    Description description = {
        {"lattice", to_string(spec.lattice.kind)},
        {"size", spec.size_text},
        {"boundary", complete ? "none" : to_string(spec.lattice.boundary)},
        {"J", format_number(couplings.J)},
        {"h", format_number(couplings.h)},
        {"disorder", to_string(couplings.disorder)},
        {"random_field", format_number(couplings.random_field)},
    };
    if (couplings.disorder == Disorder::sk)
        description.emplace_back("J0", format_number(couplings.J0));
    description.emplace_back("seed", fmt::format("{}", couplings.seed));
    return description;
}

Model build_generated_model(const GeneratedModelSpec& spec, const LatticeGraph& lattice) {
    return build_model(lattice, spec.couplings, describe_model(spec));
}

Model build_generated_model(const GeneratedModelSpec& spec, LatticeGraph&& lattice) {
    return build_model(std::move(lattice), spec.couplings, describe_model(spec));
}

Model build_generated_model(const GeneratedModelSpec& spec) {
    return build_model(spec.lattice, spec.couplings, describe_model(spec));
}

}  // namespace isingmf
