"""isingmf.ensemble: sample k is isingmf.sweep on isingmf.lattice(seed=S+k) bit for bit, the
numbers do not depend on the thread count, and the samples equal the [K x n_T] datasets of
the file `isingmf ensemble` writes for the same options (read with h5py), whose /average
entries are the mean and standard error (std ddof=1 / sqrt(K)) of those samples. The result's
[K x n_T] groups and its `average` equal that file's datasets and /average bit for bit."""
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


def test_groups_are_the_samples_stacked(run):
    # [K x n_T]: row k is sample k's SweepResult column, bit for bit.
    for group, names in {"mean_field": ["ln_z", "magnetization", "iterations", "converged"],
                         "upper_bound": ["ln_z", "disagreement"],
                         "exact": ["ln_z", "energy_per_spin", "susceptibility"]}.items():
        for name in names:
            stacked = getattr(getattr(run, group), name)
            assert stacked.shape == (K, 3)
            np.testing.assert_array_equal(
                stacked, np.stack([getattr(getattr(s, group), name) for s in run.samples]))
    np.testing.assert_array_equal(run.comparison.gap, np.stack([s.gap for s in run.samples]))
    assert run.mean_field.start == [list(s.mean_field.start) for s in run.samples]
    assert run.bethe is None and run.structured_mean_field is None


def test_average_is_numpys_mean_and_stderr(run):
    # The definition: mean over the K samples, std(ddof=1) / sqrt(K); numpy sums pairwise,
    # the library in sample order, so equal to rounding.
    for group in ("mean_field", "upper_bound", "exact", "comparison"):
        for name, values in vars(getattr(run, group)).items():
            if isinstance(values, list):  # text (start, cut): no average
                assert name not in run.average[group]
                continue
            x = values.astype(float)
            np.testing.assert_allclose(run.average[group][name], x.mean(axis=0),
                                       rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(run.average[group][name + "_stderr"],
                                       x.std(axis=0, ddof=1) / np.sqrt(K), rtol=1e-9, atol=1e-14)
    assert np.all(run.average["exact"]["ln_z_stderr"] > 0)  # the samples differ
    np.testing.assert_allclose(run.average["comparison"]["gap_std"],
                               run.comparison.gap.std(axis=0, ddof=1), rtol=1e-9)


def test_one_sample_has_no_stderr():
    one = isingmf.ensemble(**MODEL, samples=1, seed=SEED, T="1,2", exact="eliminate",
                           bounds="mf")
    assert one.mean_field.ln_z.shape == (1, 2)
    np.testing.assert_array_equal(one.average["mean_field"]["ln_z"], one.mean_field.ln_z[0])
    assert np.all(np.isnan(one.average["mean_field"]["ln_z_stderr"]))
    assert one.upper_bound is None


def test_groups_and_average_are_the_files_bit_for_bit(cli, tmp_path):
    # Every bound and a structured side, so that every group of the file is compared.
    options = dict(T="0.8,1.6,2.4,4", exact="eliminate", bounds="mf,upper,bethe,structured")
    ens = isingmf.ensemble(**MODEL, samples=4, seed=11, **options, cluster_width=2, threads=2)
    out = tmp_path / "ensemble.h5"
    run_cli(cli, "ensemble", "--lattice", "square", "--size", "4x4", "--disorder", "pm",
            "--h", "0.1", "--samples", 4, "--seed", 11, "--T", options["T"], "--exact",
            "eliminate", "--bounds", options["bounds"], "--cluster-width", 2, "--quiet",
            "--out", out)
    with h5py.File(out, "r") as f:
        np.testing.assert_array_equal(f["T"][:], ens.T)
        np.testing.assert_array_equal(f["seed"][:], ens.seeds)
        compared = 0
        for group in ("mean_field", "upper_bound", "bethe", "structured_mean_field", "exact",
                      "comparison"):
            mine = getattr(ens, group)
            assert mine is not None, group
            for name, dataset in f[group].items():
                if dataset.ndim != 2 or dataset.shape[0] != 4 or dataset.shape[1] != 4:
                    continue  # fixed datasets (weights, clusters), not per sample
                values = getattr(mine, name)
                if dataset.dtype.kind in "SO":
                    assert values == [[v.decode() for v in row] for row in dataset[:]], name
                else:
                    assert values.dtype == dataset.dtype, (group, name)
                    np.testing.assert_array_equal(values, dataset[:], err_msg=f"{group}/{name}")
                compared += 1
            average = f["average"][group]
            assert sorted(average) == sorted(ens.average[group]), group
            for name in average:
                np.testing.assert_array_equal(ens.average[group][name], average[name][:],
                                              err_msg=f"average/{group}/{name}")
        assert compared >= 30
    # Read as a sweep's results, the file is named for what it is.
    with pytest.raises(isingmf.IoError, match="is an isingmf ensemble file, not a sweep's "
                                              "results file"):
        isingmf.read_results(out)


def test_bad_arguments():
    with pytest.raises(ValueError, match="samples must be an integer between 1 and 10000000, got 0"):
        isingmf.ensemble(**MODEL, samples=0, T="1")
    with pytest.raises(ValueError, match="the largest base seed for 3 samples is "
                                         "18446744073709551613"):
        isingmf.ensemble(**MODEL, samples=3, seed=2**64 - 2, T="1")
    with pytest.raises(ValueError, match="disorder 'sk' needs lattice 'complete'"):
        isingmf.ensemble("square", "4x4", disorder="sk", samples=2, T="1")
