#pragma once
/// The update order of coordinate ascent and the sweep kernel's copy of the graph (see
/// mean_field.hpp for the method and sweep_kernel.hpp for the kernel that reads this layout).

#include <algorithm>
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
/// the same values summed in the same order, so every bit of the result is the same. Only the
/// other, gathered, segments keep neighbour lists: their rows, back to back from
/// `first_neighbour` in MeanFieldPlan::neighbour().
struct KernelSegment {
    static constexpr std::uint32_t kNoStencil = 0xffffffffu;
    std::size_t begin = 0;
    std::uint32_t size = 0;
    std::uint32_t stencil = kNoStencil;  ///< first of degree() offsets, or kNoStencil
    /// Gathered segments: where position begin's row starts in neighbour(); position p's row
    /// starts row(p) - row(begin) later.
    std::size_t first_neighbour = 0;
};

/// The neighbours of one position as positions, in the stored order: row[s] for s below
/// size(). A stencil row adds its offsets to the position; a gathered row reads its list.
/// MeanFieldPlan hands out one or the other (for_each_row, neighbours_of), so that a generic
/// body is compiled for each and its loop needs no branch per neighbour.
namespace detail {
struct StencilRow {
    std::ptrdiff_t position;
    const std::ptrdiff_t* offset;
    std::size_t count;
    std::size_t size() const { return count; }
    std::size_t operator[](std::size_t s) const {
        return static_cast<std::size_t>(position + offset[s]);
    }
};
struct GatheredRow {
    const int* list;
    std::size_t count;
    std::size_t size() const { return count; }
    std::size_t operator[](std::size_t s) const { return static_cast<std::size_t>(list[s]); }
};
}  // namespace detail

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
    const HugePageVector<int>& order() const { return order_; }
    const std::vector<std::size_t>& class_offset() const { return class_offset_; }
    std::size_t num_colours() const { return class_offset_.size() - 1; }
    /// Whether the order came from the lattice's guessed colouring, found to be greedy
    /// colouring's, rather than from greedy colouring computed on the graph: the same order
    /// either way, the guess at a fraction of the cost. For tests and diagnostics.
    bool kept_lattice_guess() const { return kept_lattice_guess_; }

    /// The kernel's copy of the graph, in update order ("positions" k of order()): position k
    /// has row(k+1) - row(k) neighbours (for_each_row, neighbours_of), with couplings
    /// coupling_at(slot) in slots row(k) .. row(k+1); field_at(k) = h of site order()[k]. When
    /// every site has the same degree z, degree() = z and row(k) = k z (no offsets stored); else
    /// degree() = 0. neighbour() holds the neighbour lists of the gathered segments only
    /// (KernelSegment), in segment order: where the model's lattice gives the rows a chunk at a
    /// time, and where the gathered rows are under half of them. Else every row, at row(k).
    const HugePageVector<int>& neighbour() const { return neighbour_; }
    /// Calls body(k, row) for the positions k of begin .. end in order, with row their
    /// neighbours (detail::StencilRow or detail::GatheredRow: body is a generic lambda).
    template <class Body>
    void for_each_row(std::size_t begin, std::size_t end, Body&& body) const;
    /// Calls body(row) with the neighbours of position k alone. It finds k's segment first: for
    /// passes that visit a few positions, or sites in site order.
    template <class Body>
    void neighbours_of(std::size_t k, Body&& body) const {
        for_each_row(k, k + 1, [&](std::size_t, const auto& row) { body(row); });
    }
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
    const HugePageVector<int>& position() const { return position_; }

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
    HugePageVector<int> order_;
    std::vector<std::size_t> class_offset_;
    HugePageVector<int> position_;
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
    // Whether copy_graph left the neighbour lists to cut_chunks, which writes each chunk's rows
    // from the lattice's geometry and keeps only the gathered ones.
    bool rows_from_lattice_ = false;

    // Orders the sites class by class by `colouring` (mean_field_plan.cpp: a colouring read a
    // block of sites at a time).
    template <class Colouring>
    void order_by(const Colouring& colouring);
    bool is_greedy_order() const;
    std::vector<int> greedy_colouring() const;
    // With weights = nullopt, the neighbours alone (an order that is not yet the final one).
    void copy_graph(std::optional<Weights> weights);
    void cut_chunks();
    // The rows of positions begin .. end, back to back from the result (position k's at
    // row(k) - row(begin)): in neighbour_, or written from the lattice into `rows` (through
    // `site_rows`, the rows of the sites they come from).
    const int* chunk_rows(std::size_t begin, std::size_t end, std::vector<int>& site_rows,
                          std::vector<int>& rows) const;
    // Cuts positions begin .. end, whose rows start at `rows`, into segments; with `kept` (the
    // lattice's rows), the gathered rows are appended there and first_neighbour points into it.
    void cut_segments(std::size_t begin, std::size_t end, const int* rows,
                      std::vector<KernelSegment>& segments,
                      std::vector<std::ptrdiff_t>& stencil_offsets, std::vector<int>* kept) const;
    // Moves the gathered rows of a full neighbour_ together and frees the rest, where they are
    // under half of it.
    void drop_stencil_rows();
    std::size_t segment_of(std::size_t k) const;
};

template <class Body>
void MeanFieldPlan::for_each_row(std::size_t begin, std::size_t end, Body&& body) const {
    if (begin >= end) return;
    for (std::size_t g = segment_of(begin); begin < end; ++g) {
        const KernelSegment& seg = segments_[g];
        const std::size_t stop = std::min(end, seg.begin + seg.size);
        if (seg.stencil != KernelSegment::kNoStencil) {
            const std::ptrdiff_t* offset = stencil_offsets_.data() + seg.stencil;
            const std::size_t z = row(seg.begin + 1) - row(seg.begin);
            for (std::size_t k = begin; k < stop; ++k)
                body(k, detail::StencilRow{static_cast<std::ptrdiff_t>(k), offset, z});
        } else {
            const int* list = neighbour_.data() + seg.first_neighbour;
            const std::size_t first = row(seg.begin);
            for (std::size_t k = begin; k < stop; ++k)
                body(k, detail::GatheredRow{list + (row(k) - first), row(k + 1) - row(k)});
        }
        begin = stop;
    }
}

}  // namespace isingmf
