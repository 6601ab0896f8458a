#include "isingmf/exact/kaufman.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <numbers>
#include <optional>
#include <string>

#include "isingmf/exact/detail/jet.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

using detail::Jet;

constexpr std::int64_t kMaxSites = std::int64_t{1} << 30;

// Above this K, sinh 2K is computed through its inverse so that nothing overflows.
constexpr double kLargeCoupling = 2.0;

// Below this K the torus is independent bonds to double precision: ln Z = N ln 2 +
// 2N ln cosh K + (closed polygons, the shortest of length min(Lx, Ly) >= 3), whose share of
// ln Z, <H> and C is at most ~2K relative. The closed form's jets, in contrast, carry
// 1/K^2 terms that overflow into NaN below K ~ 1e-80.
constexpr double kIndependentBonds = 1e-17;

// The factor of Z1..Z4 for one k >= 1, including its share (2 sinh 2K)^{m/2} of the prefactor:
//   (2 sinh 2K)^{m/2} 2cosh(m g/2) = exp(base + ln(1 + e^{-m g})),
//   (2 sinh 2K)^{m/2} 2sinh(m g/2) = exp(base + ln(1 - e^{-m g})),
//   base = (m/2) ln(2 sinh(2K) e^{g}).
// Both are written so that no term cancels: with s = sinh 2K and q = 1 - cos(theta) =
// 2 sin^2(theta/2), cosh g = s + 1/s - cos theta = 1 + p/s where p = (1-s)^2 + s q >= 0, so
// s e^{g} = p + s + sqrt(p (p + 2s)) and g = ln(1 + w + sqrt(w (w + 2))), w = p / s.
// For large K, with t = 1/s: s e^{g} = s^2 (1 + t^2 - t cos theta) (1 + sqrt(1 - r^2)),
// r = t / (1 + t^2 - t cos theta).
struct Factor {
    Jet base;
    Jet gamma;
};

Factor factor(const Jet& K, double theta, int m) {
    const double q = 2.0 * std::sin(0.5 * theta) * std::sin(0.5 * theta);
    const double half_m = 0.5 * m;
    if (K.v < kLargeCoupling) {
        const Jet s = detail::sinh(2.0 * K);
        const Jet p = (1.0 - s) * (1.0 - s) + q * s;
        const Jet se = p + s + detail::sqrt(p * (p + 2.0 * s));
        const Jet w = p / s;
        return {half_m * (std::numbers::ln2 + detail::log(se)),
                detail::log1p(w + detail::sqrt(w * (w + 2.0)))};
    }
    // ln sinh 2K = 2K - ln 2 + ln(1 - e^{-4K}),  1/sinh 2K = 2 e^{-2K} / (1 - e^{-4K}).
    const Jet one_minus = -detail::expm1(-4.0 * K);
    const Jet ln_s = 2.0 * K - std::numbers::ln2 + detail::log(one_minus);
    const Jet t = 2.0 * detail::exp(-2.0 * K) / one_minus;
    const Jet inner = t * t - std::cos(theta) * t;
    const Jet r = t / (1.0 + inner);
    const Jet gamma = ln_s + detail::log1p(inner) + detail::log(1.0 + detail::sqrt(1.0 - r * r));
    return {half_m * (std::numbers::ln2 + ln_s + gamma), gamma};
}

