#include "isingmf/meanfield/structured_mean_field.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <numeric>
#include <utility>

#include "isingmf/meanfield/detail/ascent.hpp"
#include "isingmf/meanfield/detail/binary_entropy.hpp"
#include "isingmf/meanfield/detail/structured_plan.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/detail/rounding.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"
#include "isingmf/util/random.hpp"

namespace isingmf {
namespace {

constexpr std::uint64_t kRandomStartStream = 2000;
// A colour class runs its clusters in parallel when it has this much table work per sweep
// (PieceSolver::work); below that a thread team costs more than it saves.
constexpr double kParallelWork = 1e5;
// Field changes D (see provable_omega) beyond which no over-relaxation is provably safe for
// any omega worth taking (w - 1 < 1e-9).
constexpr double kNoOverRelaxation = 20.0;

// Scratch space of one thread.
struct BlockWorkspace {
    PieceWorkspace piece;
    std::vector<double> field, theta_site, theta_edge, mean, correlation;
    PieceRounding rounding;  // of the last solve
};

// q during the ascent: per site m and the field g its cluster was last solved with, per
// cluster ln Z_c and the rounding of its solve, whether it is a Gibbs distribution yet (else
// independent spins with means m) and the sum of squared changes of its m_i in its last
// update, per model edge the correlation of the cluster holding it.
struct AscentState {
    std::vector<double> m, g, ln_z, correlation, change_sq;
    std::vector<PieceRounding> rounding;
    std::vector<char> gibbs;
};

// Solves cluster c at fields ws.field (theta = beta g); fills ws.mean and ws.correlation and
// returns ln Z_c.
double solve_cluster(const StructuredPlan& plan, double beta, std::size_t c, BlockWorkspace& ws) {
    const PieceSolver& solver = plan.solver(c);
    const std::span<const double> J = plan.couplings(c);
    ws.theta_site.resize(ws.field.size());
    ws.theta_edge.resize(J.size());
    ws.mean.resize(ws.field.size());
    ws.correlation.resize(J.size());
    for (std::size_t k = 0; k < ws.field.size(); ++k) ws.theta_site[k] = beta * ws.field[k];
    for (std::size_t k = 0; k < J.size(); ++k) ws.theta_edge[k] = beta * J[k];
    return solver.solve(ws.theta_site, ws.theta_edge, ws.mean, ws.correlation, ws.piece,
                        &ws.rounding);
}

// phi_i = h_i + sum_{j outside c} J_ij m_j, the effective field of site i of cluster c.
double effective_field(const StructuredPlan& plan, std::size_t i, const std::vector<double>& m) {
    const auto& offset = plan.outside_offset();
    const auto& outside = plan.outside();
    const auto& coupling = plan.outside_coupling();
    double phi = plan.model().fields()[i];
    for (std::size_t a = offset[i]; a < offset[i + 1]; ++a)
        phi += coupling[a] * m[static_cast<std::size_t>(outside[a])];
    return phi;
}

// Sets q_c to the Gibbs distribution of cluster c at the fields ws.field, solved already
// (ln Z_c = ln_z); returns the largest change of its m_i.
double accept_cluster(const StructuredPlan& plan, std::size_t c, double ln_z, AscentState& state,
                      const BlockWorkspace& ws) {
    const PieceSolver& solver = plan.solver(c);
    const std::vector<int>& sites = solver.sites();
    const std::vector<int>& edges = solver.edges();
    double change = 0.0;
    double change_sq = 0.0;
    for (std::size_t k = 0; k < sites.size(); ++k) {
        const auto i = static_cast<std::size_t>(sites[k]);
        const double d = ws.mean[k] - state.m[i];
        change = std::max(change, std::abs(d));
        change_sq += d * d;
        state.m[i] = ws.mean[k];
        state.g[i] = ws.field[k];
    }
    for (std::size_t k = 0; k < edges.size(); ++k)
        state.correlation[static_cast<std::size_t>(edges[k])] = ws.correlation[k];
    state.ln_z[c] = ln_z;
    state.rounding[c] = ws.rounding;
    state.gibbs[c] = 1;
    state.change_sq[c] = change_sq;
    return change;
}

// The largest w in [1, omega] with ln(w - 1) + w D <= 0 (bisection on a function increasing
// in w), or 1: the over-relaxation a block step of field change D = beta sum_i |phi_i - g_i|
// may take without lowering F (header).
double provable_omega(double omega, double D) {
    const auto ok = [D](double w) { return std::log(w - 1.0) + w * D <= 0.0; };
    if (omega <= 1.0 || !(D < kNoOverRelaxation)) return 1.0;
    if (ok(omega)) return omega;
    double lo = 1.0;  // ok (ln 0 = -inf)
    double hi = omega;
    for (int k = 0; k < 60 && hi - lo > 1e-12; ++k) {
        const double mid = 0.5 * (lo + hi);
        (ok(mid) ? lo : hi) = mid;
    }
    return lo;
}

// One block step on cluster c (header): q_c becomes the Gibbs distribution of the cluster at
// the fields g + w (phi - g), phi_i = h_i + sum_{j outside c} J_ij m_j its effective fields
// and g those q_c has now; w = 1 is the exact step, w = provable_omega(omega, D) > 1 an
// over-relaxed one that provably does not lower F.
double update_cluster(const StructuredPlan& plan, double beta, double omega, std::size_t c,
                      AscentState& state, BlockWorkspace& ws) {
    const std::vector<int>& sites = plan.solver(c).sites();
    ws.field.resize(sites.size());
    double D = 0.0;
    for (std::size_t k = 0; k < sites.size(); ++k) {
        const auto i = static_cast<std::size_t>(sites[k]);
        const double phi = effective_field(plan, i, state.m);
        ws.field[k] = phi;
        D += std::abs(phi - state.g[i]);
    }
    // Rounding of D only matters relative to its own size; the margin covers it.
    const double w = state.gibbs[c] ? provable_omega(omega, beta * D * (1.0 + 1e-9)) : 1.0;
    if (w > 1.0) {
        for (std::size_t k = 0; k < sites.size(); ++k) {
            const double g = state.g[static_cast<std::size_t>(sites[k])];
            ws.field[k] = g + w * (ws.field[k] - g);
        }
    }
    const double ln_z = solve_cluster(plan, beta, c, ws);
    return accept_cluster(plan, c, ln_z, state, ws);
}

// Updates the clusters of colour class k; returns the largest change of an m_i. No bond joins
// two clusters of a class, so each update reads only m of other classes: the same numbers in
// any order and on any number of threads.
double update_class(const StructuredPlan& plan, double beta, double omega, std::size_t k,
                    AscentState& state, std::vector<BlockWorkspace>& workspaces) {
    const std::size_t begin = plan.class_offset()[k];
    const std::size_t end = plan.class_offset()[k + 1];
    double work = 0.0;
    for (std::size_t a = begin; a < end; ++a)
        work += plan.solver(static_cast<std::size_t>(plan.class_members()[a])).work();
    double change = 0.0;
    if (end - begin < 2 || !detail::team_pays(work, kParallelWork)) {
        // In order on the calling thread, with no parallel region (util/detail/parallel.hpp).
        if (workspaces.empty()) workspaces.resize(1);
        for (std::size_t a = begin; a < end; ++a) {
            const auto c = static_cast<std::size_t>(plan.class_members()[a]);
            change = std::max(change, update_cluster(plan, beta, omega, c, state, workspaces[0]));
        }
        return change;
    }
    std::exception_ptr failure;  // an exception must not escape the parallel region
#pragma omp parallel reduction(max : change)
    {
#pragma omp single
        if (workspaces.size() < static_cast<std::size_t>(omp_get_num_threads()))
            workspaces.resize(static_cast<std::size_t>(omp_get_num_threads()));
        BlockWorkspace& ws = workspaces[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 1)
        for (std::size_t a = begin; a < end; ++a) {
            try {
                const auto c = static_cast<std::size_t>(plan.class_members()[a]);
                change = std::max(change, update_cluster(plan, beta, omega, c, state, ws));
            } catch (...) {
#pragma omp critical(isingmf_structured_failure)
                if (!failure) failure = std::current_exception();
            }
        }
    }
    if (failure) std::rethrow_exception(failure);
    return change;
}

// F(q) of the header, summed in a fixed order (with compensation), and reported rounded down
// by an upper estimate of its rounding error (util/detail/rounding.hpp). Clusters not yet
// updated are independent spins: H_b(m_i) + beta h_i m_i per site and beta J_e m_i m_j per
// edge inside.
//
// q_c is the Gibbs distribution at the parameters its solve was given, theta_i = fl(beta g_i)
// and theta_e = fl(beta J_e), and the formula holds at those. The allowance, in units of u
// unless said, first order with 1% for the rest:
// - each cluster's ln Z_c (PieceRounding::ln_z);
// - theta_i against beta g_i and theta_e against beta J_e: beta |g_i| and beta |J_e|;
// - the products beta (h_i - g_i) m_i and beta J_e m_i m_j: 3 beta (|h_i| + |g_i|) and
//   3 beta |J_e|;
// - the means are the solver's, within eps_i = PieceRounding::marginal_error(m_i) of q's
//   (small where m_i saturates, at low T): F moves by sum_i beta |phi_i - g_i| eps_i (phi_i =
//   h_i + sum_{j outside c} J_ij m_j, which is g_i at a fixed point; taken at the solver's
//   means) plus beta sum_inter |J_e| eps_i eps_j (absolute, not in units of u);
// - independent spins: 4.03 per entropy (mean_field.cpp), 2 beta |h_i| and 3 beta |J_e|;
// - the compensated sum: |F|, and beta |E0|.
double structured_bound(const StructuredPlan& plan, double beta, const AscentState& state) {
    const Model& model = plan.model();
    const std::vector<double>& h = model.fields();
    const std::vector<double>& couplings = model.couplings();
    const auto& m = state.m;
    detail::CompensatedSum F;
    F.add(-beta * model.energy_offset());
    // Kept times u (which keeps the sum finite wherever beta |H| is) and absolute.
    constexpr double u = detail::kUnitRoundoff;
    double sizes = u * std::abs(beta * model.energy_offset());
    double absolute = 0.0;
    for (std::size_t c = 0; c < plan.num_clusters(); ++c) {
        const PieceSolver& solver = plan.solver(c);
        const std::span<const double> J = plan.couplings(c);
        double inside = 0.0;  // sum_{e in c} |J_e|
        for (double j : J) inside += std::abs(j);
        if (state.gibbs[c]) {
            F.add(state.ln_z[c]);
            absolute += state.rounding[c].ln_z;
            sizes += u * beta * inside;
            for (int s : solver.sites()) {
                const auto i = static_cast<std::size_t>(s);
                F.add(beta * ((h[i] - state.g[i]) * m[i]));
                sizes += 4.0 * u * beta * std::abs(state.g[i]) + 3.0 * u * beta * std::abs(h[i]);
                absolute += beta * std::abs(effective_field(plan, i, m) - state.g[i]) *
                            state.rounding[c].marginal_error(m[i]);
            }
        } else {
            for (int s : solver.sites()) {
                const auto i = static_cast<std::size_t>(s);
                F.add(detail::binary_entropy(m[i]));
                F.add(beta * (h[i] * m[i]));
                sizes += 4.03 * u + 2.0 * u * beta * std::abs(h[i]);
            }
            for (std::size_t k = 0; k < J.size(); ++k) {
                const Edge& e = model.edges()[static_cast<std::size_t>(solver.edges()[k])];
                F.add(beta *
                      (J[k] * m[static_cast<std::size_t>(e.i)] * m[static_cast<std::size_t>(e.j)]));
            }
            sizes += 3.0 * u * beta * inside;
        }
    }
    // Means of independent spins (clusters not yet solved) are exact.
    const auto error_of = [&](int site) {
        const auto i = static_cast<std::size_t>(site);
        const auto c = static_cast<std::size_t>(plan.cluster_of()[i]);
        return state.gibbs[c] ? state.rounding[c].marginal_error(m[i]) : 0.0;
    };
    for (int e : plan.inter_edges()) {
        const auto k = static_cast<std::size_t>(e);
        const Edge& edge = model.edges()[k];
        F.add(beta * (couplings[k] * m[static_cast<std::size_t>(edge.i)] *
                      m[static_cast<std::size_t>(edge.j)]));
        sizes += 3.0 * u * beta * std::abs(couplings[k]);
        absolute += beta * std::abs(couplings[k]) * error_of(edge.i) * error_of(edge.j);
    }
    const double value = F.value();
    sizes += u * std::abs(value);
    return detail::rounded_down(value, 1.01 * (sizes + absolute));
}

// Energy, entropy and magnetization of a q whose clusters are all Gibbs distributions.
void evaluate_structured(const StructuredPlan& plan, double beta, const AscentState& state,
                         StructuredMeanFieldResult& result) {
    const Model& model = plan.model();
    const std::vector<double>& h = model.fields();
    const auto& m = state.m;
    double energy = model.energy_offset();
    double entropy = 0.0;
    for (std::size_t c = 0; c < plan.num_clusters(); ++c) {
        const PieceSolver& solver = plan.solver(c);
        const std::span<const double> J = plan.couplings(c);
        double inside = 0.0;  // sum_{e in c} J_e <s_i s_j>
        for (std::size_t k = 0; k < J.size(); ++k)
            inside += J[k] * state.correlation[static_cast<std::size_t>(solver.edges()[k])];
        double field = 0.0;    // sum_{i in c} h_i m_i
        double applied = 0.0;  // sum_{i in c} g_i m_i
        for (int s : solver.sites()) {
            const auto i = static_cast<std::size_t>(s);
            field += h[i] * m[i];
            applied += state.g[i] * m[i];
        }
        energy -= inside + field;
        entropy += state.ln_z[c] - beta * (inside + applied);
    }
    for (int e : plan.inter_edges()) {
        const Edge& edge = model.edges()[static_cast<std::size_t>(e)];
        energy -= model.couplings()[static_cast<std::size_t>(e)] *
                  m[static_cast<std::size_t>(edge.i)] * m[static_cast<std::size_t>(edge.j)];
    }
    // Independent spins with the same means are a q too, and their (naive) bound has no
    // rounding of cluster means to allow for: where that allowance swamps the structured value
    // (beta |J| ~ 1e16 and beyond, means known only to within their saturation), report it.
    result.ln_z = std::max(structured_bound(plan, beta, state), mean_field_bound(model, beta, m));
    result.energy = energy;
    result.entropy = entropy;
    result.magnetization =
        std::accumulate(m.begin(), m.end(), 0.0) / static_cast<double>(model.num_sites());
}

void check_options(const StructuredMeanFieldOptions& options) {
    if (!(options.tolerance >= 0.0) || !std::isfinite(options.tolerance))
        throw ModelError(
            fmt::format("structured mean-field tolerance must be finite and >= 0, "
                        "got {}",
                        options.tolerance));
    if (options.max_iterations < 1)
        throw ModelError(fmt::format("structured mean field needs at least 1 sweep, got {}",
                                     options.max_iterations));
    check_omega(options.omega);
    if (options.starts.random < 0)
        throw ModelError(
            fmt::format("number of random starts must be >= 0, got {}", options.starts.random));
}

}  // namespace

StructuredPlan::StructuredPlan(const Model& model, ClusterPartition partition,
                               const PieceSolverLimits& limits)
    : model_(&model), partition_(std::move(partition)) {
    check_partition(model, partition_.clusters);
    const auto n = static_cast<std::size_t>(model.num_sites());
    const auto& pieces = partition_.clusters.pieces;
    cluster_of_.assign(n, -1);
    for (std::size_t c = 0; c < pieces.size(); ++c)
        for (int s : pieces[c].sites)
            cluster_of_[static_cast<std::size_t>(s)] = static_cast<int>(c);
    solvers_.reserve(pieces.size());
    coupling_offset_.push_back(0);
    for (const Piece& piece : pieces) {
        solvers_.emplace_back(model, piece, limits);
        for (int e : solvers_.back().edges())
            cluster_couplings_.push_back(model.couplings()[static_cast<std::size_t>(e)]);
        coupling_offset_.push_back(cluster_couplings_.size());
    }
    // A model edge between two sites of one cluster that the piece does not hold would be
    // counted nowhere in F.
    std::vector<char> held(model.num_edges(), 0);
    for (const PieceSolver& s : solvers_)
        for (int e : s.edges()) held[static_cast<std::size_t>(e)] = 1;
    std::vector<std::vector<int>> neighbours(pieces.size());
    for (std::size_t e = 0; e < model.num_edges(); ++e) {
        const Edge& edge = model.edges()[e];
        const int a = cluster_of_[static_cast<std::size_t>(edge.i)];
        const int b = cluster_of_[static_cast<std::size_t>(edge.j)];
        if (a == b) {
            if (!held[e])
                throw ModelError(fmt::format("cluster {} lacks the model edge ({}, {}) inside it",
                                             a, edge.i, edge.j));
            continue;
        }
        inter_edges_.push_back(static_cast<int>(e));
        neighbours[static_cast<std::size_t>(a)].push_back(b);
        neighbours[static_cast<std::size_t>(b)].push_back(a);
    }
    // Greedy colouring in cluster order: the smallest colour no earlier neighbour has.
    std::vector<int> colour(pieces.size(), -1);
    int colours = 0;
    std::vector<char> taken;
    for (std::size_t c = 0; c < pieces.size(); ++c) {
        taken.assign(static_cast<std::size_t>(colours) + 1, 0);
        for (int d : neighbours[c])
            if (colour[static_cast<std::size_t>(d)] >= 0)
                taken[static_cast<std::size_t>(colour[static_cast<std::size_t>(d)])] = 1;
        int k = 0;
        while (taken[static_cast<std::size_t>(k)]) ++k;
        colour[c] = k;
        colours = std::max(colours, k + 1);
    }
    class_offset_.assign(static_cast<std::size_t>(colours) + 1, 0);
    for (int k : colour) ++class_offset_[static_cast<std::size_t>(k) + 1];
    std::partial_sum(class_offset_.begin(), class_offset_.end(), class_offset_.begin());
    class_members_.resize(pieces.size());
    std::vector<std::size_t> fill(class_offset_.begin(), class_offset_.end() - 1);
    for (std::size_t c = 0; c < pieces.size(); ++c)
        class_members_[fill[static_cast<std::size_t>(colour[c])]++] = static_cast<int>(c);
    // Bonds leaving each site's cluster, in adjacency order.
    const Adjacency& adj = model.adjacency();
    outside_offset_.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t a = adj.offset[i]; a < adj.offset[i + 1]; ++a) {
            const auto j = static_cast<std::size_t>(adj.neighbour[a]);
            if (cluster_of_[j] == cluster_of_[i]) continue;
            outside_.push_back(adj.neighbour[a]);
            outside_coupling_.push_back(adj.coupling[a]);
        }
        outside_offset_[i + 1] = outside_.size();
    }
}

