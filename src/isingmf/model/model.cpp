#include "isingmf/model/model.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>

#include "isingmf/model/detail/distinct_edges.hpp"
#include "isingmf/model/detail/incidence.hpp"
#include "isingmf/model/detail/lattice_bonds.hpp"
#include "isingmf/util/detail/parallel.hpp"
#include "isingmf/util/detail/repeated_sum.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {

struct Model::AdjacencyCache {
    std::mutex mutex;
    std::atomic<bool> built{false};
    Adjacency adjacency;
};

void check_num_sites(long long num_sites) {
    if (num_sites < 1)
        throw ModelError(fmt::format("a model needs at least one site, got {}", num_sites));
    if (num_sites > kMaxModelSites) {
        throw ModelError(
            fmt::format("a model has at most 2^30 = {} sites, got {}", kMaxModelSites, num_sites));
    }
}

Model::Model(Members /*tag*/, int num_sites, std::vector<Edge> edges, double energy_offset,
             Description description, std::optional<LatticeSpec> lattice)
    : num_sites_(num_sites),
      edges_(std::move(edges)),
      weight_arrays_(std::make_shared<WeightArrays>()),
      energy_offset_(energy_offset),
      description_(std::move(description)),
      lattice_(std::move(lattice)),
      adjacency_cache_(std::make_shared<AdjacencyCache>()) {
    check_num_sites(num_sites_);
    if (lattice_ && (static_cast<int>(lattice_->size.size()) != lattice_dimension(lattice_->kind) ||
                     lattice_num_sites(*lattice_) != num_sites_)) {
        throw ModelError(fmt::format("a {} lattice of size {} does not have {} sites",
                                     to_string(lattice_->kind), fmt::join(lattice_->size, "x"),
                                     num_sites_));
    }
}

void Model::check_offset() const {
    if (!std::isfinite(energy_offset_)) throw ModelError("the energy offset is not finite");
}

void Model::check_edge_count() const {
    if (num_edges() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        throw ModelError(fmt::format("{} edges are more than a model can index ({})", num_edges(),
                                     std::numeric_limits<int>::max()));
    }
}

void Model::adopt_uniform_weights(UniformWeights weights) {
    // In the constructor's order: offset, fields, then edges and couplings.
    check_offset();
    if (!std::isfinite(weights.field)) throw ModelError("the field is not finite");
    if (!std::isfinite(weights.coupling)) throw ModelError("the coupling is not finite");
    if (num_edges() > 0) shared_coupling_ = weights.coupling;
    shared_field_ = weights.field;
    check_edge_count();
}

Model::Model(int num_sites, std::vector<Edge> edges, std::vector<double> couplings,
             std::vector<double> fields, double energy_offset, Description description,
             std::optional<LatticeSpec> lattice)
    : Model(Members{}, num_sites, std::move(edges), energy_offset, std::move(description),
            std::move(lattice)) {
    WeightArrays& w = *weight_arrays_;
    if (edges_.size() != couplings.size()) {
        throw ModelError(fmt::format("{} edges but {} couplings", edges_.size(), couplings.size()));
    }
    if (fields.size() != static_cast<std::size_t>(num_sites_)) {
        throw ModelError(fmt::format("{} sites but {} fields", num_sites_, fields.size()));
    }
    check_offset();
    w.couplings = std::move(couplings);
    w.fields = std::move(fields);
    w.couplings_written.store(true, std::memory_order_relaxed);
    w.fields_written.store(true, std::memory_order_relaxed);
    check_fields();
    check_edge_count();
    check_and_order_edges();
    merge_repeated_edges();
}

Model Model::with_uniform_weights(int num_sites, std::vector<Edge> edges, UniformWeights weights,
                                  double energy_offset, Description description,
                                  std::optional<LatticeSpec> lattice) {
    Model model(Members{}, num_sites, std::move(edges), energy_offset, std::move(description),
                std::move(lattice));
    model.adopt_uniform_weights(weights);
    model.check_and_order_edges();
    model.merge_repeated_edges();
    return model;
}