// ln Z as a jet in the variable of K (K carries its derivatives).
Jet kaufman_ln_z(int lx, int ly, const Jet& K) {
    const int n = lx;
    const int m = ly;
    const double md = static_cast<double>(m);

    Jet l1, l2, l3, r4;
    for (int k = 1; k < 2 * n; ++k) {
        const double theta = std::numbers::pi * static_cast<double>(k) / static_cast<double>(n);
        const Factor f = factor(K, theta, m);
        const Jet e = -md * f.gamma;
        const Jet cosh_part = f.base + detail::log1p(detail::exp(e));
        const Jet sinh_part = f.base + detail::log(-detail::expm1(e));
        if (k % 2 == 1) {
            l1 = l1 + cosh_part;
            l2 = l2 + sinh_part;
        } else {
            l3 = l3 + cosh_part;
            r4 = r4 + sinh_part;
        }
    }

    // k = 0 with its prefactor share, from (2 sinh 2K)^{1/2} e^{+-g0/2} = e^{2K} - 1 and
    // 1 + e^{-2K}: the cosh factor is (e^{2K}-1)^m + (1+e^{-2K})^m = e^u + e^v and the sinh
    // factor e^u - e^v = e^v expm1(m g0), which keeps the sign of g0 = (u - v)/m.
    const Jet ln_expm1_2k = K.v < 0.35 ? detail::log(detail::expm1(2.0 * K))
                                       : 2.0 * K + detail::log1p(-detail::exp(-2.0 * K));
    const Jet ln_1p = detail::log1p(detail::exp(-2.0 * K));
    const Jet u = md * ln_expm1_2k;
    const Jet v = md * ln_1p;
    const Jet m_gamma0 = u - v;
    l3 = l3 + detail::log_add_exp(u, v);
    r4 = r4 + v;

    // Z4 = e^{r4} expm1(m g0): in log form while it is large and positive, as a plain
    // factor in (-1, e - 1] otherwise; either form is exact where it is used.
    const bool z4_in_log = m_gamma0.v > 1.0;
    const Jet l4 = z4_in_log ? r4 + m_gamma0 + detail::log(-detail::expm1(-m_gamma0)) : r4;
    // Factor out the largest term as a jet, not only its value: at low temperature all four
    // terms share a large derivative that would otherwise cancel in log(sum) to rounding.
    const Jet* top = &l1;
    for (const Jet* l : std::initializer_list<const Jet*>{&l2, &l3, &l4}) {
        if (l->v > top->v) top = l;
    }
    Jet sum = detail::exp(l1 - *top) + detail::exp(l2 - *top) + detail::exp(l3 - *top);
    sum = sum +
          (z4_in_log ? detail::exp(l4 - *top) : detail::exp(l4 - *top) * detail::expm1(m_gamma0));
    return -std::numbers::ln2 + *top + detail::log(sum);
}

}  // namespace

ExactResult kaufman_exact(int lx, int ly, double J, double beta) {
    if (lx < kKaufmanMinExtent || ly < kKaufmanMinExtent) {
        throw ModelError(fmt::format(
            "Kaufman's formula needs a periodic square lattice of at least {0}x{0}, got {1}x{2}",
            kKaufmanMinExtent, lx, ly));
    }
    if (static_cast<std::int64_t>(lx) * ly > kMaxSites) {
        throw ModelError(fmt::format("Kaufman lattice {}x{} has more than 2^30 sites", lx, ly));
    }
    if (!std::isfinite(J))
        throw ModelError(fmt::format("Kaufman coupling J = {} is not finite", J));
    check_beta(beta);
    // The torus has 2 lx ly bonds (extents >= 3), each |J| at most.
    check_energy_scale(2.0 * static_cast<double>(lx) * static_cast<double>(ly) * std::abs(J), beta);
    if (J < 0.0 && (lx % 2 != 0 || ly % 2 != 0)) {
        throw ModelError(
            fmt::format("Kaufman's formula covers the antiferromagnet only on even extents (no "
                        "frustration), got {}x{}",
                        lx, ly));
    }
    const double n_sites = static_cast<double>(lx) * static_cast<double>(ly);
    ExactResult result;
    result.magnetization = 0.0;
    const double coupling = std::abs(J);  // even extents: the sublattice flip maps J -> |J|
    if (beta == 0.0 || coupling == 0.0) {
        // Independent spins: Z = 2^N, <H> = 0, and C = beta^2 var(H) = 0 (beta = 0 or H = 0).
        result.ln_z = n_sites * std::numbers::ln2;
        return result;
    }
    const double k = beta * coupling;
    if (k < kIndependentBonds) {
        // 2N bonds: d ln Z/d beta = 2N |J| tanh K, d2 ln Z/d beta2 = 2N J^2 / cosh^2 K.
        const double sech = 1.0 / std::cosh(k);
        result.ln_z = n_sites * (std::numbers::ln2 + 2.0 * std::log(std::cosh(k)));
        result.energy_per_spin = -2.0 * coupling * std::tanh(k);
        result.specific_heat_per_spin = 2.0 * k * k * sech * sech;
        return result;
    }
    // K = beta |J| as a jet in beta.
    const Jet K{k, coupling, 0.0};
    const Jet ln_z = kaufman_ln_z(lx, ly, K);
    result.ln_z = ln_z.v;
    result.energy_per_spin = -ln_z.d / n_sites;
    // beta (beta C''): beta^2 alone overflows beyond beta ~ 1e154 where C'' is exactly 0.
    result.specific_heat_per_spin = beta * (beta * ln_z.dd) / n_sites;
    return result;
}

