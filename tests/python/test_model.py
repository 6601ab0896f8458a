"""Models: arrays in and out, lattices as the command line builds them, files, scipy.sparse
and networkx round trips, read-only views without copies."""
import numpy as np
import pytest

import isingmf
from conftest import run_cli


def random_model(n=7, seed=0):
    rng = np.random.default_rng(seed)
    edges = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.6])
    return isingmf.Model(n, edges, rng.normal(size=len(edges)), rng.normal(size=n), E0=0.75)


def test_arrays_round_trip():
    edges = np.array([[0, 1], [1, 2], [3, 2]], dtype=np.int64)
    J = np.array([1.0, -0.5, 2.0])
    h = np.array([0.1, 0.0, -0.2, 0.3])
    model = isingmf.Model(4, edges, J, h, E0=-1.5)
    assert model.n == model.num_sites == 4 and model.num_edges == 3
    # Edges are stored with i < j, in the order given.
    np.testing.assert_array_equal(model.edges, [[0, 1], [1, 2], [2, 3]])
    np.testing.assert_array_equal(model.J, J)
    np.testing.assert_array_equal(model.h, h)
    assert model.E0 == -1.5
    again = isingmf.Model(model.n, model.edges, model.J, model.h, model.E0)
    for name in ("edges", "J", "h"):
        np.testing.assert_array_equal(getattr(again, name), getattr(model, name))


def test_scalars_broadcast_and_repeated_edges_add():
    model = isingmf.Model(3, [[0, 1], [1, 2], [1, 0]], 0.5, h=0.25)
    np.testing.assert_array_equal(model.edges, [[0, 1], [1, 2]])
    np.testing.assert_array_equal(model.J, [1.0, 0.5])  # (0,1) given twice: couplings add
    np.testing.assert_array_equal(model.h, [0.25, 0.25, 0.25])
    assert isingmf.Model(2, np.zeros((0, 2), dtype=int), []).num_edges == 0


def test_views_are_read_only_and_share_the_models_memory():
    model = isingmf.lattice("square", (8, 8))
    J = model.J
    assert not J.flags.writeable and not model.edges.flags.writeable
    with pytest.raises(ValueError):
        J[0] = 2.0
    # No copy: two views of the same model share one buffer.
    assert np.shares_memory(model.J, J) and model.J.ctypes.data == J.ctypes.data
    assert model.edges.dtype == np.int32 and model.edges.shape == (128, 2)
    # A view keeps its model alive.
    edges = isingmf.lattice("chain", 5, boundary="open").edges
    np.testing.assert_array_equal(edges, [[0, 1], [1, 2], [2, 3], [3, 4]])


def test_energy_matches_the_formula():
    model = random_model()
    s = np.where(np.random.default_rng(1).random(model.n) < 0.5, -1.0, 1.0)
    i, j = model.edges[:, 0], model.edges[:, 1]
    expected = model.E0 - np.sum(model.J * s[i] * s[j]) - model.h @ s
    assert model.energy(s) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("args, kwargs, cli_args", [
    (("square", (6, 6)), dict(J=1.0, disorder="pm", seed=3),
     ["--lattice", "square", "--size", "6x6", "--disorder", "pm", "--seed", "3"]),
    (("triangular", "3x4"), dict(boundary="open", J=0.5, h=0.1, random_field=0.3, seed=5),
     ["--lattice", "triangular", "--size", "3x4", "--boundary", "open", "--J", "0.5", "--h",
      "0.1", "--random-field", "0.3", "--seed", "5"]),
    (("complete", 9), dict(disorder="sk", J0=0.5, seed=2),
     ["--lattice", "complete", "--size", "9", "--disorder", "sk", "--J0", "0.5", "--seed", "2"]),
    (("honeycomb", (2, 3)), dict(disorder="gauss", seed=11),
     ["--lattice", "honeycomb", "--size", "2x3", "--disorder", "gauss", "--seed", "11"]),
])
def test_lattice_is_the_models_the_command_line_exports(cli, tmp_path, args, kwargs, cli_args):
    path = tmp_path / "model.txt"
    run_cli(cli, "export", "--edges", path, *cli_args)
    exported = isingmf.read_edge_list(path)
    model = isingmf.lattice(*args, **kwargs)
    np.testing.assert_array_equal(model.edges, exported.edges)
    np.testing.assert_array_equal(model.J, exported.J)  # edge lists round-trip exactly
    np.testing.assert_array_equal(model.h, exported.h)
    assert model.description["lattice"] == args[0]


