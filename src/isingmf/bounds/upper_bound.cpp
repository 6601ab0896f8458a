#include "isingmf/bounds/upper_bound.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "isingmf/clusters/decompose.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/detail/rounding.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace {

// Automatic width: the widest strip whose evaluation touches at most this many table
// entries per site (families x 2^(F+1)), so that a bound of ~100 L-BFGS iterations costs
// about as much as ten mean-field solves (docs/benchmarks.md has the measured ratio).
constexpr double kAutoWorkPerSite = 160.0;
// A lattice whose whole-lattice piece needs at most this many table entries is solved
// exactly in one piece (one evaluation, no split to optimise).
constexpr double kAutoWholeWork = 1 << 20;
// Table entries per evaluation below which the pieces are solved on one thread.
constexpr double kParallelWork = 1 << 17;

// Four interleaved partial sums (a fixed order, so the same bits everywhere) let the loop
// run at the speed of memory rather than of one add chain.
double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    const std::size_t n = a.size(), n4 = n - n % 4;
    for (std::size_t k = 0; k < n4; k += 4) {
        s0 += a[k] * b[k];
        s1 += a[k + 1] * b[k + 1];
        s2 += a[k + 2] * b[k + 2];
        s3 += a[k + 3] * b[k + 3];
    }
    for (std::size_t k = n4; k < n; ++k) s0 += a[k] * b[k];
    return (s0 + s1) + (s2 + s3);
}

}  // namespace

// Where each piece's parameters come from: per piece and local coordinate, the split
// variable (or -1 when only one family holds the coordinate); per coordinate (sites 0..N-1,
// then edges N..N+E-1) 1/R_c and its variables, which are contiguous.
struct UpperBoundPlan::Layout {
    std::vector<int> piece_family;
    std::vector<std::vector<int>> site_var, edge_var;
    std::vector<double> inv_r;           // per coordinate
    std::vector<std::size_t> var_begin;  // per coordinate, size N + E + 1
    std::vector<double> var_weight;      // rho_f of each variable's family
    int max_piece_sites = 0;
    int max_piece_edges = 0;
    double total_work = 0.0;  // table entries per evaluation
};

UpperBoundPlan::UpperBoundPlan(const Model& model, Decomposition decomposition,
                               const PieceSolverLimits& limits)
    : model_(model), decomposition_(std::move(decomposition)), layout_(std::make_unique<Layout>()) {
    check_decomposition(model_, decomposition_);
    const auto n_sites = static_cast<std::size_t>(model_.num_sites());
    const std::size_t n_coords = n_sites + model_.num_edges();
    Layout& L = *layout_;
    // Families holding each coordinate.
    std::vector<int> holders(n_coords, 0);
    std::vector<double> r(n_coords, 0.0);
    for (const auto& family : decomposition_.families) {
        for (const auto& piece : family.pieces) {
            for (int s : piece.sites) {
                ++holders[static_cast<std::size_t>(s)];
                r[static_cast<std::size_t>(s)] += family.weight;
            }
            for (int e : piece.edges) {
                ++holders[n_sites + static_cast<std::size_t>(e)];
                r[n_sites + static_cast<std::size_t>(e)] += family.weight;
            }
        }
    }
    L.inv_r.resize(n_coords);
    L.var_begin.assign(n_coords + 1, 0);
    for (std::size_t c = 0; c < n_coords; ++c) {
        L.inv_r[c] = 1.0 / r[c];
        L.var_begin[c + 1] =
            L.var_begin[c] + (holders[c] >= 2 ? static_cast<std::size_t>(holders[c]) : 0);
    }
    L.var_weight.resize(L.var_begin[n_coords]);
    std::vector<std::size_t> next(L.var_begin.begin(), L.var_begin.end() - 1);
    for (std::size_t f = 0; f < decomposition_.families.size(); ++f) {
        const auto& family = decomposition_.families[f];
        for (const auto& piece : family.pieces) {
            check_interrupt();  // per piece: compiling all of a 2048^2 lattice's takes seconds
            L.piece_family.push_back(static_cast<int>(f));
            auto take = [&](std::size_t c) {
                if (holders[c] < 2) return -1;
                const std::size_t v = next[c]++;
                L.var_weight[v] = family.weight;
                return static_cast<int>(v);
            };
            std::vector<int> sv, ev;
            for (int s : piece.sites) sv.push_back(take(static_cast<std::size_t>(s)));
            for (int e : piece.edges) ev.push_back(take(n_sites + static_cast<std::size_t>(e)));
            L.site_var.push_back(std::move(sv));
            L.edge_var.push_back(std::move(ev));
            L.max_piece_sites = std::max(L.max_piece_sites, static_cast<int>(piece.sites.size()));
            L.max_piece_edges = std::max(L.max_piece_edges, static_cast<int>(piece.edges.size()));
            solvers_.emplace_back(model_, piece, limits);
            L.total_work += solvers_.back().work();
        }
    }
}

