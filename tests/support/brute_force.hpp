#pragma once
// The one independent, deliberately naive exact oracle of the tests: every one of the 2^N
// states evaluated by Model::energy (no Gray code, no keys, no elimination), weights taken
// relative to the lowest energy so that none overflows at large beta, sums in long double,
// variances about the mean in a second pass (no <x^2> - <x>^2 cancellation). Slow (2^N * E);
// meant for N <= ~20. Shares no code with the solvers.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "isingmf/exact/exact_result.hpp"
#include "isingmf/model/model.hpp"

namespace isingmf::testing {

/// Energy and total spin sum_i s_i of every state x (bit i set: s_i = -1).
struct BruteForceStates {
    std::vector<double> energy;
    std::vector<double> total_spin;
    double min_energy = std::numeric_limits<double>::infinity();
};

inline BruteForceStates brute_force_states(const Model& model) {
    const int n = model.num_sites();
    const std::uint64_t states = std::uint64_t{1} << n;
    BruteForceStates all;
    all.energy.resize(states);
    all.total_spin.resize(states);
    std::vector<signed char> s(static_cast<std::size_t>(n));
    for (std::uint64_t x = 0; x < states; ++x) {
        int total = 0;
        for (int i = 0; i < n; ++i) {
            s[static_cast<std::size_t>(i)] = ((x >> i) & 1u) != 0 ? -1 : 1;
            total += s[static_cast<std::size_t>(i)];
        }
        all.energy[x] = model.energy(s);
        all.total_spin[x] = total;
        all.min_energy = std::min(all.min_energy, all.energy[x]);
    }
    return all;
}

/// Every ExactResult field, <|m|> and the susceptibility included.
inline ExactResult brute_force_exact(const Model& model, double beta) {
    const BruteForceStates all = brute_force_states(model);
    const std::size_t states = all.energy.size();
    const long double n = model.num_sites();
    const long double b = beta;
    std::vector<long double> w(states);
    long double z = 0, e_mean = 0, m_mean = 0, m_abs = 0;
    for (std::size_t x = 0; x < states; ++x) {
        w[x] = std::exp(-b * (static_cast<long double>(all.energy[x]) - all.min_energy));
        z += w[x];
    }
    for (std::size_t x = 0; x < states; ++x) {
        const long double p = w[x] / z;
        e_mean += p * all.energy[x];
        m_mean += p * all.total_spin[x];
        m_abs += p * std::fabs(static_cast<long double>(all.total_spin[x]));
    }
    long double e_var = 0, m_var = 0;
    for (std::size_t x = 0; x < states; ++x) {
        const long double p = w[x] / z;
        const long double de = all.energy[x] - e_mean;
        const long double dm = all.total_spin[x] - m_mean;
        e_var += p * de * de;
        m_var += p * dm * dm;
    }
    ExactResult r;
    r.ln_z = static_cast<double>(std::log(z) - b * all.min_energy);
    r.energy_per_spin = static_cast<double>(e_mean / n);
    r.specific_heat_per_spin = static_cast<double>(b * b * e_var / n);
    r.magnetization = static_cast<double>(m_mean / n);
    r.magnetization_abs = static_cast<double>(m_abs / n);
    r.susceptibility = static_cast<double>(b * m_var / n);
    return r;
}

inline double brute_force_ln_z(const Model& model, double beta) {
    return brute_force_exact(model, beta).ln_z;
}

inline double brute_force_ground_energy(const Model& model) {
    return brute_force_states(model).min_energy;
}

/// Kahan summation in long double (x87, u = 5.4e-20): sums of thousands of terms within a few
/// units of 5.4e-20 of their size.
struct KahanSum {
    long double sum = 0.0L, c = 0.0L;
    void add(long double x) {
        const long double y = x - c;
        const long double t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
};

/// ln Z in extended precision, for checking doubles to their last bit: each state's -beta H
/// summed in long double from the model's weights (not Model::energy, which rounds to double),
/// log-sum-exp with Kahan sums; within ~1e-18 of ln Z relative to beta sum |terms| + N.
inline long double extended_ln_z(const Model& model, double beta) {
    const int n = model.num_sites();
    const std::uint64_t states = std::uint64_t{1} << n;
    const std::vector<Edge>& edges = model.edges();
    const std::vector<double>& J = model.couplings();
    const std::vector<double>& h = model.fields();
    const long double b = beta;
    std::vector<long double> exponent(states);
    for (std::uint64_t x = 0; x < states; ++x) {
        auto s = [x](int i) { return ((x >> i) & 1u) != 0 ? -1.0L : 1.0L; };
        KahanSum minus_h;  // -H(s)
        minus_h.add(-static_cast<long double>(model.energy_offset()));
        for (std::size_t e = 0; e < edges.size(); ++e)
            minus_h.add(static_cast<long double>(J[e]) * s(edges[e].i) * s(edges[e].j));
        for (int i = 0; i < n; ++i)
            minus_h.add(static_cast<long double>(h[static_cast<std::size_t>(i)]) * s(i));
        exponent[x] = b * minus_h.sum;
    }
    const long double top = *std::max_element(exponent.begin(), exponent.end());
    KahanSum z;
    for (long double e : exponent) z.add(std::exp(e - top));
    return top + std::log(z.sum);
}

}  // namespace isingmf::testing
