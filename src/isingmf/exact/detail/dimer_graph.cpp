#include "isingmf/exact/detail/dimer_graph.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf::detail {
namespace {

std::size_t idx(int i) { return static_cast<std::size_t>(i); }

// Every dimer node has exactly three neighbours: slot 0 across (its bond edge or link), then
// the next and the previous node of its triangle counter-clockwise. Its rotation is slots
// 0, 1, 2: with the port on the face's rim, the bond edge points out of the face, the next
// triangle node lies ahead along the face's walk and the previous one behind.
struct Builder {
    DimerGraph dimer;
    std::vector<std::array<int, 3>> darts;  // per node, the dart in each slot

    int add_node() {
        darts.push_back({-1, -1, -1});
        dimer.partner.push_back(-1);
        return dimer.num_nodes++;
    }

    // Adds edge a -> b in slot sa of a and slot sb of b.
    int add_edge(int a, int sa, int b, int sb, double cost) {
        const int k = static_cast<int>(dimer.tail.size());
        dimer.tail.push_back(a);
        dimer.head.push_back(b);
        dimer.cost.push_back(cost);
        int& da = darts[idx(a)][idx(sa)];
        int& db = darts[idx(b)][idx(sb)];
        if (da >= 0 || db >= 0) throw Error("internal: dimer slot used twice");
        da = 2 * k;
        db = 2 * k + 1;
        return k;
    }

    // Triangle with counter-clockwise order (port, ahead, behind); phi costs of the three.
    void add_triangle(int behind, int port, int ahead, const std::vector<double>& phi) {
        const std::array<int, 3> ccw{port, ahead, behind};
        for (std::size_t k = 0; k < 3; ++k) {
            const int a = ccw[k], b = ccw[(k + 1) % 3];
            add_edge(a, 1, b, 2, phi[idx(a)] + phi[idx(b)]);
        }
    }
};

// Orients the edges of an embedded graph so that every
// face has an odd number of edges oriented against its walk; returns forward[e] = 1 when edge
// e points from edges[e].i to edges[e].j. Possible on any orientable surface when every
// connected component has an even number of vertices (Kasteleyn).
std::vector<char> kasteleyn_orientation(const EmbeddedGraph& g, const FaceSet& faces) {
    const std::size_t num_edges = g.edges.size();
    std::vector<char> forward(num_edges, 1);
    // A spanning forest, oriented arbitrarily; a spanning forest of the dual through the
    // other edges, whose faces but the roots are each fixed by the edge to their parent,
    // leaves first.
    const std::vector<char> in_tree = spanning_forest(g).in_tree;
    check_interrupt();
    const DualForest dual = dual_spanning_forest(faces, in_tree);
    check_interrupt();
    const std::vector<int>& order = dual.order;
    const std::vector<int>& parent_dart = dual.parent_dart;
    const int num_faces = faces.size();
    auto against = [&](int d) { return ((d & 1) == 0) != (forward[idx(d >> 1)] != 0); };
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        const int f = *it;
        const int pd = parent_dart[idx(f)];
        if (pd < 0) continue;
        int count = 0;
        for (std::size_t k = faces.offset[idx(f)]; k < faces.offset[idx(f) + 1]; ++k) {
            const int d = faces.darts[k];
            if ((d >> 1) != (pd >> 1) && against(d)) ++count;
        }
        // The parent edge runs against this face's walk exactly when the rest is even.
        const bool want_against = count % 2 == 0;
        const bool dart_forward = (pd & 1) == 0;
        forward[idx(pd >> 1)] = static_cast<char>(want_against ? !dart_forward : dart_forward);
    }
    check_interrupt();
    for (int f = 0; f < num_faces; ++f) {
        int count = 0;
        for (std::size_t k = faces.offset[idx(f)]; k < faces.offset[idx(f) + 1]; ++k)
            count += against(faces.darts[k]) ? 1 : 0;
        if (count % 2 == 0)
            throw Error(fmt::format("internal: no Kasteleyn orientation (face {} is even)", f));
    }
    return forward;
}

}  // namespace

