"""Results pickle (multiprocessing, copy.deepcopy) and come back equal to the last bit: every
public attribute of every result type, arrays and nested results included, compared as bits
(NaN equal to NaN); a worker started with `spawn` returns a sweep that equals the parent's.
A state that is not one is refused in one line (isingmf.IoError), never read as a result."""

import copy
import multiprocessing
import pickle
import resource
import struct

import numpy as np
import pytest

import isingmf
from conftest import run_cli

MODEL = isingmf.lattice("square", size=(6, 6), disorder="pm", seed=3, h=0.1)


def attributes(obj):
    return [name for name in dir(obj) if not name.startswith("_")
            and not callable(getattr(type(obj), name, None))]


def assert_same(a, b, where="result"):
    """a and b equal bit for bit, recursively over public attributes, items and entries."""
    assert type(a) is type(b), where
    if a is None or isinstance(a, (bool, int, str, bytes)):
        assert a == b, where
    elif isinstance(a, float):
        assert struct.pack("<d", a) == struct.pack("<d", b), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype.kind == "f":
            assert np.array_equal(a.view(np.uint64), b.view(np.uint64)), where
        else:
            assert np.array_equal(a, b), where
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{k}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    else:
        names = attributes(a)
        assert names, f"{where}: no attributes to compare on {type(a).__name__}"
        for name in names:
            assert_same(getattr(a, name), getattr(b, name), f"{where}.{name}")
        if hasattr(a, "__len__") and hasattr(a, "__getitem__"):
            assert len(a) == len(b), where
            for k in range(len(a)):
                assert_same(a[k], b[k], f"{where}[{k}]")


def results():
    beta = 0.6
    sweep = isingmf.sweep(MODEL, T="0.8,1.6,2.4", bounds="mf,upper,bethe,structured",
                          exact="eliminate", restarts=2, ub_width=2, threads=1)
    return {
        "mean_field": isingmf.mean_field(MODEL, beta, restarts=3, threads=1),
        "structured": isingmf.structured_mean_field(MODEL, beta, cluster_width=2, threads=1),
        # Strips of two rows: the split and the trace are not empty.
        "upper_bound": isingmf.upper_bound(MODEL, beta, width=2, trace=True, threads=1),
        "bethe": isingmf.bethe(MODEL, beta, threads=1),
        "exact": isingmf.exact(MODEL, [0.3, beta], method="eliminate", threads=1),
        "exact_point": isingmf.exact(MODEL, [beta], method="eliminate", threads=1)[0],
        "sweep": sweep,
        "sweep_point": sweep[1],
        "mean_field_series": sweep.mean_field,
        "upper_bound_series": sweep.upper_bound,
        "bethe_series": sweep.bethe,
        "structured_series": sweep.structured_mean_field,
        "ensemble": isingmf.ensemble("square", "4x4", disorder="pm", samples=3, seed=5,
                                     T="1,2", bounds="mf,upper,structured", threads=1),
    }


@pytest.fixture(scope="module")
def computed():
    return results()


NAMES = ["mean_field", "structured", "upper_bound", "bethe", "exact", "exact_point", "sweep",
         "sweep_point", "mean_field_series", "upper_bound_series", "bethe_series",
         "structured_series", "ensemble"]


def test_every_result_is_named(computed):
    assert sorted(computed) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_results_pickle_and_copy_to_the_bit(computed, name):
    result = computed[name]
    # Protocols 0 and 1 as well: without __reduce__ they rebuilt the object with
    # object.__new__, which aborted the interpreter.
    copies = [pickle.loads(pickle.dumps(result, protocol)) for protocol in
              range(pickle.HIGHEST_PROTOCOL + 1)]
    for again in copies + [copy.deepcopy(result), copy.copy(result)]:
        assert_same(result, again, name)


