"""Errors as Python exceptions: ValueError (isingmf.ParseError / isingmf.ModelError) for bad
arguments, OSError (isingmf.IoError) for files, each with a one-line message that names
what is at fault."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import isingmf
from conftest import run_cli

SQUARE = isingmf.lattice("square", (4, 4))
HUGE = isingmf.lattice("square", (4, 4), J=1e300)


def test_exception_classes():
    assert issubclass(isingmf.ParseError, ValueError) and issubclass(isingmf.ParseError, isingmf.Error)
    assert issubclass(isingmf.ModelError, ValueError) and issubclass(isingmf.ModelError, isingmf.Error)
    assert issubclass(isingmf.IoError, OSError) and issubclass(isingmf.IoError, isingmf.Error)
    assert issubclass(isingmf.Error, RuntimeError)


@pytest.mark.parametrize("call, message", [
    (lambda: isingmf.lattice("hexagonal", 4), "unknown lattice 'hexagonal'"),
    (lambda: isingmf.lattice("square", "4x4x4"), "extent"),
    (lambda: isingmf.lattice("square", (4, 0)), "extent must be at least 1, got 0"),
    (lambda: isingmf.lattice("square", "4y4"), "bad size '4y4'"),
    (lambda: isingmf.lattice("square", 4, boundary="twisted"), "twisted"),
    (lambda: isingmf.lattice("square", (4, 4), disorder="sk"), "disorder 'sk' needs lattice 'complete'"),
    (lambda: isingmf.lattice("complete", 8, boundary="open"), "boundary has no meaning"),
    (lambda: isingmf.lattice("square", (4, 4), J0=1.0), "J0 is only used with disorder 'sk'"),
    (lambda: isingmf.lattice("square", (4, 4), J=float("inf")), "finite"),
    (lambda: isingmf.lattice("square", (4, 4), random_field=-1), "random-field"),
    (lambda: isingmf.lattice("square", (1, 4)), "has an extent of 1"),
    (lambda: isingmf.Model(3, [[0, 1, 2]], 1.0), "edges must have shape (E, 2), got (1, 3)"),
    (lambda: isingmf.Model(3, [[0.0, 1.0]], 1.0), "edges must be integers"),
    (lambda: isingmf.Model(3, [[0, 3]], 1.0), "edge (0, 3) has a site outside 0..2"),
    (lambda: isingmf.Model(3, [[0, 2**40]], 1.0), "outside 0..2"),
    # Unsigned indices are named as given, not wrapped to -1.
    (lambda: isingmf.Model(3, np.array([[0, 2**64 - 1]], dtype=np.uint64), 1.0),
     "edge (0, 18446744073709551615) has a site outside 0..2"),
    (lambda: isingmf.Model(3, np.array([[0, -1]]), 1.0), "edge (0, -1) has a site outside 0..2"),
    (lambda: isingmf.Model(3, [[1, 1]], 1.0), "self-loop on site 1"),
    (lambda: isingmf.Model(3, [[0, 1]], [1.0, 2.0]), "J has 2 entries for 1 edges"),
    (lambda: isingmf.Model(3, [[0, 1]], 1.0, h=[1.0]), "h has 1 entries for 3 sites"),
    (lambda: isingmf.Model(3, [[0, 1]], [[1.0]]), "J must be a number or a 1-D array, got 2 dimensions"),
    (lambda: isingmf.lattice("square", (4, 4.5)), "size (4, 4.5) is not one or more integer extents"),
    (lambda: isingmf.Model(3, [[0, 1]], np.nan), "not finite"),
    (lambda: isingmf.Model(0, [], []), "at least one site"),
    (lambda: isingmf.mean_field(SQUARE, -0.5), "beta must be finite and >= 0, got -0.5"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, tol=0), "tol must be a finite number > 0"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, max_iter=0), "max_iter must be >= 1"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, restarts=-1), "restarts must be between 0 and 10000"),
    # The command line's limits: more is a typo that would run for hours (or start thousands
    # of threads) before anything could stop it.
    (lambda: isingmf.mean_field(SQUARE, 1.0, starts="random", restarts=2**31 - 1), "restarts must be between 0 and 10000"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, restarts=10001), "restarts must be between 0 and 10000"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, starts="random", restarts=20000), "restarts must be between 0 and 10000"),
    (lambda: isingmf.ensemble("chain", 4, samples=4, T=1.0, threads=-1), "thread count must be between 0 and 1024"),
    (lambda: isingmf.ensemble("chain", 4, samples=1500, T=1.0, threads=1500), "thread count must be between 0 and 1024, got 1500"),
    (lambda: isingmf.ensemble("chain", 4, samples=10**8, T=1.0), "samples must be an integer between 1 and 10000000, got 100000000"),
    (lambda: isingmf.ensemble("chain", 4, samples=0, T=1.0), "samples must be an integer between 1 and 10000000, got 0"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, starts="up,sideways"), "unknown start 'sideways'"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, starts="up", restarts=3), "restarts needs 'random' in starts"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, starts="up,warm", restarts=2), "restarts needs 'random' in starts"),
    # A setting the chosen method does not use is refused, as on the command line.
    (lambda: isingmf.mean_field(SQUARE, 1.0, method="sequential", omega=1.5), "omega needs method='over_relaxed'"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, method="sequential", omega=1.2), "omega needs method='over_relaxed'"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, method="sequential", omega=1.2), "omega needs method='over_relaxed'"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, starts=[]), "starts names no start"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, starts="warm"), "start 'warm' needs a sweep"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, method="newton"), "newton"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, omega=2.0), "over-relaxation factor"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, threads=-1), "thread count must be between 0 and 1024"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, warm_start=np.zeros(3)), "warm_start has 3 entries for 16 sites"),
    # A NaN was dropped silently (the aligned start alone runs on this ferromagnet), 5 clamped.
    (lambda: isingmf.mean_field(SQUARE, 1.0, warm_start=[float("nan")] * 16), "warm_start[0] = nan is not a magnetization in [-1, 1]"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, warm_start=[0.0] * 15 + [5.0]), "warm_start[15] = 5 is not a magnetization"),
    (lambda: isingmf.Model(2**40, [], []), "a model has at most 2^30 = 1073741824 sites, got 1099511627776"),
    (lambda: isingmf.exact(SQUARE, [0.5, np.inf]), "beta[1] must be finite"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, starts="naive,naive"), "start 'naive' listed twice in starts"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, clusters=[[0, 2**40]]), "clusters, piece 0: site 1099511627776 is out of range (model has 16 sites)"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, clusters=[list(range(15)), [-1]]), "clusters, piece 1: site -1 is out of range"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, clusters=[[2**70]]), "site 1180591620717411303424 is out of range"),
    # What read_edge_list would refuse is not written.
    (lambda: SQUARE.to_edge_list("/nonexistent/never.txt", comment="a\0b"), "the comment has byte 0x00"),
    (lambda: SQUARE.to_edge_list("/nonexistent/never.txt", comment="x" * 70000), "the comment has a line of 70002 bytes"),
    # beta |H| past the largest double: every solver refuses, as sweep does (they used to
    # return inf or NaN marked converged; upper_bound a "certified" NaN).
    (lambda: isingmf.mean_field(HUGE, 1e10), "overflows; rescale the model"),
    (lambda: isingmf.upper_bound(HUGE, 1e10), "overflows; rescale the model"),
    (lambda: isingmf.bethe(HUGE, 1e10), "overflows; rescale the model"),
    (lambda: isingmf.structured_mean_field(HUGE, 1e10), "overflows; rescale the model"),
    (lambda: isingmf.exact(HUGE, [1.0, 1e10]), "beta = 10000000000 times the energy scale"),
    (lambda: isingmf.exact(SQUARE), "give the betas or T"),
    (lambda: isingmf.exact(SQUARE, 1.0, T=1.0), "give T or beta, not both"),
    (lambda: isingmf.exact(SQUARE, T=[1.0, 0.0]), "temperature must be > 0"),
    (lambda: isingmf.exact(SQUARE, T=[float("inf")]), "temperature inf: give it as beta = 0"),
    (lambda: isingmf.upper_bound(SQUARE, 0.5, tol=float("inf")), "tol must be a finite number"),
    (lambda: isingmf.exact(SQUARE, 1.0, method="magic"), "magic"),
    (lambda: isingmf.exact(SQUARE, np.ones((2, 2))), "1-D"),
    (lambda: isingmf.exact(SQUARE, []), "beta is empty"),
    (lambda: isingmf.exact(SQUARE, 1.0, threads=5000), "thread count"),
    (lambda: isingmf.sweep(SQUARE, T="5:1:0.5"), "stop below start"),
    (lambda: isingmf.sweep(SQUARE, T="1:2:0"), "step > 0"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, exact="sometimes"), "sometimes"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, threads=-2), "thread count"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, threads=-2**64), "threads = -18446744073709551616 is too small"),
    # Unsigned arguments out of range name themselves (not pybind11's TypeError).
    (lambda: isingmf.lattice("square", (4, 4), seed=-1), "seed must be an integer in [0, 2^64 - 1], got -1"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, seed=2**64), "seed must be an integer in [0, 2^64 - 1]"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, seed=-5), "got -5"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, seed=-1), "seed must be"),
    (lambda: isingmf.ensemble("square", (4, 4), samples=-2, T=1.0), "samples must be an integer between 1 and 10000000, got -2"),
    (lambda: isingmf.ensemble("square", (4, 4), seed=2**65, T=1.0), "seed must be"),
    # Whole numbers beyond int: named as given, not pybind11's TypeError with the signature
    # (nor clamped to int, whose value the argument's own check would then report).
    (lambda: isingmf.mean_field(SQUARE, 1.0, max_iter=2**31),
     "max_iter = 2147483648 is too large to be read (no whole-number argument takes more than 2147483647)"),
    (lambda: isingmf.mean_field(SQUARE, 1.0, max_iter=-2**70),
     "max_iter = -1180591620717411303424 is too small to be read (no whole-number argument takes less than -2147483648)"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, restarts=np.int64(2**40)), "restarts = 1099511627776 is too large"),
    (lambda: isingmf.sweep(SQUARE, T=1.0, restarts=-2**40), "restarts = -1099511627776 is too small"),
    (lambda: isingmf.structured_mean_field(SQUARE, 1.0, cluster_width=2**31), "cluster_width = 2147483648"),
    (lambda: isingmf.upper_bound(SQUARE, 1.0, memory=-2**33), "memory = -8589934592 is too small"),
    (lambda: isingmf.bethe(SQUARE, 1.0, threads=2**64), "threads = 18446744073709551616 is too large"),
    (lambda: isingmf.exact(SQUARE, 1.0, threads=2**31), "threads = 2147483648 is too large"),
    (lambda: isingmf.ensemble("square", (4, 4), T=1.0, ub_width=2**31), "ub_width = 2147483648 is too large"),
])
def test_bad_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert isinstance(e.value, isingmf.Error)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_files_raise_os_error(tmp_path):
    with pytest.raises(OSError, match="missing.uai"):
        isingmf.read_uai(tmp_path / "missing.uai")
    with pytest.raises(OSError, match="missing.txt"):
        isingmf.read_edge_list(tmp_path / "missing.txt")
    with pytest.raises(OSError, match="(?i)no such file"):
        isingmf.read_results(tmp_path / "missing.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(OSError, match="is not an HDF5 file"):
        isingmf.read_results(tmp_path / "text.h5")
    with pytest.raises(OSError):
        SQUARE.to_uai(tmp_path / "no" / "such" / "dir.uai")
    with pytest.raises(OSError):
        SQUARE.to_edge_list(tmp_path / "no" / "such" / "dir.txt")
    # beta = 0 writes nothing of the model, as `isingmf export --beta 0` refuses; NaN says so.
    for beta, text in ((0.0, "got 0"), (float("nan"), "got nan")):
        with pytest.raises(isingmf.ModelError, match=f"finite and > 0.*{text}"):
            SQUARE.to_uai(tmp_path / "zero.uai", beta=beta)
    assert not (tmp_path / "zero.uai").exists()
    # A NaN spin has no sign: it was read as +1.
    with pytest.raises(isingmf.ModelError, match="spin 1 is NaN"):
        SQUARE.energy([1.0, float("nan")] + [1.0] * 14)


def in_capped_child(body, address_space):
    """The output of `body` (Python text, after `import isingmf`) run in a child process whose
    address space is capped at `address_space` bytes."""
    code = ("import resource, isingmf\n"
            f"resource.setrlimit(resource.RLIMIT_AS, ({address_space}, {address_space}))\n" + body)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_a_site_count_too_large_is_refused_before_any_array_is_allocated():
    # Model(2**31 - 1, ...) used to allocate 16 GB of zero fields before the model's own
    # check; under a 2 GiB address-space limit that was a MemoryError instead of the message.
    assert in_capped_child("try:\n"
                           "    isingmf.Model(2**31 - 1, [[0, 1]], 1.0)\n"
                           "except isingmf.ModelError as e:\n"
                           "    print(e)\n", 2 << 30) == \
        "a model has at most 2^30 = 1073741824 sites, got 2147483647\n"


def test_objects_made_by_new_alone_are_refused_not_read():
    # Type.__new__(Type) is the first half of unpickling; before __setstate__ the object holds
    # nothing, and pybind11 handed its uninitialised memory to C++: repr(Model.__new__(Model))
    # crashed the interpreter. Every attribute and method of every bound class, and the
    # object as a solver's argument, is now a TypeError. In a child, so that a crash fails
    # the test instead of ending the run.
    code = """