namespace {

// Cells (sites, honeycomb cells) per block that edge_block generates: at most 3 bonds each
// (24 KiB), so that a block stays in the first-level cache while a pass reads it.
constexpr std::size_t kCellsPerEdgeBlock = 1024;
// Edges per block of a stored list.
constexpr std::size_t kEdgesPerBlock = 4096;

}  // namespace

Model Model::of_lattice(const LatticeSpec& lattice, UniformWeights weights, double energy_offset,
                        Description description) {
    auto bonds = std::make_shared<const detail::LatticeBonds>(lattice);
    // A complete graph's cells hold up to N - 1 bonds each: too many for a block, so its list
    // is stored.
    if (!bonds->distinct() || lattice.kind == LatticeKind::complete) {
        std::vector<Edge> edges;
        detail::resize_touched(edges, bonds->num_bonds());
        bonds->write_all(edges.data());
        return with_uniform_weights(bonds->num_sites(), std::move(edges), weights, energy_offset,
                                    std::move(description), lattice);
    }
    Model model(Members{}, bonds->num_sites(), {}, energy_offset, std::move(description), lattice);
    model.lattice_edges_ = std::make_shared<LatticeEdges>();
    model.lattice_edges_->count = bonds->num_bonds();
    model.lattice_edges_->bonds = std::move(bonds);
    model.adopt_uniform_weights(weights);
    return model;
}

std::size_t Model::num_edge_blocks() const {
    if (lattice_edges_) {
        return (lattice_edges_->bonds->num_cells() + kCellsPerEdgeBlock - 1) / kCellsPerEdgeBlock;
    }
    return (edges_.size() + kEdgesPerBlock - 1) / kEdgesPerBlock;
}

Model::EdgeBlock Model::edge_block(std::size_t b, std::vector<Edge>& buffer) const {
    if (lattice_edges_) {
        const detail::LatticeBonds& bonds = *lattice_edges_->bonds;
        const std::size_t begin = b * kCellsPerEdgeBlock;
        const std::size_t end = std::min(bonds.num_cells(), begin + kCellsPerEdgeBlock);
        const std::size_t first = bonds.first_bond(begin);
        buffer.resize(bonds.first_bond(end) - first);
        bonds.write(begin, end, buffer.data());
        return {first, buffer};
    }
    const std::size_t first = b * kEdgesPerBlock;
    const std::size_t count = std::min(edges_.size(), first + kEdgesPerBlock) - first;
    return {first, std::span<const Edge>(edges_).subspan(first, count)};
}

bool Model::has_edge_list() const {
    return !lattice_edges_ || lattice_edges_->written.load(std::memory_order_acquire);
}

namespace {

std::uint64_t bits_of(double x) { return std::bit_cast<std::uint64_t>(x); }

// The value every entry of `values` has, bit for bit, or none (also when there are none).
std::optional<double> shared_value(const std::vector<double>& values) {
    if (values.empty()) return std::nullopt;
    const std::uint64_t first = bits_of(values.front());
    const std::size_t differs = detail::first_where(
        values.size(), [&](std::size_t k) { return bits_of(values[k]) != first; });
    return differs == values.size() ? std::optional(values.front()) : std::nullopt;
}

}  // namespace

void Model::check_fields() {
    // The first field that is not finite is reported; whether all are one value is noted in
    // the same pass (the mean-field plan keeps a shared field once).
    const std::vector<double>& fields = weight_arrays_->fields;
    const std::size_t n = fields.size();
    const std::uint64_t first_bits = bits_of(fields.front());
    const auto count = static_cast<std::ptrdiff_t>(n);
    std::size_t first_bad = n;
    bool same = true;
#pragma omp parallel for schedule(static) num_threads(detail::setup_threads(n)) \
    reduction(min : first_bad) reduction(&& : same)
    for (std::ptrdiff_t k = 0; k < count; ++k) {
        const double h = fields[static_cast<std::size_t>(k)];
        if (!std::isfinite(h)) first_bad = std::min(first_bad, static_cast<std::size_t>(k));
        same = same && bits_of(h) == first_bits;
    }
    if (first_bad < n) throw ModelError(fmt::format("field on site {} is not finite", first_bad));
    if (same) shared_field_ = fields.front();
}

