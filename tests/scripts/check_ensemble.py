#!/usr/bin/python3
"""Independent checks of ensemble files (README "Ensemble files") with h5py and numpy.

  check_ensemble.py sample ENSEMBLE SWEEP K   row K of every [K x n_T] dataset == SWEEP's [n_T]
  check_ensemble.py same A B                  the same datasets, bit for bit
  check_ensemble.py averages ENSEMBLE         /average equals numpy's mean and std(ddof=1)/sqrt(K),
                                              with the samples' units, and says what K is
  check_ensemble.py converged ENSEMBLE TEXT   TEXT (`isingmf info` output) counts the 1s of each
                                              /<group>/converged [K x n_T]
  check_ensemble.py plot ENSEMBLE             scripts/plot_ensemble.py draws every average ln Z
                                              and every average difference of the file, with its
                                              values, and puts each legend right of its panel

Exit status 0 when the check holds; the first difference is printed otherwise.
"""
import os
import sys

import h5py
import numpy as np


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def equal_bits(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.shape != y.shape or x.dtype.kind != y.dtype.kind:
        return False
    if x.dtype.kind == "f":
        return np.array_equal(x.view(np.uint64), y.view(np.uint64))
    return np.array_equal(x, y)


def sample(ensemble, sweep, k):
    with h5py.File(ensemble) as e, h5py.File(sweep) as s:
        n_t = s["T"].shape[0]
        if not equal_bits(e["T"][()], s["T"][()]) or not equal_bits(e["beta"][()], s["beta"][()]):
            return "T or beta differ"
        if str(int(e["seed"][k])) != s.attrs["seed"]:
            return f"seed[{k}] = {e['seed'][k]}, sweep seed {s.attrs['seed']}"
        checked = 0
        for name, values in datasets(s).items():
            if "/" not in name or name.startswith("parameters") or name.endswith("/m"):
                continue
            obj = s[name]
            if obj.ndim != 1 or obj.shape[0] != n_t:
                if not equal_bits(e[name][()], values):  # fixed datasets (weights)
                    return f"{name} differs"
                continue
            if name not in e or e[name].shape != (e["seed"].shape[0], n_t):
                return f"{name} missing or not [K x n_T] in the ensemble"
            if not equal_bits(e[name][k], values):
                return f"{name}[{k}] differs from the sweep"
            checked += 1
        return None if checked > 0 else "no dataset compared"


def same(a, b):
    with h5py.File(a) as fa, h5py.File(b) as fb:
        da, db = datasets(fa), datasets(fb)
        if sorted(da) != sorted(db):
            return f"dataset lists differ: {sorted(set(da) ^ set(db))}"
        for name in da:
            if not equal_bits(da[name], db[name]):
                return f"{name} differs"
        return None


def averages(ensemble):
    with h5py.File(ensemble) as e:
        k = e["seed"].shape[0]
        checked = 0
        for group in e["average"]:
            for name in e["average"][group]:
                if name.endswith("_stderr") or name.endswith("_std"):
                    continue
                x = e[group][name][()].astype(float)
                mean = np.mean(x, axis=0)
                std = np.std(x, axis=0, ddof=1)
                expect = {name: mean, name + "_stderr": std / np.sqrt(k)}
                if group == "comparison":
                    expect[name + "_std"] = std
                # A mean of a 0/1 flag is a fraction; the rest keep the samples' units.
                units = e[group][name].attrs["units"]
                if units == "boolean":
                    units = "fraction"
                for key, value in expect.items():
                    got_units = e["average"][group][key].attrs["units"]
                    if got_units != units:
                        return f"/average/{group}/{key} has units {got_units!r}, not {units!r}"
                    # The file says what K is: a reader has no other place to learn it.
                    description = e["average"][group][key].attrs["description"]
                    if not key.endswith("_std") and f"K = {k}" not in description:
                        return f"/average/{group}/{key}: description {description!r} without K = {k}"
                    got = e["average"][group][key][()]
                    # numpy sums pairwise, the writer in index order: equal to rounding.
                    if not np.allclose(got, value, rtol=1e-12, atol=1e-14, equal_nan=True):
                        return f"/average/{group}/{key} = {got}, numpy {value}"
                    checked += 1
        return None if checked > 0 else "no average compared"


def converged(ensemble, text):
    with open(text) as f:
        lines = [line for line in f if line.startswith("converged ")]
    if len(lines) != 1:
        return f"{len(lines)} converged lines in {text}"
    counts = lines[0].split(": ", 1)[1].strip().split(", ")
    with h5py.File(ensemble) as e:
        groups = [g for g in e if isinstance(e[g], h5py.Group) and "converged" in e[g]]
        expect = [f"{g} {int(np.sum(e[g]['converged'][()]))} of {e[g]['converged'].size}"
                  for g in groups]
    return None if sorted(counts) == sorted(expect) else f"info says {counts}, the file {expect}"


def plot(ensemble):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
    import plot_ensemble
    from check_plot import legend_problems
    fig, _ = plot_ensemble.figure(ensemble)
    top, bottom = fig.axes
    with h5py.File(ensemble) as e:
        n = int(e.attrs["num_sites"])
        T = e["T"][()]
        order = np.argsort(T[np.isfinite(T)])
        average = e["average"]
        expect_top = {g: average[g]["ln_z"][()] for g in average if "ln_z" in average[g]}
        # exact_minus_lower holds the same values as gap.
        expect_bottom = {d: average["comparison"][d][()] for d in average.get("comparison", {})
                         if not d.endswith(("_std", "_stderr")) and d != "exact_minus_lower"}
    for ax, expect in ((top, expect_top), (bottom, expect_bottom)):
        drawn = [np.asarray(c.lines[0].get_ydata()) for c in ax.containers]
        if len(drawn) != len(expect):
            return f"{ax.get_ylabel()}: {len(drawn)} curves for {len(expect)} averages"
        for name, values in expect.items():
            y = values[np.isfinite(T)][order] / n
            if not any(np.array_equal(d, y, equal_nan=True) for d in drawn):
                return f"{ax.get_ylabel()}: no curve with the values of {name}"
    problems = legend_problems(fig, required=True)
    return problems[0] if problems else None


def main():
    command = sys.argv[1]
    if command == "sample":
        problem = sample(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == "same":
        problem = same(sys.argv[2], sys.argv[3])
    elif command == "averages":
        problem = averages(sys.argv[2])
    elif command == "converged":
        problem = converged(sys.argv[2], sys.argv[3])
    elif command == "plot":
        problem = plot(sys.argv[2])
    else:
        problem = f"unknown command {command}"
    if problem:
        print(problem)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
