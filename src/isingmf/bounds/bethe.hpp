#pragma once
/// Loopy belief propagation and the Bethe free energy: an ESTIMATE of ln Z, not a bound.
///
/// With theta_i = beta h_i and theta_e = beta J_e (H and E0 as in model/model.hpp), messages
/// are cavity fields: the message from i to a neighbour j is
///
///   u_{i->j} = atanh( tanh(theta_ij) tanh(H_i - u_{j->i}) )
///            = [lncosh(H_i - u_{j->i} + theta_ij) - lncosh(H_i - u_{j->i} - theta_ij)] / 2,
///   H_i = theta_i + sum_{k in N(i)} u_{k->i},
///
/// evaluated through lncosh(x) = |x| + log1p(exp(-2|x|)) - ln 2, so nothing overflows at any
/// beta (the log domain of BP for binary spins). Damping d mixes u <- (1 - d) u_new + d u_old.
/// Schedules: `sequential` updates site by site in index order, all messages out of a site
/// at once, each update seen immediately by the sites that follow; `parallel` computes every
/// message from the previous sweep's (OpenMP over messages: the same numbers for every thread
/// count). The residual is the largest undamped change max |u_new - u_old| of the last sweep;
/// BP has converged when it is below the tolerance. On loopy frustrated graphs it may not
/// converge: that is reported (converged = false, the residual), never hidden.
///
/// Beliefs: b_i(s) proportional to exp(H_i s), b_ij(s, t) to exp(a s + b t + theta_ij s t) with
/// a = H_i - u_{j->i}, b = H_j - u_{i->j}. The Bethe estimate at the final messages is
///
///   ln Z_B = sum_ij [ theta_ij <s t>_bij + S(b_ij) ] + sum_i [ theta_i <s>_bi - (d_i - 1) S(b_i) ]
///            - beta E0,
///
/// (S the entropy, d_i the degree) = -F_Bethe. It is exact on trees (BP is then exact) at the
/// fixed point; BP stops within the tolerance of it, which leaves ~1e-10 relative with the
/// default 1e-9 (first order in the messages' last change). On
/// loopy graphs it is neither a lower nor an upper bound in general; for ferromagnetic models
/// (J_e >= 0, any fields) Ruozzi (NIPS 2012) shows Z_B <= Z at BP fixed points.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf {

/// Update order of belief propagation (see the header comment).
enum class BpSchedule { sequential, parallel };

/// "sequential" or "parallel".
std::string to_string(BpSchedule schedule);
/// Parses the names of to_string; throws ParseError otherwise.
BpSchedule parse_bp_schedule(std::string_view text);

struct BetheOptions {
    BpSchedule schedule = BpSchedule::sequential;
    /// Starts: zero messages (the paramagnet), and with `polarized` also u_{i->j} = theta_ij
    /// (every spin up, which breaks the h -> -h symmetry that zero messages keep forever
    /// at h = 0). The converged run with the largest ln Z_B (the lowest Bethe free energy)
    /// is kept, or, when none converged, the one with the smallest residual.
    bool polarized = true;
    double damping = 0.5;       ///< in [0, 1): weight of the old message
    double tolerance = 1e-9;    ///< on the residual max |u_new - u_old|
    int max_iterations = 2000;  ///< sweeps
};

/// The Bethe estimate and how it was obtained.
struct BetheResult {
    double ln_z = 0.0;  ///< ln Z_Bethe at the final messages: an estimate, NOT a bound
    int iterations = 0;
    bool converged = false;
    double residual = 0.0;         ///< largest undamped message change of the last sweep
    std::vector<double> m;         ///< belief means <s_i>_b = tanh(H_i)
    std::vector<double> messages;  ///< u_{i->j} (2 per edge: i->j, then j->i; warm starts)
    double beta = 0.0;
    BpSchedule schedule = BpSchedule::sequential;
    double damping = 0.0;
    std::string start;  ///< "zero", "polarized" or "warm"
};

/// Runs BP at beta (finite, >= 0) from the starts of `options`, and also from `warm`'s
/// messages scaled by beta / warm->beta when `warm` matches the model. Throws ModelError on a
/// bad beta, a damping outside [0, 1) or a non-positive tolerance.
BetheResult solve_bethe(const Model& model, double beta, const BetheOptions& options,
                        const BetheResult* warm = nullptr);

/// ln Z_Bethe and the belief means at the given messages (size 2 E) at beta; exposed for
/// tests. Also returns, when asked, the pair beliefs' marginals <s_i>_bij and <s_j>_bij per
/// edge (2 per edge), which equal the node beliefs at a fixed point. Throws ModelError on a
/// wrong message count, a bad beta, or one that overflows beta |H| (check_energy_scale).
double bethe_free_energy(const Model& model, double beta, std::span<const double> messages,
                         std::vector<double>* m = nullptr,
                         std::vector<double>* pair_means = nullptr);

}  // namespace isingmf
