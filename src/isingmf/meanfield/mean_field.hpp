#pragma once
/// Naive mean-field lower bound on ln Z.
///
/// With q(s) = prod_i (1 + m_i s_i)/2 and H = E0 - sum_e J_e s_i s_j - sum_i h_i s_i,
///
///   ln Z >= F(m) = -beta E0 + beta (sum_e J_e m_i m_j + sum_i h_i m_i) + sum_i H_b(m_i),
///   H_b(m) = -(1+m)/2 ln((1+m)/2) - (1-m)/2 ln((1-m)/2),
///
/// for every m in [-1, 1]^N (Gibbs/Jensen). F is concave in each m_i separately, with
/// maximiser m_i = tanh(beta phi_i), phi_i = sum_j J_ij m_j + h_i, so coordinate ascent
/// can only increase F. ln Z_MF is the best F found; it is a lower bound whether or not the
/// iteration converged, because it is evaluated at the m that is returned. F is summed with
/// compensation and reported less an upper estimate of its rounding error that depends on
/// the model and beta only (mean_field.cpp: about 6 u per site plus (d_i + 7) u beta
/// (|h_i| + sum_j |J_ij|)), so that it stays below F(m) in exact arithmetic and every
/// comparison of two F's keeps its direction (util/detail/rounding.hpp).
///
/// Methods (MeanFieldMethod):
/// - sequential: coordinate ascent m_i <- t_i = tanh(beta phi_i), site by site in colour order.
/// - over_relaxed (default): the same sweep, but each site moves to x_i = m_i + omega (t_i - m_i)
///   (successive over-relaxation, 1 <= omega < 2) whenever that provably does not lower F, and
///   to t_i otherwise. F depends on m_i only through f(x) = beta phi_i x + H_b(x), which is
///   concave with f'(u) = atanh(t_i) - atanh(u) and f'' = -g(u), g(u) = 1/(1-u^2) increasing in
///   |u|. Hence f(t) - f(m) >= (t-m)^2 g(u_near)/2 (u_near: the point of [m, t] nearest 0) and
///   f(t) - f(x) <= (x-t)^2 g(u_far)/2 (u_far: the point of [t, x] farthest from 0), so
///       1 - u_far^2 >= (omega-1)^2 (1 - u_near^2)   implies   f(x) >= f(m).
///   Only such x are accepted; every site update therefore leaves F no lower than before, just
///   as exact coordinate ascent does, and the returned bound is again F at the returned m.
///   omega starts at 1 and is raised adaptively from the observed contraction rate lambda of
///   the sweep residual: mu^2 = (lambda + omega - 1)^2 / (lambda omega^2) estimates the squared
///   spectral radius of the linearised Jacobi map, and omega_opt = 2 / (1 + sqrt(1 - mu^2)) is
///   the optimal SOR factor for a consistently ordered (e.g. two-coloured bipartite) system.
///   Near a slow fixed point this turns ~1/(1-mu^2) sweeps into ~1/sqrt(1-mu^2).
///   Extrapolation (over_relaxed with MeanFieldOptions::extrapolate, the default). Where the
///   maximum of F is flat the sweeps crawl and over-relaxation cannot help: at the mean-field
///   critical point of a ferromagnet (beta z J = 1, h = 0) F ~ N (ln 2 - m^4/12) and each
///   sweep takes m -> m - O(m^3), so m_k ~ sqrt(3/(2k)) and the residual decays like k^-3/2
///   (10000 sweeps leave m ~ 1e-3); near T_c, and on glasses, the linear rate is close to 1.
///   So when the residual ratio of consecutive sweeps exceeds 0.9, after a few plain sweeps
///   the ascent takes d = m_new - m_old of the last one and searches the line m + alpha d:
///   alpha = 1, 2, 4, ... while dF/dalpha > 0 (and m + alpha d stays in [-1, 1]^N), then false
///   position / bisection on dF/dalpha inside the bracket. Along the line F is evaluated as
///   the exact difference F(m + alpha d) - F(m) = beta (alpha d.phi(m) + alpha^2 d.J.d / 2)
///   + sum_i [G(m_i) - G(m_i + alpha d_i)] / 2, G(u) = (1+u) ln(1+u) + (1-u) ln(1-u) = 2 ln 2
///   - 2 H_b(u) (no cancellation against the O(N) total), and the best alpha is taken only
///   if that difference exceeds a first-order bound on its rounding error (sums of absolute
///   values of the terms times (block length + blocks + degree) eps). So F(m) never
///   decreases, the returned bound is still F at the returned m, and the stopping rule is
///   unchanged. On the flat maximum one search removes most of the slow mode (the remaining
///   distance is set by the search's precision, not by the sweep count): the 256^2
///   ferromagnet at T = 4 converges in ~50 sweeps instead of not at all in 10000.
///   Sums are in fixed blocks, so the search, like the sweep, is thread-count independent.
/// Starts. F has many local maxima on frustrated models, and which one an ascent reaches
/// depends on where it starts. Saturated starts (all up, all down, uniform random) relax into
/// poor ones on glasses; the default set adds the paramagnet m_i = tanh(beta h_i) and the
/// continuation from it in beta (MeanFieldStarts::anneal), which follows the solution from the
/// unique maximum at small beta through the bifurcations of the paramagnet and reaches higher
/// bounds on glasses (docs/benchmarks.md).
/// Concave F. The Hessian of F is beta J - diag(1/(1 - m_i^2)) <= beta J - 1, so F is concave
/// on [-1, 1]^N, and every stationary point is its global maximum, when beta lambda_max(J) <= 1;
/// Gershgorin's bound lambda_max(J) <= max_i sum_j |J_ij| makes that checkable (it is exact on
/// a uniform ferromagnet, where it says T >= z J, the mean-field paramagnet). There the default
/// set runs only the paramagnet start.
/// Ferromagnets. When every J_e >= 0 and every h_i >= 0, the greatest fixed point m+ of
/// m = tanh(beta phi(m)), the limit of plain coordinate ascent from m = 1 (the update is
/// increasing in m, so that ascent stays above every fixed point), is a global maximiser of F.
/// Proof: take any y. F(|y|) >= F(y). F is supermodular (J >= 0), so F(a ^ b) + F(a v b) >=
/// F(a) + F(b) (componentwise min ^ and max v); ascent from |y| v m+ stays above m+ and ends
/// there, so F(|y| v m+) <= F(m+) and F(w0) >= F(|y|) for w0 = |y| ^ m+. Ascent from w0 stays
/// in [0, m+] (tanh(beta phi) is >= tanh(beta h) >= 0 and increasing) and ends at a fixed
/// point w with F(w) >= F(w0). Along u(t) = w + t (m+ - w), t in [0, 1], each
/// dF/dm_i = beta phi_i(u) - atanh(u_i) is concave in t (atanh is convex on [0, 1)) and zero
/// at both ends, hence >= 0, and m+ - w >= 0, so F(m+) >= F(w) >= F(y). With h_i <= 0 the
/// mirror image holds for the least fixed point and m = -1. The default set then runs only the
/// aligned start (up, or down when every h_i <= 0 and some h_i < 0); over-relaxation and
/// extrapolation are not proved to keep that ascent above m+, but have reached the same bound
/// as plain ascent from m = 1 on every ferromagnet the tests try.
/// Both methods stop when the residual max_i |m_i - tanh(beta phi_i)| (at the current m) is
/// below the tolerance and the bound no longer moves (see MeanFieldOptions). The update and the
/// residual use a branch-free tanh within a few ulp of std::tanh, and the entropy a branch-free
/// log1p within one ulp (meanfield/detail/fast_tanh.hpp, fast_log1p.hpp): they vectorise, so
/// that evaluating F costs a few sweeps rather than a dozen. That only affects which m is found
/// and the last bits of F(m), never its validity. Results do not depend on the number of
/// OpenMP threads.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isingmf/model/model.hpp"

