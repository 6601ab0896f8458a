#include "isingmf/exact/planar.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <numbers>
#include <optional>
#include <utility>

#include "isingmf/exact/detail/dimer_graph.hpp"
#include "isingmf/exact/detail/embedding.hpp"
#include "isingmf/exact/detail/jet.hpp"
#include "isingmf/exact/detail/pfaffian.hpp"
#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace detail {

/// Everything about a model that does not depend on beta.
struct PlanarAnalysis {
    int num_sites = 0;
    double energy_offset = 0.0;
    double energy_scale = 0.0;  // the model's, for planar_solve's overflow check
    bool torus = false;
    std::vector<double> pendant_couplings;  // bonds summed out with their leaf site
    int isolated_sites = 0;                 // sites left without bonds (a factor 2 each)
    int components = 0;                     // connected components of the remaining core
    double sum_abs_coupling = 0.0;          // over the core's bonds
    double max_abs_coupling = 0.0;          // over the core's bonds
    DimerGraph dimer;
    SkewPattern pattern;
    PfaffianPlan plan;
    int reference_sign = 1;  // sign of the all-uncut matching's term in Pf K (no twist)
    // Pivots whose log-derivative exceeds this are kept in linear form (see PfaffianValue):
    // ordinary pivots change at rates of a few 2 |J|, the weights' own.
    double linear_rate = 0.0;
};

namespace {

std::size_t idx(int i) { return static_cast<std::size_t>(i); }

// From beta max|J| = 5 on (T <= 0.2 |J|; 4 on a torus) each temperature is computed twice, the
// second time on another dissection (other METIS seed, every dimer node its own unit, leaves of
// kSecondOpinionLeaf) with full pivoting (threshold 1) in extended precision, and refused
// where the two disagree: the elimination can lose terms at low temperature without its
// estimate seeing it (planar.hpp), and rarely the same way on two different eliminations. An
// independent check found such losses only at T <= 0.1 |J| on planar graphs, but on a torus,
// whose four Pfaffians cancel, a C/N off by 1.8e-9 at T = 0.21 |J| that no estimate saw (an
// 8x9 +-J torus, seed 2): there the second opinion starts at beta max|J| = 4. (The same
// separators with other leaves repeated some losses exactly, and double repeated some that
// extended precision resolves.)
constexpr double kSecondOpinionBeta = 5.0;
constexpr double kSecondOpinionBetaTorus = 4.0;
constexpr int kSecondOpinionLeaf = 64;
constexpr int kSecondOpinionSeed = 11;

// A torus whose terms cancel by this factor or more has <H>/N and C/N refused by their own
// estimates at every temperature (planar_solve): values off by more than 1e-9 were found only from
// 1e6 on, up to 6.4e-10 between 1e4 and 1e6 (scans of 7600 values against elimination, README
// "Precision").
constexpr double kCancellingTorus = 1e4;

// Whether a temperature is computed a second time (PlanarResult::cross_checked).
bool needs_second_opinion(const PlanarAnalysis& a, double beta) {
    return beta * a.max_abs_coupling >= (a.torus ? kSecondOpinionBetaTorus : kSecondOpinionBeta);
}

// Rounding unit of double.
constexpr double kEpsilon = std::numeric_limits<double>::epsilon() / 2.0;

// The graph without its pendant trees: repeatedly removes sites of degree 1 with their bond.
struct Core {
    std::vector<int> site;                // core vertex -> model site
    std::vector<int> edge_of_model_edge;  // -1 for a peeled bond
    std::vector<Edge> edges;              // in core numbering
    std::vector<double> couplings;
    std::vector<double> pendant_couplings;
    int isolated_sites = 0;
};

Core peel(const Model& model) {
    const auto n = idx(model.num_sites());
    const std::vector<Edge>& edges = model.edges();
    const Adjacency& adj = model.adjacency();
    std::vector<int> degree(n);
    for (std::size_t v = 0; v < n; ++v)
        degree[v] = static_cast<int>(adj.offset[v + 1] - adj.offset[v]);
    // Edge index of each adjacency slot (a site's neighbours are distinct), to mark bonds.
    std::vector<std::size_t> slot_edge(adj.neighbour.size());
    for (std::size_t e = 0; e < edges.size(); ++e) {
        for (const auto& [end, other] :
             {std::pair(edges[e].i, edges[e].j), std::pair(edges[e].j, edges[e].i)}) {
            for (std::size_t k = adj.offset[idx(end)]; k < adj.offset[idx(end) + 1]; ++k)
                if (adj.neighbour[k] == other) slot_edge[k] = e;
        }
    }
    std::vector<char> removed(edges.size(), 0);
    Core core;
    std::vector<int> queue;
    for (std::size_t v = 0; v < n; ++v)
        if (degree[v] == 1) queue.push_back(static_cast<int>(v));
    while (!queue.empty()) {
        const int v = queue.back();
        queue.pop_back();
        if (degree[idx(v)] != 1) continue;
        for (std::size_t k = adj.offset[idx(v)]; k < adj.offset[idx(v) + 1]; ++k) {
            const std::size_t e = slot_edge[k];
            if (removed[e]) continue;
            removed[e] = 1;
            core.pendant_couplings.push_back(model.couplings()[e]);
            degree[idx(v)] = -1;  // gone with its bond: Z(G) = 2 cosh(beta J) Z(G - v)
            const int w = adj.neighbour[k];
            if (--degree[idx(w)] == 1) queue.push_back(w);
            break;
        }
    }
    std::vector<int> core_index(n, -1);
    for (std::size_t v = 0; v < n; ++v) {
        if (degree[v] == 0) {
            ++core.isolated_sites;
        } else if (degree[v] > 0) {
            core_index[v] = static_cast<int>(core.site.size());
            core.site.push_back(static_cast<int>(v));
        }
    }
    core.edge_of_model_edge.assign(edges.size(), -1);
    for (std::size_t e = 0; e < edges.size(); ++e) {
        if (removed[e]) continue;
        core.edge_of_model_edge[e] = static_cast<int>(core.edges.size());
        core.edges.push_back({core_index[idx(edges[e].i)], core_index[idx(edges[e].j)]});
        core.couplings.push_back(model.couplings()[e]);
    }
    return core;
}

std::string field_refusal(const Model& model) {
    const std::vector<double>& h = model.fields();
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (h[i] != 0.0) {
            return fmt::format(
                "the planar method needs zero fields (Z is then a Pfaffian), but site {} has h = "
                "{}",
                i, h[i]);
        }
    }
    return {};
}