def test_lattice_description_and_spec():
    model = isingmf.lattice("square", (64, 64), boundary="periodic", J=1, disorder="pm", seed=3)
    assert model.description == {"lattice": "square", "size": "64x64", "boundary": "periodic",
                                  "J": "1", "h": "0", "disorder": "pm", "random_field": "0",
                                  "seed": "3"}
    assert model.lattice == {"kind": "square", "size": (64, 64), "boundary": "periodic"}
    assert isingmf.Model(2, [[0, 1]], 1.0).lattice is None


def test_edge_list_file_round_trip_is_exact(tmp_path):
    model = random_model()
    path = tmp_path / "m.txt"
    model.to_edge_list(path, comment="a test model")
    back = isingmf.read_edge_list(str(path))
    for name in ("edges", "J", "h"):
        np.testing.assert_array_equal(getattr(back, name), getattr(model, name))
    assert back.E0 == model.E0


def test_uai_round_trip_keeps_ln_z(tmp_path):
    # write_uai promises ln Z of the file = ln Z(beta) of the model to ~1e-12 relative.
    model = random_model(n=8, seed=4)
    beta = 0.7
    path = tmp_path / "m.uai"
    model.to_uai(path, beta=beta)
    back = isingmf.read_uai(path)
    expected = isingmf.exact(model, beta, method="enumerate").ln_z[0]
    assert isingmf.exact(back, 1.0, method="enumerate").ln_z[0] == pytest.approx(expected, rel=1e-12)


def test_writing_a_model_over_an_existing_file_needs_force(tmp_path):
    # As `isingmf export` needs --force: an existing file is never replaced silently, and a
    # refused write leaves it as it was.
    model = random_model(n=6, seed=5)
    for suffix, write in ((".txt", model.to_edge_list), (".uai", model.to_uai)):
        path = tmp_path / ("m" + suffix)
        path.write_text("keep me\n")
        with pytest.raises(isingmf.IoError, match=r"m\.(txt|uai)' exists; pass force=True"):
            write(path)
        assert path.read_text() == "keep me\n"
        write(path, force=True)
        assert path.read_text() != "keep me\n"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    back = isingmf.read_edge_list(tmp_path / "m.txt")
    np.testing.assert_array_equal(back.J, model.J)


def test_uai_grid_against_its_published_value(root):
    # tests/data/uai2014-grids/README.md: Grids_11 (10x10 torus), ln Z = 390.077166 (6 d.p.).
    model = isingmf.read_uai(root / "tests/data/uai2014-grids/Grids_11.uai")
    assert model.n == 100 and model.num_edges == 200
    assert isingmf.exact(model, 1.0, method="eliminate").ln_z[0] == pytest.approx(390.077166, rel=1e-6)


def pickled_models():
    return {
        "arrays": random_model(),
        "uniform generated": isingmf.lattice("square", (12, 10), J=0.7, h=-0.1),
        "open honeycomb": isingmf.lattice("honeycomb", (3, 4), boundary="open", J=-1.0),
        "pm with random field": isingmf.lattice("square", (6, 6), disorder="pm", random_field=0.5,
                                                seed=9),
        "uniform complete": isingmf.lattice("complete", 9, J=-0.25, h=0.5),
        "uniform from arrays": isingmf.Model(4, [[0, 1], [1, 2], [2, 3]], -0.0, h=0.5, E0=2),
        "no edges": isingmf.Model(3, np.zeros((0, 2), dtype=int), [], h=[0.1, 0.2, -0.3]),
    }