namespace isingmf {

/// Which starting points to try; the best bound over all of them is kept. They run in a fixed
/// order, up, down, paramagnet, anneal, random:0, random:1, ..., warm, and ties keep the
/// earlier one (see solve_mean_field for the cut-offs). Where beta max_i sum_j |J_ij| <= 1
/// only the paramagnet runs, and on a ferromagnet in a field of one sign only the aligned start
/// (when they are requested; header: no start can do better there).
struct MeanFieldStarts {
    /// The default set. (Declared so that the struct is no aggregate: a positional
    /// {up, down, random} from before the paramagnet and anneal starts no longer compiles.)
    MeanFieldStarts() = default;

    bool all_up = true;      ///< m_i = 1
    bool all_down = true;    ///< m_i = -1 (not run when every h_i = 0 and up is: its mirror image)
    int random = 1;          ///< number of random starts, m_i uniform in [-1, 1]
    bool paramagnet = true;  ///< m_i = tanh(beta h_i), the solution without couplings
    /// Continuation in beta from the paramagnet (deterministic annealing): the ascent is run at
    /// beta_k = beta k/K, k = 1 ... K-1, each rung started from the last one's m nudged by a
    /// tiny uniform 1e-4 (off the symmetric saddle m = 0 that a zero field leaves), to a
    /// residual of 1e-6, and then at beta from there. Every rung, and the final ascent, only
    /// raises F at its own beta; the bound reported is F at beta of the returned m.
    bool anneal = true;

