#!/usr/bin/python3
"""Plots the disorder averages of an isingmf ensemble file (README "Ensemble files").

    /usr/bin/python3 scripts/plot_ensemble.py ensemble.h5 -o ensemble.png

Two panels against T (k_B = 1, in the energy units of H): the average [ln Z]/N of every method
the file holds (exact, naive and structured mean field, upper bound, Bethe) with error bars of
one standard error (/average/<group>/ln_z and ln_z_stderr), and the average gaps per spin
between methods (/average/comparison/<gap>) with the same error bars: the interval widths as
wide pale bands, so that a gap equal to one stays visible on top. Methods are drawn in
plot_sweep.py's styles. Legends sit right of their panels. Red crosses mark the temperatures
where a method did not converge in every sample (/average/<group>/converged below 1), and a
warning on stderr names them. T = inf (beta = 0) is left out. The image format follows the
extension of -o; an unknown one is a usage error (exit status 2).

The image (default ensemble.png) must be a new file, as plot_sweep.py's: an existing one is
refused in one line (exit status 1) unless --force is given, which replaces a regular file; a
symbolic link is refused even with --force. It is written to a temporary file beside it and
renamed into place, so that a failed or interrupted run leaves the old file as it was.
"""

import argparse
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from isingmf_results import (OutputError, check_hdf5_path, check_output,  # noqa: E402
                             describe_model, h5_error_reason, model_attributes, run_main)
from plot_sweep import (DIFFERENCE_STYLES, METHOD_STYLES, NOT_CONVERGED, T_LABEL,  # noqa: E402
                        known_image_format, mark_not_converged, outside_legend, save)

FORMAT = "isingmf-ensemble"
READABLE_VERSIONS = [1]
# Each method's group and label, drawn in plot_sweep.py's styles. Exact comes last, a thin
# dashed line on top, so it stays visible where a bound meets it.
METHODS = [("mean_field", "naive mean field (lower)"),
           ("structured_mean_field", "structured mean field (lower)"),
           ("upper_bound", "upper bound"), ("bethe", "Bethe (estimate)"), ("exact", "exact")]

# The comparison datasets and their labels, named by what they subtract (the file's "gap" is
# exact - mean field), in plot_sweep.py's drawing order and styles: the interval widths first
# as wide pale bands, then the thin gaps, which stay visible on a band they equal.
GAPS = [("upper_minus_lower", "upper - mean field (width)"),
        ("upper_minus_structured", "upper - structured (width)"),
        ("gap", "exact - mean field (gap)"),
        ("exact_minus_structured", "exact - structured (gap)"),
        ("upper_minus_exact", "upper - exact"),
        ("structured_minus_lower", "structured - mean field")]


class EnsembleError(Exception):
    """The file is not an ensemble file this script can read."""


def load(path):
    """T, N, K, {(group, dataset): (mean, stderr)} and the model in words of an ensemble file;
    raises EnsembleError with a one-line message naming the file."""
    try:
        check_hdf5_path(path, EnsembleError)
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
            fmt = fmt.decode() if isinstance(fmt, bytes) else fmt
            if fmt == "isingmf-results":
                raise EnsembleError(f"{path}: a sweep's results file, not an ensemble file "
                                    "(plot it with scripts/plot_sweep.py)")
            if fmt != FORMAT:
                raise EnsembleError(
                    f"{path}: not an isingmf ensemble file (no format attribute '{FORMAT}')")
            version = int(f.attrs["format_version"])
            if version not in READABLE_VERSIONS:
                raise EnsembleError(
                    f"{path}: format_version {version}, this script reads {READABLE_VERSIONS}")
            T = f["T"][()]
            averages = {}
            for group in f["average"]:
                for name in f["average"][group]:
                    if name + "_stderr" in f["average"][group]:
                        averages[(group, name)] = (f["average"][group][name][()],
                                                   f["average"][group][name + "_stderr"][()])
            n = int(f.attrs["num_sites"])
            return T, n, int(f["seed"].shape[0]), averages, describe_model(model_attributes(f), n)
    except EnsembleError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise EnsembleError(
            f"{path}: not a readable isingmf ensemble file ({h5_error_reason(error)})") from None


