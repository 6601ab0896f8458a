"""isingmf: mean-field lower bounds and exact ln Z of Ising models, from Python.

The model, for spins s_i = +-1 (k_B = 1, T = 1/beta):

    H(s) = E0 - sum_e J_e s_i s_j - sum_i h_i s_i,     Z(beta) = sum_s exp(-beta H(s)),

each edge e = (i, j) once with i < j; J_e > 0 is ferromagnetic, h_i > 0 favours s_i = +1.
The naive mean-field bound, for q(s) = prod_i (1 + m_i s_i)/2,

    ln Z >= F(m) = -beta E0 + beta (sum_e J_e m_i m_j + sum_i h_i m_i) + sum_i H_b(m_i),

is maximised by coordinate ascent (m_i <- tanh(beta (sum_j J_ij m_j + h_i))); every
`ln_z` it reports is F at the m returned beside it, so a lower bound whether or not the
iteration converged. Structured mean field (clusters of spins treated exactly) is a tighter
lower bound; upper_bound is a certified upper bound (ln Z <= sum_f rho_f ln Z_f over
decompositions into strips, chains or trees); bethe is belief propagation's estimate, NOT a
bound. Exact ln Z comes from enumeration, variable elimination, Kaufman's closed form or
Pfaffians (planar). Per-spin quantities divide by N; `ln_z` is for the whole system.

Models:   Model(n, edges, J, h=None, E0=0), lattice("square", (64, 64), ...),
          Model.from_sparse(J), Model.from_networkx(G), read_edge_list(path), read_uai(path)
Solvers:  mean_field(model, beta, ...), structured_mean_field(model, beta, ...),
          upper_bound(model, beta, ...), bethe(model, beta, ...),
          exact(model, betas, method="auto"), sweep(model, T="0.5:5:0.1", bounds=..., ...),
          ensemble("square", (16, 16), disorder="pm", samples=K, seed=S, ...),
          read_results(path)
Errors:   isingmf.ParseError and isingmf.ModelError are ValueErrors, isingmf.IoError is an
          OSError; messages are the library's one-line messages.

Every solver releases the GIL while it runs and takes `threads` (0: all cores) as the
command line's --threads does; results never depend on the thread count.
"""

import numpy as _np

from ._core import (  # noqa: F401  (the public API)
    BetheResult,
    BetheSeries,
    EnsembleResult,
    Error,
    ExactPoint,
    ExactResult,
    IoError,
    MeanFieldResult,
    MeanFieldSeries,
    Model,
    ModelError,
    ParseError,
    StructuredMeanFieldResult,
    StructuredSeries,
    SweepPoint,
    SweepResult,
    UpperBoundResult,
    UpperBoundSeries,
    __version__,
    bethe,
    ensemble,
    exact,
    lattice,
    mean_field,
    read_edge_list,
    read_results,
    read_uai,
    structured_mean_field,
    sweep,
    upper_bound,
)

__all__ = [
    "BetheResult", "BetheSeries", "EnsembleResult", "Error", "ExactPoint", "ExactResult", "IoError",
    "MeanFieldResult", "MeanFieldSeries", "Model", "ModelError", "ParseError",
    "StructuredMeanFieldResult", "StructuredSeries", "SweepPoint", "SweepResult",
    "UpperBoundResult", "UpperBoundSeries", "bethe", "ensemble", "exact", "lattice", "mean_field",
    "read_edge_list", "read_results", "read_uai", "structured_mean_field", "sweep",
    "upper_bound",
]


