"""isingmf.sweep(bounds=...) against the HDF5 file `isingmf sweep --bounds ...` writes for the
same model and options: every dataset and attribute of /upper_bound, /bethe,
/structured_mean_field and /comparison, read with h5py and compared bit for bit; and
read_results on format 3 files and on a format 2 file (no /mean_field/cut)."""
import h5py
import numpy as np
import pytest

import isingmf
from conftest import run_cli

GROUPS = {
    # file group: (SweepResult attribute, per-temperature datasets, group attributes)
    "mean_field": ("mean_field", ["ln_z", "free_energy_per_spin", "energy_per_spin",
                                  "entropy_per_spin", "magnetization", "residual",
                                  "iterations", "converged"], []),
    "upper_bound": ("upper_bound", ["ln_z", "disagreement", "iterations", "converged"],
                    ["kind", "width", "num_pieces", "decomposition"]),
    "bethe": ("bethe", ["ln_z", "residual", "iterations", "converged"], ["schedule", "damping"]),
    "structured_mean_field": ("structured_mean_field",
                              ["ln_z", "energy_per_spin", "entropy_per_spin", "magnetization",
                               "residual", "iterations", "converged"],
                              ["kind", "width", "num_clusters", "clusters"]),
}
TEXT = {"mean_field": ["start", "cut"], "bethe": ["start"], "structured_mean_field": ["start"]}

CLUSTERS = "# two clusters of two rows each\n0 1 2 3 4 5 6 7\n8 9 10 11 12 13 14 15\n"

CASES = {
    # name: (model, sweep keywords, CLI arguments)
    "all_four": (dict(kind="square", size="4x4", disorder="pm", h=0.1, seed=3),
                 dict(T="0.5:3:0.5", seed=3, bounds="mf,upper,bethe,structured",
                      cluster_width=1),
                 ["--lattice", "square", "--size", "4x4", "--disorder", "pm", "--h", "0.1",
                  "--seed", "3", "--T", "0.5:3:0.5", "--bounds", "mf,upper,bethe,structured",
                  "--cluster-width", "1"]),
    "file_options": ("lattices/pm_4x4_periodic.txt",
                     dict(beta=[0.0, 0.4, 1.1], exact="eliminate", bounds=["upper", "bethe",
                                                                           "structured"],
                          clusters="CLUSTERS", ub_width=1, ub_tol=1e-9,
                          bp_schedule="parallel", bp_damping=0.3, starts="up,anneal,warm"),
                     ["--beta", "0,0.4,1.1", "--exact", "eliminate", "--bounds",
                      "upper,bethe,structured", "--clusters", "CLUSTERS", "--ub-width", "1",
                      "--ub-tol", "1e-9", "--bp-schedule", "parallel", "--bp-damping", "0.3",
                      "--starts", "up,anneal,warm"]),
    "bethe_alone": (dict(kind="triangular", size=(6, 4), J=0.8, h=0.02),
                    dict(T=[1.0, 2.0], exact="none", bounds="bethe"),
                    ["--lattice", "triangular", "--size", "6x4", "--J", "0.8", "--h", "0.02",
                     "--T", "1,2", "--exact", "none", "--bounds", "bethe"]),
}


@pytest.fixture(params=sorted(CASES))
def case(request, cli, root, tmp_path):
    spec, options, cli_args = CASES[request.param]
    clusters = tmp_path / "clusters.txt"
    clusters.write_text(CLUSTERS)
    options = {k: (clusters if v == "CLUSTERS" else v) for k, v in options.items()}
    cli_args = [clusters if a == "CLUSTERS" else a for a in cli_args]
    if isinstance(spec, str):
        model, file_args = isingmf.read_edge_list(root / spec), ["--lattice-file", root / spec]
    else:
        model, file_args = isingmf.lattice(**spec), []
    path = tmp_path / "run.h5"
    store_m = ["--store-m", "yes"] if "bounds" not in options or any(
        b in str(options["bounds"]) for b in ("mf", "structured")) else []
    run_cli(cli, "sweep", *file_args, *cli_args, *store_m, "--quiet", "--out", path)
    return model, isingmf.sweep(model, **options), path


def text(values):
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def check_groups(result, f, exact_per_spin):
    """Every group of the file against the result; per-spin columns bit for bit unless
    `exact_per_spin` is False (read back: multiplied by N and divided again)."""
    for group, (attribute, columns, attributes) in GROUPS.items():
        series = getattr(result, attribute)
        if group not in f:
            assert series is None, group
            continue
        for name in columns:
            expected = f[group][name][:]
            if exact_per_spin or "per_spin" not in name:
                np.testing.assert_array_equal(getattr(series, name), expected,
                                              err_msg=f"{group}/{name}")
            else:
                np.testing.assert_allclose(getattr(series, name), expected, rtol=4e-16,
                                           atol=0, err_msg=f"{group}/{name}")
        for name in TEXT.get(group, []):
            assert getattr(series, name) == text(f[group][name][:]), f"{group}/{name}"
        for name in attributes:
            assert getattr(series, name) == f[group].attrs[name], f"{group}@{name}"
        if "m" in f[group]:
            np.testing.assert_array_equal(series.m, f[group]["m"][:])
    if "upper_bound" in f:
        np.testing.assert_array_equal(result.upper_bound.weights, f["upper_bound/weights"][:])
    comparison = f["comparison"] if "comparison" in f else {}
    assert sorted(result.comparison) == sorted(comparison)
    for name in comparison:
        np.testing.assert_array_equal(result.comparison[name], comparison[name][:],
                                      err_msg=name)
    assert result.upper_note == f.attrs["upper_note"]