import isingmf
classes = [c for c in vars(isingmf).values()
           if isinstance(c, type) and not issubclass(c, BaseException)]
assert len(classes) >= 14, classes
checked = 0
for cls in classes:
    blank = cls.__new__(cls)
    names = [n for n in dir(cls) if not n.startswith("_")] + ["__repr__", "__getstate__"]
    for name in names:
        if name in ("from_sparse", "from_networkx") or not hasattr(cls, name):
            continue  # static constructors, no self
        try:
            value = getattr(blank, name)
            # A method is called with 0, 1, 2, ... arguments until its count is right and
            # the arguments are read (self first).
            for count in range(4) if callable(value) else ():
                try:
                    value(*[0] * count)
                except TypeError as e:
                    if "incompatible function arguments" not in str(e):
                        raise
        except TypeError as e:
            assert "holds nothing" in str(e), (cls.__name__, name, str(e))
            checked += 1
        else:
            raise AssertionError(cls.__name__ + "." + name + " read an empty object")
for call in (lambda m: isingmf.exact(m, 1.0), lambda m: isingmf.mean_field(m, 1.0),
             lambda m: isingmf.sweep(m, T=1.0)):
    try:
        call(isingmf.Model.__new__(isingmf.Model))
    except TypeError as e:
        assert "this isingmf.Model holds nothing" in str(e), str(e)
        checked += 1