UpperBoundPlan::~UpperBoundPlan() = default;
UpperBoundPlan::UpperBoundPlan(UpperBoundPlan&&) noexcept = default;

std::size_t UpperBoundPlan::num_variables() const { return layout_->var_weight.size(); }

const std::vector<double>& UpperBoundPlan::variable_weights() const { return layout_->var_weight; }

double UpperBoundPlan::evaluate(double beta, const std::vector<double>& x,
                                std::vector<double>& gradient, double* disagreement,
                                std::vector<double>* marginals) const {
    check_beta(beta);
    check_energy_scale(model_, beta);
    const Layout& L = *layout_;
    const auto n_sites = static_cast<std::size_t>(model_.num_sites());
    const std::size_t n_coords = L.inv_r.size();
    const std::size_t n_vars = num_variables();
    if (x.size() != n_vars)
        throw ModelError(fmt::format("split has {} variables, the plan {}", x.size(), n_vars));
    // xbar_c for coordinates with variables.
    std::vector<double> xbar(n_coords, 0.0);
    for (std::size_t c = 0; c < n_coords; ++c) {
        double s = 0.0;
        for (std::size_t v = L.var_begin[c]; v < L.var_begin[c + 1]; ++v)
            s += L.var_weight[v] * x[v];
        xbar[c] = s * L.inv_r[c];
    }
    const bool with_gradient = !gradient.empty() || disagreement != nullptr || marginals != nullptr;
    std::vector<double> mu(with_gradient ? n_vars : 0);
    std::vector<double> piece_ln_z(solvers_.size());
    std::vector<PieceRounding> piece_rounding(solvers_.size());
    const auto& h = model_.fields();
    const auto& J = model_.couplings();
    // A thread's working memory for its pieces.
    struct Scratch {
        PieceWorkspace ws;
        std::vector<double> ts, te, mean, corr;
    };
    // Threads only pay off beyond a few hundred microseconds of work per evaluation.
    detail::for_each_task_with<Scratch>(
        solvers_.size(), detail::team_pays(L.total_work, kParallelWork),
        [&](std::size_t p, Scratch& scratch) {
            auto& [ws, ts, te, mean, corr] = scratch;
            const PieceSolver& solver = solvers_[p];
            const auto& sites = solver.sites();
            const auto& edges = solver.edges();
            const auto& sv = L.site_var[p];
            const auto& ev = L.edge_var[p];
            ts.resize(sites.size());
            te.resize(edges.size());
            for (std::size_t k = 0; k < sites.size(); ++k) {
                const auto c = static_cast<std::size_t>(sites[k]);
                ts[k] = beta * h[c] * L.inv_r[c];
                if (sv[k] >= 0) ts[k] += x[static_cast<std::size_t>(sv[k])] - xbar[c];
            }
            for (std::size_t k = 0; k < edges.size(); ++k) {
                const auto e = static_cast<std::size_t>(edges[k]);
                const std::size_t c = n_sites + e;
                te[k] = beta * J[e] * L.inv_r[c];
                if (ev[k] >= 0) te[k] += x[static_cast<std::size_t>(ev[k])] - xbar[c];
            }
            if (with_gradient) {
                mean.resize(sites.size());
                corr.resize(edges.size());
                piece_ln_z[p] = solver.solve(ts, te, mean, corr, ws, &piece_rounding[p]);
                for (std::size_t k = 0; k < sites.size(); ++k)
                    if (sv[k] >= 0) mu[static_cast<std::size_t>(sv[k])] = mean[k];
                for (std::size_t k = 0; k < edges.size(); ++k)
                    if (ev[k] >= 0) mu[static_cast<std::size_t>(ev[k])] = corr[k];
            } else {
                piece_ln_z[p] = solver.solve(ts, te, {}, {}, ws, &piece_rounding[p]);
            }
        });
    // Fixed summation order: pieces in plan order, family weights applied per piece.
    detail::CompensatedSum sum;
    sum.add(-beta * model_.energy_offset());
    double terms = std::abs(beta * model_.energy_offset());  // sum of |terms|
    double pieces_rounding = 0.0;
    for (std::size_t p = 0; p < solvers_.size(); ++p) {
        const double weight =
            decomposition_.families[static_cast<std::size_t>(L.piece_family[p])].weight;
        sum.add(weight * piece_ln_z[p]);
        terms += std::abs(weight * piece_ln_z[p]);
        pieces_rounding += weight * piece_rounding[p].ln_z;
    }
    const double u = sum.value();
    // U is reported rounded up by an upper estimate of its rounding error, so that it stays
    // above ln Z in exact arithmetic (util/detail/rounding.hpp), first order in the unit
    // roundoff with 1% for the rest:
    // - the pieces' own (PieceRounding), weighted;
    // - the split: the rounded theta^f satisfy sum_f rho_f theta^f_c = theta_c only to
    //   (2 K_c + 6) u (|theta_c| + sum_f rho_f (|x^f_c| + |xbar_c|)) (K_c families hold c:
    //   their weights summed, its inverse, xbar, theta^f's three roundings), and ln Z moves by
    //   at most |delta theta_c| (|d ln Z / d theta_c| <= 1);
    // - the weights: Jensen needs sum_f rho_f = 1; a sum s off by |s - 1| moves the bound by
    //   at most |s - 1| (sum |rho_f ln Z_P| + sum_c |theta_c|);
    // - the compensated sum (u |U|) and the products rho_f ln Z_P (u each).
    const double unit = detail::kUnitRoundoff;
    double split = 0.0, thetas = 0.0;  // split is kept times u
    for (std::size_t c = 0; c < n_coords; ++c) {
        const double theta = std::abs(beta * (c < n_sites ? h[c] : J[c - n_sites]));
        thetas += theta;
        const std::size_t vars = L.var_begin[c + 1] - L.var_begin[c];
        double moved = 0.0;
        for (std::size_t v = L.var_begin[c]; v < L.var_begin[c + 1]; ++v)
            moved += L.var_weight[v] * (std::abs(x[v]) + std::abs(xbar[c]));
        // Times u first: the sum stays finite wherever beta |H| is.
        const double k = (2.0 * static_cast<double>(std::max<std::size_t>(vars, 1)) + 6.0) * unit;
        split += k * theta + k * moved;
    }
    double weight_sum = 0.0;
    for (const auto& family : decomposition_.families) weight_sum += family.weight;
    const double weights_off =
        std::abs(weight_sum - 1.0) + unit * static_cast<double>(decomposition_.families.size() + 1);
    // Each product formed so that nothing overflows where beta |H| and U are finite.
    const double allowance = 1.01 * (pieces_rounding + split + weights_off * terms +
                                     weights_off * thetas + unit * std::abs(u) + unit * terms);
    if (with_gradient) {
        if (!gradient.empty() || n_vars == 0) gradient.assign(n_vars, 0.0);
        double worst = 0.0;
        for (std::size_t c = 0; c < n_coords; ++c) {
            if (L.var_begin[c] == L.var_begin[c + 1]) continue;
            double s = 0.0;
            for (std::size_t v = L.var_begin[c]; v < L.var_begin[c + 1]; ++v)
                s += L.var_weight[v] * mu[v];
            const double mubar = s * L.inv_r[c];
            for (std::size_t v = L.var_begin[c]; v < L.var_begin[c + 1]; ++v) {
                const double diff = mu[v] - mubar;
                worst = std::max(worst, std::abs(diff));
                if (!gradient.empty()) gradient[v] = L.var_weight[v] * diff;
            }
        }
        if (disagreement != nullptr) *disagreement = worst;
        if (marginals != nullptr) *marginals = std::move(mu);
    }
    return detail::rounded_up(u, allowance);
}