def test_odd_sweeps_pickle_to_the_bit():
    # beta = 0 (T = inf), NaN where the planar method cannot vouch for ln Z (a 3x3 torus at
    # T = 0.05), no exact side, one temperature.
    glass = isingmf.lattice("square", size=(3, 3), disorder="pm", seed=1)
    planar = isingmf.sweep(glass, T="0.05,1", exact="planar", bounds="mf,upper", threads=1)
    assert np.isnan(planar.exact.ln_z[0])
    for sweep in (planar, isingmf.sweep(glass, beta="0", exact="none", bounds="mf", threads=1)):
        assert_same(sweep, pickle.loads(pickle.dumps(sweep)), "odd sweep")
    assert_same(glass, pickle.loads(pickle.dumps(glass, 0)), "model, protocol 0")


def test_the_cases_hold_what_they_are_meant_to(computed):
    # The comparison has all seven differences, and the upper bound's split is not empty.
    sweep = computed["sweep"]
    assert len(sweep.comparison) == 7
    assert sweep.upper_bound.ln_z.size == 3 and sweep[0].upper.split.size > 0
    assert computed["upper_bound"].trace.size > 1


def test_a_sweep_read_from_a_file_keeps_its_record(tmp_path, cli):
    path = tmp_path / "run.h5"
    run_cli(cli, "sweep", "--size", "4x4", "--T", "1,2", "--out", path, "--quiet")
    read = isingmf.read_results(path)
    assert read.record is not None
    assert_same(read, pickle.loads(pickle.dumps(read)), "read_results")


def sweep_in_worker(model):
    return isingmf.sweep(model, T="1,2", bounds="mf,upper", exact="enumerate", threads=1)


def test_a_spawned_worker_returns_a_sweep():
    model = isingmf.lattice("square", size=(4, 4), disorder="gauss", seed=7)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        (in_worker,) = pool.map(sweep_in_worker, [model])
    assert_same(sweep_in_worker(model), in_worker, "worker")


def u64(value):
    return struct.pack("<Q", value)


def text(value):
    return u64(len(value)) + value.encode()


def test_bad_states_are_refused_in_one_line(computed):
    version, data = computed["mean_field"].__getstate__()
    assert version == 1
    cases = {
        "not a tuple": "state",
        "version": (2, data),
        "a version beyond 64 bits": (2**70, data),
        "short tuple": (1,),
        "not bytes": (1, "text"),
        "cut short": (1, data[:-1]),
        "bytes left over": (1, data + b"\0"),
        "a count beyond the bytes": (1, data[:32] + u64(2**40) + data[40:]),
    }
    for case, state in cases.items():
        with pytest.raises(isingmf.IoError) as error:
            isingmf.MeanFieldResult.__new__(isingmf.MeanFieldResult).__setstate__(state)
        message = str(error.value)
        assert message.startswith("not an isingmf.MeanFieldResult pickle state of version 1"), case
        assert "\n" not in message, case


def test_a_sweep_whose_groups_come_and_go_is_refused():
    # Two points, the first with a mean-field result, the second without: the sweep's columns
    # take a group at the first temperature as present at all. The layout of a SweepResult
    # state: points (count, then each point's fields), exact_method, exact_note, upper_note,
    # num_sites, record (absent).
    with_mf = isingmf.sweep(MODEL, T="1", bounds="mf", exact="none", threads=1)[0]
    without = isingmf.sweep(MODEL, T="1", bounds="upper", exact="none", threads=1)[0]
    points = [p.__getstate__()[1] for p in (with_mf, without)]

    def sweep_state(*point_bytes):
        body = u64(len(point_bytes)) + b"".join(point_bytes)
        return (1, body + text("none") + text("") + text("") + u64(36) + b"\0")

    good = isingmf.SweepResult.__new__(isingmf.SweepResult)
    good.__setstate__(sweep_state(points[0], points[0]))
    assert len(good) == 2 and good.mean_field.ln_z[1] == with_mf.mean_field.ln_z
    bad = isingmf.SweepResult.__new__(isingmf.SweepResult)
    with pytest.raises(isingmf.IoError, match="damaged record"):
        bad.__setstate__(sweep_state(points[0], points[1]))