print(checked)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 100


def test_an_absurd_omp_num_threads_is_refused_where_it_sizes_a_team():
    # Building a model takes no threads argument: OpenMP's default team builds it, as a solve
    # with threads=0 solves. Refused alike (libgomp crashed starting 100000 threads); a given
    # thread count replaces the first level, but not a nested one. The variable is set after
    # the model is built (the check reads it from the environment at each call).
    code = ("import os, sys, isingmf\n"
            "model = isingmf.lattice('square', (4, 4))\n"
            "os.environ['OMP_NUM_THREADS'] = sys.argv[1]\n"
            "for call in (lambda: isingmf.lattice('square', (4, 4)),\n"
            "             lambda: isingmf.Model(3, [[0, 1]], 1.0),\n"
            "             lambda: isingmf.mean_field(model, 1.0, threads=2)):\n"
            "    try:\n"
            "        print('ran', call().__class__.__name__)\n"
            "    except isingmf.ModelError as e:\n"
            "        print(e)\n")
    refused = "OMP_NUM_THREADS asks for 100000 threads{}, more than the 1024 allowed"
    for variable, expected in [("100000", [refused.format("")] * 2 + ["ran MeanFieldResult"]),
                               ("2,100000", [refused.format(" at nesting level 2")] * 3)]:
        out = subprocess.run([sys.executable, "-c", code, variable], capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert out.stdout.splitlines() == expected, out.stdout


def test_a_damaged_file_hdf5_loops_on_takes_the_cli_timeout(monkeypatch):
    # ISINGMF_READ_TIMEOUT shortens the 60 s the reading child gets, as for `isingmf info`.
    monkeypatch.setenv("ISINGMF_READ_TIMEOUT", "1")
    looping = Path(__file__).resolve().parents[2] / "tests/fuzz/corpus/results/hdf5_heap_loop.hdf5"
    with pytest.raises(isingmf.IoError, match="did not finish reading it in 1 s"):
        isingmf.read_results(looping)


def test_out_of_memory_is_a_memory_error_that_says_so():
    # pybind11 alone says "std::bad_alloc". In a child whose address space is capped below
    # what an 8192^2 sweep needs (about 1.6 GB).
    assert in_capped_child(
        "try:\n"
        "    isingmf.sweep(isingmf.lattice('square', (8192, 8192)), T='1,2', bounds='mf',\n"
        "                  exact='none', starts='up', max_iter=1)\n"
        "    print('ran')\n"
        "except MemoryError as e:\n"
        "    print(e)\n", 1200 << 20) == \
        "out of memory (the model or the temperature grid is too large for the memory this " \
        "process may use)\n"


def test_a_malformed_read_timeout_is_refused(cli, monkeypatch, tmp_path):
    # As `isingmf info`: a typo in ISINGMF_READ_TIMEOUT is an error, not the default 60 s.
    path = tmp_path / "r.h5"
    run_cli(cli, "sweep", "--size", "3x3", "--T", "1", "--quiet", "--out", path)
    for value in ["5s", "0", "86401", ""]:
        monkeypatch.setenv("ISINGMF_READ_TIMEOUT", value)
        with pytest.raises(isingmf.ModelError, match="is not a whole number of seconds"):
            isingmf.read_results(path)
    monkeypatch.setenv("ISINGMF_READ_TIMEOUT", "2")
    assert isingmf.read_results(path).T.tolist() == [1.0]


def test_damaged_results_files_that_crash_hdf5_raise_os_error():
    # HDF5 1.10 itself crashes on these files (found by fuzzing; `isingmf info` reads them in a
    # child process). read_results has a child read them first, so the interpreter survives
    # and gets an IoError; the same files read fine once the child did, so good files still
    # read (test_sweep_groups.py).
    repo = Path(__file__).resolve().parents[2]
    for damaged in [repo / "tests/fuzz/corpus/results/hdf5_heap_overflow.hdf5",
                    repo / "tests/data/hdf5_damaged_heap_reference.h5"]:
        with pytest.raises(isingmf.IoError, match="crashed reading it"):
            isingmf.read_results(damaged)
        with pytest.raises(isingmf.IoError, match="crashed reading it"):
            isingmf.read_results(damaged, with_m=False)


def test_malformed_files_raise_value_error_naming_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("N 3\n0 1 1.0\n0 5 1.0\n")
    with pytest.raises(ValueError, match=r"bad.txt:3: "):
        isingmf.read_edge_list(path)


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError):
        isingmf.mean_field("not a model", 1.0)
    with pytest.raises(TypeError):
        isingmf.lattice("square", (4, 4), boundary=1)
    with pytest.raises(TypeError):
        isingmf.mean_field(SQUARE, 1.0, max_iter="many")
    with pytest.raises(TypeError):
        isingmf.lattice("square", (4, 4), seed="1")
    with pytest.raises(TypeError):
        isingmf.lattice("square", (4, 4), seed=1.0)
    # Text and complex numbers where real numbers go: NumPy would cast them (the imaginary
    # part dropped with only a warning).
    for call, message in [
            (lambda: isingmf.Model(2, [[0, 1]], np.array([1 + 2j])), "J must be real numbers, got dtype complex128"),
            (lambda: isingmf.Model(2, [[0, 1]], "7"), "J must be real numbers, got dtype <U1"),
            (lambda: isingmf.Model(2, [[0, 1]], 1.0, h=["1", "2"]), "h must be real numbers"),
            (lambda: isingmf.exact(SQUARE, ["1"]), "beta must be real numbers"),
            (lambda: isingmf.mean_field(SQUARE, 1.0, warm_start=np.zeros(16, complex)), "warm_start must be real"),
            # None is not a number: NumPy would read it as NaN, reported as not finite.
            (lambda: SQUARE.energy(None), "spins must be real numbers, got None"),
            (lambda: isingmf.Model(2, [[0, 1]], None), "J must be real numbers, got None"),
            (lambda: isingmf.Model(3, [[0, 1]], 1.0, h=[0.5, None, 1]),
             "h must be real numbers, got None at flat index 1"),
            (lambda: isingmf.exact(SQUARE, [0.5, None]), "beta must be real numbers, got None at flat index 1")]:
        with pytest.raises(TypeError) as e:
            call()
        assert str(e.value).startswith(message)
    # Clusters that are not lists of integers: TypeError with a message, not pybind11's
    # RuntimeError "Unable to cast".
    for clusters in ([[0, "a"]], [1, 2], [[1.0]], [["01"]]):
        with pytest.raises(TypeError, match="clusters must be a path or lists of site indices"):
            isingmf.structured_mean_field(SQUARE, 1.0, clusters=clusters)


def test_a_path_that_is_not_utf8_is_named_in_the_message(tmp_path):
    # The message used to be empty: Python could not decode the path's bytes.
    with pytest.raises(isingmf.IoError, match=r"\\xff\.txt': No such file or directory"):
        isingmf.read_edge_list(bytes(tmp_path) + b"/\xff.txt")


def test_numpy_integers_are_seeds():
    # EnsembleResult.seeds is uint64: its entries reproduce a sample's model.
    for seed in (np.uint64(3), np.int64(3), 3):
        model = isingmf.lattice("square", (4, 4), disorder="pm", seed=seed)
        assert np.array_equal(model.J, isingmf.lattice("square", (4, 4), disorder="pm", seed=3).J)
    assert len(isingmf.ensemble("square", (4, 4), samples=np.int64(2), T=1.0, bounds="mf")) == 2
    with pytest.raises(isingmf.ModelError, match="got -1"):
        isingmf.lattice("square", (4, 4), seed=np.int64(-1))