namespace {

// What a moved-from model's couplings() and fields() return, as its vectors used to.
const std::vector<double> kNoValues;

// Runs make() once, under `mutex`, and then sets `done`, unless `done` is set already:
// callers racing on the first call wait for one run; if make() throws (out of memory), nothing
// is kept and the next call tries again. (The adjacency and the written-out weights.)
template <class Make>
void once(std::mutex& mutex, std::atomic<bool>& done, const Make& make) {
    if (done.load(std::memory_order_acquire)) return;
    const std::lock_guard lock(mutex);
    if (done.load(std::memory_order_relaxed)) return;
    make();
    done.store(true, std::memory_order_release);
}

// `values` made n copies of a shared coupling or field.
void write_copies(std::vector<double>& values, std::size_t n, double value) {
    detail::resize_touched(values, n);
    detail::fill_parallel(values, value);
}

// sum_i |x_i| in fixed blocks added in block order: the same for any thread count (and, below
// one block, the plain sum).
constexpr std::size_t kMagnitudeBlock = std::size_t{1} << 16;

double sum_of_magnitudes(const std::vector<double>& x) {
    const std::size_t blocks = (x.size() + kMagnitudeBlock - 1) / kMagnitudeBlock;
    std::vector<double> partial(blocks, 0.0);
    detail::for_each_index(blocks, detail::team_pays(blocks, 2), [&](std::size_t b) {
        const std::size_t end = std::min(x.size(), (b + 1) * kMagnitudeBlock);
        double sum = 0.0;
        for (std::size_t i = b * kMagnitudeBlock; i < end; ++i) sum += std::abs(x[i]);
        partial[b] = sum;
    });
    double total = 0.0;
    for (double p : partial) total += p;
    return total;
}

// sum_of_magnitudes of `count` copies of x, to the bit, without the array (a uniform model's
// shared coupling or field): every full block adds up alike, so one is summed and added once
// per block, then the short last one. Each of these sums of copies is taken in a few dozen
// additions (repeated_sum) instead of one per copy: 0.1 ms on a 256^2 lattice, the cost of a
// sweep, had been added to every run's set-up.
double sum_of_copies(double x, std::size_t count) {
    const double magnitude = std::abs(x);
    const double full = detail::repeated_sum(magnitude, std::min(count, kMagnitudeBlock));
    double total = detail::repeated_sum(full, count / kMagnitudeBlock);
    if (count % kMagnitudeBlock != 0)
        total += detail::repeated_sum(magnitude, count % kMagnitudeBlock);
    return total;
}

}  // namespace

const std::vector<double>& Model::write_couplings() const {
    // Only a model made by with_uniform_weights gets here, and only until the first call has
    // written the array: every coupling is then shared_coupling_ (none: no edges).
    if (!weight_arrays_) return kNoValues;  // moved from
    WeightArrays& w = *weight_arrays_;
    once(w.mutex, w.couplings_written,
         [&] { write_copies(w.couplings, num_edges(), shared_coupling_.value_or(0.0)); });
    return w.couplings;
}

const std::vector<double>& Model::write_fields() const {
    if (!weight_arrays_) return kNoValues;  // as write_couplings
    WeightArrays& w = *weight_arrays_;
    once(w.mutex, w.fields_written,
         [&] { write_copies(w.fields, static_cast<std::size_t>(num_sites_), *shared_field_); });
    return w.fields;
}

const std::vector<Edge>& Model::write_edges() const {
    // Only a model made by of_lattice gets here, until the list is written.
    LatticeEdges& lazy = *lattice_edges_;
    once(lazy.mutex, lazy.written, [&] {
        detail::resize_touched(lazy.edges, lazy.count);
        lazy.bonds->write_all(lazy.edges.data());
    });
    return lazy.edges;
}

