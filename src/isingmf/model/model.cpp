#include "isingmf/model/model.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <unordered_map>

#include "isingmf/util/error.hpp"

namespace isingmf {

Model::Model(int num_sites, const std::vector<Edge>& edges, const std::vector<double>& couplings,
             std::vector<double> fields, double energy_offset, Description description,
             std::optional<LatticeSpec> lattice)
    : num_sites_(num_sites),
      fields_(std::move(fields)),
      energy_offset_(energy_offset),
      description_(std::move(description)),
      lattice_(std::move(lattice)) {
    if (num_sites_ < 1)
        throw ModelError(fmt::format("a model needs at least one site, got {}", num_sites_));
    if (num_sites_ > kMaxModelSites) {
        throw ModelError(
            fmt::format("a model has at most 2^30 = {} sites, got {}", kMaxModelSites, num_sites_));
    }
    if (lattice_ && (static_cast<int>(lattice_->size.size()) != lattice_dimension(lattice_->kind) ||
                     lattice_num_sites(*lattice_) != num_sites_)) {
        throw ModelError(fmt::format("a {} lattice of size {} does not have {} sites",
                                     to_string(lattice_->kind), fmt::join(lattice_->size, "x"),
                                     num_sites_));
    }
    if (edges.size() != couplings.size()) {
        throw ModelError(fmt::format("{} edges but {} couplings", edges.size(), couplings.size()));
    }
    if (fields_.size() != static_cast<std::size_t>(num_sites_)) {
        throw ModelError(fmt::format("{} sites but {} fields", num_sites_, fields_.size()));
    }
    if (!std::isfinite(energy_offset_)) throw ModelError("the energy offset is not finite");
    for (int i = 0; i < num_sites_; ++i) {
        if (!std::isfinite(fields_[static_cast<std::size_t>(i)])) {
            throw ModelError(fmt::format("field on site {} is not finite", i));
        }
    }

    // Repeated edges (a periodic lattice of length 2, a file listing a bond twice) are one
    // physical bond whose couplings add; keep the order of first appearance.
    std::unordered_map<long long, std::size_t> index_of;
    for (std::size_t e = 0; e < edges.size(); ++e) {
        int i = edges[e].i;
        int j = edges[e].j;
        if (i < 0 || j < 0 || i >= num_sites_ || j >= num_sites_) {
            throw ModelError(
                fmt::format("edge ({}, {}) has a site outside 0..{}", i, j, num_sites_ - 1));
        }
        if (i == j) throw ModelError(fmt::format("self-loop on site {}", i));
        if (!std::isfinite(couplings[e])) {
            throw ModelError(fmt::format("coupling of edge ({}, {}) is not finite", i, j));
        }
        if (i > j) std::swap(i, j);
        const long long key = static_cast<long long>(i) * num_sites_ + j;
        auto [it, inserted] = index_of.emplace(key, edges_.size());
        if (inserted) {
            edges_.push_back({i, j});
            couplings_.push_back(couplings[e]);
        } else {
            couplings_[it->second] += couplings[e];
        }
    }

    for (std::size_t e = 0; e < edges_.size(); ++e) {
        if (!std::isfinite(couplings_[e])) {
            throw ModelError(
                fmt::format("repeated edge ({}, {}) sums to a coupling that is not finite",
                            edges_[e].i, edges_[e].j));
        }
    }

    const auto n = static_cast<std::size_t>(num_sites_);
    adjacency_.offset.assign(n + 1, 0);
    for (const Edge& edge : edges_) {
        ++adjacency_.offset[static_cast<std::size_t>(edge.i) + 1];
        ++adjacency_.offset[static_cast<std::size_t>(edge.j) + 1];
    }
    for (std::size_t i = 0; i < n; ++i) adjacency_.offset[i + 1] += adjacency_.offset[i];
    adjacency_.neighbour.resize(2 * edges_.size());
    adjacency_.coupling.resize(2 * edges_.size());
    std::vector<std::size_t> fill(adjacency_.offset.begin(), adjacency_.offset.end() - 1);
    for (std::size_t e = 0; e < edges_.size(); ++e) {
        const auto i = static_cast<std::size_t>(edges_[e].i);
        const auto j = static_cast<std::size_t>(edges_[e].j);
        adjacency_.neighbour[fill[i]] = edges_[e].j;
        adjacency_.coupling[fill[i]++] = couplings_[e];
        adjacency_.neighbour[fill[j]] = edges_[e].i;
        adjacency_.coupling[fill[j]++] = couplings_[e];
    }
}

std::string Model::describe(const std::string& key) const {
    for (const auto& [k, v] : description_) {
        if (k == key) return v;
    }
    return {};
}

double Model::energy(std::span<const signed char> spins) const {
    if (spins.size() != static_cast<std::size_t>(num_sites_)) {
        throw ModelError(fmt::format("{} spins given for {} sites", spins.size(), num_sites_));
    }
    auto s = [&](int i) { return spins[static_cast<std::size_t>(i)] > 0 ? 1.0 : -1.0; };
    double h_term = 0.0;
    for (int i = 0; i < num_sites_; ++i) h_term += fields_[static_cast<std::size_t>(i)] * s(i);
    double j_term = 0.0;
    for (std::size_t e = 0; e < edges_.size(); ++e)
        j_term += couplings_[e] * s(edges_[e].i) * s(edges_[e].j);
    return energy_offset_ - j_term - h_term;
}

int Model::max_degree() const {
    std::size_t best = 0;
    for (std::size_t i = 0; i + 1 < adjacency_.offset.size(); ++i) {
        best = std::max(best, adjacency_.offset[i + 1] - adjacency_.offset[i]);
    }
    return static_cast<int>(best);
}

}  // namespace isingmf