DimerGraph build_dimer_graph(const EmbeddedGraph& graph, const FaceSet& faces,
                             std::span<const double> couplings,
                             const std::vector<std::vector<int>>& cycles) {
    Builder b;
    const std::size_t num_darts = graph.rotation.size();
    std::vector<int> port(num_darts, -1);
    std::vector<double> phi;  // per node
    auto node = [&](double cost) {
        phi.push_back(cost);
        return b.add_node();
    };
    // Interrupt checks every few thousand faces and between the stages: each stage is linear
    // in the graph, up to seconds on a 2048^2 glass.
    for (int f = 0; f < faces.size(); ++f) {
        if (f % 4096 == 0) check_interrupt();
        const std::size_t first = faces.offset[idx(f)];
        const int d = static_cast<int>(faces.offset[idx(f) + 1] - first);
        if (d < 3) throw Error(fmt::format("internal: face of length {}", d));
        std::vector<int> p(idx(d));
        for (int k = 0; k < d; ++k) {
            const int dart = faces.darts[first + idx(k)];
            const double J = couplings[idx(dart >> 1)];
            // In S (cut) on the i->j side: w_e when that leaves a ferromagnetic bond unsatisfied.
            p[idx(k)] = node((dart & 1) == 0 && J > 0.0 ? std::abs(J) : 0.0);
            port[idx(dart)] = p[idx(k)];
        }
        if (d == 3) {
            b.add_triangle(p[0], p[1], p[2], phi);
            continue;
        }
        // Chain of d - 2 triangles: (p0, p1, r0), (r'0, p2, r1), ..., (r'_{d-4}, p_{d-2}, p_{d-1}).
        std::vector<int> r(idx(d - 3)), rr(idx(d - 3));
        for (int k = 0; k < d - 3; ++k) {
            r[idx(k)] = node(0.0);
            rr[idx(k)] = node(0.0);
            b.add_edge(r[idx(k)], 0, rr[idx(k)], 0, 0.0);
            b.dimer.partner[idx(r[idx(k)])] = rr[idx(k)];
            b.dimer.partner[idx(rr[idx(k)])] = r[idx(k)];
        }
        b.add_triangle(p[0], p[1], r[0], phi);
        for (int k = 2; k <= d - 3; ++k)
            b.add_triangle(rr[idx(k - 2)], p[idx(k)], r[idx(k - 1)], phi);
        b.add_triangle(rr[idx(d - 4)], p[idx(d - 2)], p[idx(d - 1)], phi);
    }
    check_interrupt();
    // Bond edges: port on the i->j side to the port on the j->i side.
    std::vector<int> bond_edge(graph.edges.size());
    for (std::size_t e = 0; e < graph.edges.size(); ++e) {
        const int a = port[2 * e], c = port[2 * e + 1];
        const double J = couplings[e];
        bond_edge[e] = b.add_edge(a, 0, c, 0, J < 0.0 ? std::abs(J) : 0.0);
        b.dimer.partner[idx(a)] = c;
        b.dimer.partner[idx(c)] = a;
    }
    for (const auto& cycle : cycles) {
        std::vector<int> twist;
        for (int e : cycle) twist.push_back(bond_edge[idx(e)]);
        b.dimer.twists.push_back(std::move(twist));
    }

    check_interrupt();
    // The dimer graph as a drawing, to orient it.
    std::vector<Edge> edges(b.dimer.tail.size());
    for (std::size_t k = 0; k < edges.size(); ++k) edges[k] = {b.dimer.tail[k], b.dimer.head[k]};
    std::vector<std::vector<int>> around(idx(b.dimer.num_nodes));
    for (int v = 0; v < b.dimer.num_nodes; ++v) {
        for (int dart : b.darts[idx(v)]) {
            if (dart < 0) throw Error("internal: dimer node with an empty slot");
            around[idx(v)].push_back(dart);
        }
    }
    check_interrupt();
    const EmbeddedGraph drawn = make_embedded_graph(b.dimer.num_nodes, std::move(edges), around);
    check_interrupt();
    const FaceSet dimer_faces = trace_faces(drawn);
    check_interrupt();
    if (euler_characteristic(drawn, dimer_faces) != euler_characteristic(graph, faces))
        throw Error("internal: the dimer graph is not drawn on the model's surface");
    const std::vector<char> forward = kasteleyn_orientation(drawn, dimer_faces);
    check_interrupt();
    for (std::size_t k = 0; k < forward.size(); ++k) {
        if (!forward[k]) std::swap(b.dimer.tail[k], b.dimer.head[k]);
    }
    return std::move(b.dimer);
}

}  // namespace isingmf::detail