def test_sweep_groups_equal_the_command_lines_file(case):
    model, result, path = case
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(result.T, f["T"][:])
        check_groups(result, f, exact_per_spin=True)
    # One temperature's results are the solver's own records (views into the run).
    point = result[-1]
    assert (point.upper is None) == (result.upper_bound is None)
    assert (point.bethe is None) == (result.bethe is None)
    if result.structured_mean_field is not None:
        np.testing.assert_array_equal(point.structured.m, result.structured_mean_field.m[-1])


def test_read_results_returns_the_groups(case):
    _, _, path = case
    back = isingmf.read_results(path)
    with h5py.File(path, "r") as f:
        check_groups(back, f, exact_per_spin=False)


def test_format_2_files_read_as_having_no_cut_starts(cli, tmp_path):
    # A version 2 file is a version 3 file without /mean_field/cut (README "HDF5 results").
    path = tmp_path / "v2.h5"
    run_cli(cli, "sweep", "--size", "4x4", "--disorder", "pm", "--seed", "2", "--T", "1,2",
            "--bounds", "mf,upper", "--quiet", "--out", path)
    three = isingmf.read_results(path)
    with h5py.File(path, "r+") as f:
        assert f.attrs["format_version"] == 3
        f.attrs.modify("format_version", 2)
        del f["mean_field/cut"]
    two = isingmf.read_results(path)
    assert two.mean_field.cut == ["", ""]
    np.testing.assert_array_equal(two.mean_field.ln_z, three.mean_field.ln_z)
    np.testing.assert_array_equal(two.upper_bound.ln_z, three.upper_bound.ln_z)
    with h5py.File(path, "r+") as f:
        f.attrs.modify("format_version", 4)
    with pytest.raises(isingmf.IoError, match="version"):
        isingmf.read_results(path)


def test_sweep_argument_errors():
    model = isingmf.lattice("square", (4, 4))
    with pytest.raises(isingmf.ParseError, match="unknown bound 'lower'"):
        isingmf.sweep(model, T=1, bounds="mf,lower")
    with pytest.raises(isingmf.ParseError, match="listed twice"):
        isingmf.sweep(model, T=1, bounds=["mf", "mf"])
    with pytest.raises(isingmf.ModelError, match="cluster_width needs structured"):
        isingmf.sweep(model, T=1, cluster_width=2)
    # A bound's setting without that bound would be silently ignored.
    with pytest.raises(isingmf.ModelError, match="ub_width needs upper in bounds"):
        isingmf.sweep(model, T=1, bounds="mf", ub_width=2)
    with pytest.raises(isingmf.ModelError, match="ub_tol needs upper in bounds"):
        isingmf.sweep(model, T=1, bounds="bethe", ub_tol=1e-9)
    with pytest.raises(isingmf.ModelError, match="bp_schedule needs bethe in bounds"):
        isingmf.sweep(model, T=1, bp_schedule="parallel")
    with pytest.raises(isingmf.ModelError, match="bp_damping needs bethe in bounds"):
        isingmf.ensemble(kind="square", size="4x4", samples=2, T=1, bp_damping=0.2)
    with pytest.raises(isingmf.ModelError, match="not both"):
        isingmf.sweep(model, T=1, bounds="structured", cluster_width=2, clusters=[[0]])
    with pytest.raises(isingmf.ModelError):
        isingmf.sweep(model, T=1, bounds="structured", clusters=[[0, 1], [1, 2]])
    with pytest.raises(isingmf.ParseError, match="schedule"):
        isingmf.sweep(model, T=1, bp_schedule="random")
    with pytest.raises(ValueError, match="bp_damping"):
        isingmf.sweep(model, T=1, bp_damping=1.0)
    with pytest.raises(ValueError, match="ub_width"):
        isingmf.sweep(model, T=1, ub_width=-1)
    with pytest.raises(ValueError, match="width"):
        isingmf.upper_bound(model, 1.0, width=-1)
    with pytest.raises(ValueError, match="damping"):
        isingmf.bethe(model, 1.0, damping=1.5)
    with pytest.raises(ValueError, match="unknown start 'warm'"):
        isingmf.structured_mean_field(model, 1.0, starts="warm")
    with pytest.raises(ValueError, match="beta"):
        isingmf.upper_bound(model, -1.0)


def test_a_point_says_what_it_holds():
    # Its repr was the default `<isingmf.SweepPoint object at 0x...>`; now T, beta and each
    # ln Z computed at that temperature, to the bit, as the other results' reprs.
    run = isingmf.sweep(isingmf.lattice("square", (3, 3)), T="1,2", bounds="mf,upper,bethe")
    point = run[1]
    assert repr(point) == (
        f"<isingmf.SweepPoint: T=2, beta=0.5, mean_field.ln_z={point.mean_field.ln_z!r}, "
        f"upper.ln_z={point.upper.ln_z!r}, bethe.ln_z={point.bethe.ln_z!r}, "
        f"exact.ln_z={point.exact.ln_z!r}>")
