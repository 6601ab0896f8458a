#include "isingmf/lattices/couplings.hpp"

#include <fmt/format.h>

#include <cmath>

#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/detail/parallel.hpp"
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
    return build_model(LatticeGraph(lattice), spec, std::move(description));
}

namespace {

void check_coupling_spec(const CouplingSpec& spec) {
    if (!std::isfinite(spec.J) || !std::isfinite(spec.h) || !std::isfinite(spec.J0)) {
        throw ModelError("J, h and J0 must be finite");
    }
    if (!(spec.random_field >= 0.0) || !std::isfinite(spec.random_field)) {
        throw ModelError(fmt::format("random-field strength must be finite and >= 0, got {}",
                                     spec.random_field));
    }
}

bool uniform_weights(const CouplingSpec& spec) {
    return spec.disorder == Disorder::uniform && spec.random_field == 0.0;
}

}  // namespace

Model build_model(const LatticeSpec& lattice, const CouplingSpec& spec, Description description) {
    // The lattice is checked first, as make_lattice would be called first.
    if (!uniform_weights(spec))
        return build_model(make_lattice(lattice), spec, std::move(description));
    check_lattice_spec(lattice);
    check_coupling_spec(spec);
    return Model::of_lattice(lattice, {spec.J, spec.h}, 0.0, std::move(description));
}

Model build_model(LatticeGraph&& lattice, const CouplingSpec& spec, Description description) {
    check_coupling_spec(spec);
    if (uniform_weights(spec)) {
        // Two numbers instead of two arrays: 24 bytes per site less on the square lattice.
        return Model::with_uniform_weights(lattice.num_sites, std::move(lattice.bonds),
                                           {spec.J, spec.h}, 0.0, std::move(description),
                                           std::move(lattice.spec));
    }
    const double n = static_cast<double>(lattice.num_sites);
    std::vector<double> couplings;
    detail::resize_touched(couplings, lattice.bonds.size());
    if (spec.disorder == Disorder::uniform) {
        detail::fill_parallel(couplings, spec.J);
    } else {
        // One stream in bond order: the same bonds for a seed whatever the thread count.
        Rng bond_rng(spec.seed, kBondStream);
        for (double& J : couplings) {
            switch (spec.disorder) {
                case Disorder::uniform:
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
    }
    std::vector<double> fields;
    detail::resize_touched(fields, static_cast<std::size_t>(lattice.num_sites));
    detail::fill_parallel(fields, spec.h);
    if (spec.random_field > 0.0) {
        Rng field_rng(spec.seed, kFieldStream);
        for (double& h : fields) h += spec.random_field * field_rng.normal();
    }
    return Model(lattice.num_sites, std::move(lattice.bonds), std::move(couplings),
                 std::move(fields), 0.0, std::move(description), std::move(lattice.spec));
}

}  // namespace isingmf
