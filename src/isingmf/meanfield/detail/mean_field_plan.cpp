#include "isingmf/meanfield/detail/mean_field_plan.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <span>
#include <type_traits>

#include "isingmf/model/detail/incidence.hpp"
#include "isingmf/model/detail/lattice_bonds.hpp"
#include "isingmf/util/detail/parallel.hpp"

namespace isingmf {
namespace {

constexpr std::size_t kChunk = MeanFieldPlan::kernel_chunk_size();

}  // namespace

namespace {

// order_by reads a colouring a block of sites at a time, so that one that is computed (a
// lattice's guess, one class for all) need not be stored: a Colouring writes the colours of
// sites begin .. end into out (called with at most kColourBlock sites), and top is the largest
// colour it gives.
constexpr std::size_t kColourBlock = 2048;

// A colouring to try before the greedy one: on lattices numbered as lattice_spec.hpp says,
// greedy colouring in site order gives the checkerboard (square, cubic, chain: parity of
// x + y + z) or the two sublattices (honeycomb), wherever those are proper colourings.
struct LatticeColouring {
    bool honeycomb = false;
    std::size_t lx = 1;  // x runs fastest
    std::size_t ly = 1;
    int top = 1;
    void operator()(std::size_t begin, std::size_t end, int* out) const {
        if (honeycomb) {
            for (std::size_t i = begin; i < end; ++i) out[i - begin] = static_cast<int>(i % 2);
            return;
        }
        // Row by row, so that only a new row needs a division.
        std::size_t row = begin / lx;
        std::size_t x = begin % lx;
        std::size_t parity = (row % ly + row / ly) % 2;  // of y + z
        for (std::size_t i = begin; i < end; ++i) {
            out[i - begin] = static_cast<int>((x + parity) % 2);
            if (++x == lx) {
                x = 0;
                ++row;
                parity = (row % ly + row / ly) % 2;
            }
        }
    }
    // How many of sites begin .. end have colour 1 (of two): a few divisions per row of the
    // lattice, so that order_by's counting step need not write the colours.
    std::size_t ones(std::size_t begin, std::size_t end) const {
        if (honeycomb) return end / 2 - begin / 2;  // the odd sites
        std::size_t count = 0;
        for (std::size_t row = begin / lx; row * lx < end; ++row) {
            const std::size_t x_begin = std::max(begin, row * lx) - row * lx;
            const std::size_t x_end = std::min(end, row * lx + lx) - row * lx;
            const std::size_t parity = (row % ly + row / ly) % 2;
            count += (x_end + parity) / 2 - (x_begin + parity) / 2;  // x with x + parity odd
        }
        return count;
    }
};

// The guess for the model's lattice; none where there is no such guess.
std::optional<LatticeColouring> lattice_colouring(const Model& model) {
    const auto& spec = model.lattice();
    if (!spec) return std::nullopt;
    const LatticeKind kind = spec->kind;
    if (kind != LatticeKind::chain && kind != LatticeKind::square && kind != LatticeKind::cubic &&
        kind != LatticeKind::honeycomb)
        return std::nullopt;
    LatticeColouring guess;
    guess.honeycomb = kind == LatticeKind::honeycomb;
    guess.lx = static_cast<std::size_t>(spec->size[0]);
    guess.ly = spec->size.size() > 1 ? static_cast<std::size_t>(spec->size[1]) : 1;
    // Site 1, where there is one, has colour 1: it is site 0's neighbour at x = 1 (or at y = 1
    // or z = 1 where the extents before are 1), or sublattice B of the first honeycomb cell.
    guess.top = model.num_sites() > 1 ? 1 : 0;
    return guess;
}

// Every site in class 0: the order is site order.
struct OneClass {
    int top = 0;
    void operator()(std::size_t begin, std::size_t end, int* out) const {
        std::fill(out, out + (end - begin), 0);
    }
};

// A colouring held in a vector (the greedy one).
struct StoredColouring {
    const std::vector<int>* colour;
    int top;
    explicit StoredColouring(const std::vector<int>& c)
        : colour(&c),
          top(*std::max_element(c.begin(), c.end())) {}  // serial: greedy colouring is too
    void operator()(std::size_t begin, std::size_t end, int* out) const {
        std::copy(colour->begin() + static_cast<std::ptrdiff_t>(begin),
                  colour->begin() + static_cast<std::ptrdiff_t>(end), out);
    }
};

}  // namespace

MeanFieldPlan::MeanFieldPlan(const Model& model, Weights weights) : model_(&model) {
    // The kernel's graph is built straight in update order, so the order comes first: from the
    // lattice's guessed colouring, checked afterwards on the graph built in its order (read
    // through the kernel's segments, so these are cut first). Else (no guess, or a guess that
    // is not greedy's) greedy colouring is read off the graph in site order, and the graph is
    // built and cut again in its order.
    if (const std::optional<LatticeColouring> guess = lattice_colouring(model)) {
        order_by(*guess);
        copy_graph(weights);
        cut_chunks();
        kept_lattice_guess_ = is_greedy_order();
        if (kept_lattice_guess_) return;
    }
    order_by(OneClass{});
    copy_graph(std::nullopt);
    {
        const std::vector<int> colour = greedy_colouring();
        order_by(StoredColouring(colour));
    }  // not held beside the graph: the set-up's peak memory
    copy_graph(weights);
    cut_chunks();
}

template <class Colouring>
void MeanFieldPlan::order_by(const Colouring& colouring) {
    // Sites class by class, in site order within a class: a stable counting sort by colour,
    // each thread placing the sites of one piece of the range, its colours read a block at a
    // time.
    const auto n = static_cast<std::size_t>(model_->num_sites());
    const int threads = detail::setup_threads(n);
    const auto colours = static_cast<std::size_t>(colouring.top) + 1;
    std::vector<std::size_t> cursor(static_cast<std::size_t>(threads) * colours, 0);
    class_offset_.assign(colours + 1, 0);
    order_.resize(n);  // on huge pages, first touched by every thread (huge_pages.hpp)
    position_.resize(n);
    // Each piece's colour counts, then where its sites of each colour go (bucket_cursors),
    // then the sites placed: on a team, with a barrier between, or the same steps on the
    // calling thread (no parallel region for one thread: util/detail/parallel.hpp).
    // Piece t of a team: its sites, its colour cursors and a block of colours read at a time.
    struct Piece {
        std::size_t begin, end;
        std::size_t* mine;
        std::vector<int> block;
    };
    const auto piece_of = [&](std::size_t t, std::size_t team) {
        return Piece{detail::piece_begin(n, t, team), detail::piece_begin(n, t + 1, team),
                     cursor.data() + t * colours, std::vector<int>(kColourBlock)};
    };
    const auto count = [&](Piece& piece) {
        std::size_t* mine = piece.mine;
        if constexpr (requires { colouring.ones(piece.begin, piece.end); }) {
            if (colours == 2) {  // counted without the colours (a lattice's guess)
                const std::size_t ones = colouring.ones(piece.begin, piece.end);
                mine[0] += piece.end - piece.begin - ones;
                mine[1] += ones;
                return;
            }
        }
        const std::vector<int>& block = piece.block;
        for (std::size_t b = piece.begin; b < piece.end; b += kColourBlock) {
            const std::size_t e = std::min(piece.end, b + kColourBlock);
            colouring(b, e, piece.block.data());
            if (colours == 2) {  // the common case, without a store per site
                std::size_t ones = 0;
                for (std::size_t k = 0; k < e - b; ++k) ones += static_cast<std::size_t>(block[k]);
                mine[0] += e - b - ones;
                mine[1] += ones;
                continue;
            }
            for (std::size_t k = 0; k < e - b; ++k) ++mine[static_cast<std::size_t>(block[k])];
        }
    };
    const auto place = [&](Piece& piece) {
        std::size_t* mine = piece.mine;
        const std::vector<int>& block = piece.block;
        int* const order = order_.data();
        int* const position = position_.data();
        for (std::size_t b = piece.begin; b < piece.end; b += kColourBlock) {
            const std::size_t e = std::min(piece.end, b + kColourBlock);
            colouring(b, e, piece.block.data());
            if (colours == 2) {  // both cursors in registers
                std::size_t next0 = mine[0];
                std::size_t next1 = mine[1];
                for (std::size_t i = b; i < e; ++i) {
                    const auto one = static_cast<std::size_t>(block[i - b]);
                    const std::size_t p = one != 0 ? next1 : next0;
                    order[p] = static_cast<int>(i);
                    position[i] = static_cast<int>(p);
                    next1 += one;
                    next0 += 1 - one;
                }
                mine[0] = next0;
                mine[1] = next1;
                continue;
            }
            for (std::size_t i = b; i < e; ++i) {
                const std::size_t p = mine[static_cast<std::size_t>(block[i - b])]++;
                order[p] = static_cast<int>(i);
                position[i] = static_cast<int>(p);
            }
        }
    };
    if (threads == 1) {
        Piece whole = piece_of(0, 1);
        count(whole);
        detail::bucket_cursors(cursor.data(), 1, colours, class_offset_.data());
        place(whole);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        Piece own = piece_of(static_cast<std::size_t>(omp_get_thread_num()), team);
        count(own);
#pragma omp barrier
#pragma omp single
        detail::bucket_cursors(cursor.data(), team, colours, class_offset_.data());
        place(own);
    }
}

bool MeanFieldPlan::is_greedy_order() const {
    // Whether the two-colouring behind the order (class 0, then class 1) is the colouring that
    // greedy colouring in site order produces: each site gets the smallest colour that no
    // lower-numbered neighbour has. By induction over the sites, that holds exactly when
    // (a) no bond joins two sites of one class (a site of class 0 then has no lower neighbour
    // of class 0, and one of class 1 none of class 1), and (b) every site of class 1 has a
    // lower-numbered neighbour, which is of class 0 by (a).
    // Read through the kernel's segments (cut_chunks): in a stencil segment the neighbours are
    // p + offset, so (a) is one comparison per segment (its lowest or highest neighbour) and
    // (b) reads no neighbour list; only gathered segments read their rows (the only ones kept
    // where the lattice gives them). Each segment lies in one class.
    if (num_colours() > 2) return false;
    const auto second = static_cast<std::ptrdiff_t>(class_offset_[1]);  // first of class 1
    const int* order = order_.data();
    const int* nb = neighbour_.data();
    const auto has_lower_neighbour = [&](std::ptrdiff_t p, auto neighbour_of, std::size_t z) {
        for (std::size_t s = 0; s < z; ++s) {
            if (order[neighbour_of(s)] < order[p]) return true;
        }
        return false;
    };
    const auto breaks = [&](const KernelSegment& seg) {
        const auto first = static_cast<std::ptrdiff_t>(seg.begin);
        const std::ptrdiff_t last = first + static_cast<std::ptrdiff_t>(seg.size);  // past it
        const bool class_1 = first >= second;
        if (seg.stencil != KernelSegment::kNoStencil) {
            const std::size_t z = row(seg.begin + 1) - row(seg.begin);
            const std::ptrdiff_t* offset = stencil_offsets_.data() + seg.stencil;
            const std::ptrdiff_t low = *std::min_element(offset, offset + z);
            const std::ptrdiff_t high = *std::max_element(offset, offset + z);
            if (class_1 ? last - 1 + high >= second : first + low < second) return true;  // (a)
            if (!class_1) return false;
            for (std::ptrdiff_t p = first; p < last; ++p) {  // (b)
                if (!has_lower_neighbour(
                        p, [&](std::size_t s) { return p + offset[s]; }, z))
                    return true;
            }
            return false;
        }
        for (std::ptrdiff_t p = first; p < last; ++p) {
            const auto q = static_cast<std::size_t>(p);
            const int* row_of_p = nb + seg.first_neighbour + (row(q) - row(seg.begin));
            const std::size_t z = row(q + 1) - row(q);
            for (std::size_t s = 0; s < z; ++s) {
                const bool same_class = (row_of_p[s] >= second) == class_1;
                if (same_class) return true;  // (a)
            }
            if (class_1 && !has_lower_neighbour(
                               p, [&](std::size_t s) { return row_of_p[s]; }, z))
                return true;  // (b)
        }
        return false;
    };
    const auto count = static_cast<std::ptrdiff_t>(segments_.size());
    const int threads = detail::setup_threads(order_.size());
    if (threads == 1) {  // no parallel region (util/detail/parallel.hpp)
        return std::none_of(segments_.begin(), segments_.end(), breaks);
    }
    bool broken = false;
    // Dynamic: the segments of class 1 cost more than those of class 0, and come last.
#pragma omp parallel for schedule(dynamic, 64) reduction(|| : broken) num_threads(threads)
    for (std::ptrdiff_t g = 0; g < count; ++g) {
        if (!broken) broken = breaks(segments_[static_cast<std::size_t>(g)]);
    }
    return !broken;
}

std::vector<int> MeanFieldPlan::greedy_colouring() const {
    // Greedy colouring in site order, read off the graph in the current order, with every row
    // stored (copy_graph without weights, before cut_chunks): deterministic,
    // two colours on bipartite lattices numbered as ours are, at most max_degree + 1 in
    // general. Sequential by nature.
    const std::size_t n = order_.size();
    const auto site_at = [&](std::size_t slot) {
        return static_cast<std::size_t>(order_[static_cast<std::size_t>(neighbour_[slot])]);
    };
    std::vector<int> colour;
    detail::resize_touched(colour, n);
    std::vector<char> used;
    for (std::size_t i = 0; i < n; ++i) {
        const auto p = static_cast<std::size_t>(position_[i]);
        std::uint64_t small = 0;  // colours below 64 in a word: the common case
        bool large = false;
        for (std::size_t s = row(p); s < row(p + 1); ++s) {
            const std::size_t j = site_at(s);
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
            used.assign(row(p + 1) - row(p) + 1, 0);
            for (std::size_t s = row(p); s < row(p + 1); ++s) {
                const std::size_t j = site_at(s);
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

void MeanFieldPlan::copy_graph(std::optional<Weights> weights) {
    // The kernel's copy of the graph, in update order: a class is then one contiguous range
    // of m, field and neighbour lists, read front to back. Uniform degree (lattices) needs
    // no row offsets, and a coupling or field shared by the whole model is kept once. Neighbours
    // keep the model's order (increasing edge order), so phi is summed exactly as in
    // Model::local_field and in the residual (a shared value multiplies exactly as its copies
    // would). The rows come straight from a periodic lattice's geometry where the model generates
    // its bonds (for the final graph: in cut_chunks, below), else from the edge list transposed
    // into them (renamed_rows), read a block at a time where it can be, so that such a model
    // need not write it out (Model::of_lattice).
    // The model's arrays are asked for only where copied: a uniform model need not write
    // them out (Model::with_uniform_weights).
    const auto n = static_cast<std::size_t>(model_->num_sites());
    shared_coupling_.reset();
    shared_field_.reset();
    if (weights == Weights::shared_when_uniform) {
        shared_coupling_ = model_->shared_coupling();
        shared_field_ = model_->shared_field();
    }
    const bool copy_coupling = weights && !shared_coupling_ && model_->num_edges() > 0;
    const bool copy_field = weights && !shared_field_;
    const std::size_t slots = 2 * model_->num_edges();
    // The final graph of a lattice whose rows come from its geometry stores no rows here:
    // cut_chunks writes them a chunk at a time and keeps the gathered ones, so the rows that
    // stencils replace never reach memory.
    const detail::LatticeBonds* lattice = detail::rows_from_geometry(*model_);
    rows_from_lattice_ = weights && !copy_coupling && n > 0 && lattice != nullptr;
    coupling_.resize(copy_coupling ? slots : 0);
    if (rows_from_lattice_) {
        HugePageVector<int>().swap(neighbour_);
        row_.clear();
        degree_ = lattice->uniform_degree();
    } else {
        neighbour_.resize(slots);
        std::vector<std::size_t> offset;
        const std::size_t degree =
            detail::renamed_rows(*model_, position_,
                                 copy_coupling ? std::span<const double>(model_->couplings())
                                               : std::span<const double>(),
                                 offset, neighbour_.data(), coupling_.data());
        degree_ = static_cast<int>(degree);
        row_ = std::move(offset);
    }
    field_.resize(copy_field ? n : 0);
    if (copy_field) {
        const std::vector<double>& h = model_->fields();
        const auto count = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for schedule(static) num_threads(detail::setup_threads(n))
        for (std::ptrdiff_t q = 0; q < count; ++q) {
            const auto p = static_cast<std::size_t>(q);
            field_[p] = h[static_cast<std::size_t>(order_[p])];
        }
    }
}

namespace {

// Stencil runs shorter than this are gathered instead: the vector loop needs some length.
constexpr std::size_t kMinStencilRun = 8;

// stencil_run (below) for rows of Z entries each, stored back to back from `first` (p's row),
// over `count` positions: the lattices' degrees get a loop the compiler unrolls. Positions and
// shifts (below the chunk size) stay far inside int.
template <std::size_t Z>
std::size_t uniform_stencil_run(const int* first, std::size_t count) {
    std::size_t k = 1;
    for (; k < count; ++k) {
        const int* row = first + k * Z;
        const auto shift = static_cast<int>(k);
        bool same = true;
        for (std::size_t s = 0; s < Z; ++s) same &= row[s] - first[s] == shift;
        if (!same) break;
    }
    return k;
}

// How many positions from p (below end, at most limit) have as many neighbours as p, at the
// same offsets; p's row starts at `first`, and position q's at first + row(q) - row(p).
std::size_t stencil_run(const MeanFieldPlan& plan, const int* first, std::size_t p, std::size_t end,
                        std::size_t limit) {
    const std::size_t z = plan.row(p + 1) - plan.row(p);
    const std::size_t count = std::min(end - p, limit);
    switch (plan.degree()) {
        case 4:
            return uniform_stencil_run<4>(first, count);
        case 6:
            return uniform_stencil_run<6>(first, count);
        default:
            break;
    }
    std::size_t q = p + 1;
    for (; q < p + count; ++q) {
        if (plan.row(q + 1) - plan.row(q) != z) break;
        const int* row = first + (plan.row(q) - plan.row(p));
        const auto shift = static_cast<std::int64_t>(q - p);
        bool same = true;
        for (std::size_t s = 0; s < z && same; ++s)
            same = static_cast<std::int64_t>(row[s]) == static_cast<std::int64_t>(first[s]) + shift;
        if (!same) break;
    }
    return q - p;
}

// A chunk's sites span at most this many times its positions, where chunk_rows writes the
// rows of all the sites between (a lattice's guessed order: sites of one class at most two
// apart); else site by site.
constexpr std::size_t kMaxSiteSpan = 4;

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
        std::vector<int> kept;          // the gathered rows, where the lattice gives them
    };
    std::vector<Cuts> cuts(static_cast<std::size_t>(threads));
    detail::for_each_piece(threads, [&](std::size_t t, std::size_t team) {
        Cuts& mine = cuts[t];
        std::vector<int> site_rows, rows;
        const std::size_t last = detail::piece_begin(chunks, t + 1, team);
        for (std::size_t q = detail::piece_begin(chunks, t, team); q < last; ++q) {
            const std::size_t begin = chunk_begin[q];
            const std::size_t end = chunk_end(q);
            cut_segments(begin, end, chunk_rows(begin, end, site_rows, rows), mine.segments,
                         mine.offsets, rows_from_lattice_ ? &mine.kept : nullptr);
            mine.ends.push_back(mine.segments.size());
        }
    });
    segments_.clear();
    stencil_offsets_.clear();
    chunk_segments_.assign(1, 0);
    std::vector<std::size_t> kept_base;  // where each thread's kept rows go in neighbour_
    std::size_t kept = 0;
    for (Cuts& c : cuts) {
        const std::size_t segment_base = segments_.size();
        const auto offset_base = static_cast<std::uint32_t>(stencil_offsets_.size());
        for (KernelSegment seg : c.segments) {
            if (seg.stencil != KernelSegment::kNoStencil) seg.stencil += offset_base;
            if (rows_from_lattice_) seg.first_neighbour += kept;
            segments_.push_back(seg);
        }
        stencil_offsets_.insert(stencil_offsets_.end(), c.offsets.begin(), c.offsets.end());
        for (std::size_t end : c.ends) chunk_segments_.push_back(segment_base + end);
        kept_base.push_back(kept);
        kept += c.kept.size();
    }
    if (!rows_from_lattice_) {
        drop_stencil_rows();
        return;
    }
    neighbour_.resize(kept);
    detail::for_each_index(
        cuts.size(), detail::team_pays(kept, detail::kParallelSetupItems), [&](std::size_t t) {
            std::copy(cuts[t].kept.begin(), cuts[t].kept.end(),
                      neighbour_.begin() + static_cast<std::ptrdiff_t>(kept_base[t]));
        });
}

void MeanFieldPlan::drop_stencil_rows() {
    // The gathered segments' rows, back to back in a new array, in segment order; kept as they
    // are where those are half the slots or more (a graph with few stencils), where the copy
    // would save little memory and cost a pass.
    std::vector<std::size_t> first(segments_.size());
    std::size_t kept = 0;
    for (std::size_t g = 0; g < segments_.size(); ++g) {
        const KernelSegment& seg = segments_[g];
        if (seg.stencil != KernelSegment::kNoStencil) continue;
        first[g] = kept;
        kept += row(seg.begin + seg.size) - row(seg.begin);
    }
    if (2 * kept >= neighbour_.size()) return;
    HugePageVector<int> gathered(kept);
    detail::for_each_index(segments_.size(), detail::team_pays(kept, detail::kParallelSetupItems),
                           [&](std::size_t g) {
                               KernelSegment& seg = segments_[g];
                               if (seg.stencil != KernelSegment::kNoStencil) return;
                               const int* from = neighbour_.data() + seg.first_neighbour;
                               std::copy(from, from + (row(seg.begin + seg.size) - row(seg.begin)),
                                         gathered.begin() + static_cast<std::ptrdiff_t>(first[g]));
                               seg.first_neighbour = first[g];
                           });
    neighbour_.swap(gathered);
}

const int* MeanFieldPlan::chunk_rows(std::size_t begin, std::size_t end,
                                     std::vector<int>& site_rows, std::vector<int>& rows) const {
    if (!rows_from_lattice_) return neighbour_.data() + row(begin);
    // The rows of the sites from the chunk's first to its last (sites increase along a class:
    // order_by), in site order, then picked in position order.
    const detail::LatticeBonds& lattice = *model_->lattice_bonds();
    const auto z = static_cast<std::size_t>(degree_);
    const auto first = static_cast<std::size_t>(order_[begin]);
    const auto span = static_cast<std::size_t>(order_[end - 1]) + 1 - first;
    rows.resize((end - begin) * z);
    if (span > kMaxSiteSpan * (end - begin)) {
        for (std::size_t p = begin; p < end; ++p) {
            const auto site = static_cast<std::size_t>(order_[p]);
            lattice.write_site_rows(site, site + 1, position_.data(),
                                    rows.data() + (p - begin) * z);
        }
        return rows.data();
    }
    site_rows.resize(span * z);
    lattice.write_site_rows(first, first + span, position_.data(), site_rows.data());
    const auto pick = [&]<std::size_t Z>(std::integral_constant<std::size_t, Z>) {
        const std::size_t width = Z > 0 ? Z : z;
        for (std::size_t p = begin; p < end; ++p) {
            const int* from =
                site_rows.data() + (static_cast<std::size_t>(order_[p]) - first) * width;
            int* to = rows.data() + (p - begin) * width;
            for (std::size_t s = 0; s < width; ++s) to[s] = from[s];
        }
    };
    switch (z) {  // the lattices' degrees as constants: a few moves per row, not a call
        case 4:
            pick(std::integral_constant<std::size_t, 4>{});
            break;
        case 6:
            pick(std::integral_constant<std::size_t, 6>{});
            break;
        default:
            pick(std::integral_constant<std::size_t, 0>{});
            break;
    }
    return rows.data();
}

void MeanFieldPlan::cut_segments(std::size_t begin, std::size_t end, const int* rows,
                                 std::vector<KernelSegment>& segments,
                                 std::vector<std::ptrdiff_t>& stencil_offsets,
                                 std::vector<int>* kept) const {
    // Front to back: a stencil segment wherever at least kMinStencilRun positions with
    // neighbours share their degree and neighbour offsets, gathered segments in between.
    const auto row_at = [&](std::size_t p) { return rows + (row(p) - row(begin)); };
    auto long_run = [&](std::size_t p) {
        return row(p + 1) > row(p) &&
               stencil_run(*this, row_at(p), p, end, kMinStencilRun) >= kMinStencilRun;
    };
    std::size_t p = begin;
    while (p < end) {
        const std::size_t run =
            row(p + 1) > row(p) ? stencil_run(*this, row_at(p), p, end, end - p) : 0;
        if (run >= kMinStencilRun) {
            segments.push_back({p, static_cast<std::uint32_t>(run),
                                static_cast<std::uint32_t>(stencil_offsets.size()), 0});
            const int* own = row_at(p);
            for (std::size_t s = 0; s < row(p + 1) - row(p); ++s) {
                stencil_offsets.push_back(static_cast<std::ptrdiff_t>(own[s]) -
                                          static_cast<std::ptrdiff_t>(p));
            }
            p += run;
            continue;
        }
        std::size_t q = p + 1;
        while (q < end && !long_run(q)) ++q;
        std::size_t first_neighbour = row(p);
        if (kept != nullptr) {
            first_neighbour = kept->size();
            kept->insert(kept->end(), row_at(p), row_at(q));
        }
        segments.push_back(
            {p, static_cast<std::uint32_t>(q - p), KernelSegment::kNoStencil, first_neighbour});
        p = q;
    }
}

std::size_t MeanFieldPlan::segment_of(std::size_t k) const {
    // Its class, its chunk (a class is cut in kChunk positions from its start), and the last
    // of the chunk's segments that begins at or before it.
    const auto c =
        static_cast<std::size_t>(std::upper_bound(class_offset_.begin(), class_offset_.end(), k) -
                                 class_offset_.begin() - 1);
    const std::size_t q = class_chunks_[c] + (k - class_offset_[c]) / kChunk;
    const auto first = segments_.begin() + static_cast<std::ptrdiff_t>(chunk_segments_[q]);
    const auto last = segments_.begin() + static_cast<std::ptrdiff_t>(chunk_segments_[q + 1]);
    const auto after = std::upper_bound(
        first, last, k, [](std::size_t at, const KernelSegment& seg) { return at < seg.begin; });
    return static_cast<std::size_t>(after - segments_.begin() - 1);
}

}  // namespace isingmf