int choose_width(const LatticeSpec& lattice, bool rings) {
    int best = 1;
    for (int w = 2; w <= 16; ++w) {
        const int frontier = strip_frontier(lattice, w, rings);
        if (frontier < 0) return 1;
        // Families: two offsets per axis.
        const double families = 2.0 * static_cast<double>(lattice.size.size());
        if (families * std::ldexp(1.0, frontier + 1) > kAutoWorkPerSite) break;
        best = w;
    }
    return best;
}

Decomposition choose_decomposition(const Model& model, const UpperBoundOptions& options) {
    if (options.width < 0)
        throw ModelError(
            fmt::format("strip width must be >= 0 (0: automatic), got {}", options.width));
    const std::optional<LatticeSpec> lattice = recognise_lattice(model);
    if (!lattice || lattice->kind == LatticeKind::complete) return tree_decomposition(model);
    // A lattice narrow enough is one exact piece.
    int whole_width = 0;
    for (int extent : lattice->size) whole_width = std::max(whole_width, extent);
    const int whole_frontier = strip_frontier(*lattice, whole_width);
    const bool whole_fits =
        whole_frontier >= 0 && whole_frontier <= 24 &&
        static_cast<double>(model.num_sites()) * std::ldexp(1.0, whole_frontier + 1) <=
            kAutoWholeWork;
    int width = options.width;
    if (width == 0) width = whole_fits ? whole_width : choose_width(*lattice, options.rings);
    try {
        return strip_decomposition(model, *lattice, {width, options.rotations, options.rings});
    } catch (const ModelError&) {
        // Edges that are no bonds of the lattice: fall back to trees, which take any graph.
        return tree_decomposition(model);
    }
}