std::string nonplanar_reason(const Model& model) {
    const std::optional<LatticeSpec>& spec = model.lattice();
    if (spec && spec->boundary == Boundary::periodic && spec->size.size() == 2 &&
        (spec->kind == LatticeKind::square || spec->kind == LatticeKind::triangular ||
         spec->kind == LatticeKind::honeycomb)) {
        return fmt::format(
            "the periodic {} lattice {} is not planar and is drawn on the torus only with every "
            "extent >= 3 and all its bonds",
            to_string(spec->kind), fmt::join(spec->size, "x"));
    }
    if (spec) {
        // A complete graph has no boundary to speak of.
        const std::string boundary =
            spec->kind == LatticeKind::complete ? "" : to_string(spec->boundary) + " ";
        return fmt::format(
            "the {}{} lattice {} is not planar (Boyer-Myrvold test); the planar method covers "
            "planar graphs and periodic 2D lattices",
            boundary, to_string(spec->kind), fmt::join(spec->size, "x"));
    }
    return "the graph is not planar (Boyer-Myrvold test); graphs of genus 1 from files are not "
           "handled (only generated periodic lattices carry their drawing on the torus)";
}

// A drawing of the model for the solver, or the reason there is none.
struct Drawing {
    std::optional<EmbeddedGraph> graph;
    bool torus = false;
    Core core;
    std::string refusal;
};

