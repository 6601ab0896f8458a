#include "isingmf/bounds/bethe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "isingmf/model/energy_scale.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/detail/enum_names.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace {

constexpr detail::EnumNames<BpSchedule, 2> kScheduleNames{{
    {BpSchedule::sequential, "sequential"},
    {BpSchedule::parallel, "parallel"},
}};

constexpr double kLn2 = std::numbers::ln2;
// From this many messages a parallel update pays for the threads' fork and join.
constexpr std::size_t kParallelMessages = 20001;

double lncosh(double x) {
    const double a = std::abs(x);
    return a + std::log1p(std::exp(-2.0 * a)) - kLn2;
}

// u = atanh(tanh(theta) tanh(c)) without overflow.
double message(double c, double theta) { return 0.5 * (lncosh(c + theta) - lncosh(c - theta)); }

// Directed messages by site: out[k] = 2e (i -> j, i = edge.i) or 2e + 1 (j -> i); in_of
// gives the reverse message.
struct Incidence {
    std::vector<std::size_t> offset;
    std::vector<std::size_t> out;  // message index leaving the site
    std::vector<int> to;           // its target
    explicit Incidence(const Model& model)
        : offset(static_cast<std::size_t>(model.num_sites()) + 1, 0) {
        const auto& edges = model.edges();
        for (const Edge& e : edges) {
            ++offset[static_cast<std::size_t>(e.i) + 1];
            ++offset[static_cast<std::size_t>(e.j) + 1];
        }
        for (std::size_t i = 1; i < offset.size(); ++i) offset[i] += offset[i - 1];
        out.resize(2 * edges.size());
        to.resize(2 * edges.size());
        std::vector<std::size_t> fill(offset.begin(), offset.end() - 1);
        for (std::size_t e = 0; e < edges.size(); ++e) {
            const auto i = static_cast<std::size_t>(edges[e].i);
            const auto j = static_cast<std::size_t>(edges[e].j);
            out[fill[i]] = 2 * e;
            to[fill[i]++] = edges[e].j;
            out[fill[j]] = 2 * e + 1;
            to[fill[j]++] = edges[e].i;
        }
    }
};

// H_i = theta_i + sum of incoming messages, summed in incidence order.
void fields(const Model& model, double beta, const Incidence& inc, std::span<const double> u,
            std::vector<double>& H) {
    const auto n = static_cast<std::size_t>(model.num_sites());
    H.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        double s = beta * model.fields()[i];
        for (std::size_t k = inc.offset[i]; k < inc.offset[i + 1]; ++k) s += u[inc.out[k] ^ 1u];
        H[i] = s;
    }
}

// Entropy of b(s) proportional to exp(H s): ln(2 cosh H) - H tanh H.
double node_entropy(double H) { return kLn2 + lncosh(H) - H * std::tanh(H); }

}  // namespace

std::string to_string(BpSchedule schedule) { return detail::enum_name(kScheduleNames, schedule); }

BpSchedule parse_bp_schedule(std::string_view text) {
    return detail::parse_enum(kScheduleNames, text, "BP schedule");
}

double bethe_free_energy(const Model& model, double beta, std::span<const double> messages,
                         std::vector<double>* m, std::vector<double>* pair_means) {
    check_beta(beta);
    check_energy_scale(model, beta);
    const auto& edges = model.edges();
    if (messages.size() != 2 * edges.size())
        throw ModelError(
            fmt::format("BP needs {} messages, got {}", 2 * edges.size(), messages.size()));
    const Incidence inc(model);
    std::vector<double> H;
    fields(model, beta, inc, messages, H);
    const auto n = static_cast<std::size_t>(model.num_sites());
    double ln_z = -beta * model.energy_offset();
    for (std::size_t i = 0; i < n; ++i) {
        const double mean = std::tanh(H[i]);
        const auto degree = static_cast<double>(inc.offset[i + 1] - inc.offset[i]);
        ln_z += beta * model.fields()[i] * mean - (degree - 1.0) * node_entropy(H[i]);
    }
    if (m != nullptr) {
        m->resize(n);
        for (std::size_t i = 0; i < n; ++i) (*m)[i] = std::tanh(H[i]);
    }
    if (pair_means != nullptr) pair_means->resize(2 * edges.size());
    for (std::size_t e = 0; e < edges.size(); ++e) {
        const double theta = beta * model.couplings()[e];
        const double a = H[static_cast<std::size_t>(edges[e].i)] - messages[2 * e + 1];
        const double b = H[static_cast<std::size_t>(edges[e].j)] - messages[2 * e];
        // Pair belief over (s, t) = (++, +-, -+, --): theta s t + a s + b t.
        const std::array<double, 4> x = {theta + a + b, -theta + a - b, -theta - a + b,
                                         theta - a - b};
        const double top = *std::max_element(x.begin(), x.end());
        std::array<double, 4> p{};
        double z = 0.0;
        for (std::size_t k = 0; k < 4; ++k) z += p[k] = std::exp(x[k] - top);
        const double ln_zp = top + std::log(z);
        double energy = 0.0, corr = 0.0, mi = 0.0, mj = 0.0;
        for (std::size_t k = 0; k < 4; ++k) {
            p[k] /= z;
            energy += p[k] * x[k];
        }
        corr = p[0] - p[1] - p[2] + p[3];
        mi = p[0] + p[1] - p[2] - p[3];
        mj = p[0] - p[1] + p[2] - p[3];
        // theta <st> + S(b_ij), with S = ln Z_pair - <theta s t + a s + b t>.
        ln_z += theta * corr + ln_zp - energy;
        if (pair_means != nullptr) {
            (*pair_means)[2 * e] = mi;
            (*pair_means)[2 * e + 1] = mj;
        }
    }
    return ln_z;
}

