#!/usr/bin/python3
"""Plots the disorder averages of an isingmf ensemble file (README "Ensemble files").

    /usr/bin/python3 scripts/plot_ensemble.py ensemble.h5 -o ensemble.png

Two panels against k_B T / J: the average [ln Z]/N of every method the file holds (exact,
naive and structured mean field, upper bound, Bethe) with error bars of one standard error
(/average/<group>/ln_z and ln_z_stderr), and the average gaps per spin between methods
(/average/comparison/<gap>) with the same error bars. T = inf (beta = 0) is left out. The
image format follows the extension of -o; an unknown one is a usage error (exit status 2).
"""

import argparse
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from isingmf_results import run_main  # noqa: E402
from plot_sweep import T_LABEL, known_image_format  # noqa: E402

FORMAT = "isingmf-ensemble"
METHODS = [("exact", "exact"), ("mean_field", "naive mean field (lower)"),
           ("structured_mean_field", "structured mean field (lower)"),
           ("upper_bound", "upper bound"), ("bethe", "Bethe (estimate)")]


class EnsembleError(Exception):
    """The file is not an ensemble file this script can read."""


def load(path):
    """T, N, K and {(group, dataset): (mean, stderr)} of an ensemble file."""
    try:
        f = h5py.File(path, "r")
    except OSError as error:
        raise EnsembleError(f"cannot read {path}: {error}") from None
    with f:
        fmt = f.attrs.get("format")
        fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
        if fmt != FORMAT:
            raise EnsembleError(f"{path} is not an isingmf ensemble file (format {fmt!r})")
        T = f["T"][()]
        averages = {}
        for group in f["average"]:
            for name in f["average"][group]:
                if name + "_stderr" in f["average"][group]:
                    averages[(group, name)] = (f["average"][group][name][()],
                                               f["average"][group][name + "_stderr"][()])
        return T, int(f.attrs["num_sites"]), int(f["seed"].shape[0]), averages


def plot(path, output):
    T, n, k, averages = load(path)
    keep = np.isfinite(T)
    order = np.argsort(T[keep])
    Tk = T[keep][order]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 8))
    for group, label in METHODS:
        if (group, "ln_z") in averages:
            mean, err = averages[(group, "ln_z")]
            top.errorbar(Tk, mean[keep][order] / n, yerr=err[keep][order] / n, capsize=2,
                         marker=".", label=label)
    top.set_ylabel("[ln Z] / N")
    top.set_title(f"{k} samples, N = {n}: mean +- standard error")
    top.legend(fontsize="small")
    gaps = sorted(name for group, name in averages if group == "comparison"
                  and name != "exact_minus_lower")  # the same as gap
    for name in gaps:
        mean, err = averages[("comparison", name)]
        bottom.errorbar(Tk, mean[keep][order] / n, yerr=err[keep][order] / n, capsize=2,
                        marker=".", label=name.replace("_", " "))
    bottom.set_ylabel("[gap] / N")
    bottom.set_xlabel(T_LABEL)
    if gaps:
        bottom.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(output)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Plot the averages of an isingmf ensemble.")
    parser.add_argument("ensemble", help="isingmf HDF5 ensemble file")
    parser.add_argument("-o", "--output", default="ensemble.png",
                        help="image to write (default: ensemble.png)")
    args = parser.parse_args(argv)
    if not known_image_format(args.output, "plot_ensemble.py"):
        return 2
    try:
        plot(args.ensemble, args.output)
    except EnsembleError as error:
        print(f"plot_ensemble.py: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"plot_ensemble.py: error: cannot write {args.output}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    run_main(main, "plot_ensemble.py")