// The drawing of a generated lattice, restricted to the core's bonds and renumbered.
std::optional<EmbeddedGraph> lattice_drawing(const Model& model, const Core& core) {
    if (!model.lattice()) return std::nullopt;
    const std::optional<EmbeddedGraph> full =
        embed_lattice(*model.lattice(), model.num_sites(), model.edges());
    if (!full) return std::nullopt;
    std::vector<int> core_index(idx(model.num_sites()), -1);
    for (std::size_t v = 0; v < core.site.size(); ++v)
        core_index[idx(core.site[v])] = static_cast<int>(v);
    std::vector<std::vector<int>> around(core.site.size());
    for (std::size_t v = 0; v < core.site.size(); ++v) {
        const int s = core.site[v];
        for (std::size_t k = full->offset[idx(s)]; k < full->offset[idx(s) + 1]; ++k) {
            const int dart = full->rotation[k];
            const int e = core.edge_of_model_edge[idx(dart >> 1)];
            if (e < 0) continue;
            // Same direction as in the model's edge when the core edge keeps its ends' order.
            const bool kept =
                core_index[idx(model.edges()[idx(dart >> 1)].i)] == core.edges[idx(e)].i;
            around[v].push_back(2 * e + ((dart & 1) != 0 ? (kept ? 1 : 0) : (kept ? 0 : 1)));
        }
    }
    return make_embedded_graph(static_cast<int>(core.site.size()), core.edges, around);
}

Drawing draw(const Model& model) {
    Drawing drawing;
    drawing.refusal = field_refusal(model);
    if (!drawing.refusal.empty()) return drawing;
    drawing.core = peel(model);
    check_interrupt();  // between the stages of the analysis: each linear, up to seconds
    const Core& core = drawing.core;
    // A generated lattice is drawn by its geometry (linear time); anything else, or a lattice
    // whose drawing is neither planar nor a cellular torus, by the Boyer-Myrvold test.
    if (std::optional<EmbeddedGraph> g = lattice_drawing(model, core)) {
        check_interrupt();
        const long long chi = euler_characteristic(*g, trace_faces(*g));
        const int components = count_components(g->num_vertices, g->edges);
        if (chi == 2LL * components) {
            drawing.graph = std::move(g);
            return drawing;
        }
        // The torus: a whole periodic lattice (no site peeled), connected, cellular.
        if (chi == 0 && components == 1 && core.isolated_sites == 0 &&
            core.pendant_couplings.empty()) {
            drawing.graph = std::move(g);
            drawing.torus = true;
            return drawing;
        }
    }
    drawing.graph = embed_planar(static_cast<int>(core.site.size()), core.edges);
    if (!drawing.graph) drawing.refusal = nonplanar_reason(model);
    return drawing;
}

// Sign of the term of the reference matching (all bonds uncut) in Pf K without twists:
// sgn of the permutation (x1 y1 x2 y2 ...) listing its pairs, times the sign of each K[x][y].
int reference_sign(const DimerGraph& dimer) {
    std::vector<int> order;
    order.reserve(idx(dimer.num_nodes));
    for (int x = 0; x < dimer.num_nodes; ++x) {
        if (x < dimer.partner[idx(x)]) {
            order.push_back(x);
            order.push_back(dimer.partner[idx(x)]);
        }
    }
    check_interrupt();
    int sign = 1;
    std::vector<char> seen(order.size(), 0);
    for (std::size_t s = 0; s < order.size(); ++s) {
        if (seen[s]) continue;
        std::size_t length = 0;
        for (std::size_t k = s; !seen[k]; k = idx(order[k])) seen[k] = 1, ++length;
        if (length % 2 == 0) sign = -sign;
    }
    check_interrupt();
    // K[x][partner] > 0 when the edge between them is oriented x -> partner; x < partner.
    for (std::size_t k = 0; k < dimer.tail.size(); ++k) {
        const int t = dimer.tail[k], h = dimer.head[k];
        if (dimer.partner[idx(t)] == h && t > h) sign = -sign;
    }
    return sign;
}

Jet ln_two_cosh(double J, double beta) {
    // ln(2 cosh(beta J)) = beta|J| + ln(1 + exp(-2 beta |J|)), as a jet in beta.
    const Jet x{beta * std::abs(J), std::abs(J), 0.0};
    return x + log1p(exp(-2.0 * x));
}