def figure(path):
    """The figure of an ensemble file, and for each method that did not converge in every
    sample at some temperature, 'group at T = ...'."""
    T, n, k, averages, model = load(path)
    keep = np.isfinite(T)
    order = np.argsort(T[keep])
    Tk = T[keep][order]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 8))
    not_converged = []
    curves = []  # (average ln Z / N, converged in every sample) of each method
    for group, label in METHODS:
        style, colour = METHOD_STYLES[group]
        if (group, "ln_z") in averages:
            mean, err = averages[(group, "ln_z")]
            y = mean[keep][order] / n
            top.errorbar(Tk, y, yerr=err[keep][order] / n, fmt=style, ms=3, color=colour,
                         capsize=2, label=label)
            if (group, "converged") in averages:
                everywhere = averages[(group, "converged")][0][keep][order] >= 1
                curves.append((y, everywhere))
                if not np.all(everywhere):
                    not_converged.append(
                        f"{group} at T = {', '.join(f'{t:.4g}' for t in Tk[~everywhere])}")
    mark_not_converged(top, Tk, curves, NOT_CONVERGED + " (some samples)")
    top.set_ylabel("[ln Z] / N")
    top.set_title(f"{textwrap.fill(model, 90)}\n{k} samples: mean +- standard error", fontsize=9)
    outside_legend(top)
    # exact_minus_lower is the same as gap; a difference this script does not know is drawn
    # plain, under its own name.
    known = {name for name, _ in GAPS} | {"exact_minus_lower"}
    gaps = [(name, label, *DIFFERENCE_STYLES[name]) for name, label in GAPS
            if ("comparison", name) in averages] + [
        (name, name.replace("_", " "), ".-", None, {}) for group, name in sorted(averages)
        if group == "comparison" and name not in known]
    for name, label, style, colour, look in gaps:
        # Thin error bars on the bands, as on the thin lines.
        look = {**look, "elinewidth": 1} if look else look
        mean, err = averages[("comparison", name)]
        bottom.errorbar(Tk, mean[keep][order] / n, yerr=err[keep][order] / n, fmt=style, ms=3,
                        color=colour, capsize=2, label=label, **look)
    bottom.set_ylabel("[difference of ln Z] / N")
    bottom.set_xlabel(T_LABEL)
    if gaps:
        outside_legend(bottom)
    fig.tight_layout()
    return fig, not_converged


def plot(path, output, force=False):
    """Writes the figure to `output` (atomically; an existing file only with `force`); returns
    what figure() says did not converge."""
    fig, not_converged = figure(path)
    save(fig, output, force, dpi=None)
    return not_converged


def main(argv=None):
    parser = argparse.ArgumentParser(description="Plot the averages of an isingmf ensemble.")
    parser.add_argument("ensemble", help="isingmf HDF5 ensemble file")
    parser.add_argument("-o", "--output", default="ensemble.png",
                        help="image to write, a new file (default: ensemble.png)")
    parser.add_argument("--force", action="store_true",
                        help="replace the image if it exists (a regular file; never a link)")
    args = parser.parse_args(argv)
    if not known_image_format(args.output, "plot_ensemble.py"):
        return 2
    try:
        check_output(args.output, args.force)  # before the work, as the CLI checks --out
        not_converged = plot(args.ensemble, args.output, args.force)
        if not_converged:
            print(f"plot_ensemble.py: warning: not every sample converged: "
                  f"{'; '.join(not_converged)} (red crosses; /average/<group>/converged)",
                  file=sys.stderr)
    except (EnsembleError, OutputError) as error:
        print(f"plot_ensemble.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    run_main(main, "plot_ensemble.py")