    /// No start at all (e.g. for a warm start alone).
    static MeanFieldStarts none() {
        MeanFieldStarts s;
        s.all_up = s.all_down = s.paramagnet = s.anneal = false;
        s.random = 0;
        return s;
    }
};

/// The update rule of a sweep (see the header comment).
enum class MeanFieldMethod { sequential, over_relaxed };

/// "sequential" or "over_relaxed".
std::string to_string(MeanFieldMethod method);

/// Parses "sequential" or "over_relaxed"; throws ParseError otherwise.
MeanFieldMethod parse_mean_field_method(std::string_view text);

/// A list of start names: the starts and whether "warm" (neighbouring temperatures' solutions,
/// a sweep's start) was named.
struct StartList {
    MeanFieldStarts starts = MeanFieldStarts::none();
    bool warm = false;
};

/// The most random starts (`restarts`) a run takes: enough to map the local maxima of a small
/// glass; more is a typo that would run for hours (each is a full solve at every temperature).
inline constexpr int kMaxRestarts = 10000;

/// Parses a comma list of up, down, paramagnet, anneal, random (`restarts` random starts) and
/// warm, as `isingmf sweep --starts` and Python's starts= take it; `option` names the list in
/// messages. Throws ParseError "unknown start 'x' in OPTION (expected ...)", "OPTION names no
/// start" (an empty list) or, for random alone with restarts = 0, "OPTION names only random
/// starts, and there are 0 of them (restarts = 0)".
StartList parse_mean_field_starts(std::string_view list, int restarts,
                                  std::string_view option = "starts");

struct MeanFieldOptions {
    /// Stop when the residual max_i |m_i - tanh(beta phi_i)| is below it and the bound has
    /// stopped moving: an upper bound on the last sweep's gain of F, or the change of F since
    /// the previous check, is below tolerance * max(1, |F|).
    double tolerance = 1e-10;
    int max_iterations = 10000;  ///< sweeps per start
    MeanFieldStarts starts;
    std::uint64_t seed = 1;  ///< random starts draw from this seed (and the start index)
    MeanFieldMethod method = MeanFieldMethod::over_relaxed;
    /// over_relaxed only: a fixed omega in [1, 2), or 0 for the adaptive choice.
    double omega = 0.0;
    /// over_relaxed only: extrapolating line searches along the last sweep's change when
    /// progress is slow (see the header comment).
    bool extrapolate = true;
    /// Cut off starts that fall behind (see solve_mean_field); false runs every start to the end.
    bool cut_off = true;
};

/// The bound and the q that attains it. Per-spin quantities divide by N.
struct MeanFieldResult {
    double ln_z = 0.0;             ///< F(m), the lower bound on ln Z
    double energy = 0.0;           ///< <H>_q
    double entropy = 0.0;          ///< S(q) = sum_i H_b(m_i)
    double magnetization = 0.0;    ///< (1/N) sum_i m_i
    std::vector<double> m;         ///< per-site magnetizations
    int iterations = 0;            ///< sweeps used by the start that won (anneal: with its rungs)
    bool converged = false;        ///< that start met the tolerance within max_iterations
    double residual = 0.0;         ///< max_i |m_i - tanh(beta phi_i)| at the returned m
    std::string start;             ///< "paramagnet", "up", "down", "anneal", "random:r" or "warm"
    std::vector<std::string> cut;  ///< starts cut off before the end, in the order they ran
    long long total_sweeps = 0;    ///< sweeps of every start tried (cut ones, anneal's rungs)
    MeanFieldMethod method = MeanFieldMethod::over_relaxed;  ///< update rule used
    double omega = 1.0;      ///< over-relaxation factor reached by the adaptation (1: sequential)
    int extrapolations = 0;  ///< accepted extrapolation steps of the start that won
};

/// F(m) of the formula above, evaluated at m (entries clamped to [-1, 1]) and rounded down by
/// its rounding allowance (header): below F(m) in exact arithmetic.
double mean_field_bound(const Model& model, double beta, std::span<const double> m);

/// Fills energy, entropy, magnetization, ln_z and residual of `result` from result.m. Throws
/// ModelError as mean_field_bound does on a bad beta or one that overflows beta |H|.
void evaluate_mean_field(const Model& model, double beta, MeanFieldResult& result);

/// Runs every start in `options.starts` (plus `warm_start`, named "warm", when non-empty) and
/// returns the best bound. beta >= 0; beta = 0 gives m = 0 and ln Z_MF = N ln 2 less the
/// rounding allowance (about 6 u N). (Sweeps
/// reuse one update plan across temperatures through meanfield/detail/ascent.hpp.)
///
/// Cut-offs (options.cut_off): once a start has finished, each later one may spend
/// B = max(32, 4 c) sweeps, c the fewest sweeps in which a start has reached the best bound so
/// far (to the tolerance); a start still running after B sweeps is evaluated there and cut
/// off, listed in `cut`, unless its F is already above the best bound, in which case it runs to
/// the end. Anneal is never cut (part way up its ladder its m says nothing about the bound it
/// will reach). The result is always F at the returned m of the start that won; every number
/// depends only on sweep counts and F, so it is the same for any thread count.
MeanFieldResult solve_mean_field(const Model& model, double beta, const MeanFieldOptions& options,
                                 std::span<const double> warm_start = {});

}  // namespace isingmf