def _from_sparse(cls, J, h=None, E0=0.0):
    """A model from a symmetric coupling matrix (scipy.sparse or dense array-like).

    H(s) = E0 - (1/2) s^T J s - h^T s = E0 - sum_{i<j} J_ij s_i s_j - sum_i h_i s_i,
    so each nonzero J_ij = J_ji (i < j) is one bond with coupling J_ij (> 0 ferromagnetic).
    The matrix must be square and symmetric with a zero diagonal (a self-coupling is a
    constant, not a bond) and finite entries; explicit zeros are dropped. Raises isingmf.ModelError (a
    ValueError) otherwise. Edges come in row-major order of the upper triangle.
    """
    import scipy.sparse as sp

    A = sp.csr_matrix(J, dtype=float)
    n, cols = A.shape
    if n != cols:
        raise ModelError(f"coupling matrix must be square, got shape ({n}, {cols})")
    A.sum_duplicates()
    A.eliminate_zeros()
    # Before the symmetry test: NaN - NaN is NaN, which that test would call asymmetry.
    bad = _np.flatnonzero(~_np.isfinite(A.data))
    if bad.size:
        coo = A.tocoo()
        k = int(bad[0])
        raise ModelError(f"coupling matrix has a non-finite entry: "
                         f"J[{int(coo.row[k])},{int(coo.col[k])}] = {coo.data[k]!r}")
    asymmetry = (A - A.T).tocoo()
    asymmetry.eliminate_zeros()
    if asymmetry.nnz:
        i, j = int(asymmetry.row[0]), int(asymmetry.col[0])
        raise ModelError(f"coupling matrix is not symmetric: J[{i},{j}] = {A[i, j]!r} "
                         f"but J[{j},{i}] = {A[j, i]!r}")
    diagonal = A.diagonal()
    if _np.any(diagonal != 0):
        i = int(_np.flatnonzero(diagonal)[0])
        raise ModelError(f"coupling matrix has J[{i},{i}] = {diagonal[i]!r} on its diagonal "
                         "(a self-coupling)")
    upper = sp.triu(A, k=1).tocoo()
    order = _np.lexsort((upper.col, upper.row))
    edges = _np.column_stack((upper.row[order], upper.col[order])).astype(_np.int64)
    return cls(n, edges.reshape(-1, 2), upper.data[order], h, E0)


def _to_sparse(self):
    """The symmetric coupling matrix J (scipy.sparse CSR, n x n): J[i, j] = J[j, i] = J_e
    for each edge, zero diagonal, so that H = E0 - (1/2) s^T J s - h^T s."""
    import scipy.sparse as sp

    i, j = self.edges[:, 0], self.edges[:, 1]
    return sp.csr_matrix((_np.concatenate((self.J, self.J)),
                          (_np.concatenate((i, j)), _np.concatenate((j, i)))),
                         shape=(self.n, self.n))


def _from_networkx(cls, G, weight="weight", field=None, E0=0.0, nodelist=None):
    """A model from an undirected networkx graph.

    Each edge (u, v) is a bond with coupling J = its `weight` attribute (1 when absent, as
    in networkx); a MultiGraph's parallel edges add. `field` names a node attribute holding
    h_i (absent: 0), or None for no fields. Sites are numbered in the order of `nodelist`
    (default: G.nodes). Raises isingmf.ModelError (a ValueError) for a directed graph, a
    self-loop, a non-finite weight or a nodelist that is not the graph's nodes.
    """
    if G.is_directed():
        raise ModelError("the graph is directed; couplings need an undirected graph "
                         "(G.to_undirected())")
    nodes = list(G.nodes) if nodelist is None else list(nodelist)
    index = {node: k for k, node in enumerate(nodes)}
    if len(index) != len(nodes) or len(nodes) != G.number_of_nodes() or any(
            node not in G for node in nodes):
        raise ModelError("nodelist must list every node of the graph once")
    edges = _np.array([(index[u], index[v]) for u, v in G.edges()], dtype=_np.int64)
    J = _np.array([data.get(weight, 1.0) for _, _, data in G.edges(data=True)], dtype=float)
    h = None
    if field is not None:
        h = _np.array([G.nodes[node].get(field, 0.0) for node in nodes], dtype=float)
    return cls(len(nodes), edges.reshape(-1, 2), J, h, E0)


def _to_networkx(self, weight="weight", field="h"):
    """An undirected networkx.Graph with nodes 0..n-1 (node attribute `field` = h_i) and
    one edge per bond (edge attribute `weight` = J_e)."""
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from((i, {field: float(value)}) for i, value in enumerate(self.h))
    G.add_edges_from((int(i), int(j), {weight: float(J)})
                     for (i, j), J in zip(self.edges, self.J))
    return G


Model.from_sparse = classmethod(_from_sparse)
Model.to_sparse = _to_sparse
Model.from_networkx = classmethod(_from_networkx)
Model.to_networkx = _to_networkx
