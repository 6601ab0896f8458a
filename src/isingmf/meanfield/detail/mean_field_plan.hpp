#pragma once
/// The update order of coordinate ascent and the sweep kernel's copy of the graph (see
/// mean_field.hpp for the method and sweep_kernel.hpp for the kernel that reads this layout).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "isingmf/model/model.hpp"
#include "isingmf/util/detail/huge_pages.hpp"

namespace isingmf {

/// A run of consecutive positions begin .. begin + size of one colour class. When every
/// position p of the run has the same number z of neighbours, at p + offset[0], ...,
/// p + offset[z-1] (in its stored order), as along a row of a lattice, `stencil` indexes those
/// z offsets in MeanFieldPlan::stencil_offsets() and the kernel reads the neighbours'
/// magnetizations as contiguous vectors instead of gathering them through the neighbour list:
/// the same values summed in the same order, so every bit of the result is the same.
struct KernelSegment {
    static constexpr std::uint32_t kNoStencil = 0xffffffffu;
    std::size_t begin = 0;
    std::uint32_t size = 0;
    std::uint32_t stencil = kNoStencil;  ///< first of degree() offsets, or kNoStencil
};

/// The update order of coordinate ascent, computed once per model: sites grouped in colour
/// classes of a greedy colouring (no edge inside a class), so the sites of one class can be
/// updated in parallel with exactly the result of updating them one after another.
class MeanFieldPlan {
public:
    /// Whether a coupling (or field) shared by every bond (or site) is kept once instead of
    /// copied to every slot: `shared_when_uniform` saves 8 z bytes (8 bytes) per site of degree
    /// z, in memory and in every sweep's traffic, on uniform models; `always_stored` is for
    /// tests comparing the two.
    enum class Weights { shared_when_uniform, always_stored };

    /// Keeps a reference to `model`, which must outlive the plan. Reads the model's edges, not
    /// its adjacency (which it leaves unbuilt: see Model::adjacency()).
    explicit MeanFieldPlan(const Model& model, Weights weights = Weights::shared_when_uniform);
    MeanFieldPlan(Model&&, Weights = Weights::shared_when_uniform) = delete;
    const Model& model() const { return *model_; }
    /// Sites ordered class by class; class c is order()[class_offset()[c] .. class_offset()[c+1]).
    const std::vector<int>& order() const { return order_; }
    const std::vector<std::size_t>& class_offset() const { return class_offset_; }
    std::size_t num_colours() const { return class_offset_.size() - 1; }
    /// Whether the order came from the lattice's guessed colouring, found to be greedy
    /// colouring's, rather than from greedy colouring computed on the graph: the same order
    /// either way, the guess at a fraction of the cost. For tests and diagnostics.
    bool kept_lattice_guess() const { return kept_lattice_guess_; }

    /// The kernel's copy of the graph, in update order ("positions" k of order()): the
    /// neighbours of position k are neighbour()[row(k) .. row(k+1)) as positions, with
    /// couplings coupling_at(slot) in the same slots; field_at(k) = h of site order()[k]. When
    /// every site has the same degree z, degree() = z and row(k) = k z (no offsets stored); else
    /// degree() = 0.
    const HugePageVector<int>& neighbour() const { return neighbour_; }
    /// The couplings by slot; empty when one coupling is shared (shared_coupling()) or there are
    /// no bonds.
    const HugePageVector<double>& coupling() const { return coupling_; }
    /// The fields by position, empty when one field is shared (shared_field()).
    const HugePageVector<double>& field() const { return field_; }
    /// The coupling of every bond, when it is one value (to the bit) and the plan keeps it once.
    std::optional<double> shared_coupling() const { return shared_coupling_; }
    /// The field of every site, when it is one value (to the bit) and the plan keeps it once.
    std::optional<double> shared_field() const { return shared_field_; }
    double coupling_at(std::size_t slot) const {
        return shared_coupling_ ? *shared_coupling_ : coupling_[slot];
    }
    double field_at(std::size_t position) const {
        return shared_field_ ? *shared_field_ : field_[position];
    }
    int degree() const { return degree_; }
    std::size_t row(std::size_t k) const {
        return degree_ > 0 ? k * static_cast<std::size_t>(degree_) : row_[k];
    }
    /// The stored row offsets (num_sites() + 1 of them), empty when degree() > 0.
    const std::vector<std::size_t>& row_offsets() const { return row_; }
    /// position()[i] is the position of site i: order()[position()[i]] = i.
    const std::vector<int>& position() const { return position_; }

    /// The kernel's work units: each colour class is cut into chunks of kernel_chunk_size()
    /// positions (the last one shorter), numbered class by class, class c holding chunks
    /// class_chunks()[c] .. class_chunks()[c+1]. Chunk q is the segments chunk_segments()[q] ..
    /// chunk_segments()[q+1] of segments(), which cover it in order. Fixed per plan, so the
    /// per-chunk partial sums, and the results, do not depend on the thread count.
    const std::vector<std::size_t>& class_chunks() const { return class_chunks_; }
    const std::vector<std::size_t>& chunk_segments() const { return chunk_segments_; }
    const std::vector<KernelSegment>& segments() const { return segments_; }
    const std::vector<std::ptrdiff_t>& stencil_offsets() const { return stencil_offsets_; }
    static constexpr std::size_t kernel_chunk_size() { return 256; }

private:
    const Model* model_;
    std::vector<int> order_;
    std::vector<std::size_t> class_offset_;
    std::vector<int> position_;
    std::vector<std::size_t> row_;
    HugePageVector<int> neighbour_;
    HugePageVector<double> coupling_;
    HugePageVector<double> field_;
    std::optional<double> shared_coupling_;
    std::optional<double> shared_field_;
    int degree_ = 0;
    bool kept_lattice_guess_ = false;
    std::vector<std::size_t> class_chunks_;
    std::vector<std::size_t> chunk_segments_;
    std::vector<KernelSegment> segments_;
    std::vector<std::ptrdiff_t> stencil_offsets_;

    // Orders the sites class by class by `colouring` (mean_field_plan.cpp: a colouring read a
    // block of sites at a time).
    template <class Colouring>
    void order_by(const Colouring& colouring);
    bool is_greedy_order() const;
    std::vector<int> greedy_colouring() const;
    // With weights = nullopt, the neighbours alone (an order that is not yet the final one).
    void copy_graph(std::optional<Weights> weights);
    void cut_chunks();
    void cut_segments(std::size_t begin, std::size_t end, std::vector<KernelSegment>& segments,
                      std::vector<std::ptrdiff_t>& stencil_offsets) const;
};

}  // namespace isingmf