// Runs the Pfaffians of the temperatures `which` (all four twists on the torus) on `plan`
// (a.plan, or the second opinion's) with pivot threshold `threshold`.
void run_pfaffians(const PlanarAnalysis& a, const PfaffianPlan& plan, double threshold,
                   std::span<const double> betas, const std::vector<std::size_t>& which,
                   Arithmetic arithmetic, const PlanarOptions& options,
                   std::vector<PfaffianValue>& out) {
    const std::size_t per_beta = a.torus ? 4 : 1;
    const auto tasks = static_cast<std::ptrdiff_t>(which.size() * per_beta);
    if (tasks == 0 || a.dimer.num_nodes == 0) return;
    int threads = options.num_threads > 0 ? options.num_threads : omp_get_max_threads();
    threads =
        static_cast<int>(std::max<std::ptrdiff_t>(1, std::min<std::ptrdiff_t>(threads, tasks)));
    std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::ptrdiff_t t = 0; t < tasks; ++t) {
        try {
            const std::size_t b = which[static_cast<std::size_t>(t) / per_beta];
            const std::size_t twist = static_cast<std::size_t>(t) % per_beta;  // bit per cycle
            const double beta = betas[b];
            std::vector<Jet> values(a.dimer.cost.size());
            for (std::size_t k = 0; k < values.size(); ++k) {
                const double c = a.dimer.cost[k];
                const double w = std::exp(-2.0 * beta * c);
                values[k] = {w, -2.0 * c * w, 4.0 * c * c * w};
            }
            for (std::size_t cycle = 0; cycle < a.dimer.twists.size(); ++cycle) {
                if ((twist >> cycle & 1) == 0) continue;
                for (int k : a.dimer.twists[cycle]) {
                    Jet& g = values[static_cast<std::size_t>(k)];
                    g = -1.0 * g;
                }
            }
            out[b * per_beta + twist] =
                pfaffian(plan, a.pattern, values, threshold, a.linear_rate, arithmetic);
        } catch (...) {
#pragma omp critical(isingmf_planar_failure)
            if (!failure) failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);
}

// Componentwise bound of |x y| for jets of bounds x, y >= 0 (the product rule on sizes).
WideJet bound_product(const WideJet& x, const WideJet& y) {
    return {x.v * y.v, x.d * y.v + x.v * y.d, x.dd * y.v + 2 * x.d * y.d + x.v * y.dd};
}

WideJet magnitudes(const WideJet& x) { return {std::abs(x.v), std::abs(x.d), std::abs(x.dd)}; }

// Errors of ln|Pf| and its two derivatives (see PfaffianValue).
WideJet log_errors(const PfaffianValue& p) { return p.unit_roundoff * p.error_scale; }

// ln W from the Pfaffians of one temperature, with first-order bounds on its rounding errors.
struct Combined {
    WideJet ln_w;
    WideJet error;  // absolute bounds for ln W, d/dbeta, d2/dbeta2
    double cancellation = 1.0;
    bool broken = false;
};