def test_an_ensemble_of_unlike_samples_is_refused(computed):
    version, seeds, samples = computed["ensemble"].__getstate__()
    assert seeds == (1, u64(3) + u64(5) + u64(6) + u64(7))
    other_grid = isingmf.sweep(isingmf.lattice("square", size=(4, 4), disorder="pm", seed=6),
                               T="1,3", bounds="mf,upper,structured", threads=1)
    cases = {
        # Seeds travel as a state of their own: (1, count and each seed as 8 bytes).
        "seeds for other samples": ((version, (1, u64(2) + u64(5) + u64(6)), samples),
                                    "2 seeds for 3 samples"),
        "no samples": ((version, (1, u64(0)), ()), "0 seeds for 0 samples"),
        "another grid": ((version, seeds, samples[:2] + (other_grid.__getstate__(),)),
                         "differ in their sites or temperatures"),
        "version": ((2, seeds, samples), "of version 1"),
        # Seeds that are not a seeds state (they crashed the interpreter when read as an
        # array).
        "seeds None": ((version, None, samples), "seeds"),
        "seeds as floats": ((version, [1.7, -1.0, 2.0], samples), "seeds"),
    }
    for case, (state, expected) in cases.items():
        with pytest.raises(isingmf.IoError, match=expected):
            isingmf.EnsembleResult.__new__(isingmf.EnsembleResult).__setstate__(state)


def test_text_that_is_not_utf8_is_refused():
    # An ExactResult state: T, beta and points (none here), then method and note as texts.
    empty = u64(0) * 3
    series = isingmf.ExactResult.__new__(isingmf.ExactResult)
    series.__setstate__((1, empty + text("eliminate") + text("a note")))
    assert (series.method, series.note, len(series.T)) == ("eliminate", "a note", 0)
    with pytest.raises(isingmf.IoError, match="damaged record"):
        isingmf.ExactResult.__new__(isingmf.ExactResult).__setstate__(
            (1, empty + text("eliminate") + u64(1) + b"\xff"))


def test_an_exact_series_of_unequal_lengths_is_refused():
    # Three temperatures, no inverse temperatures, one point: a series that disagrees with
    # itself.
    T = u64(3) + struct.pack("<3d", 1.0, 2.0, 3.0)
    point = b"\1" + struct.pack("<6d", *([0.5] * 6))
    state = (1, T + u64(0) + u64(1) + point + text("enumerate") + text(""))
    with pytest.raises(isingmf.IoError, match="damaged record"):
        isingmf.ExactResult.__new__(isingmf.ExactResult).__setstate__(state)


def test_a_long_count_of_tiny_points_is_refused_without_building_them():
    # A count of 2,000,000 points of one byte each (a 2 MB state): refused at the first point
    # that runs out of bytes. Made in full before decoding (~680 bytes each), they took 1.4 GB.
    state = (1, u64(2_000_000) + b"\0" * 2_000_000)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(isingmf.IoError, match="damaged record"):
        isingmf.SweepResult.__new__(isingmf.SweepResult).__setstate__(state)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_kb < 200_000


def test_a_series_of_a_run_without_its_group_is_refused():
    # A series pickles as its whole run; a run without that group is not a series' state.
    upper_only = isingmf.sweep(MODEL, T="1", bounds="upper", exact="none", threads=1)
    state = upper_only.upper_bound.__getstate__()
    with pytest.raises(isingmf.IoError, match="its run has no such group"):
        isingmf.MeanFieldSeries.__new__(isingmf.MeanFieldSeries).__setstate__(state)
    again = isingmf.UpperBoundSeries.__new__(isingmf.UpperBoundSeries)
    again.__setstate__(state)
    assert_same(upper_only.upper_bound, again, "upper_bound series")
