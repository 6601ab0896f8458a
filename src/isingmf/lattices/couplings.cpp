#include "isingmf/lattices/couplings.hpp"

#include <fmt/format.h>

#include <cmath>

#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {
constexpr std::uint64_t kBondStream = 1;
constexpr std::uint64_t kFieldStream = 2;

constexpr detail::EnumNames<Disorder, 4> kDisorderNames = {{
    {Disorder::uniform, "none"},
    {Disorder::pm, "pm"},
    {Disorder::gauss, "gauss"},
    {Disorder::sk, "sk"},
}};
}  // namespace

Disorder parse_disorder(std::string_view text) {
    // "uniform" is the enum's own name, accepted beside the documented "none".
    if (text == "uniform") return Disorder::uniform;
    return detail::parse_enum(kDisorderNames, text, "disorder");
}

std::string to_string(Disorder disorder) { return detail::enum_name(kDisorderNames, disorder); }

Model build_model(const LatticeGraph& lattice, const CouplingSpec& spec, Description description) {
    if (!std::isfinite(spec.J) || !std::isfinite(spec.h) || !std::isfinite(spec.J0)) {
        throw ModelError("J, h and J0 must be finite");
    }
    if (!(spec.random_field >= 0.0) || !std::isfinite(spec.random_field)) {
        throw ModelError(fmt::format("random-field strength must be finite and >= 0, got {}",
                                     spec.random_field));
    }
    const double n = static_cast<double>(lattice.num_sites);
    Rng bond_rng(spec.seed, kBondStream);
    std::vector<double> couplings(lattice.bonds.size());
    for (double& J : couplings) {
        switch (spec.disorder) {
            case Disorder::uniform:
                J = spec.J;
                break;
            case Disorder::pm:
                J = spec.J * bond_rng.sign();
                break;
            case Disorder::gauss:
                J = spec.J * bond_rng.normal();
                break;
            case Disorder::sk:
                J = spec.J0 / n + spec.J / std::sqrt(n) * bond_rng.normal();
                break;
        }
    }
    Rng field_rng(spec.seed, kFieldStream);
    std::vector<double> fields(static_cast<std::size_t>(lattice.num_sites), spec.h);
    if (spec.random_field > 0.0) {
        for (double& h : fields) h += spec.random_field * field_rng.normal();
    }
    return Model(lattice.num_sites, lattice.bonds, couplings, std::move(fields), 0.0,
                 std::move(description), lattice.spec);
}

}  // namespace isingmf
