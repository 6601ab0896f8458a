#pragma once
/// A generated model as the command line's model options describe it: a lattice, couplings
/// and fields on it (lattices/couplings.hpp), and the description a results file records.
/// `isingmf sweep` and `isingmf ensemble` both build their models here, so that sample k of
/// an ensemble is the model `sweep --seed <its seed>` builds.

#include <cstdint>
#include <string>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/model/lattice_spec.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// What to generate. `size_text` is the extents as the user wrote them ("16x16"), recorded
/// verbatim as the model's `size`.
struct GeneratedModelSpec {
    LatticeSpec lattice;
    CouplingSpec couplings;
    std::string size_text;
};

/// The model's description, in this order: lattice, size, boundary ("none" for a complete
/// graph), J, h, disorder, random_field, J0 (with sk disorder only), seed.
Description describe_model(const GeneratedModelSpec& spec);

/// build_model(lattice, spec.couplings, describe_model(spec)) on `lattice`, which must be
/// make_lattice(spec.lattice) (taken as an argument so that many seeds share one lattice).
Model build_generated_model(const GeneratedModelSpec& spec, const LatticeGraph& lattice);

/// The same, adopting the lattice's bond list instead of copying it (the same model).
Model build_generated_model(const GeneratedModelSpec& spec, LatticeGraph&& lattice);

/// The same model, its lattice generated as build_model(spec.lattice, ...) does: a uniform
/// model never stores its bonds unless asked for them (Model::of_lattice).
Model build_generated_model(const GeneratedModelSpec& spec);

}  // namespace isingmf