namespace {

UpperBoundResult minimise_upper_bound(const UpperBoundPlan& plan, double beta,
                                      const UpperBoundOptions& options,
                                      const UpperBoundResult* warm) {
    const Decomposition& d = plan.decomposition();
    UpperBoundResult result;
    result.beta = beta;
    result.kind = d.kind;
    result.width = d.width;
    result.num_pieces = num_pieces(d);
    result.weights = family_weights(d);
    result.description = d.description;
    const std::size_t n = plan.num_variables();
    std::vector<double> x(n, 0.0);
    if (warm != nullptr && warm->split.size() == n && warm->beta > 0.0) {
        const double scale = beta / warm->beta;
        for (std::size_t k = 0; k < n; ++k) x[k] = warm->split[k] * scale;
    }
    // Diagonal scaling D = 1/rho_f per variable: the gradient carries a factor rho_f, so D g
    // is the marginal disagreement itself, O(1) for every family whatever its weight.
    std::vector<double> D(n);
    for (std::size_t k = 0; k < n; ++k) D[k] = 1.0 / plan.variable_weights()[k];
    std::vector<double> g;
    g.assign(n, 0.0);
    double disagreement = 0.0;
    double u = plan.evaluate(beta, x, g, &disagreement);
    int evaluations = 1;
    if (options.record_trace) result.trace.push_back(u);
    auto finish = [&](bool converged, int iterations) {
        result.ln_z = u;
        result.converged = converged;
        result.iterations = iterations;
        result.disagreement = disagreement;
        result.evaluations = evaluations;
        result.split = std::move(x);
        return result;
    };
    if (disagreement <= options.marginal_tolerance) return finish(true, 0);

    const auto m = static_cast<std::size_t>(std::max(1, options.memory));
    std::deque<std::vector<double>> S, Y;
    std::deque<double> rho;
    std::vector<double> dir(n), x_new(n), g_new(n), alpha(m);
    int small_steps = 0;
    for (int it = 1; it <= options.max_iterations; ++it) {
        check_interrupt();
        // Two-loop recursion for dir = -H g.
        dir = g;
        for (std::size_t k = S.size(); k-- > 0;) {
            alpha[k] = rho[k] * dot(S[k], dir);
            for (std::size_t i = 0; i < n; ++i) dir[i] -= alpha[k] * Y[k][i];
        }
        double gamma = 1.0;
        if (!S.empty()) {
            double yDy = 0.0;
            for (std::size_t i = 0; i < n; ++i) yDy += Y.back()[i] * D[i] * Y.back()[i];
            gamma = dot(S.back(), Y.back()) / yDy;
        } else {
            gamma = std::min(1.0, 0.5 / disagreement);
        }
        for (std::size_t i = 0; i < n; ++i) dir[i] *= gamma * D[i];
        for (std::size_t k = 0; k < S.size(); ++k) {
            const double b = rho[k] * dot(Y[k], dir);
            for (std::size_t i = 0; i < n; ++i) dir[i] += S[k][i] * (alpha[k] - b);
        }
        for (double& v : dir) v = -v;
        double slope = dot(g, dir);
        if (!(slope < 0.0)) {  // not a descent direction: restart from the gradient
            S.clear();
            Y.clear();
            rho.clear();
            for (std::size_t i = 0; i < n; ++i)
                dir[i] = -g[i] * D[i] * std::min(1.0, 0.5 / disagreement);
            slope = dot(g, dir);
        }
        // Backtracking Armijo line search with safeguarded quadratic interpolation.
        double t = 1.0;
        bool accepted = false;
        double u_new = u, dis_new = disagreement;
        for (int trial = 0; trial < 40; ++trial) {
            for (std::size_t i = 0; i < n; ++i) x_new[i] = x[i] + t * dir[i];
            u_new = plan.evaluate(beta, x_new, g_new, &dis_new);
            ++evaluations;
            if (std::isfinite(u_new) && u_new <= u + 1e-4 * t * slope && u_new <= u) {
                accepted = true;
                break;
            }
            double t_next = 0.5 * t;
            if (std::isfinite(u_new)) {
                const double denom = 2.0 * (u_new - u - t * slope);
                if (denom > 0.0) t_next = std::clamp(-slope * t * t / denom, 0.1 * t, 0.5 * t);
            }
            t = t_next;
        }
        if (!accepted) {
            // No representable decrease along a descent direction: U is flat to rounding.
            const bool flat = -slope <= options.tolerance * std::max(1.0, std::abs(u));
            return finish(flat, it);
        }
        const double decrease = u - u_new;
        // Correction pair.
        std::vector<double> s(n), y(n);
        for (std::size_t i = 0; i < n; ++i) {
            s[i] = x_new[i] - x[i];
            y[i] = g_new[i] - g[i];
        }
        const double sy = dot(s, y);
        if (sy > 1e-300) {
            if (S.size() == m) {
                S.pop_front();
                Y.pop_front();
                rho.pop_front();
            }
            S.push_back(std::move(s));
            Y.push_back(std::move(y));
            rho.push_back(1.0 / sy);
        }
        std::swap(x, x_new);
        std::swap(g, g_new);
        u = u_new;
        disagreement = dis_new;
        if (options.record_trace) result.trace.push_back(u);
        if (disagreement <= options.marginal_tolerance) return finish(true, it);
        small_steps =
            decrease <= options.tolerance * std::max(1.0, std::abs(u)) ? small_steps + 1 : 0;
        if (small_steps >= 2) return finish(true, it);
    }
    return finish(false, options.max_iterations);
}

}  // namespace

UpperBoundResult solve_upper_bound(const UpperBoundPlan& plan, double beta,
                                   const UpperBoundOptions& options, const UpperBoundResult* warm) {
    check_beta(beta);
    check_energy_scale(plan.model(), beta);
    UpperBoundResult result = minimise_upper_bound(plan, beta, options, warm);
    check_finite_result(plan.model(), beta, result.ln_z, "upper bound");
    return result;
}

UpperBoundResult solve_upper_bound(const Model& model, double beta,
                                   const UpperBoundOptions& options, const UpperBoundResult* warm) {
    check_beta(beta);  // before the plan: both are cheap to refuse, the plan is not
    check_energy_scale(model, beta);
    const UpperBoundPlan plan(model, choose_decomposition(model, options));
    return solve_upper_bound(plan, beta, options, warm);
}

}  // namespace isingmf