bool Model::has_weight_arrays() const {
    return weight_arrays_ && (weight_arrays_->couplings_written.load(std::memory_order_acquire) ||
                              weight_arrays_->fields_written.load(std::memory_order_acquire));
}

const Adjacency& Model::adjacency() const {
    AdjacencyCache& cache = *adjacency_cache_;
    // A site's neighbours are listed in the order of the edges that join them, as they always
    // were.
    once(cache.mutex, cache.built, [&] {
        detail::adjacency_rows(static_cast<std::size_t>(num_sites_), edges(), couplings(),
                               cache.adjacency);
    });
    return cache.adjacency;
}

bool Model::has_adjacency() const {
    return adjacency_cache_ && adjacency_cache_->built.load(std::memory_order_acquire);
}

void Model::check_and_order_edges() {
    // The first bad edge in input order is the one reported, whatever the thread count: each
    // thread stops at the first bad edge of its piece, before ordering it, so it is reported
    // as given. (Edges ordered before it do not matter: the constructor throws.)
    // Couplings given as an array are checked in the same pass, which also notes whether all
    // are one value; shared ones were checked once.
    const std::size_t m = edges_.size();
    const int n = num_sites_;
    const bool given = weight_arrays_->couplings_written.load(std::memory_order_relaxed);
    const double* J = weight_arrays_->couplings.data();
    const std::uint64_t first_bits = given && m > 0 ? bits_of(J[0]) : 0;
    std::size_t first_bad = m;
    bool same = true;
    // One loop for each case, so that the shared case reads no couplings at all. (`all_same`
    // is a parameter: the reduction's copy of `same` exists only inside the parallel region.)
    const auto scan = [&](auto with_couplings, std::size_t begin, std::size_t end, bool& all_same) {
        for (std::size_t e = begin; e < end; ++e) {
            const Edge edge = edges_[e];
            const int lo = std::min(edge.i, edge.j);
            const int hi = std::max(edge.i, edge.j);
            bool bad = (lo < 0) | (hi >= n) | (lo == hi);
            if constexpr (with_couplings) {
                bad |= !std::isfinite(J[e]);
                all_same = all_same && bits_of(J[e]) == first_bits;
            }
            if (bad) return e;
            // Stored only where swapped: rewriting every edge would make every line of the
            // list dirty, to be written back to memory.
            if (edge.i != lo) edges_[e] = {lo, hi};
        }
        return m;
    };
#pragma omp parallel num_threads(detail::setup_threads(m)) reduction(min : first_bad) \
    reduction(&& : same)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t begin = detail::piece_begin(m, t, team);
        const std::size_t end = detail::piece_begin(m, t + 1, team);
        first_bad = given ? scan(std::true_type{}, begin, end, same)
                          : scan(std::false_type{}, begin, end, same);
    }
    if (first_bad == m) {
        if (given && same && m > 0) shared_coupling_ = J[0];
        return;
    }
    const Edge& edge = edges_[first_bad];
    if (edge.i < 0 || edge.j < 0 || edge.i >= n || edge.j >= n) {
        throw ModelError(
            fmt::format("edge ({}, {}) has a site outside 0..{}", edge.i, edge.j, num_sites_ - 1));
    }
    if (edge.i == edge.j) throw ModelError(fmt::format("self-loop on site {}", edge.i));
    throw ModelError(fmt::format("coupling of edge ({}, {}) is not finite", edge.i, edge.j));
}

