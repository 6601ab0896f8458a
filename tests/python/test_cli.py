"""The same numbers as the command line: isingmf.sweep against the HDF5 file `isingmf sweep`
writes for the same model and options (read with h5py, compared bit for bit), read_results
against h5py, and the same one-line error messages."""
import h5py
import numpy as np
import pytest

import isingmf
from conftest import run_cli

MEAN_FIELD = ["ln_z", "free_energy_per_spin", "energy_per_spin", "entropy_per_spin",
              "magnetization", "residual", "iterations", "converged"]
EXACT = ["ln_z", "energy_per_spin", "specific_heat_per_spin", "magnetization",
         "magnetization_abs", "susceptibility"]

CASES = {
    # name: (isingmf.lattice arguments or a lattice file, sweep keywords, CLI arguments)
    "pm4x4": (dict(kind="square", size="4x4", disorder="pm", h=0.1, seed=3),
              dict(T="0.5:3:0.25", seed=3),
              ["--lattice", "square", "--size", "4x4", "--disorder", "pm", "--h", "0.1",
               "--seed", "3", "--T", "0.5:3:0.25"]),
    "glass_file": ("lattices/pm_4x4_periodic.txt",
                   dict(beta=[0.0, 0.3, 0.9, 2.0], exact="eliminate", restarts=2,
                        method="sequential", tol=1e-9, max_iter=500),
                   ["--beta", "0,0.3,0.9,2", "--exact", "eliminate", "--restarts", "2",
                    "--mf-method", "sequential", "--tol", "1e-9", "--max-iter", "500"]),
    "sk_warm_only": (dict(kind="complete", size=11, disorder="sk", J0=0.3, random_field=0.2,
                          seed=8),
                     dict(T=[0.4, 0.8, 1.6], starts="warm", omega=1.5, seed=8),
                     ["--lattice", "complete", "--size", "11", "--disorder", "sk", "--J0", "0.3",
                      "--random-field", "0.2", "--seed", "8", "--T", "0.4,0.8,1.6", "--starts",
                      "warm", "--omega", "1.5"]),
    "torus_no_exact": (dict(kind="triangular", size=(24, 20), J=0.8, h=0.02, seed=1),
                       dict(T="1:6:1", exact="none", restarts=0),
                       ["--lattice", "triangular", "--size", "24x20", "--J", "0.8", "--h", "0.02",
                        "--T", "1:6:1", "--exact", "none", "--restarts", "0"]),
}


def build(spec, root):
    if isinstance(spec, str):
        return isingmf.read_edge_list(root / spec), ["--lattice-file", root / spec]
    return isingmf.lattice(**spec), []


@pytest.fixture(params=sorted(CASES))
def case(request, cli, root, tmp_path):
    spec, options, cli_args = CASES[request.param]
    model, file_args = build(spec, root)
    path = tmp_path / "run.h5"
    run_cli(cli, "sweep", *file_args, *cli_args, "--store-m", "yes", "--quiet", "--out", path)
    return model, isingmf.sweep(model, **options), path


def test_sweep_equals_the_command_lines_file(case):
    model, result, path = case
    with h5py.File(path, "r") as f:
        assert f.attrs["num_sites"] == model.n == result.num_sites
        np.testing.assert_array_equal(result.T, f["T"][:])
        np.testing.assert_array_equal(result.beta, f["beta"][:])
        for name in MEAN_FIELD:
            np.testing.assert_array_equal(getattr(result.mean_field, name),
                                          f["mean_field"][name][:], err_msg=name)
        assert result.mean_field.start == [s.decode() if isinstance(s, bytes) else s
                                           for s in f["mean_field/start"][:]]
        np.testing.assert_array_equal(result.mean_field.m, f["mean_field/m"][:])
        assert f.attrs["exact_note"] == result.exact_note
        if "exact" in f:
            assert f["exact"].attrs["method"] == result.exact_method == result.exact.method
            for name in EXACT:
                np.testing.assert_array_equal(getattr(result.exact, name), f["exact"][name][:],
                                              err_msg=name)
            np.testing.assert_array_equal(result.gap, f["comparison/gap"][:])
        else:
            assert result.exact is None and result.exact_method == "none"
        for key, value in model.description.items():
            assert f.attrs[key] == value, key


def test_read_results_equals_h5py(case):
    model, _, path = case
    back = isingmf.read_results(path)
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(back.T, f["T"][:])
        # Energies and entropies are stored per spin and multiplied back by N on reading.
        for name in MEAN_FIELD:
            np.testing.assert_allclose(getattr(back.mean_field, name), f["mean_field"][name][:],
                                       rtol=4e-16, atol=0, err_msg=name)
        np.testing.assert_array_equal(back.mean_field.m, f["mean_field/m"][:])
        if "exact" in f:
            for name in EXACT:
                np.testing.assert_array_equal(getattr(back.exact, name), f["exact"][name][:])
        record = back.record
        assert record["command_line"] == f.attrs["command_line"]
        assert record["num_sites"] == model.n and record["num_edges"] == model.num_edges
        assert record["parameters"]["tolerance"] == f["parameters"].attrs["tolerance"]
        assert record["model"] == {k: v for k, v in f.attrs.items() if isinstance(v, str) and k
                                   not in ("format", "program_version", "command_line",
                                           "created", "exact_note", "upper_note")}
    # Views into one temperature's m, no copy; with_m=False leaves m out.
    np.testing.assert_array_equal(back[-1].mean_field.m, back.mean_field.m[-1])
    assert isingmf.read_results(path, with_m=False).mean_field.m is None


def cli_error(cli, *args):
    result = run_cli(cli, *args, check=False)
    assert result.returncode != 0
    line = result.stderr.strip()
    assert line.startswith("isingmf: error: ") and "\n" not in line
    return line[len("isingmf: error: "):]


def test_same_one_line_messages_as_the_command_line(cli, tmp_path):
    out = tmp_path / "x.h5"
    with pytest.raises(OSError) as e:
        isingmf.read_edge_list(tmp_path / "missing.txt")
    assert str(e.value) == cli_error(cli, "sweep", "--lattice-file", tmp_path / "missing.txt",
                                     "--out", out)

    bad = tmp_path / "bad.uai"
    bad.write_text("MARKOV\n2\n2 3\n1\n2 0 1\n4\n1 2 3 4\n")
    with pytest.raises(ValueError) as e:
        isingmf.read_uai(bad)
    assert str(e.value) == cli_error(cli, "sweep", "--uai", bad, "--out", out)

    with pytest.raises(ValueError) as e:
        isingmf.exact(isingmf.lattice("square", (8, 8)), 1.0, method="enumerate")
    assert str(e.value) == cli_error(cli, "sweep", "--size", "8x8", "--exact", "enumerate",
                                     "--out", out)

    with pytest.raises(ValueError) as e:
        isingmf.sweep(isingmf.lattice("square", (5, 5), h=0.1), exact="kaufman")
    assert str(e.value) == cli_error(cli, "sweep", "--size", "5x5", "--h", "0.1", "--exact",
                                     "kaufman", "--out", out)

    not_results = tmp_path / "plain.h5"
    with h5py.File(not_results, "w") as f:
        f["x"] = 1
    with pytest.raises(OSError) as e:
        isingmf.read_results(not_results)
    assert str(e.value) == cli_error(cli, "info", not_results)