// Pf_k = s_k exp(L_k) B_k 2^e_k. The largest term's whole log-jet L_top is factored out, so
// that the O(N) log-derivatives the terms share never meet in a sum:
//   ln W = L_top + e_top ln 2 + ln S,  S = (1/4) sum_k sigma_k s_k exp(L_k - L_top) B_k 2^(e_k -
//   e_top)
// (one term, no 1/4, when planar). All in long double: on the torus S may be a small
// difference of terms near 1.
Combined combine(const PlanarAnalysis& a, const PfaffianValue* p) {
    Combined c;
    if (a.dimer.num_nodes == 0) return c;
    const int count = a.torus ? 4 : 1;
    int top = -1;
    long double top_size = 0;
    for (int k = 0; k < count; ++k) {
        if (p[k].sign == 0 || p[k].linear.v == 0) {
            c.broken = true;
            return c;
        }
        const long double size = p[k].log_abs.v + std::log(std::abs(p[k].linear.v)) +
                                 p[k].linear_exponent * std::numbers::ln2_v<long double>;
        if (top < 0 || size > top_size) top = k, top_size = size;
    }
    const WideJet top_error = log_errors(p[top]);
    WideJet sum, sum_error;
    long double magnitude = 0;
    for (int k = 0; k < count; ++k) {
        // sigma_ab: the twists flip every bond edge on their cycle, all in M0.
        int sigma = a.reference_sign;
        for (std::size_t cycle = 0; cycle < a.dimer.twists.size(); ++cycle)
            if ((k >> cycle & 1) != 0 && a.dimer.twists[cycle].size() % 2 != 0) sigma = -sigma;
        const WideJet shift = p[k].log_abs - p[top].log_abs +
                              WideJet{(p[k].linear_exponent - p[top].linear_exponent) *
                                          std::numbers::ln2_v<long double>,
                                      0, 0};
        const WideJet e = exp(shift);
        const WideJet term = e * p[k].linear;
        sum = sum + static_cast<long double>(sigma * p[k].sign) * term;
        magnitude += std::abs(term.v);
        // Bounds: shift carries the errors of both log-jets (none when k is the top); the
        // linear factor the relative error of its pivots, and of a few roundings, per
        // component.
        const WideJet shift_error = k == top ? WideJet{} : log_errors(p[k]) + top_error;
        const WideJet e_abs = magnitudes(e);
        const WideJet e_error{
            e_abs.v * shift_error.v, e_abs.d * shift_error.v + e_abs.v * shift_error.d,
            e_abs.dd * shift_error.v +
                e_abs.v * (shift_error.dd + 2 * std::abs(shift.d) * shift_error.d)};
        const WideJet b_abs = magnitudes(p[k].linear);
        const WideJet b_error = (p[k].unit_roundoff * (4 + p[k].linear_error)) * b_abs;
        sum_error = sum_error + bound_product(e_error, b_abs) + bound_product(e_abs, b_error);
    }
    if (count == 4) {
        sum = 0.25L * sum, sum_error = 0.25L * sum_error;
        magnitude *= 0.25L;
    }
    if (!(sum.v > 0)) {
        c.broken = true;
        return c;
    }
    c.cancellation = static_cast<double>(magnitude / sum.v);
    c.ln_w = p[top].log_abs + log(sum) +
             WideJet{p[top].linear_exponent * std::numbers::ln2_v<long double>, 0, 0};
    const long double r1 = sum.d / sum.v, r2 = sum.dd / sum.v;
    const long double e0 = sum_error.v / sum.v;
    const long double e1 = (sum_error.d + std::abs(r1) * sum_error.v) / sum.v;
    const long double e2 =
        (sum_error.dd + std::abs(r2) * sum_error.v) / sum.v + 2 * std::abs(r1) * e1;
    c.error = top_error + WideJet{e0, e1, e2};
    return c;
}

// The size of ln Z that relative errors are measured against: that of ln W and the sum of
// O(1) terms that come with it, without -beta E0 (an offset would otherwise hide any error).
double ln_z_scale(const PlanarAnalysis& a, double beta, const Combined& c) {
    return std::abs(static_cast<double>(c.ln_w.v) + beta * a.sum_abs_coupling) +
           a.num_sites * std::numbers::ln2;
}

// Bound on the relative error of ln Z: that of ln W, plus the rounding of the sum of the
// O(1) terms of the prefactor and the final double.
double ln_z_error(const PlanarAnalysis& a, double beta, const Combined& c) {
    if (c.broken) return std::numeric_limits<double>::infinity();
    return static_cast<double>(c.error.v) / ln_z_scale(a, beta, c) + 4.0 * kEpsilon;
}

// Every Pfaffian of the temperatures `which` in double on `plan`; then, for those whose error
// bound is above options.extended_above, all of their Pfaffians again in extended precision
// (with first = extended, only that).
void solve_pfaffians(const PlanarAnalysis& a, const PfaffianPlan& plan, double threshold,
                     std::span<const double> betas, std::vector<std::size_t> which,
                     const PlanarOptions& options, std::vector<PfaffianValue>& pf,
                     std::vector<Combined>& combined,
                     Arithmetic first = Arithmetic::double_precision) {
    const std::size_t per_beta = a.torus ? 4 : 1;
    for (const Arithmetic arithmetic : {Arithmetic::double_precision, Arithmetic::extended}) {
        if (arithmetic != first && first == Arithmetic::extended) continue;
        run_pfaffians(a, plan, threshold, betas, which, arithmetic, options, pf);
        std::vector<std::size_t> again;
        for (std::size_t b : which) {
            combined[b] = combine(a, &pf[b * per_beta]);
            const double bound = ln_z_error(a, betas[b], combined[b]);
            if (arithmetic == Arithmetic::double_precision && !(bound <= options.extended_above))
                again.push_back(b);
        }
        which = std::move(again);
        if (which.empty()) break;
    }
}

}  // namespace
}  // namespace detail

