#include "isingmf/meanfield/detail/mean_field_plan.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>

#include "isingmf/model/detail/incidence.hpp"
#include "isingmf/util/detail/parallel.hpp"

namespace isingmf {
namespace {

constexpr std::size_t kChunk = MeanFieldPlan::kernel_chunk_size();

}  // namespace

namespace detail {

// The model's graph as the plan reads it while it is built, and then drops: each site's edges
// in increasing edge order, the order of Model's neighbour lists (24 bytes per site on the
// square lattice, where the Model's adjacency, which the plan does not build, takes 56).
struct SiteRows {
    std::span<const Edge> edges;
    std::vector<std::size_t> offset;
    std::vector<int> edge;

    SiteRows(std::size_t num_sites, std::span<const Edge> model_edges) : edges(model_edges) {
        incidence_rows(num_sites, edges, offset, edge);
    }
    std::size_t begin(std::size_t i) const { return offset[i]; }
    std::size_t end(std::size_t i) const { return offset[i + 1]; }
    // The site at the other end of entry k of site i's row.
    std::size_t neighbour(std::size_t i, std::size_t k) const {
        const Edge& e = edges[static_cast<std::size_t>(edge[k])];
        return static_cast<std::size_t>(e.i) + static_cast<std::size_t>(e.j) - i;
    }
};

}  // namespace detail

namespace {

using detail::SiteRows;

// A colouring to try before the greedy one: on lattices numbered as lattice_spec.hpp says,
// greedy colouring in site order gives the checkerboard (square, cubic, chain: parity of
// x + y + z) or the two sublattices (honeycomb), wherever those are proper colourings. Empty
// when there is no such guess.
std::vector<int> lattice_colouring(const Model& model) {
    const auto& spec = model.lattice();
    if (!spec) return {};
    const auto n = static_cast<std::size_t>(model.num_sites());
    const LatticeKind kind = spec->kind;
    if (kind != LatticeKind::chain && kind != LatticeKind::square && kind != LatticeKind::cubic &&
        kind != LatticeKind::honeycomb)
        return {};
    std::vector<int> colour;
    detail::resize_touched(colour, n);
    if (kind == LatticeKind::honeycomb) {
        const auto count = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for schedule(static) num_threads(detail::setup_threads(n))
        for (std::ptrdiff_t i = 0; i < count; ++i)
            colour[static_cast<std::size_t>(i)] = static_cast<int>(i % 2);
        return colour;
    }
    // Row by row (x fastest), so that no site needs a division.
    const auto lx = static_cast<std::size_t>(spec->size[0]);
    const std::size_t ly = spec->size.size() > 1 ? static_cast<std::size_t>(spec->size[1]) : 1;
    const auto rows = static_cast<std::ptrdiff_t>(n / lx);
#pragma omp parallel for schedule(static) num_threads(detail::setup_threads(n))
    for (std::ptrdiff_t r = 0; r < rows; ++r) {
        const auto row = static_cast<std::size_t>(r);
        const std::size_t parity = (row % ly + row / ly) % 2;  // of y + z
        int* c = colour.data() + row * lx;
        for (std::size_t x = 0; x < lx; ++x) c[x] = static_cast<int>((x + parity) % 2);
    }
    return colour;
}

// Whether the two-colouring `colour` (0 or 1 at every site) is the colouring that greedy
// colouring in site order produces: each site gets the smallest colour that no lower-numbered
// neighbour has, so a site of colour 0 has no lower neighbour of colour 0, and a site of colour
// 1 has one of colour 0 and none of colour 1. By induction over the sites it suffices that this
// holds at every site given the others' colours, a check that runs in parallel.
bool is_greedy_colouring(const SiteRows& rows, const std::vector<int>& colour) {
    const std::size_t n = colour.size();
    const std::size_t bad = detail::first_where(n, [&](std::size_t i) {
        bool lower0 = false;
        bool lower1 = false;
        for (std::size_t k = rows.begin(i); k < rows.end(i); ++k) {
            const std::size_t j = rows.neighbour(i, k);
            const bool lower = j < i;
            lower0 |= lower & (colour[j] == 0);
            lower1 |= lower & (colour[j] != 0);
        }
        return colour[i] == 0 ? lower0 : (!lower0 || lower1);
    });
    return bad == n;
}

// Greedy colouring in site order: deterministic, and two colours on bipartite lattices
// numbered as ours are, at most max_degree + 1 in general. Sequential by nature.
std::vector<int> greedy_colouring(const SiteRows& rows, std::size_t n) {
    std::vector<int> colour;
    detail::resize_touched(colour, n);
    std::vector<char> used;
    for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t small = 0;  // colours below 64 in a word: the common case
        bool large = false;
        for (std::size_t k = rows.begin(i); k < rows.end(i); ++k) {
            const std::size_t j = rows.neighbour(i, k);
            if (j >= i) continue;
            const int c = colour[j];
            if (c < 64) {
                small |= std::uint64_t{1} << c;
            } else {
                large = true;
            }
        }
        int c = std::countr_one(small);
        if (c == 64 && large) {
            used.assign(rows.end(i) - rows.begin(i) + 1, 0);
            for (std::size_t k = rows.begin(i); k < rows.end(i); ++k) {
                const std::size_t j = rows.neighbour(i, k);
                const auto cj = static_cast<std::size_t>(colour[j]);
                if (j < i && cj < used.size()) used[cj] = 1;
            }
            c = 0;
            while (used[static_cast<std::size_t>(c)] != 0) ++c;
        }
        colour[i] = c;
    }
    return colour;
}

// The value every entry of `values` has, bit for bit (so +0 and -0 differ), or none when
// they differ or there are none.
std::optional<double> shared_value(const std::vector<double>& values) {
    if (values.empty()) return std::nullopt;
    const auto first = std::bit_cast<std::uint64_t>(values.front());
    const std::size_t differs = detail::first_where(values.size(), [&](std::size_t k) {
        return std::bit_cast<std::uint64_t>(values[k]) != first;
    });
    if (differs != values.size()) return std::nullopt;
    return values.front();
}

}  // namespace

