#pragma once
/// Kaufman's exact partition function of the uniform, zero-field Ising model on the
/// Lx x Ly periodic square lattice (B. Kaufman, Phys. Rev. 76, 1232 (1949)):
///
///   H = -J sum_<ij> s_i s_j (2 Lx Ly bonds),  K = beta J,  m = Ly rows, n = Lx columns,
///   Z = 1/2 (2 sinh 2K)^{mn/2} (Z1 + Z2 + Z3 + Z4),
///   Z1 = prod_{r=0}^{n-1} 2 cosh(m g_{2r+1} / 2),  Z2 = prod_{r=0}^{n-1} 2 sinh(m g_{2r+1} / 2),
///   Z3 = prod_{r=0}^{n-1} 2 cosh(m g_{2r} / 2),    Z4 = prod_{r=0}^{n-1} 2 sinh(m g_{2r} / 2),
///   cosh g_k = cosh 2K coth 2K - cos(pi k / n) (g_k > 0 for k >= 1),
///   g_0 = 2K + ln tanh K, which is negative above T_c = 2 / ln(1 + sqrt 2) (J = 1).
///
/// Evaluated in log space, so any size and any beta >= 0 give finite values, and on
/// second-order jets in beta, so the energy and specific heat are exact derivatives.
/// An antiferromagnet (J < 0) on even Lx, Ly maps to the ferromagnet by flipping one
/// sublattice; on odd sizes it is frustrated and not covered.

#include <span>
#include <string>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf {

/// The lattice Kaufman's formula needs: extents and the uniform coupling.
struct KaufmanLattice {
    int lx = 0;
    int ly = 0;
    double J = 0.0;
};

/// Smallest extent accepted: on a periodic length below 3 the generator's bonds repeat.
inline constexpr int kKaufmanMinExtent = 3;

/// ln Z, <H>/N and C/N = beta^2 var(H)/N of the Lx x Ly torus at inverse temperature beta;
/// magnetization 0 (zero field), |m| and susceptibility NaN. Throws ModelError on extents
/// below kKaufmanMinExtent or above 2^30 sites, non-finite J, beta not finite and >= 0, beta
/// times the torus's energy scale 2 Lx Ly |J| overflowing, or J < 0 with an odd extent.
ExactResult kaufman_exact(int lx, int ly, double J, double beta);

/// Whether `model` is a uniform zero-field periodic square lattice that Kaufman's formula
/// covers: Model::lattice() a periodic square Lx x Ly with Lx, Ly >= 3, the torus bonds
/// (x,y)-(x+1,y), (x,y)-(x,y+1) exactly, one coupling value, zero fields and zero energy offset,
/// and even extents if J < 0. On success fills `lattice` when given.
bool kaufman_applies(const Model& model, KaufmanLattice* lattice = nullptr);

/// Why kaufman_applies(model) is false, in one line ("" where it is true, and then `lattice`
/// is filled when given): a uniform zero-field torus of J < 0 with an odd extent is named as
/// frustrated; anything else gets the general condition.
std::string kaufman_refusal(const Model& model, KaufmanLattice* lattice = nullptr);

/// kaufman_exact at each beta for a model that kaufman_applies to; throws ModelError otherwise.
std::vector<ExactResult> kaufman_exact(const Model& model, std::span<const double> betas);

}  // namespace isingmf
