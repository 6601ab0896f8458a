#!/usr/bin/python3
"""Plots the disorder averages of an isingmf ensemble file (README "Ensemble files").

    /usr/bin/python3 scripts/plot_ensemble.py ensemble.h5 -o ensemble.png

Two panels against T (k_B = 1, in the energy units of H): the average [ln Z]/N of every method
the file holds (exact, naive and structured mean field, upper bound, Bethe) with error bars of
one standard error (/average/<group>/ln_z and ln_z_stderr; none for one sample, whose
standard errors are NaN), and the average gaps per spin between methods
(/average/comparison/<gap>) with the same error bars: the interval widths as wide pale bands,
so that a gap equal to one stays visible on top; where the file holds none (no exact ln Z,
and not both a lower and an upper bound), a note in the panel says what is missing. Methods
are drawn in plot_sweep.py's styles. Legends sit right of their panels. Red crosses mark the
temperatures where a method did not converge in every sample (/average/<group>/converged
below 1), and a warning on stderr names them. T = inf (beta = 0) is left out, with a warning
on stderr; a file with no other temperature is refused (exit status 1, no image). The datasets
read are checked as plot_sweep.py checks its own (T and every average one value per
temperature, num_sites at least 1), and a damaged one is named in one line. The image format
follows the extension of -o; an unknown one is a usage error (exit status 2).

The image (default ensemble.png) must be a new file, as plot_sweep.py's: an existing one is
refused in one line (exit status 1) unless --force is given, which replaces a regular file; a
symbolic link is refused even with --force. It is written to a temporary file beside it and
linked (renamed, with --force) into place, so that a failed or interrupted run leaves the old
file as it was.
"""

import argparse
import os
import sys
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from isingmf_results import (OutputError, check_hdf5_path, check_output,  # noqa: E402
                             describe_model, h5_error_reason, model_attributes, read_1d,
                             read_num_sites, run_main)
from plot_sweep import (DIFFERENCE_STYLES, METHOD_STYLES, NOT_CONVERGED, T_LABEL,  # noqa: E402
                        empty_difference_note, known_image_format, left_out_temperatures,
                        mark_not_converged, note_in_panel, outside_legend, save, warn_left_out)

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


@dataclass
class Ensemble:
    path: str
    T: np.ndarray
    num_sites: int
    samples: int  # K
    averages: dict  # {(group, dataset): (mean, stderr)}, each [n_T]
    model: str  # in words
    exact_note: str  # sample 0's


def load(path):
    """The averages of an ensemble file; raises EnsembleError with a one-line message naming
    the file (and the dataset, where one has the wrong shape)."""
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
            n = read_num_sites(f, path, EnsembleError)
            T = read_1d(f, path, "T", error=EnsembleError)
            samples = len(read_1d(f, path, "seed", error=EnsembleError))
            if samples < 1:
                raise EnsembleError(f"{path}:/seed: no samples")
            averages = {}
            for group in f["average"]:
                for name in f["average"][group]:
                    if name + "_stderr" in f["average"][group]:
                        averages[(group, name)] = tuple(
                            read_1d(f, path, f"average/{group}/{dataset}", len(T), EnsembleError)
                            for dataset in (name, name + "_stderr"))
            note = f.attrs.get("exact_note", "")
            return Ensemble(path, T, n, samples, averages, describe_model(model_attributes(f), n),
                            note.decode() if isinstance(note, bytes) else str(note))
    except EnsembleError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as error:
        raise EnsembleError(
            f"{path}: not a readable isingmf ensemble file ({h5_error_reason(error)})") from None


def error_bars(err):
    """The error bars of a curve: none where no standard error is known (one sample: NaN),
    rather than NaN bars, which matplotlib warns about."""
    return err if np.any(np.isfinite(err)) else None


def figure(ensemble):
    """The figure of an ensemble file (its path, or what load() read from it), and for each
    method that did not converge in every sample at some temperature, 'group at T = ...';
    raises EnsembleError when it has no temperature that can be drawn."""
    if isinstance(ensemble, (str, os.PathLike)):
        ensemble = load(ensemble)
    T, n, k, averages = ensemble.T, ensemble.num_sites, ensemble.samples, ensemble.averages
    left_out_temperatures(ensemble.path, T, EnsembleError)
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
            top.errorbar(Tk, y, yerr=error_bars(err[keep][order] / n), fmt=style, ms=3,
                         color=colour, capsize=2, label=label)
            if (group, "converged") in averages:
                everywhere = averages[(group, "converged")][0][keep][order] >= 1
                curves.append((y, everywhere))
                if not np.all(everywhere):
                    not_converged.append(
                        f"{group} at T = {', '.join(f'{t:.4g}' for t in Tk[~everywhere])}")
    mark_not_converged(top, Tk, curves, NOT_CONVERGED + " (some samples)")
    top.set_ylabel("[ln Z] / N")
    spread = ("1 sample: no standard error" if k == 1
              else f"{k} samples: mean +- standard error")
    top.set_title(f"{textwrap.fill(ensemble.model, 90)}\n{spread}", fontsize=9)
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
        bottom.errorbar(Tk, mean[keep][order] / n, yerr=error_bars(err[keep][order] / n),
                        fmt=style, ms=3, color=colour, capsize=2, label=label, **look)
    bottom.set_ylabel("[difference of ln Z] / N")
    bottom.set_xlabel(T_LABEL)
    if gaps:
        outside_legend(bottom)
    else:
        def has(group):
            return (group, "ln_z") in averages and np.any(np.isfinite(averages[(group, "ln_z")][0]))

        # /average/comparison compares bounds only: no Bethe - exact.
        lower = has("mean_field") or has("structured_mean_field")
        note = empty_difference_note(has("exact"), ensemble.exact_note,
                                     lower and has("upper_bound"), "bound")
        if has("exact") and has("bethe"):
            note += " (the file's averages hold no Bethe - exact)"
        note_in_panel(bottom, note)
    fig.tight_layout()
    return fig, not_converged


def plot(ensemble, output, force=False):
    """Writes the figure to `output` (atomically; an existing file only with `force`); returns
    what figure() says did not converge."""
    fig, not_converged = figure(ensemble)
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
        ensemble = load(args.ensemble)
        left_out = left_out_temperatures(ensemble.path, ensemble.T, EnsembleError)
        not_converged = plot(ensemble, args.output, args.force)
        warn_left_out("plot_ensemble.py", ensemble.path, ensemble.T, left_out)
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