// A default-constructed plan (no analysis) has no nodes, no Pfaffians and no geometry.
int PlanarPlan::dimer_nodes() const { return analysis_ ? analysis_->dimer.num_nodes : 0; }
int PlanarPlan::pfaffians() const { return !analysis_ ? 0 : analysis_->torus ? 4 : 1; }
double PlanarPlan::flops() const { return analysis_ ? pfaffians() * analysis_->plan.flops : 0.0; }
double PlanarPlan::peak_bytes() const { return analysis_ ? analysis_->plan.peak_bytes : 0.0; }
std::string PlanarPlan::geometry() const {
    return !analysis_ ? "" : analysis_->torus ? "torus" : "planar";
}

std::string planar_refusal(const Model& model) { return detail::draw(model).refusal; }

PlanarEstimate estimate_planar(const Model& model) {
    const detail::Drawing drawing = detail::draw(model);
    PlanarEstimate estimate;
    estimate.refusal = drawing.refusal;
    if (!drawing.refusal.empty()) return estimate;
    // A face of length d becomes 3d - 6 dimer nodes: 6 E - 6 F in all.
    const detail::EmbeddedGraph& graph = *drawing.graph;
    const long long nodes =
        6LL * static_cast<long long>(graph.edges.size()) - 6LL * detail::trace_faces(graph).size();
    estimate.dimer_nodes = static_cast<int>(nodes);
    estimate.pfaffians = drawing.torus ? 4 : 1;
    estimate.flops = estimate.pfaffians * 2.4 * std::pow(static_cast<double>(nodes), 1.5);
    return estimate;
}

PlanarPlan plan_planar(const Model& model, const PlanarOptions& options) {
    detail::Drawing drawing = detail::draw(model);
    if (!drawing.refusal.empty()) throw ModelError(drawing.refusal);
    auto a = std::make_shared<detail::PlanarAnalysis>();
    a->num_sites = model.num_sites();
    a->energy_offset = model.energy_offset();
    a->energy_scale = model.energy_scale();
    a->torus = drawing.torus;
    a->pendant_couplings = std::move(drawing.core.pendant_couplings);
    a->isolated_sites = drawing.core.isolated_sites;
    const detail::EmbeddedGraph& graph = *drawing.graph;
    a->components =
        graph.edges.empty() ? 0 : detail::count_components(graph.num_vertices, graph.edges);
    for (double J : drawing.core.couplings) {
        a->sum_abs_coupling += std::abs(J);
        a->max_abs_coupling = std::max(a->max_abs_coupling, std::abs(J));
    }
    check_interrupt();  // between the stages, as in draw
    const detail::FaceSet faces = detail::trace_faces(graph);
    check_interrupt();
    const std::vector<std::vector<int>> cycles =
        drawing.torus ? detail::homology_basis(graph, faces) : std::vector<std::vector<int>>{};
    check_interrupt();
    if (drawing.torus && cycles.size() != 2)
        throw Error("internal: a torus drawing without two homology cycles");
    a->dimer = detail::build_dimer_graph(graph, faces, drawing.core.couplings, cycles);
    check_interrupt();
    a->pattern.n = a->dimer.num_nodes;
    a->pattern.row = a->dimer.tail;
    a->pattern.col = a->dimer.head;
    // Units of the dissection, kept whole in one front: the pairs of the all-uncut matching
    // (the two ports across a bond, the two nodes of a link). Separators then run along
    // lines of bonds, which cut the dimer graph most thinly, and at low temperature the pair
    // across a satisfied ferromagnetic bond, whose one port has no other entry of order 1, is
    // always available as a pivot.
    std::vector<int> group(static_cast<std::size_t>(a->dimer.num_nodes), -1);
    int num_groups = 0;
    for (int x = 0; x < a->dimer.num_nodes; ++x) {
        const auto ux = static_cast<std::size_t>(x);
        const auto uy = static_cast<std::size_t>(a->dimer.partner[ux]);
        if (group[ux] < 0) group[ux] = group[uy] = num_groups++;
    }
    check_interrupt();
    a->plan = detail::plan_pfaffian(a->pattern, group, options.leaf_size);
    a->reference_sign = detail::reference_sign(a->dimer);
    double max_cost = 0.0;
    for (double c : a->dimer.cost) max_cost = std::max(max_cost, c);
    a->linear_rate = 1e3 * (1.0 + 2.0 * max_cost);
    PlanarPlan plan;
    plan.analysis_ = std::move(a);
    return plan;
}