std::string kaufman_refusal(const Model& model, KaufmanLattice* lattice) {
    const std::string general =
        "Kaufman's closed form needs a uniform zero-field periodic square lattice with extents "
        ">= 3";
    const std::optional<LatticeSpec>& spec = model.lattice();
    if (!spec || spec->kind != LatticeKind::square || spec->boundary != Boundary::periodic)
        return general;
    const std::vector<int>& size = spec->size;
    if (size.size() != 2 || size[0] < kKaufmanMinExtent || size[1] < kKaufmanMinExtent)
        return general;
    const int lx = size[0];
    const int ly = size[1];
    if (static_cast<std::int64_t>(lx) * ly != model.num_sites()) return general;
    if (model.num_edges() != 2 * static_cast<std::size_t>(model.num_sites())) return general;
    if (model.energy_offset() != 0.0) return general;
    if (!model.all_fields([](double h) { return h == 0.0; })) return general;
    const std::optional<double> shared_J = model.shared_coupling();
    const double J = shared_J ? *shared_J : model.couplings().front();  // not value_or: eager
    if (!model.all_couplings([J](double c) { return c == J; })) return general;

    // The bonds must be the torus bonds, each once: one to the right and one upwards from
    // every site (with extents >= 3 the direction of a bond is unambiguous).
    const auto n = static_cast<std::size_t>(model.num_sites());
    std::vector<char> right(n, 0), up(n, 0);
    for (const Edge& e : model.edges()) {
        const int xi = e.i % lx, yi = e.i / lx, xj = e.j % lx, yj = e.j / lx;
        std::vector<char>* mark = nullptr;
        int from = 0;
        if (yi == yj && xj == (xi + 1) % lx) {
            mark = &right, from = e.i;
        } else if (yi == yj && xi == (xj + 1) % lx) {
            mark = &right, from = e.j;
        } else if (xi == xj && yj == (yi + 1) % ly) {
            mark = &up, from = e.i;
        } else if (xi == xj && yi == (yj + 1) % ly) {
            mark = &up, from = e.j;
        } else {
            return general;
        }
        char& seen = (*mark)[static_cast<std::size_t>(from)];
        if (seen) return general;
        seen = 1;
    }
    // The one torus of the general condition that the formula does not cover.
    if (J < 0.0 && (lx % 2 != 0 || ly % 2 != 0)) {
        return fmt::format(
            "Kaufman's closed form needs even extents where J < 0: the {}x{} antiferromagnetic "
            "torus is frustrated (planar or eliminate compute it)",
            lx, ly);
    }
    if (lattice) *lattice = {lx, ly, J};
    return {};
}

bool kaufman_applies(const Model& model, KaufmanLattice* lattice) {
    return kaufman_refusal(model, lattice).empty();
}

std::vector<ExactResult> kaufman_exact(const Model& model, std::span<const double> betas) {
    check_betas(betas);
    check_energy_scale(model, betas);
    KaufmanLattice lattice;
    if (const std::string refusal = kaufman_refusal(model, &lattice); !refusal.empty())
        throw ModelError(refusal);
    std::vector<ExactResult> results;
    results.reserve(betas.size());
    for (double beta : betas)
        results.push_back(kaufman_exact(lattice.lx, lattice.ly, lattice.J, beta));
    return results;
}

}  // namespace isingmf
