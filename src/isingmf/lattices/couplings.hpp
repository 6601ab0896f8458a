#pragma once
/// Couplings and fields on a lattice's bonds: uniform, +-J, Gaussian, Sherrington-Kirkpatrick,
/// plus an optional Gaussian random field. Reproducible: the bonds come from one random
/// stream of the seed and the fields from another, in bond and site order.

#include <cstdint>
#include <string>
#include <string_view>

#include "isingmf/lattices/lattice.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// uniform: J_e = J.  pm: J_e = +-J with equal probability.  gauss: J_e ~ N(0, J^2).
/// sk: J_e ~ N(J0/N, J^2/N), meant for the complete graph.
enum class Disorder { uniform, pm, gauss, sk };

struct CouplingSpec {
    double J = 1.0;  ///< coupling scale (uniform value, +-J magnitude, std)
    double h = 0.0;  ///< uniform field on every site
    Disorder disorder = Disorder::uniform;
    double random_field = 0.0;  ///< h_i = h + random_field * N(0, 1) when > 0
    double J0 = 0.0;            ///< SK mean coupling times N
    std::uint64_t seed = 1;
};

/// "none", "pm", "gauss" or "sk"; throws ParseError otherwise.
Disorder parse_disorder(std::string_view text);
std::string to_string(Disorder disorder);

/// Puts couplings and fields on the lattice's bonds and builds the model.
Model build_model(const LatticeGraph& lattice, const CouplingSpec& spec,
                  Description description = {});
/// The same, adopting the lattice's bond list as the model's edges instead of copying it.
Model build_model(LatticeGraph&& lattice, const CouplingSpec& spec, Description description = {});
/// The same model on make_lattice(lattice). Uniform couplings without a random field make a
/// Model::of_lattice, which generates its bonds rather than storing them; anything else is
/// built on make_lattice(lattice). Throws what make_lattice throws, then what the overloads above
/// throw.
Model build_model(const LatticeSpec& lattice, const CouplingSpec& spec,
                  Description description = {});

}  // namespace isingmf
