#pragma once
/// The Ising-type model every solver takes:
///
///   H(s) = E0 - sum_{e=(i,j)} J_e s_i s_j - sum_i h_i s_i,   s_i = +-1,
///   Z(beta) = sum_s exp(-beta H(s)),  k_B = 1, T = 1/beta.
///
/// J_e > 0 is ferromagnetic. Each edge appears once (i < j); repeated edges given to the
/// constructor add their couplings, self-loops are an error. E0 (`energy_offset`) is zero
/// for lattice models; UAI imports use it for the constant part of ln f.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "isingmf/model/lattice_spec.hpp"

namespace isingmf {

namespace detail {
class LatticeBonds;
}

/// The most sites a model may have, 2^30, whatever made it (a lattice generator, an
/// edge-list or a UAI file): per-site arrays stay well inside int indexing and memory.
inline constexpr int kMaxModelSites = 1 << 30;

/// Throws ModelError unless 1 <= num_sites <= kMaxModelSites (the constructor's check, for
/// callers that allocate per-site arrays before they build the model).
void check_num_sites(long long num_sites);

/// An undirected edge between two distinct sites, stored with i < j.
struct Edge {
    int i = 0;
    int j = 0;
    friend bool operator==(const Edge&, const Edge&) = default;
};

/// Ordered key/value pairs saying how a model was made (lattice, size, seed, ...);
/// written as attributes to result files and printed in table headers.
using Description = std::vector<std::pair<std::string, std::string>>;

/// Neighbour lists in compressed-row form: the neighbours of i are
/// neighbour[offset[i] .. offset[i+1]) with the couplings J in `coupling` at the same places.
struct Adjacency {
    std::vector<std::size_t> offset;
    std::vector<int> neighbour;
    std::vector<double> coupling;
};

/// One coupling on every bond and one field on every site (a lattice ferromagnet or
/// antiferromagnet in a uniform field): a Model built from these keeps the two numbers, not an
/// array of each.
struct UniformWeights {
    double coupling = 1.0;
    double field = 0.0;
};

/// A validated, immutable Ising model.
class Model {
public:
    /// Builds the model; throws ModelError on more than kMaxModelSites sites, a self-loop, a site
    /// index out of range, a non-finite coupling or field, or sizes that do not match.
    /// `lattice`, when given, says
    /// which lattice the edges are the bonds of (numbered as in lattice_spec.hpp); solvers
    /// use it only as a hint about geometry and check the bonds they rely on. Edges and
    /// couplings given as rvalues are adopted rather than copied (large models: pass them
    /// with std::move). Set-up runs on OpenMP threads for large models, with the same result
    /// for any thread count. The model holds its edges, couplings and fields (40 bytes per site
    /// on the square lattice); the adjacency is built on first use.
    Model(int num_sites, std::vector<Edge> edges, std::vector<double> couplings,
          std::vector<double> fields, double energy_offset = 0.0, Description description = {},
          std::optional<LatticeSpec> lattice = std::nullopt);
    /// The model with weights.coupling on every edge and weights.field on every site, held as
    /// the two numbers (16 bytes per site on the square lattice instead of 40): couplings()
    /// and fields() are written out on first use. Throws ModelError as the constructor does
    /// (a coupling or field that is not finite is reported as such, even with no edges).
    /// Repeated edges add their couplings as in the constructor, which writes the couplings
    /// out at once. A named function, not a constructor: a braced list must never pick it.
    static Model with_uniform_weights(int num_sites, std::vector<Edge> edges,
                                      UniformWeights weights, double energy_offset = 0.0,
                                      Description description = {},
                                      std::optional<LatticeSpec> lattice = std::nullopt);
    /// The model whose edges are the bonds of `lattice` (lattice_spec.hpp's numbering), with
    /// `weights` as in with_uniform_weights: the edge list itself is not stored either. The
    /// model generates its bonds, so they need no checking; edges() writes the list out on
    /// first use, and passes that read the edges once in order (edge_block) have each block
    /// generated instead (16 bytes per site less on the square lattice, and no pass over them
    /// at construction). A lattice whose bonds repeat (a periodic box with an extent of 2, a
    /// periodic honeycomb with an extent of 1) and a complete graph are built with their list,
    /// as with_uniform_weights builds them (repeats merged). Throws ParseError or ModelError on
    /// a spec make_lattice refuses and as with_uniform_weights does.
    static Model of_lattice(const LatticeSpec& lattice, UniformWeights weights,
                            double energy_offset = 0.0, Description description = {});