MeanFieldPlan::MeanFieldPlan(const Model& model, Weights weights) : model_(&model) {
    const auto n = static_cast<std::size_t>(model.num_sites());
    const int threads = detail::setup_threads(n);
    const SiteRows rows(n, model.edges());
    std::vector<int> colour = lattice_colouring(model);
    if (colour.empty() || !is_greedy_colouring(rows, colour)) colour = greedy_colouring(rows, n);

    // Sites ordered class by class, in site order within a class: a stable counting sort by
    // colour, each thread placing the sites of one piece of the range.
    int top = 0;
    const auto sites = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for schedule(static) reduction(max : top) num_threads(threads)
    for (std::ptrdiff_t i = 0; i < sites; ++i)
        top = std::max(top, colour[static_cast<std::size_t>(i)]);
    const int num_colours = top + 1;
    const auto colours = static_cast<std::size_t>(num_colours);
    std::vector<std::size_t> cursor(static_cast<std::size_t>(threads) * colours, 0);
    class_offset_.assign(colours + 1, 0);
    detail::resize_touched(order_, n);
    detail::resize_touched(position_, n);
#pragma omp parallel num_threads(threads)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t begin = detail::piece_begin(n, t, team);
        const std::size_t end = detail::piece_begin(n, t + 1, team);
        std::size_t* mine = cursor.data() + t * colours;
        for (std::size_t i = begin; i < end; ++i) ++mine[static_cast<std::size_t>(colour[i])];
#pragma omp barrier
#pragma omp single
        detail::bucket_cursors(cursor.data(), team, colours, class_offset_.data());
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t p = mine[static_cast<std::size_t>(colour[i])]++;
            order_[p] = static_cast<int>(i);
            position_[i] = static_cast<int>(p);
        }
    }
    colour = {};
    copy_graph(rows, threads, weights);
    cut_chunks();
}