void Model::merge_repeated_edges() {
    // Repeated edges (a periodic lattice of length 2, a file listing a bond twice) are one
    // physical bond whose couplings add, in input order; the bond keeps the place of its first
    // appearance. In place: a bond's slot is never after the copies that add into it.
    // The rows that find them are dropped afterwards: the model keeps no adjacency until one is
    // asked for.
    // Nearly sorted lists (lattices, most files) are settled without rows.
    const detail::Distinct distinct = detail::distinct_when_nearly_sorted(edges_);
    if (distinct == detail::Distinct::yes) return;
    const auto n = static_cast<std::size_t>(num_sites_);
    std::vector<std::size_t> offset;
    std::vector<int> rows;
    if (distinct == detail::Distinct::unknown) {
        detail::upper_neighbour_rows(n, edges_, offset, rows);
        if (!detail::rows_have_repeats(offset, rows)) return;
    }
    // Rare: rows of edge indices find the copies. Shared couplings are written out first: the
    // merged bonds' sums are no longer the shared value.
    detail::incidence_rows(n, edges_, offset, rows);
    std::vector<int> first = detail::first_of_repeats(n, edges_, offset, rows);
    couplings();
    std::vector<double>& J = weight_arrays_->couplings;
    std::size_t kept = 0;
    for (std::size_t e = 0; e < edges_.size(); ++e) {
        const auto f = static_cast<std::size_t>(first[e]);
        if (f == e) {
            edges_[kept] = edges_[e];
            J[kept] = J[e];
            first[e] = static_cast<int>(kept++);  // from here on: the bond's merged index
        } else {
            J[static_cast<std::size_t>(first[f])] += J[e];
        }
    }
    edges_.resize(kept);
    J.resize(kept);
    shared_coupling_ = shared_value(J);  // the merged bonds' sums may differ
    for (std::size_t e = 0; e < kept; ++e) {
        if (!std::isfinite(J[e])) {
            throw ModelError(
                fmt::format("repeated edge ({}, {}) sums to a coupling that is not finite",
                            edges_[e].i, edges_[e].j));
        }
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
    // Shared values read as such: the same products, and no arrays written out.
    const double* h = shared_field_ ? nullptr : fields().data();
    const double* J = shared_coupling_ ? nullptr : couplings().data();
    for (int i = 0; i < num_sites_; ++i) {
        const auto k = static_cast<std::size_t>(i);
        h_term += (h != nullptr ? h[k] : *shared_field_) * s(i);
    }
    double j_term = 0.0;
    std::vector<Edge> buffer;
    for (std::size_t b = 0; b < num_edge_blocks(); ++b) {
        const EdgeBlock block = edge_block(b, buffer);
        for (std::size_t k = 0; k < block.edges.size(); ++k) {
            const Edge& edge = block.edges[k];
            j_term +=
                (J != nullptr ? J[block.first + k] : *shared_coupling_) * s(edge.i) * s(edge.j);
        }
    }
    return energy_offset_ - j_term - h_term;
}

int Model::max_degree() const {
    // From the edges, so that asking does not build the adjacency.
    std::vector<int> degree(static_cast<std::size_t>(num_sites_), 0);
    std::vector<Edge> buffer;
    for (std::size_t b = 0; b < num_edge_blocks(); ++b) {
        for (const Edge& e : edge_block(b, buffer).edges) {
            ++degree[static_cast<std::size_t>(e.i)];
            ++degree[static_cast<std::size_t>(e.j)];
        }
    }
    return *std::max_element(degree.begin(), degree.end());
}

double Model::sum_energy_scale() const {
    double scale = std::abs(energy_offset_);
    // A shared value is summed without its array, which a uniform model need not write out.
    if (num_edges() > 0)  // none: adding 0 changes nothing, and asks for no array
        scale += shared_coupling_ ? sum_of_copies(*shared_coupling_, num_edges())
                                  : sum_of_magnitudes(couplings());
    scale += shared_field_ ? sum_of_copies(*shared_field_, static_cast<std::size_t>(num_sites_))
                           : sum_of_magnitudes(fields());
    return scale;
}

double Model::energy_scale() const {
    if (!weight_arrays_) return std::abs(energy_offset_);  // moved from: no weights
    WeightArrays& w = *weight_arrays_;
    if (!w.scale_known.load(std::memory_order_acquire)) {
        // Summed outside the mutex, which couplings() and fields() may take to write their
        // arrays out; threads racing here sum the same value.
        const double scale = sum_energy_scale();
        once(w.mutex, w.scale_known, [&] { w.scale = scale; });
    }
    return w.scale;
}

}  // namespace isingmf