    int num_sites() const { return num_sites_; }
    std::size_t num_edges() const { return lattice_edges_ ? lattice_edges_->count : edges_.size(); }
    /// The edges, each with i < j. On a model made by of_lattice the list is written on the
    /// first call, as couplings() is.
    const std::vector<Edge>& edges() const {
        const LatticeEdges* lazy = lattice_edges_.get();
        if (lazy == nullptr) return edges_;
        return lazy->written.load(std::memory_order_acquire) ? lazy->edges : write_edges();
    }
    /// Edges first .. first + edges.size() of edges().
    struct EdgeBlock {
        std::size_t first = 0;
        std::span<const Edge> edges;
    };
    /// The edges in num_edge_blocks() consecutive blocks of at most a few thousand, for passes
    /// that read them in order: block b, in `buffer` where the model generates its edges
    /// (of_lattice), else a view of edges(). Never writes the list out.
    std::size_t num_edge_blocks() const;
    EdgeBlock edge_block(std::size_t b, std::vector<Edge>& buffer) const;
    /// Whether the edge list is stored: false only on a model that generates its bonds
    /// (lattice_bonds()), until edges() is first called. For tests and memory accounting.
    bool has_edge_list() const;
    /// The generator of a model made by of_lattice that generates its bonds, whether or not
    /// edges() has written the list out since (the mean-field plan writes its rows from its
    /// geometry); nullptr on any other model, and on of_lattice's models of complete graphs and
    /// of lattices whose bonds repeat.
    const detail::LatticeBonds* lattice_bonds() const {
        return lattice_edges_ ? lattice_edges_->bonds.get() : nullptr;
    }
    /// J_e for edges()[e]. On a model made by with_uniform_weights the array is written on the
    /// first call (safe from any number of threads; copies share it): code that can use
    /// shared_coupling() instead spares the model 8 bytes per edge.
    /// Empty on a moved-from model.
    const std::vector<double>& couplings() const {
        const WeightArrays* w = weight_arrays_.get();
        return w != nullptr && w->couplings_written.load(std::memory_order_acquire)
                   ? w->couplings
                   : write_couplings();
    }
    /// h_i; written on the first call like couplings() (8 bytes per site).
    const std::vector<double>& fields() const {
        const WeightArrays* w = weight_arrays_.get();
        return w != nullptr && w->fields_written.load(std::memory_order_acquire) ? w->fields
                                                                                 : write_fields();
    }
    /// Whether every coupling passes `test` (true with no bonds), read from shared_coupling()
    /// where there is one, so that a uniform model need not write its array out.
    template <class Test>
    bool all_couplings(const Test& test) const {
        if (num_edges() == 0) return true;
        if (shared_coupling_) return test(*shared_coupling_);
        const std::vector<double>& J = couplings();
        return std::all_of(J.begin(), J.end(), test);
    }
    /// Whether every field passes `test`, read as all_couplings reads the couplings.
    template <class Test>
    bool all_fields(const Test& test) const {
        if (shared_field_) return test(*shared_field_);
        const std::vector<double>& h = fields();
        return std::all_of(h.begin(), h.end(), test);
    }
    /// Whether couplings() or fields() is held as an array: always on a model built from
    /// arrays; on one made by with_uniform_weights, once either was asked for. For tests and
    /// memory accounting.
    bool has_weight_arrays() const;
    /// The coupling of every bond, when all are one value to the bit (so +0 and -0 differ);
    /// none when they differ or there are no bonds. Found while the constructor checks them.
    std::optional<double> shared_coupling() const { return shared_coupling_; }
    /// The field of every site, when all are one value to the bit; none when they differ.
    std::optional<double> shared_field() const { return shared_field_; }
    /// E0, the spin-independent part of H.
    double energy_offset() const { return energy_offset_; }
    const Description& description() const { return description_; }
    /// The lattice the model was generated on, if any.
    const std::optional<LatticeSpec>& lattice() const { return lattice_; }
    /// The neighbour lists, built on the first call (safe from any number of threads; copies
    /// of a model share them). They double the model's memory (56 bytes more per site on the
    /// square lattice), so the mean-field path, which keeps its own copy of the graph, never
    /// asks for them; the exact solvers and the structured partition do. Calling this on a
    /// moved-from model is undefined, as using its edges would be.
    const Adjacency& adjacency() const;
    /// Whether adjacency() has been built: for tests and memory accounting.
    bool has_adjacency() const;