namespace {

// BP from messages u until convergence or max_iterations.
BetheResult run_bp(const Model& model, const Incidence& inc, double beta,
                   const BetheOptions& options, std::vector<double> u, std::string start) {
    const auto& edges = model.edges();
    const auto n = static_cast<std::size_t>(model.num_sites());
    BetheResult result;
    result.beta = beta;
    result.schedule = options.schedule;
    result.damping = options.damping;
    result.start = std::move(start);
    std::vector<double> H;
    fields(model, beta, inc, u, H);
    const double d = options.damping;
    std::vector<double> next(u.size());
    int it = 0;
    double residual = 0.0;
    bool converged = edges.empty();
    while (!converged && it < options.max_iterations) {
        check_interrupt();
        ++it;
        residual = 0.0;
        if (options.schedule == BpSchedule::sequential) {
            for (std::size_t i = 0; i < n; ++i) {
                // All messages out of i from the current H_i; each change reaches its target's
                // field at once.
                for (std::size_t k = inc.offset[i]; k < inc.offset[i + 1]; ++k) {
                    const std::size_t msg = inc.out[k];
                    const double theta = beta * model.couplings()[msg / 2];
                    const double fresh = message(H[i] - u[msg ^ 1u], theta);
                    residual = std::max(residual, std::abs(fresh - u[msg]));
                    const double damped = (1.0 - d) * fresh + d * u[msg];
                    H[static_cast<std::size_t>(inc.to[k])] += damped - u[msg];
                    u[msg] = damped;
                }
            }
            // Recompute the fields from scratch so that rounding does not accumulate.
            fields(model, beta, inc, u, H);
        } else {
            // Writes message msg's damped update to next; returns its change.
            const auto update = [&](std::size_t msg) {
                const Edge& e = edges[msg / 2];
                const auto from = static_cast<std::size_t>((msg & 1u) == 0 ? e.i : e.j);
                const double theta = beta * model.couplings()[msg / 2];
                const double fresh = message(H[from] - u[msg ^ 1u], theta);
                next[msg] = (1.0 - d) * fresh + d * u[msg];
                return std::abs(fresh - u[msg]);
            };
            const std::size_t messages = u.size();
            if (detail::team_pays(messages, kParallelMessages)) {
#pragma omp parallel for schedule(static) reduction(max : residual)
                for (std::size_t msg = 0; msg < messages; ++msg)
                    residual = std::max(residual, update(msg));
            } else {  // no parallel region (util/detail/parallel.hpp: team_pays)
                for (std::size_t msg = 0; msg < messages; ++msg)
                    residual = std::max(residual, update(msg));
            }
            std::swap(u, next);
            fields(model, beta, inc, u, H);
        }
        if (!std::isfinite(residual)) break;
        converged = residual < options.tolerance;
    }
    result.iterations = it;
    result.converged = converged;
    result.residual = residual;
    result.ln_z = bethe_free_energy(model, beta, u, &result.m);
    result.messages = std::move(u);
    return result;
}

// Converged beats not converged; then the larger ln Z_B (lower Bethe free energy), or the
// smaller residual between runs that did not converge.
bool better(const BetheResult& a, const BetheResult& b) {
    if (a.converged != b.converged) return a.converged;
    if (a.converged) return a.ln_z > b.ln_z;
    return a.residual < b.residual;
}

}  // namespace

BetheResult solve_bethe(const Model& model, double beta, const BetheOptions& options,
                        const BetheResult* warm) {
    check_beta(beta);
    check_energy_scale(model, beta);
    if (!(options.damping >= 0.0 && options.damping < 1.0))
        throw ModelError(fmt::format("BP damping must be in [0, 1), got {}", options.damping));
    if (!(options.tolerance > 0.0))
        throw ModelError(fmt::format("BP tolerance must be positive, got {}", options.tolerance));
    const Incidence inc(model);
    const std::size_t n_messages = 2 * model.num_edges();
    BetheResult best =
        run_bp(model, inc, beta, options, std::vector<double>(n_messages, 0.0), "zero");
    if (options.polarized) {
        std::vector<double> u(n_messages);
        for (std::size_t k = 0; k < n_messages; ++k) u[k] = beta * model.couplings()[k / 2];
        BetheResult r = run_bp(model, inc, beta, options, std::move(u), "polarized");
        if (better(r, best)) best = std::move(r);
    }
    if (warm != nullptr && warm->messages.size() == n_messages && warm->beta > 0.0) {
        std::vector<double> u(n_messages);
        for (std::size_t k = 0; k < n_messages; ++k) u[k] = warm->messages[k] * beta / warm->beta;
        BetheResult r = run_bp(model, inc, beta, options, std::move(u), "warm");
        if (better(r, best)) best = std::move(r);
    }
    check_finite_result(model, beta, best.ln_z, "Bethe estimate");
    return best;
}

}  // namespace isingmf