def assert_same_model(a, b):
    for name in ("edges", "J", "h"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    # Bit for bit: a signed zero stays signed.
    assert np.array_equal(np.signbit(a.J), np.signbit(b.J))
    assert (a.n, a.E0, a.description, a.lattice) == (b.n, b.E0, b.description, b.lattice)


@pytest.mark.parametrize("name", list(pickled_models()))
def test_models_pickle_and_copy_to_the_bit(name):
    import copy
    import pickle
    model = pickled_models()[name]
    for again in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert_same_model(model, again)
        assert repr(again) == repr(model)
        # The solvers see the same model: the same numbers to the last bit.
        assert isingmf.mean_field(again, 0.6).ln_z == isingmf.mean_field(model, 0.6).ln_z
        assert isingmf.exact(again, 0.6).ln_z[0] == isingmf.exact(model, 0.6).ln_z[0]


def test_a_generated_lattice_pickles_as_its_spec():
    import pickle
    model = isingmf.lattice("square", (1024, 1024), J=1.0, h=0.1)
    data = pickle.dumps(model)
    assert len(data) < 1000  # the arrays would be 40 MB
    again = pickle.loads(data)
    assert again.lattice == model.lattice and again.description == model.description
    np.testing.assert_array_equal(again.edges[-5:], model.edges[-5:])


def ln_z_of_pickled(model):
    return isingmf.mean_field(model, 0.4, starts="up").ln_z


def test_models_go_to_worker_processes():
    # spawn: the worker is a fresh interpreter that gets the model only through pickle.
    import multiprocessing
    models = [random_model(seed=s) for s in range(3)]
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        in_workers = pool.map(ln_z_of_pickled, models)
    assert in_workers == [ln_z_of_pickled(m) for m in models]


def test_states_that_are_not_a_models_are_refused():
    model = random_model()
    state = model.__getstate__()
    bad_states = {
        "version": ((2,) + state[1:], "not an isingmf.Model pickle state of version 1"),
        "short": (state[:5], "not an isingmf.Model pickle state"),
        "not a tuple": ("x", "not an isingmf.Model pickle state"),
        "description": (state[:6] + (5,) + state[7:], "not an isingmf.Model pickle state"),
        "site": (state[:2] + (np.array([[0, 99]]),) + state[3:], "outside 0..6"),
        "lattice": (state[:7] + (("hexagonal", (3,), "open"),), "hexagonal"),
        "no edges, no lattice": (state[:2] + (None, 1.0, 0.0) + state[5:],
                                 "not an isingmf.Model pickle state"),
    }
    for name, (bad, message) in bad_states.items():
        blank = isingmf.Model.__new__(isingmf.Model)
        with pytest.raises(ValueError, match=message):
            blank.__setstate__(bad)


def test_sparse_round_trip():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    model = random_model(n=9, seed=2)
    A = model.to_sparse()
    assert scipy_sparse.issparse(A) and A.shape == (9, 9)
    assert (A != A.T).nnz == 0 and not A.diagonal().any()
    back = isingmf.Model.from_sparse(A, h=model.h, E0=model.E0)
    # Edges come back in row-major order of the upper triangle.
    order = np.lexsort((model.edges[:, 1], model.edges[:, 0]))
    np.testing.assert_array_equal(back.edges, model.edges[order])
    np.testing.assert_array_equal(back.J, model.J[order])
    # H = E0 - (1/2) s^T A s - h^T s for every s.
    s = np.where(np.arange(9) % 3 == 0, 1.0, -1.0)
    assert back.energy(s) == pytest.approx(model.E0 - 0.5 * s @ (A @ s) - model.h @ s, rel=1e-14)
    dense = isingmf.Model.from_sparse(A.toarray(), h=model.h, E0=model.E0)
    np.testing.assert_array_equal(dense.J, back.J)


def test_sparse_refuses_asymmetric_and_diagonal():
    with pytest.raises(ValueError, match=r"not symmetric: J\[0,1\] = 1.0 but J\[1,0\] = 0.0"):
        isingmf.Model.from_sparse(np.array([[0.0, 1.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="diagonal"):
        isingmf.Model.from_sparse(np.eye(3))
    with pytest.raises(ValueError, match="square"):
        isingmf.Model.from_sparse(np.zeros((2, 3)))
    # A NaN is named as what it is, not as an asymmetry (NaN - NaN is NaN).
    with pytest.raises(ValueError, match=r"non-finite entry: J\[0,2\] = nan"):
        isingmf.Model.from_sparse(np.array([[0.0, 0, np.nan], [0, 0, 1], [np.nan, 1, 0]]))
    with pytest.raises(ValueError, match=r"non-finite entry: J\[1,0\] = inf"):
        isingmf.Model.from_sparse(np.array([[0.0, 1], [np.inf, 0]]))


def test_networkx_round_trip_and_weights():
    nx = pytest.importorskip("networkx")
    model = random_model(n=6, seed=3)
    G = model.to_networkx()
    back = isingmf.Model.from_networkx(G, field="h", E0=model.E0)
    np.testing.assert_array_equal(back.edges, model.edges)
    np.testing.assert_array_equal(back.J, model.J)
    np.testing.assert_array_equal(back.h, model.h)

    # Labelled nodes in graph order, a missing weight is 1 (networkx's convention), a
    # MultiGraph's parallel edges add.
    H = nx.MultiGraph()
    H.add_nodes_from(["a", "b", "c"])
    H.add_edge("a", "b", weight=0.5)
    H.add_edge("b", "a", weight=0.25)
    H.add_edge("b", "c")
    m = isingmf.Model.from_networkx(H)
    np.testing.assert_array_equal(m.edges, [[0, 1], [1, 2]])
    np.testing.assert_array_equal(m.J, [0.75, 1.0])
    with pytest.raises(ValueError, match="directed"):
        isingmf.Model.from_networkx(nx.DiGraph([(0, 1)]))
    with pytest.raises(ValueError, match="self-loop on site 0"):
        isingmf.Model.from_networkx(nx.Graph([(0, 0)]))
