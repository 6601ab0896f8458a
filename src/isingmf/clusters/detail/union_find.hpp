#pragma once
/// Union-find on sites 0..n-1 (forest tests of pieces, Kruskal's spanning forests).

#include <numeric>
#include <vector>

namespace isingmf::detail {

/// Disjoint sets with path halving.
class UnionFind {
public:
    explicit UnionFind(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
    /// The representative of x's set.
    int find(int x) {
        while (parent_[static_cast<std::size_t>(x)] != x) {
            int& p = parent_[static_cast<std::size_t>(x)];
            p = parent_[static_cast<std::size_t>(p)];
            x = p;
        }
        return x;
    }
    /// Joins the sets of a and b; false when they were one set already.
    bool unite(int a, int b) {
        const int ra = find(a), rb = find(b);
        if (ra == rb) return false;
        parent_[static_cast<std::size_t>(ra)] = rb;
        return true;
    }

private:
    std::vector<int> parent_;
};

}  // namespace isingmf::detail
