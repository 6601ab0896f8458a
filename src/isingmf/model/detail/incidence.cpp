#include "isingmf/model/detail/incidence.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <utility>

#include "isingmf/model/detail/lattice_bonds.hpp"
#include "isingmf/util/detail/huge_pages.hpp"
#include "isingmf/util/detail/parallel.hpp"

namespace isingmf::detail {
namespace {

// Rows up to this long are searched pairwise for a repeated neighbour; longer ones (dense
// graphs, hubs) through a per-thread table of the last site each neighbour was seen from.
constexpr std::size_t kShortRow = 32;

// Up to this many threads, rows of one shared degree are built by threads that each read the
// whole edge list (uniform_rows): cheaper than staging the half-edges, whose array is fresh
// memory, while the reads are few.
constexpr int kMaxUniformScanThreads = 4;

// One half-edge on its way to its site's row, in 4 bytes (the staging array is the largest
// transient buffer of the set-up): 2 e for the end edges[e].i, 2 e + 1 for the end edges[e].j.
// Edge indices fit in an int, so the code fits in 32 bits.
using HalfEdge = std::uint32_t;
HalfEdge half_edge(std::size_t e, bool upper_end) {
    return static_cast<HalfEdge>(2 * e + (upper_end ? 1 : 0));
}
std::size_t edge_of(HalfEdge h) { return h >> 1; }
int site_of(HalfEdge h, std::span<const Edge> edges) {
    const Edge& edge = edges[edge_of(h)];
    return (h & 1) != 0 ? edge.j : edge.i;
}

// What a row entry receives for edge e seen from `site`: the edge index (the rows that the
// merging of repeated bonds reads) or the other site (the check for repeated bonds, the
// adjacency, the mean-field plan), with the edge's coupling beside it where row_couplings is
// set. With `rename`, site s's row is row rename[s] and other sites are written renamed too
// (the plan's rows, in its update order).
struct Entries {
    std::span<const Edge> edges;
    bool write_edge_index;
    bool lower_end_only;  // each edge in the row of its lower site only
    int* rows;
    const double* couplings = nullptr;  // with row_couplings
    double* row_couplings = nullptr;
    const int* rename = nullptr;
    std::size_t row_of(int site) const {
        return static_cast<std::size_t>(rename != nullptr ? rename[site] : site);
    }
    // Entry `pos` of a row: edge e, whose other site is `other`.
    void put(std::size_t pos, int other, std::size_t e) const {
        const int renamed = rename != nullptr ? rename[other] : other;
        rows[pos] = write_edge_index ? static_cast<int>(e) : renamed;
        if (row_couplings != nullptr) row_couplings[pos] = couplings[e];
    }
};

void serial_rows(std::size_t n, const Entries& out, std::vector<std::size_t>& offset) {
    const std::span<const Edge> edges = out.edges;
    for (const Edge& e : edges) {
        ++offset[out.row_of(e.i) + 1];
        if (!out.lower_end_only) ++offset[out.row_of(e.j) + 1];
    }
    // offset[s + 1] becomes the start of row s, and is advanced past each entry written, so
    // that it ends as the start of row s + 1.
    exclusive_scan_parallel(std::span(offset).subspan(1, n));
    for (std::size_t e = 0; e < edges.size(); ++e) {
        const Edge edge = edges[e];
        out.put(offset[out.row_of(edge.i) + 1]++, edge.j, e);
        if (!out.lower_end_only) out.put(offset[out.row_of(edge.j) + 1]++, edge.i, e);
    }
}

// The parallel transposition: each thread sorts the half-edges of its piece of the edge list
// into blocks of consecutive sites (a counting pass, then a scatter), which leaves each block's
// half-edges in increasing edge order; then each block is sorted into its sites' rows on its own.
void parallel_rows(std::size_t n, const Entries& out, std::vector<std::size_t>& offset,
                   int threads) {
    const std::span<const Edge> edges = out.edges;
    const std::size_t num_edges = edges.size();
    const auto max_team = static_cast<std::size_t>(threads);
    // Blocks of 2^shift sites, about four per thread so that uneven blocks still balance.
    const std::size_t wanted = std::max<std::size_t>(1, (n + 4 * max_team - 1) / (4 * max_team));
    const auto shift = static_cast<int>(std::bit_width(wanted - 1));
    const std::size_t num_blocks = ((n - 1) >> shift) + 1;
    std::vector<std::size_t> cursor(max_team * num_blocks, 0);  // [thread][block]
    std::vector<std::size_t> block_start(num_blocks + 1, 0);
    // Uninitialised (no serial zeroing), first touched by the scatter below.
    HugePageVector<HalfEdge> staged((out.lower_end_only ? 1 : 2) * num_edges);
#pragma omp parallel num_threads(threads)
    {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
        const auto team = static_cast<std::size_t>(omp_get_num_threads());
        const std::size_t first = piece_begin(num_edges, t, team);
        const std::size_t last = piece_begin(num_edges, t + 1, team);
        std::size_t* mine = cursor.data() + t * num_blocks;
        for (std::size_t e = first; e < last; ++e) {
            ++mine[out.row_of(edges[e].i) >> shift];
            if (!out.lower_end_only) ++mine[out.row_of(edges[e].j) >> shift];
        }
#pragma omp barrier
#pragma omp single
        bucket_cursors(cursor.data(), team, num_blocks, block_start.data());
        for (std::size_t e = first; e < last; ++e) {
            const Edge& edge = edges[e];
            staged[mine[out.row_of(edge.i) >> shift]++] = half_edge(e, false);
            if (out.lower_end_only) continue;
            staged[mine[out.row_of(edge.j) >> shift]++] = half_edge(e, true);
        }
#pragma omp barrier
#pragma omp for schedule(dynamic, 1)
        for (std::size_t b = 0; b < num_blocks; ++b) {
            const std::size_t lo = b << shift;
            const std::size_t hi = std::min(n, lo + (std::size_t{1} << shift));
            const std::size_t begin = block_start[b];
            const std::size_t end = block_start[b + 1];
            for (std::size_t k = begin; k < end; ++k)
                ++offset[out.row_of(site_of(staged[k], edges)) + 1];
            std::size_t running = begin;
            for (std::size_t s = lo; s < hi; ++s) {
                const std::size_t count = offset[s + 1];
                offset[s + 1] = running;
                running += count;
            }
            for (std::size_t k = begin; k < end; ++k) {
                const std::size_t e = edge_of(staged[k]);
                const bool upper_end = (staged[k] & 1) != 0;
                const int site = upper_end ? edges[e].j : edges[e].i;
                const int other = upper_end ? edges[e].i : edges[e].j;
                out.put(offset[out.row_of(site) + 1]++, other, e);
            }
        }
    }
}

// Rows that all hold z entries need no offsets: row r is slots r z .. r z + z. Where every
// site can have one degree, it is z = 2 m / n, and the rows are written at that width in one
// pass over the edges, each row's entries so far counted in a byte that is also its cursor.
// The degrees are all z exactly when no row is offered a (z+1)-th entry: the n rows then hold
// all n z entries, at most z each, so exactly z each. Each thread reads the whole edge list
// and writes the rows of its own piece of the rows (and their bytes), so every row is written
// by one thread in edge order, without staging. The reads multiply with the threads, so this
// is for few of them (kMaxUniformScanThreads); the staged transposition serves more.
// Returns z, having written the rows; or 0, the rows then unfinished, when the degrees differ,
// and also without writing anything when 2m/n is not whole, is 0, or is 255 or more (the
// degrees a byte per row is kept for); the caller then builds the rows with offsets.
// The edges are read a block at a time from `model` (Model::edge_block: a lattice model
// generates them instead of storing them); out.edges is not read.
std::size_t uniform_rows(const Model& model, const Entries& out, int threads) {
    const auto num_sites = static_cast<std::size_t>(model.num_sites());
    const std::size_t half_edges = 2 * model.num_edges();
    if (num_sites == 0 || half_edges % num_sites != 0) return 0;
    const std::size_t z = half_edges / num_sites;
    if (z == 0 || z >= 0xff) return 0;  // shared degrees of 1 .. 254, as before
    std::vector<std::uint8_t> filled;   // by row
    resize_touched(filled, num_sites);  // huge pages, faulted by all threads, then zeroed
    std::vector<char> overflowed(static_cast<std::size_t>(threads), 0);  // by piece
    for_each_piece(threads, [&](std::size_t t, std::size_t team) {
        const std::size_t first = piece_begin(num_sites, t, team);
        const std::size_t last = piece_begin(num_sites, t + 1, team);
        // Plain locals: the byte stores below may alias anything, and would otherwise make
        // every field of `out` be read again after each one.
        const int* const rename = out.rename;
        int* const rows = out.rows;
        const bool write_edge_index = out.write_edge_index;
        const double* const couplings = out.couplings;
        double* const row_couplings = out.row_couplings;
        std::uint8_t* const count = filled.data();
        const auto width = static_cast<std::uint8_t>(z);
        // Whether a row was offered one entry too many. A plain local, never captured: the
        // byte stores may alias anything whose address is taken, which would put a store and
        // a reload of the flag on every entry's critical path.
        bool overflow = false;
        const auto put_if_mine = [=](std::size_t row, int other, std::size_t e) {
            if (row < first || row >= last) return false;
            const std::uint8_t k = count[row];
            if (k == width) return true;
            count[row] = static_cast<std::uint8_t>(k + 1);
            const std::size_t slot = row * z + k;
            rows[slot] = write_edge_index ? static_cast<int>(e) : other;
            if (row_couplings != nullptr) row_couplings[slot] = couplings[e];
            return false;
        };
        std::vector<Edge> buffer;
        const std::size_t blocks = model.num_edge_blocks();
        for (std::size_t b = 0; b < blocks; ++b) {
            const Model::EdgeBlock block = model.edge_block(b, buffer);
            const Edge* const edge = block.edges.data();
            const std::size_t in_block = block.edges.size();
            for (std::size_t k = 0; k < in_block; ++k) {
                const Edge ends = edge[k];
                const std::size_t e = block.first + k;
                const int row_i = rename != nullptr ? rename[ends.i] : ends.i;
                const int row_j = rename != nullptr ? rename[ends.j] : ends.j;
                const bool too_many_i = put_if_mine(static_cast<std::size_t>(row_i), row_j, e);
                const bool too_many_j = put_if_mine(static_cast<std::size_t>(row_j), row_i, e);
                overflow |= too_many_i | too_many_j;
            }
        }
        overflowed[t] = overflow ? 1 : 0;
    });
    return std::find(overflowed.begin(), overflowed.end(), 1) != overflowed.end() ? 0 : z;
}

}  // namespace

namespace {

void build_rows(std::size_t num_sites, const Entries& out, std::vector<std::size_t>& offset) {
    const int threads = setup_threads(out.edges.size());
    if (threads == 1 || num_sites < 2) {
        serial_rows(num_sites, out, offset);
    } else {
        parallel_rows(num_sites, out, offset, threads);
    }
    offset[0] = 0;
}

// Pairwise comparisons without branches; unrolled for the degrees of lattices.
template <std::size_t Z>
bool repeats_among(const int* row) {
    bool same = false;
    for (std::size_t a = 1; a < Z; ++a) {
        for (std::size_t b = 0; b < a; ++b) same |= row[a] == row[b];
    }
    return same;
}

bool short_row_repeats(const int* row, std::size_t size) {
    switch (size) {
        case 0:
        case 1:
            return false;
        case 2:
            return repeats_among<2>(row);
        case 3:
            return repeats_among<3>(row);
        case 4:
            return repeats_among<4>(row);
        case 6:
            return repeats_among<6>(row);
        default:
            break;
    }
    bool same = false;
    for (std::size_t a = 1; a < size; ++a) {
        for (std::size_t b = 0; b < a; ++b) same |= row[a] == row[b];
    }
    return same;
}

}  // namespace

void incidence_rows(std::size_t num_sites, std::span<const Edge> edges,
                    std::vector<std::size_t>& offset, std::vector<int>& rows) {
    resize_touched(offset, num_sites + 1);
    resize_touched(rows, 2 * edges.size());
    build_rows(
        num_sites,
        {.edges = edges, .write_edge_index = true, .lower_end_only = false, .rows = rows.data()},
        offset);
}

void upper_neighbour_rows(std::size_t num_sites, std::span<const Edge> edges,
                          std::vector<std::size_t>& offset, std::vector<int>& neighbour) {
    resize_touched(offset, num_sites + 1);
    resize_touched(neighbour, edges.size());
    build_rows(num_sites,
               {.edges = edges,
                .write_edge_index = false,
                .lower_end_only = true,
                .rows = neighbour.data()},
               offset);
}

void adjacency_rows(std::size_t num_sites, std::span<const Edge> edges,
                    std::span<const double> couplings, Adjacency& adjacency) {
    resize_touched(adjacency.offset, num_sites + 1);
    resize_touched(adjacency.neighbour, 2 * edges.size());
    resize_touched(adjacency.coupling, 2 * edges.size());
    build_rows(num_sites,
               {.edges = edges,
                .write_edge_index = false,
                .lower_end_only = false,
                .rows = adjacency.neighbour.data(),
                .couplings = couplings.data(),
                .row_couplings = adjacency.coupling.data()},
               adjacency.offset);
}

const LatticeBonds* rows_from_geometry(const Model& model) {
    const LatticeBonds* lattice = model.lattice_bonds();
    return lattice != nullptr && lattice->uniform_degree() > 0 ? lattice : nullptr;
}

std::size_t renamed_rows(const Model& model, std::span<const int> rename,
                         std::span<const double> couplings, std::vector<std::size_t>& offset,
                         int* neighbour, double* row_couplings) {
    const std::size_t num_sites = rename.size();
    Entries out{.edges = {},
                .write_edge_index = false,
                .lower_end_only = false,
                .rows = neighbour,
                .couplings = couplings.data(),
                .row_couplings = couplings.empty() ? nullptr : row_couplings,
                .rename = rename.data()};
    offset.clear();
    // A lattice that generates its bonds gives each site's row from its geometry: written
    // site by site, in parallel, with no pass over the bonds.
    const LatticeBonds* lattice = rows_from_geometry(model);
    if (couplings.empty() && lattice != nullptr) {
        constexpr std::size_t kSitesPerBlock = 4096;
        const std::size_t blocks = (num_sites + kSitesPerBlock - 1) / kSitesPerBlock;
        for_each_index(blocks, setup_threads(num_sites) > 1, [&](std::size_t b) {
            const std::size_t begin = b * kSitesPerBlock;
            lattice->write_renamed_rows(begin, std::min(num_sites, begin + kSitesPerBlock),
                                        rename.data(), neighbour);
        });
        return static_cast<std::size_t>(lattice->uniform_degree());
    }
    if (const int threads = setup_threads(model.num_edges());
        threads <= kMaxUniformScanThreads && num_sites > 0) {
        if (const std::size_t z = uniform_rows(model, out, threads); z > 0) return z;
    }
    out.edges = model.edges();  // the staged transposition reads the list several times
    resize_touched(offset, num_sites + 1);
    build_rows(num_sites, out, offset);
    const std::size_t z = num_sites > 0 ? offset[1] : 0;
    const bool uniform = z > 0 && first_where(num_sites, [&](std::size_t r) {
                                      return offset[r + 1] - offset[r] != z;
                                  }) == num_sites;
    if (!uniform) return 0;
    offset.clear();
    return z;
}

bool rows_have_repeats(const std::vector<std::size_t>& offset, const std::vector<int>& neighbour) {
    const std::size_t n = offset.size() - 1;
    const int threads = setup_threads(neighbour.size());
    bool repeated = false;
#pragma omp parallel num_threads(threads) reduction(|| : repeated)
    {
        std::vector<int> seen_from;  // for long rows: the last site each neighbour was seen from
#pragma omp for schedule(dynamic, 4096)
        for (std::size_t s = 0; s < n; ++s) {
            if (repeated) continue;
            const int* row = neighbour.data() + offset[s];
            const std::size_t size = offset[s + 1] - offset[s];
            if (size <= kShortRow) {
                repeated = short_row_repeats(row, size);
                continue;
            }
            if (seen_from.empty()) seen_from.assign(n, -1);
            for (std::size_t k = 0; k < size; ++k) {
                const auto u = static_cast<std::size_t>(row[k]);
                if (seen_from[u] == static_cast<int>(s)) {
                    repeated = true;
                    break;
                }
                seen_from[u] = static_cast<int>(s);
            }
        }
    }
    return repeated;
}

std::vector<int> first_of_repeats(std::size_t num_sites, std::span<const Edge> edges,
                                  const std::vector<std::size_t>& offset,
                                  const std::vector<int>& rows) {
    std::vector<int> first(edges.size());
    const int threads = setup_threads(rows.size());
    // Each edge is settled in the row of its lower site, where the copies of a bond are the
    // entries with the same upper site, in increasing edge order.
#pragma omp parallel num_threads(threads)
    {
        std::vector<std::pair<int, int>> sorted;  // (upper site, edge) of a long row
#pragma omp for schedule(dynamic, 4096)
        for (std::size_t s = 0; s < num_sites; ++s) {
            const std::size_t begin = offset[s];
            const std::size_t end = offset[s + 1];
            if (end - begin <= kShortRow) {
                for (std::size_t a = begin; a < end; ++a) {
                    const Edge& edge = edges[static_cast<std::size_t>(rows[a])];
                    if (static_cast<std::size_t>(edge.i) != s) continue;
                    std::size_t b = begin;
                    while (edges[static_cast<std::size_t>(rows[b])].i != edge.i ||
                           edges[static_cast<std::size_t>(rows[b])].j != edge.j)
                        ++b;
                    first[static_cast<std::size_t>(rows[a])] = rows[b];
                }
                continue;
            }
            sorted.clear();
            for (std::size_t k = begin; k < end; ++k) {
                const Edge& edge = edges[static_cast<std::size_t>(rows[k])];
                if (static_cast<std::size_t>(edge.i) == s) sorted.emplace_back(edge.j, rows[k]);
            }
            std::sort(sorted.begin(), sorted.end());
            for (std::size_t k = 0; k < sorted.size(); ++k) {
                const bool starts = k == 0 || sorted[k].first != sorted[k - 1].first;
                first[static_cast<std::size_t>(sorted[k].second)] =
                    starts ? sorted[k].second
                           : first[static_cast<std::size_t>(sorted[k - 1].second)];
            }
        }
    }
    return first;
}

}  // namespace isingmf::detail