std::span<const double> StructuredPlan::couplings(std::size_t c) const {
    return std::span<const double>(cluster_couplings_)
        .subspan(coupling_offset_[c], coupling_offset_[c + 1] - coupling_offset_[c]);
}

StructuredMeanFieldResult ascend_structured_mean_field(const StructuredPlan& plan, double beta,
                                                       std::vector<double> start_m,
                                                       const StructuredMeanFieldOptions& options,
                                                       std::string start_name,
                                                       const StructuredObserver& observer) {
    const Model& model = plan.model();
    const auto n = static_cast<std::size_t>(model.num_sites());
    if (start_m.size() != n)
        throw ModelError(fmt::format("structured mean-field start '{}' has {} values for {} sites",
                                     start_name, start_m.size(), n));
    for (double& x : start_m) {
        if (std::isnan(x))
            throw ModelError(fmt::format("structured mean-field start '{}' holds NaN", start_name));
        x = std::clamp(x, -1.0, 1.0);
    }
    AscentState state;
    state.m = std::move(start_m);
    state.g.assign(n, 0.0);
    state.ln_z.assign(plan.num_clusters(), 0.0);
    state.rounding.assign(plan.num_clusters(), PieceRounding{});
    state.gibbs.assign(plan.num_clusters(), 0);
    state.change_sq.assign(plan.num_clusters(), 0.0);
    state.correlation.assign(model.num_edges(), 0.0);
    std::vector<BlockWorkspace> workspaces(1);

    StructuredMeanFieldResult result;
    const ClusterPartition& partition = plan.partition();
    result.cluster_kind = partition.kind;
    result.cluster_width = partition.width;
    result.num_clusters = static_cast<int>(plan.num_clusters());
    result.colours = static_cast<int>(plan.num_colours());
    result.clusters = partition.description;
    result.start = std::move(start_name);
    if (observer) observer(0, -1, structured_bound(plan, beta, state));
    // Adaptive omega as the naive ascent's (from the sums of squared changes of m), capped
    // at 1.9 for block steps.
    detail::OmegaControl control(options.method, options.omega, 1.9);
    while (result.iterations < options.max_iterations) {
        check_interrupt();
        double change = 0.0;
        // The first sweep makes every cluster a Gibbs distribution; only then can a step be
        // over-relaxed from one.
        const double omega = result.iterations == 0 ? 1.0 : control.omega();
        for (std::size_t k = 0; k < plan.num_colours(); ++k) {
            change = std::max(change, update_class(plan, beta, omega, k, state, workspaces));
            if (observer)
                observer(result.iterations + 1, static_cast<int>(k),
                         structured_bound(plan, beta, state));
        }
        ++result.iterations;
        // Without bonds between clusters the fields never change: a second sweep would
        // reproduce the first exactly.
        result.residual = plan.inter_edges().empty() ? 0.0 : change;
        if (result.residual <= options.tolerance) {
            result.converged = true;
            break;
        }
        // Summed in cluster order: omega, and so every number, is thread-count independent.
        control.observe(std::accumulate(state.change_sq.begin(), state.change_sq.end(), 0.0));
    }
    result.omega = control.omega();
    evaluate_structured(plan, beta, state, result);
    result.m = std::move(state.m);
    return result;
}

