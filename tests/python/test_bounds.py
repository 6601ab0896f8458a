"""The new solvers through the module, each against an oracle outside the library: the
NumPy enumeration of conftest.brute_force (ln Z, <m>), the brute-force single-site
marginals below, and the bracket lower <= exact <= upper that the bounds' theorems give."""
import itertools

import numpy as np
import pytest

import isingmf
from conftest import brute_force

BETAS = [0.1, 0.35, 0.7, 1.3]


def glass(n=10, seed=7):
    rng = np.random.default_rng(seed)
    edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.5])
    return isingmf.Model(n, edges, rng.normal(size=len(edges)), 0.3 * rng.normal(size=n), E0=0.4)


def site_means(model, beta):
    """<s_i> by enumerating all 2^N states in NumPy (an oracle outside the library)."""
    states = np.array(list(itertools.product((-1.0, 1.0), repeat=model.n)))
    i, j = model.edges[:, 0], model.edges[:, 1]
    H = model.E0 - (states[:, i] * states[:, j]) @ model.J - states @ model.h
    a = -beta * H
    w = np.exp(a - a.max())
    return (w @ states) / w.sum()


MODELS = {
    "pm4x4_open": isingmf.lattice("square", (4, 4), boundary="open", disorder="pm", h=0.1,
                                  seed=4),
    "ferro4x4_torus": isingmf.lattice("square", (4, 4), J=1.0, h=0.05),
    "sk12": isingmf.lattice("complete", 12, disorder="sk", random_field=0.5, seed=9),
    "glass10": glass(),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_lower_bounds_below_exact_below_upper_bound(name):
    # Gibbs/Jensen (naive and structured mean field) and Jensen on the convex ln Z (upper
    # bound) against the NumPy enumeration; 1e-9 relative covers the rounding of each side.
    model = MODELS[name]
    for beta, (ln_z, _, _) in zip(BETAS, brute_force(model, BETAS)):
        slack = 1e-9 * abs(ln_z)
        naive = isingmf.mean_field(model, beta)
        structured = isingmf.structured_mean_field(model, beta, cluster_width=1)
        upper = isingmf.upper_bound(model, beta, width=1)
        assert naive.ln_z <= ln_z + slack
        assert structured.ln_z <= ln_z + slack
        assert upper.ln_z >= ln_z - slack, (beta, upper)
        # From the naive solution the block ascent never lowers F.
        assert structured.ln_z >= naive.ln_z - slack
        assert structured.start == "naive"


def test_upper_bound_on_pieces_and_on_the_whole_model():
    model = MODELS["pm4x4_open"]
    beta = 0.7
    exact = brute_force(model, beta)[0, 0]
    # Width 0 on a 4x4 lattice: one piece holds the whole lattice, U is exact ln Z.
    whole = isingmf.upper_bound(model, beta)
    assert whole.kind == "whole" and whole.num_pieces == 1
    np.testing.assert_allclose(whole.ln_z, exact, rtol=1e-12)
    # Chains: a strict bound, reached by moment matching (the split converges).
    chains = isingmf.upper_bound(model, beta, width=1, tol=1e-10, trace=True)
    assert chains.kind == "strips" and chains.width == 1
    assert chains.converged and chains.ln_z > exact
    np.testing.assert_allclose(chains.weights.sum(), 1.0, rtol=1e-14)
    # U never increases along the optimisation (every accepted step lowers it), and the
    # value reported is the last one.
    assert len(chains.trace) == chains.iterations + 1
    assert np.all(np.diff(chains.trace) <= 1e-12 * abs(chains.ln_z))
    assert chains.trace[-1] == chains.ln_z
    assert not chains.split.flags.writeable and chains.split.base is not None
    # Other graphs: spanning trees.
    assert isingmf.upper_bound(MODELS["glass10"], beta).kind == "trees"


def test_bethe_is_exact_on_a_tree():
    # BP is exact on trees: ln Z_B and the belief means equal the enumeration's on an open
    # chain in a random field (tol 1e-13 leaves the messages converged to rounding).
    rng = np.random.default_rng(3)
    n = 12
    edges = np.array([(i, i + 1) for i in range(n - 1)])
    model = isingmf.Model(n, edges, rng.normal(size=n - 1), 0.5 * rng.normal(size=n))
    for beta in (0.3, 1.1):
        bp = isingmf.bethe(model, beta, tol=1e-13)
        assert bp.converged
        np.testing.assert_allclose(bp.ln_z, brute_force(model, beta)[0, 0], rtol=1e-12)
        np.testing.assert_allclose(bp.m, site_means(model, beta), atol=1e-10)
        assert bp.messages.shape == (2 * (n - 1),)


def test_bethe_on_a_loopy_ferromagnet_is_below_ln_z():
    # Ruozzi (NIPS 2012): Z_Bethe <= Z at BP fixed points of ferromagnetic models.
    model = MODELS["ferro4x4_torus"]
    for beta, (ln_z, _, _) in zip(BETAS, brute_force(model, BETAS)):
        bp = isingmf.bethe(model, beta)
        assert bp.converged
        assert bp.ln_z <= ln_z + 1e-9 * ln_z
    assert isingmf.bethe(model, 0.4, schedule="parallel").schedule == "parallel"


def test_structured_with_the_whole_lattice_is_exact():
    # One cluster holding the model: q is the Gibbs distribution after one block step.
    for name in ("pm4x4_open", "ferro4x4_torus"):
        model = MODELS[name]
        for beta, (ln_z, _, mag) in zip(BETAS, brute_force(model, BETAS)):
            whole = isingmf.structured_mean_field(model, beta, cluster_width=4)
            assert whole.cluster_kind == "whole" and whole.num_clusters == 1
            np.testing.assert_allclose(whole.ln_z, ln_z, rtol=1e-12)
            np.testing.assert_allclose(whole.magnetization, mag, atol=1e-12)
    # The same from an explicit cluster list (any graph): here SK, 12 sites in one cluster.
    model = MODELS["sk12"]
    given = isingmf.structured_mean_field(model, 0.7, clusters=[list(range(model.n))])
    assert given.cluster_kind == "given"
    np.testing.assert_allclose(given.ln_z, brute_force(model, 0.7)[0, 0], rtol=1e-12)


def test_structured_with_single_sites_is_naive_mean_field(tmp_path):
    # One cluster per site is naive mean field: from the naive solution it stays there. The
    # clusters come from a cluster file (the command line's format).
    model = MODELS["glass10"]
    path = tmp_path / "sites.txt"
    path.write_text("# one site per cluster\n" + "".join(f"{i}\n" for i in range(model.n)))
    naive = isingmf.mean_field(model, 0.7)
    single = isingmf.structured_mean_field(model, 0.7, clusters=path)
    assert single.num_clusters == model.n
    np.testing.assert_allclose(single.ln_z, naive.ln_z, rtol=1e-12)
    np.testing.assert_allclose(single.m, naive.m, atol=1e-9)


def test_planar_equals_elimination_and_enumeration_on_a_small_torus():
    # Zero-field toroidal glass (four Pfaffians) and an open one: three exact methods agree.
    torus = isingmf.lattice("square", (4, 4), disorder="gauss", seed=5)
    open_ = isingmf.lattice("square", (4, 4), boundary="open", disorder="pm", seed=6)
    betas = [0.2, 0.6, 1.5]
    for model in (torus, open_):
        planar = isingmf.exact(model, betas, method="planar")
        assert planar.method == "planar"
        eliminate = isingmf.exact(model, betas, method="eliminate")
        np.testing.assert_allclose(planar.ln_z, eliminate.ln_z, rtol=1e-12)
        np.testing.assert_allclose(planar.ln_z, brute_force(model, betas)[:, 0], rtol=1e-12)
        np.testing.assert_allclose(planar.energy_per_spin, eliminate.energy_per_spin,
                                   rtol=1e-9, atol=1e-12)
    # A field is refused with the library's reason, as on the command line.
    with pytest.raises(isingmf.ModelError, match="planar"):
        isingmf.exact(isingmf.lattice("square", (4, 4), h=0.1), 0.5, method="planar")


def test_new_mean_field_starts_and_cut_offs():
    # Concave case (beta max_i sum_j |J_ij| <= 1, header's Gershgorin argument): only the
    # paramagnet runs, and its m is the fixed point m = tanh(beta (J m + h)).
    model = MODELS["pm4x4_open"]
    concave = isingmf.mean_field(model, 0.2)
    assert concave.start == "paramagnet" and concave.converged
    J = model.to_sparse().toarray()
    np.testing.assert_allclose(concave.m, np.tanh(0.2 * (J @ concave.m + model.h)), atol=1e-10)
    # The default set on a glass: every start's sweeps counted; names as text or sequence.
    strong = isingmf.mean_field(MODELS["sk12"], 1.5)
    assert strong.total_sweeps >= strong.iterations > 0
    listed = isingmf.mean_field(MODELS["sk12"], 1.5,
                                starts=["up", "down", "paramagnet", "anneal", "random"])
    assert (listed.ln_z, listed.start, listed.cut) == (strong.ln_z, strong.start, strong.cut)
    anneal = isingmf.mean_field(MODELS["sk12"], 1.5, starts="anneal")
    assert anneal.start == "anneal" and anneal.ln_z <= strong.ln_z

    # The C++ suite's cut-off case (starts_test.cpp CutOff): a random start that coarsens
    # domains on a 32x32 ferromagnet in a weak random field is cut; without cut-offs it runs
    # to its end, costs more and does not win.
    ferro = isingmf.lattice("square", (32, 32), random_field=0.05, seed=2)
    cut = isingmf.mean_field(ferro, 1.0, starts="up,random")
    assert cut.start == "up" and cut.converged
    assert cut.cut == ["random:0"]
    assert cut.total_sweeps == cut.iterations + max(32, 4 * cut.iterations)
    full = isingmf.mean_field(ferro, 1.0, starts="up,random", cut_off=False)
    assert full.cut == [] and full.total_sweeps > cut.total_sweeps
    assert full.ln_z == cut.ln_z


@pytest.mark.parametrize("solve", [
    lambda model, t: isingmf.upper_bound(model, 0.6, width=1, threads=t),
    lambda model, t: isingmf.bethe(model, 0.6, schedule="parallel", threads=t),
    lambda model, t: isingmf.structured_mean_field(model, 0.6, cluster_width=2, threads=t),
], ids=["upper_bound", "bethe", "structured"])
def test_thread_count_does_not_change_a_bit(solve):
    model = isingmf.lattice("square", (12, 12), disorder="pm", h=0.1, seed=1)
    one, two = solve(model, 1), solve(model, 2)
    assert one.ln_z == two.ln_z and one.iterations == two.iterations