std::vector<PlanarResult> planar_solve(const PlanarPlan& plan, std::span<const double> betas,
                                       const PlanarOptions& options) {
    if (!plan.analysis_) throw ModelError("planar_solve needs a plan made by plan_planar");
    check_betas(betas);
    check_energy_scale(plan.analysis_->energy_scale, betas);
    if (!(options.pivot_threshold > 0.0 && options.pivot_threshold <= 1.0)) {
        throw ModelError(
            fmt::format("pivot threshold must be in (0, 1], got {}", options.pivot_threshold));
    }
    const detail::PlanarAnalysis& a = *plan.analysis_;
    const auto per_beta = static_cast<std::size_t>(plan.pfaffians());
    std::vector<detail::PfaffianValue> pf(betas.size() * per_beta);
    std::vector<detail::Combined> combined(betas.size());
    std::vector<std::size_t> all(betas.size());
    for (std::size_t b = 0; b < betas.size(); ++b) all[b] = b;
    detail::solve_pfaffians(a, a.plan, options.pivot_threshold, betas, all, options, pf, combined);

    // The second opinion at low temperature (PlanarResult::cross_checked): another dissection,
    // full pivoting, extended precision; its plan is built only when some temperature needs it.
    std::vector<std::size_t> low;
    for (std::size_t b = 0; b < betas.size(); ++b)
        if (detail::needs_second_opinion(a, betas[b])) low.push_back(b);
    std::vector<detail::Combined> second(betas.size());
    if (!low.empty()) {
        const detail::PfaffianPlan check = detail::plan_pfaffian(
            a.pattern, {}, detail::kSecondOpinionLeaf, detail::kSecondOpinionSeed);
        std::vector<detail::PfaffianValue> pf2(betas.size() * per_beta);
        detail::solve_pfaffians(a, check, 1.0, betas, low, options, pf2, second,
                                detail::Arithmetic::extended);
    }

    const double n = static_cast<double>(a.num_sites);
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    std::vector<PlanarResult> results(betas.size());
    for (std::size_t b = 0; b < betas.size(); ++b) {
        const double beta = betas[b];
        const detail::Combined& c = combined[b];
        PlanarResult& r = results[b];
        for (std::size_t k = 0; k < per_beta; ++k) {
            const detail::PfaffianValue& p = pf[b * per_beta + k];
            r.delayed_pivots += p.delayed;
            r.updates += p.updates;
            r.largest_front = std::max(r.largest_front, p.largest_front);
            r.extended =
                r.extended || p.unit_roundoff < 0.5L * std::numeric_limits<double>::epsilon();
        }
        r.cancellation = c.cancellation;
        // ln Z = (c + isolated) ln 2 + beta sum|J| + sum_pendant ln 2cosh(beta J) + ln W - beta E0.
        detail::Jet ln_z{(a.components + a.isolated_sites) * std::numbers::ln2 +
                             beta * (a.sum_abs_coupling - a.energy_offset),
                         a.sum_abs_coupling - a.energy_offset, 0.0};
        for (double J : a.pendant_couplings) ln_z = ln_z + detail::ln_two_cosh(J, beta);
        ln_z = ln_z + detail::Jet{static_cast<double>(c.ln_w.v), static_cast<double>(c.ln_w.d),
                                  static_cast<double>(c.ln_w.dd)};
        r.relative_error = detail::ln_z_error(a, beta, c);
        r.energy_error = static_cast<double>(c.error.d) / n;
        r.specific_heat_error = beta * (beta * static_cast<double>(c.error.dd)) / n;
        if (detail::needs_second_opinion(a, beta)) {
            // The two factorisations' difference is a measured error of one of them: an
            // estimate the count of sizes can miss (errors carried into later pivots).
            r.cross_checked = true;
            const detail::Combined& s = second[b];
            // A difference that is not a number (a NaN of either factorisation) is as bad as
            // the broken one: std::max would drop it.
            const auto measured = [&](long double difference) {
                const double x = static_cast<double>(difference);
                return s.broken || std::isnan(x) ? std::numeric_limits<double>::infinity() : x;
            };
            // Ten times the difference: it is the error of one of them, not a bound on both.
            const double disagree =
                10.0 * measured(std::abs(s.ln_w.v - c.ln_w.v)) / detail::ln_z_scale(a, beta, c);
            r.relative_error =
                std::max({r.relative_error, detail::ln_z_error(a, beta, s), disagree});
            const double energy_disagree = measured(std::abs(s.ln_w.d - c.ln_w.d)) / n;
            const double heat_disagree =
                beta * (beta * measured(std::abs(s.ln_w.dd - c.ln_w.dd))) / n;
            r.energy_error = std::max(r.energy_error, energy_disagree);
            r.specific_heat_error = std::max(r.specific_heat_error, heat_disagree);
        }
        // <H>/N or C/N whose estimate (the disagreement included) exceeds the same 1e-9 (of the
        // couplings' scale per spin; absolute per spin for C, small at low T) is refused on its
        // own where the temperature was cross-checked or the torus terms cancel by
        // kCancellingTorus or more: an accepted ln Z had been printed beside <H>/N = 9e21
        // and a negative C, and on tori whose Pfaffians cancel, <H>/N off by 2e-8 and C/N by
        // up to 9e-8 (at T = 0.26, cancellation 1e9, not cross-checked) that their estimates
        // had flagged. Not elsewhere: a nearly singular Pfaffian inflates the estimates of the
        // derivatives alone (3.6e-2 for <H>/N of the uniform 3x3 torus at T_c, cancellation 1,
        // which agrees with Kaufman to 1e-11), and scans against elimination found no value
        // there off by more than 1e-9 (README, "Precision").
        const bool by_estimate = r.cross_checked || r.cancellation >= detail::kCancellingTorus;
        const bool energy_refused =
            by_estimate && !(r.energy_error <= options.max_relative_error * a.sum_abs_coupling / n);
        const bool heat_refused =
            by_estimate && !(r.specific_heat_error <= options.max_relative_error);
        r.exact.magnetization = 0.0;
        if (c.broken || !(r.relative_error <= options.max_relative_error)) {
            r.exact.ln_z = r.exact.energy_per_spin = r.exact.specific_heat_per_spin = kNaN;
            if (c.broken) r.relative_error = std::numeric_limits<double>::infinity();
            continue;
        }
        r.exact.ln_z = ln_z.v;
        r.exact.energy_per_spin = energy_refused ? kNaN : -ln_z.d / n;
        // beta (beta C''): beta^2 alone overflows beyond beta ~ 1e154.
        r.exact.specific_heat_per_spin = heat_refused ? kNaN : beta * (beta * ln_z.dd) / n;
    }
    return results;
}

std::vector<ExactResult> planar_exact(const Model& model, std::span<const double> betas,
                                      const PlanarOptions& options) {
    check_betas(betas);  // before the plan: both are cheap to refuse, the plan is not
    check_energy_scale(model, betas);
    const PlanarPlan plan = plan_planar(model, options);
    std::vector<ExactResult> out;
    out.reserve(betas.size());
    for (const PlanarResult& r : planar_solve(plan, betas, options)) out.push_back(r.exact);
    return out;
}

}  // namespace isingmf
