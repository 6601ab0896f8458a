#include "isingmf/meanfield/detail/mean_field_plan.hpp"

#include <algorithm>
#include <cstdint>

namespace isingmf {
namespace {

constexpr std::size_t kChunk = MeanFieldPlan::kernel_chunk_size();

}  // namespace

MeanFieldPlan::MeanFieldPlan(const Model& model) : model_(&model) {
    // Greedy colouring in site order: deterministic, and two colours on bipartite lattices
    // numbered as ours are (checkerboard), at most max_degree + 1 in general.
    const Adjacency& adj = model.adjacency();
    const auto n = static_cast<std::size_t>(model.num_sites());
    std::vector<int> colour(n, -1);
    std::vector<char> used;
    int num_colours = 0;
    for (std::size_t i = 0; i < n; ++i) {
        used.assign(static_cast<std::size_t>(num_colours) + 1, 0);
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k) {
            const int c = colour[static_cast<std::size_t>(adj.neighbour[k])];
            if (c >= 0) used[static_cast<std::size_t>(c)] = 1;
        }
        int c = 0;
        while (used[static_cast<std::size_t>(c)] != 0) ++c;
        colour[i] = c;
        num_colours = std::max(num_colours, c + 1);
    }
    class_offset_.assign(static_cast<std::size_t>(num_colours) + 1, 0);
    for (int c : colour) ++class_offset_[static_cast<std::size_t>(c) + 1];
    for (std::size_t c = 0; c + 1 < class_offset_.size(); ++c)
        class_offset_[c + 1] += class_offset_[c];
    order_.resize(n);
    std::vector<std::size_t> fill(class_offset_.begin(), class_offset_.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
        order_[fill[static_cast<std::size_t>(colour[i])]++] = static_cast<int>(i);

    // The kernel's copy of the graph, in update order: a class is then one contiguous range
    // of m, field and neighbour lists, read front to back. Uniform degree (lattices) needs
    // no row offsets. Neighbours keep the model's order, so phi is summed exactly as in
    // Model::local_field and in the residual.
    position_.resize(n);
    for (std::size_t p = 0; p < n; ++p)
        position_[static_cast<std::size_t>(order_[p])] = static_cast<int>(p);
    const std::size_t first_degree = n > 0 ? adj.offset[1] - adj.offset[0] : 0;
    bool uniform = first_degree > 0;
    for (std::size_t i = 0; uniform && i < n; ++i)
        uniform = adj.offset[i + 1] - adj.offset[i] == first_degree;
    degree_ = uniform ? static_cast<int>(first_degree) : 0;
    if (!uniform) row_.assign(n + 1, 0);
    neighbour_.resize(adj.neighbour.size());
    coupling_.resize(adj.coupling.size());
    field_.resize(n);
    std::size_t slot = 0;
    for (std::size_t p = 0; p < n; ++p) {
        const auto i = static_cast<std::size_t>(order_[p]);
        field_[p] = model.fields()[i];
        for (std::size_t k = adj.offset[i]; k < adj.offset[i + 1]; ++k, ++slot) {
            neighbour_[slot] = position_[static_cast<std::size_t>(adj.neighbour[k])];
            coupling_[slot] = adj.coupling[k];
        }
        if (!uniform) row_[p + 1] = slot;
    }
    cut_chunks();
}

namespace {

// Stencil runs shorter than this are gathered instead: the vector loop needs some length.
constexpr std::size_t kMinStencilRun = 8;

// How many positions from p (below end, at most limit) have as many neighbours as p, at the
// same offsets.
std::size_t stencil_run(const MeanFieldPlan& plan, std::size_t p, std::size_t end,
                        std::size_t limit) {
    const std::size_t z = plan.row(p + 1) - plan.row(p);
    const int* first = plan.neighbour().data() + plan.row(p);
    std::size_t q = p + 1;
    for (; q < end && q - p < limit; ++q) {
        if (plan.row(q + 1) - plan.row(q) != z) break;
        const int* row = plan.neighbour().data() + plan.row(q);
        const auto shift = static_cast<std::int64_t>(q - p);
        bool same = true;
        for (std::size_t s = 0; s < z && same; ++s)
            same = static_cast<std::int64_t>(row[s]) == static_cast<std::int64_t>(first[s]) + shift;
        if (!same) break;
    }
    return q - p;
}

}  // namespace

void MeanFieldPlan::cut_chunks() {
    class_chunks_.assign(1, 0);
    chunk_segments_.assign(1, 0);
    for (std::size_t c = 0; c < num_colours(); ++c) {
        const std::size_t end = class_offset_[c + 1];
        for (std::size_t p = class_offset_[c]; p < end; p += kChunk) {
            cut_segments(p, std::min(end, p + kChunk));
            chunk_segments_.push_back(segments_.size());
        }
        class_chunks_.push_back(chunk_segments_.size() - 1);
    }
}

void MeanFieldPlan::cut_segments(std::size_t begin, std::size_t end) {
    // Front to back: a stencil segment wherever at least kMinStencilRun positions with
    // neighbours share their degree and neighbour offsets, gathered segments in between.
    auto long_run = [&](std::size_t p) {
        return row(p + 1) > row(p) && stencil_run(*this, p, end, kMinStencilRun) >= kMinStencilRun;
    };
    std::size_t p = begin;
    while (p < end) {
        const std::size_t run = row(p + 1) > row(p) ? stencil_run(*this, p, end, end - p) : 0;
        if (run >= kMinStencilRun) {
            segments_.push_back({p, static_cast<std::uint32_t>(run),
                                 static_cast<std::uint32_t>(stencil_offsets_.size())});
            for (std::size_t s = row(p); s < row(p + 1); ++s) {
                stencil_offsets_.push_back(static_cast<std::ptrdiff_t>(neighbour_[s]) -
                                           static_cast<std::ptrdiff_t>(p));
            }
            p += run;
            continue;
        }
        std::size_t q = p + 1;
        while (q < end && !long_run(q)) ++q;
        segments_.push_back({p, static_cast<std::uint32_t>(q - p), KernelSegment::kNoStencil});
        p = q;
    }
}

}  // namespace isingmf