void MeanFieldPlan::copy_graph(const detail::SiteRows& rows, int threads, Weights weights) {
    // The kernel's copy of the graph, in update order: a class is then one contiguous range
    // of m, field and neighbour lists, read front to back. Uniform degree (lattices) needs
    // no row offsets, and a coupling or field shared by the whole model is kept once. Neighbours
    // keep the model's order, so phi is summed exactly as in Model::local_field and in the
    // residual (a shared value multiplies exactly as its copies would). Written in parallel in
    // the order the sweep reads it (static pieces of positions), which also spreads the first
    // touch of the pages.
    const auto n = static_cast<std::size_t>(model_->num_sites());
    const std::size_t first_degree = rows.end(0) - rows.begin(0);
    const bool uniform = first_degree > 0 && detail::first_where(n, [&](std::size_t i) {
                                                 return rows.end(i) - rows.begin(i) != first_degree;
                                             }) == n;
    degree_ = uniform ? static_cast<int>(first_degree) : 0;
    if (!uniform) {
        detail::resize_touched(row_, n + 1);
        const auto count = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for schedule(static) num_threads(threads)
        for (std::ptrdiff_t p = 0; p < count; ++p) {
            const auto i = static_cast<std::size_t>(order_[static_cast<std::size_t>(p)]);
            row_[static_cast<std::size_t>(p)] = rows.end(i) - rows.begin(i);
        }
        detail::exclusive_scan_parallel(std::span(row_));
    }
    const std::vector<double>& h = model_->fields();
    const std::vector<double>& J = model_->couplings();
    if (weights == Weights::shared_when_uniform) {
        shared_coupling_ = shared_value(J);
        shared_field_ = shared_value(h);
    }
    neighbour_.resize(rows.edge.size());
    if (!shared_coupling_) coupling_.resize(rows.edge.size());
    if (!shared_field_) field_.resize(n);
    const bool copy_coupling = !shared_coupling_;
    const bool copy_field = !shared_field_;
    const auto count = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::ptrdiff_t q = 0; q < count; ++q) {
        const auto p = static_cast<std::size_t>(q);
        const auto i = static_cast<std::size_t>(order_[p]);
        if (copy_field) field_[p] = h[i];
        std::size_t slot = row(p);
        for (std::size_t k = rows.begin(i); k < rows.end(i); ++k, ++slot) {
            neighbour_[slot] = position_[rows.neighbour(i, k)];
            if (copy_coupling) coupling_[slot] = J[static_cast<std::size_t>(rows.edge[k])];
        }
    }
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
    // Chunks are cut independently: each thread cuts a consecutive run of them into its own
    // lists, which are then joined in chunk order (the same lists for any thread count).
    std::vector<std::size_t> chunk_begin;  // first position of each chunk
    class_chunks_.assign(1, 0);
    for (std::size_t c = 0; c < num_colours(); ++c) {
        const std::size_t end = class_offset_[c + 1];
        for (std::size_t p = class_offset_[c]; p < end; p += kChunk) chunk_begin.push_back(p);
        class_chunks_.push_back(chunk_begin.size());
    }
    const std::size_t chunks = chunk_begin.size();
    const auto chunk_end = [&](std::size_t q) {
        // A chunk ends at the next chunk's start or at its class's end, whichever is first.
        const std::size_t p = chunk_begin[q];
        const auto c = static_cast<std::size_t>(
            std::upper_bound(class_offset_.begin(), class_offset_.end(), p) -
            class_offset_.begin() - 1);
        return std::min(class_offset_[c + 1], p + kChunk);
    };
    const int threads = detail::setup_threads(chunks * kChunk / 8);
    struct Cuts {
        std::vector<KernelSegment> segments;
        std::vector<std::ptrdiff_t> offsets;
        std::vector<std::size_t> ends;  // segments.size() after each chunk
    };
    std::vector<Cuts> cuts(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        Cuts& mine = cuts[t];
        const std::size_t last = detail::piece_begin(chunks, t + 1, team);
        for (std::size_t q = detail::piece_begin(chunks, t, team); q < last; ++q) {
            cut_segments(chunk_begin[q], chunk_end(q), mine.segments, mine.offsets);
            mine.ends.push_back(mine.segments.size());
        }
    }
    segments_.clear();
    stencil_offsets_.clear();
    chunk_segments_.assign(1, 0);
    for (Cuts& c : cuts) {
        const std::size_t segment_base = segments_.size();
        const auto offset_base = static_cast<std::uint32_t>(stencil_offsets_.size());
        for (KernelSegment seg : c.segments) {
            if (seg.stencil != KernelSegment::kNoStencil) seg.stencil += offset_base;
            segments_.push_back(seg);
        }
        stencil_offsets_.insert(stencil_offsets_.end(), c.offsets.begin(), c.offsets.end());
        for (std::size_t end : c.ends) chunk_segments_.push_back(segment_base + end);
    }
}

void MeanFieldPlan::cut_segments(std::size_t begin, std::size_t end,
                                 std::vector<KernelSegment>& segments,
                                 std::vector<std::ptrdiff_t>& stencil_offsets) const {
    // Front to back: a stencil segment wherever at least kMinStencilRun positions with
    // neighbours share their degree and neighbour offsets, gathered segments in between.
    auto long_run = [&](std::size_t p) {
        return row(p + 1) > row(p) && stencil_run(*this, p, end, kMinStencilRun) >= kMinStencilRun;
    };
    std::size_t p = begin;
    while (p < end) {
        const std::size_t run = row(p + 1) > row(p) ? stencil_run(*this, p, end, end - p) : 0;
        if (run >= kMinStencilRun) {
            segments.push_back({p, static_cast<std::uint32_t>(run),
                                static_cast<std::uint32_t>(stencil_offsets.size())});
            for (std::size_t s = row(p); s < row(p + 1); ++s) {
                stencil_offsets.push_back(static_cast<std::ptrdiff_t>(neighbour_[s]) -
                                          static_cast<std::ptrdiff_t>(p));
            }
            p += run;
            continue;
        }
        std::size_t q = p + 1;
        while (q < end && !long_run(q)) ++q;
        segments.push_back({p, static_cast<std::uint32_t>(q - p), KernelSegment::kNoStencil});
        p = q;
    }
}

}  // namespace isingmf