    /// Value of a description key, or "" when absent.
    std::string describe(const std::string& key) const;

    /// H(s) for s_i = +-1 (any nonzero value is read by its sign).
    double energy(std::span<const signed char> spins) const;

    /// Local field phi_i = sum_j J_ij x_j + h_i for real-valued x (spins or magnetizations),
    /// summed in adjacency order (builds the adjacency on first use).
    double local_field(int site, std::span<const double> x) const {
        const Adjacency& adj = adjacency();
        const auto i = static_cast<std::size_t>(site);
        double phi = shared_field_ ? *shared_field_ : fields()[i];
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k) {
            phi += adj.coupling[k] * x[static_cast<std::size_t>(adj.neighbour[k])];
        }
        return phi;
    }

    /// Largest number of neighbours of any site.
    int max_degree() const;

    /// sum_ij |J_ij| + sum_i |h_i| + |E0|, a bound on |H(s)| for every state: beta times it
    /// must be finite for bounds and exact values to be (check_energy_scale). Summed in fixed
    /// blocks (the same for any thread count) on first use and kept; O(1) for uniform weights.
    double energy_scale() const;

private:
    // couplings() and fields(), each either given or written out from shared_coupling_
    // (shared_field_) on first use, under the mutex; a flag set means the array is complete
    // and never changes again. Copies share them.
    struct WeightArrays {
        std::mutex mutex;
        std::atomic<bool> couplings_written{false};
        std::atomic<bool> fields_written{false};
        std::vector<double> couplings;
        std::vector<double> fields;
        std::atomic<bool> scale_known{false};  // energy_scale(), once summed
        double scale = 0.0;
    };

    // The edges of a model made by of_lattice: their count and generator, and the list once
    // written (under the mutex; `written` set means complete). Copies share them.
    struct LatticeEdges {
        std::mutex mutex;
        std::atomic<bool> written{false};
        std::vector<Edge> edges;
        std::shared_ptr<const detail::LatticeBonds> bonds;
        std::size_t count = 0;
    };

    int num_sites_;
    std::vector<Edge> edges_;  // empty where lattice_edges_ holds them
    std::shared_ptr<LatticeEdges> lattice_edges_;
    std::shared_ptr<WeightArrays> weight_arrays_;
    std::optional<double> shared_coupling_;
    std::optional<double> shared_field_;
    double energy_offset_;
    Description description_;
    std::optional<LatticeSpec> lattice_;
    // The adjacency, built on first use. Copies share it: it is a function of the edges,
    // which never change. A moved-from model has none (it must be assigned before use).
    struct AdjacencyCache;
    std::shared_ptr<AdjacencyCache> adjacency_cache_;

    // Both public ways in start here: the members, and the checks of the site count and the
    // lattice.
    // The tag keeps braced arguments meant for the public constructor away from it.
    struct Members {
        explicit Members() = default;
    };
    Model(Members, int num_sites, std::vector<Edge> edges, double energy_offset,
          Description description, std::optional<LatticeSpec> lattice);
    void check_offset() const;
    void check_edge_count() const;
    void adopt_uniform_weights(UniformWeights weights);
    const std::vector<Edge>& write_edges() const;
    const std::vector<double>& write_couplings() const;
    const std::vector<double>& write_fields() const;
    double sum_energy_scale() const;
    void check_fields();
    void check_and_order_edges();
    void merge_repeated_edges();
};

}  // namespace isingmf
