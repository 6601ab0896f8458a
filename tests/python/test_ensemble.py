"""isingmf.ensemble: sample k is isingmf.sweep on isingmf.lattice(seed=S+k) bit for bit, the
numbers do not depend on the thread count, and the samples equal the [K x n_T] datasets of
the file `isingmf ensemble` writes for the same options (read with h5py), whose /average
entries are the mean and standard error (std ddof=1 / sqrt(K)) of those samples."""
import h5py
import numpy as np
import pytest

import isingmf
from conftest import run_cli

MODEL = dict(kind="square", size="4x4", disorder="pm", h=0.1)
OPTIONS = dict(T="1,2,3", exact="eliminate", bounds="mf,upper")
SEED = 7
K = 6


@pytest.fixture(scope="module")
def run():
    return isingmf.ensemble(**MODEL, samples=K, seed=SEED, **OPTIONS, threads=2)


def test_seeds_and_shape(run):
    assert len(run) == K
    assert run.seeds.dtype == np.uint64
    assert list(run.seeds) == [SEED + k for k in range(K)]
    np.testing.assert_array_equal(run.T, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("k", [0, 3, 5])
def test_sample_k_is_the_sweep_with_seed_s_plus_k(run, k):
    model = isingmf.lattice(**MODEL, seed=SEED + k)
    alone = isingmf.sweep(model, **OPTIONS, seed=SEED + k)
    sample = run[k]
    for group in ("mean_field", "upper_bound"):
        np.testing.assert_array_equal(getattr(sample, group).ln_z, getattr(alone, group).ln_z)
    np.testing.assert_array_equal(sample.exact.ln_z, alone.exact.ln_z)
    np.testing.assert_array_equal(sample.mean_field.magnetization,
                                  alone.mean_field.magnetization)


def test_samples_differ_so_the_comparison_can_fail(run):
    assert not np.array_equal(run[0].exact.ln_z, run[1].exact.ln_z)


def test_thread_count_changes_no_bit(run):
    one = isingmf.ensemble(**MODEL, samples=K, seed=SEED, **OPTIONS, threads=1)
    for a, b in zip(one.samples, run.samples):
        np.testing.assert_array_equal(a.mean_field.ln_z, b.mean_field.ln_z)
        np.testing.assert_array_equal(a.upper_bound.ln_z, b.upper_bound.ln_z)
        np.testing.assert_array_equal(a.exact.ln_z, b.exact.ln_z)


def test_equal_to_the_command_lines_ensemble_file(run, cli, tmp_path):
    out = tmp_path / "ensemble.h5"
    run_cli(cli, "ensemble", "--lattice", "square", "--size", "4x4", "--disorder", "pm",
            "--h", "0.1", "--samples", K, "--seed", SEED, "--T", "1,2,3", "--exact", "eliminate",
            "--bounds", "mf,upper", "--quiet", "--out", out)
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["seed"][:], run.seeds)
        stacked = {
            "mean_field": np.stack([s.mean_field.ln_z for s in run.samples]),
            "upper_bound": np.stack([s.upper_bound.ln_z for s in run.samples]),
            "exact": np.stack([s.exact.ln_z for s in run.samples]),
        }
        for group, values in stacked.items():
            np.testing.assert_array_equal(f[group]["ln_z"][:], values)
            # The file's averages are numpy's mean and std(ddof=1)/sqrt(K) of these samples
            # (numpy sums pairwise, the file in sample order: equal to rounding).
            mean = f["average"][group]["ln_z"][:]
            stderr = f["average"][group]["ln_z_stderr"][:]
            np.testing.assert_allclose(mean, values.mean(axis=0), rtol=1e-12)
            np.testing.assert_allclose(stderr, values.std(axis=0, ddof=1) / np.sqrt(K),
                                       rtol=1e-10)


def test_bad_arguments():
    with pytest.raises(ValueError):
        isingmf.ensemble(**MODEL, samples=0, T="1")
    with pytest.raises(ValueError, match="seed"):
        isingmf.ensemble(**MODEL, samples=3, seed=2**64 - 2, T="1")
    with pytest.raises(ValueError, match="disorder 'sk' needs lattice 'complete'"):
        isingmf.ensemble("square", "4x4", disorder="sk", samples=2, T="1")