StructuredMeanFieldResult solve_structured_mean_field(const StructuredPlan& plan, double beta,
                                                      const StructuredMeanFieldOptions& options,
                                                      std::span<const double> warm_start,
                                                      std::span<const double> naive_m) {
    check_beta(beta);
    check_energy_scale(plan.model(), beta);
    check_options(options);
    const auto n = static_cast<std::size_t>(plan.model().num_sites());
    StructuredMeanFieldResult best;
    bool have_best = false;
    auto consider = [&](std::vector<double> start, std::string name) {
        StructuredMeanFieldResult r =
            ascend_structured_mean_field(plan, beta, std::move(start), options, std::move(name));
        // Strictly better only: ties keep the earlier start, so the choice is deterministic.
        if (!have_best || r.ln_z > best.ln_z) {
            best = std::move(r);
            have_best = true;
        }
    };
    if (options.starts.naive) {
        if (!naive_m.empty()) {
            consider(std::vector<double>(naive_m.begin(), naive_m.end()), "naive");
        } else {
            consider(solve_mean_field(plan.model(), beta, options.naive).m, "naive");
        }
    }
    if (options.starts.all_up) consider(std::vector<double>(n, 1.0), "up");
    if (options.starts.all_down) consider(std::vector<double>(n, -1.0), "down");
    for (int k = 0; k < options.starts.random; ++k) {
        Rng rng(options.seed, kRandomStartStream + static_cast<std::uint64_t>(k));
        std::vector<double> start(n);
        for (double& x : start) x = rng.uniform_symmetric();
        consider(std::move(start), fmt::format("random:{}", k));
    }
    if (!warm_start.empty())
        consider(std::vector<double>(warm_start.begin(), warm_start.end()), "warm");
    if (!have_best) consider(std::vector<double>(n, 0.0), "zero");
    check_finite_result(plan.model(), beta, best.ln_z, "structured mean-field bound");
    return best;
}

StructuredMeanFieldResult solve_structured_mean_field(const Model& model, double beta,
                                                      const StructuredMeanFieldOptions& options,
                                                      std::span<const double> warm_start) {
    check_beta(beta);
    check_energy_scale(model, beta);
    check_options(options);
    ClusterPartition partition =
        options.clusters ? *options.clusters : make_cluster_partition(model, options.cluster_width);
    const StructuredPlan plan(model, std::move(partition), options.limits);
    return solve_structured_mean_field(plan, beta, options, warm_start);
}

}  // namespace isingmf
