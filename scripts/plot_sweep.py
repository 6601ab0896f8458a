#!/usr/bin/python3
"""Plots a temperature sweep from an isingmf results file.

    /usr/bin/python3 scripts/plot_sweep.py run.h5 -o sweep.png

Three panels against T (k_B = 1, in the energy units of H: T / J only where J = 1): ln Z per
spin (the certified interval between the best lower bound (structured mean field where the file
holds it, else naive mean field) and the upper bound drawn as a band, every bound, the Bethe
estimate and exact ln Z, whichever the file holds), the differences of ln Z per spin (the
interval widths upper - lower, drawn as wide pale bands so that a gap equal to them stays
visible on top, the gaps exact - lower, and upper - exact, for the naive and the structured
bound, and Bethe - exact, the signed error of the estimate; where there is none, a note says
what is missing) and the magnetization: the mean-field and structured |m| = |(1/N) sum_i m_i|
beside the exact <|m|> where computed and the exact |<m>| where it is not zero (all unsigned,
so that they are comparable; <m> vanishes at h = 0 by symmetry, and below T_c the mean-field m
then follows <|m|>). Legends sit to the right of their panels, clear of the curves. Red
crosses mark, on each curve, the temperatures where that method did not converge (mean field,
structured mean field, the upper bound's optimisation, belief propagation); a bound still
holds there, but is not the best the method gives. T = inf (beta = 0) cannot be placed on the
axis and is left out, with a warning on stderr that says how many; a file with no other
temperature is refused (exit status 1, no image).
The image format follows the extension of -o (png, pdf, svg, ...); an unknown one is a usage
error (exit status 2).

The image (default sweep.png) must be a new file, as the CLI's --out: an existing one is
refused in one line ("'sweep.png' exists; use --force to overwrite it", exit status 1) unless
--force is given, which replaces a regular file; a symbolic link, a directory or a device is
refused even with --force (a link is never written through). The image is rendered into a
temporary file beside it, synced and linked (renamed, with --force) into place, so that a
failed or interrupted run (a full disk, ^C) leaves no partial image and the old file as it
was; without --force a file that appears meanwhile is not replaced.
"""

import argparse
import os
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator  # noqa: E402

from isingmf_results import (OutputError, ResultsError, check_output, load,  # noqa: E402
                             run_main, write_atomically)

# The file's T is the absolute temperature in the energy units of H (k_B = 1): T / J only
# where J = 1.
T_LABEL = "T (k_B = 1, energy units of H)"
NOT_CONVERGED = "not converged"
# Below this, an exact <m> is the rounding of a zero (h = 0) and is not drawn.
ZERO_MAGNETIZATION = 1e-9

# (style, colour) of each method's curve, by its group in the file; plot_ensemble.py draws
# with the same, so that a method looks alike in both figures.
METHOD_STYLES = {"mean_field": ("o-", "C0"), "structured_mean_field": ("D-", "C1"),
                 "upper_bound": ("v-", "C3"), "bethe": ("^:", "C4"), "exact": ("s--", "k")}
# (style, colour, look) of each difference, by its /comparison name ("gap" is exact - mean
# field; bethe_minus_exact is computed here, /comparison has none). The interval widths are
# wide pale bands, drawn before the gaps: where the upper bound is exact, a gap equals its
# width and its thin line runs along the band instead of hiding under it. Bethe - exact is the
# signed error of an estimate, in Bethe's marker and colour with a line style of its own.
BAND = {"lw": 6, "alpha": 0.35}
DIFFERENCE_STYLES = {"upper_minus_lower": ("-", "C0", BAND),
                     "upper_minus_structured": ("-", "C1", BAND),
                     "gap": ("s--", "C2", {}), "exact_minus_structured": ("D--", "C5", {}),
                     "upper_minus_exact": ("v:", "C3", {}),
                     "structured_minus_lower": ("o:", "C4", {}),
                     "bethe_minus_exact": ("^-.", "C4", {})}
BETHE_MINUS_EXACT = "Bethe - exact (error of the estimate, either sign)"
# T = inf (beta = 0) has no place on the T axis.
NO_PLACE = "T = inf, beta = 0, cannot be placed on the T axis"


def outside_legend(ax):
    """The legend of `ax` to the right of its panel, where it cannot cover a curve."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def _finite(values):
    return values is not None and np.any(np.isfinite(values))


def left_out_temperatures(path, T, error=ResultsError):
    """How many temperatures of `path` cannot be drawn (T = inf); raises `error` when none can
    be, rather than drawing empty panels. Shared with plot_ensemble.py."""
    left_out = int(np.count_nonzero(~np.isfinite(T)))
    if left_out == len(T):
        raise error(f"{path}: no finite temperature to plot ({NO_PLACE})")
    return left_out


def warn_left_out(script, path, T, left_out):
    """The one-line warning of `script` that `left_out` of the temperatures T are not drawn."""
    if left_out:
        print(f"{script}: warning: {path}: {left_out} of {len(T)} temperatures left out "
              f"({NO_PLACE})", file=sys.stderr)


def empty_difference_note(has_exact, exact_note, has_interval, compared="bound or estimate"):
    """Why the differences panel is empty: what is missing for a gap or a width (`compared`:
    what the panel would compare with exact ln Z)."""
    if has_exact:
        return f"no differences to draw: no {compared} to compare with exact ln Z"
    reasons = [f"no exact ln Z ({exact_note})" if exact_note else "no exact ln Z"]
    if not has_interval:
        reasons.append("no interval width (needs a lower and an upper bound)")
    return "no differences to draw: " + "; ".join(reasons)


def note_in_panel(ax, text):
    """`text` in the middle of the empty panel `ax`, wrapped to stay inside it."""
    ax.text(0.5, 0.5, textwrap.fill(text, 80), ha="center", va="center", fontsize=9,
            transform=ax.transAxes)


def set_temperature_axis(ax, T):
    """A log axis where the sorted, finite T span decades (sweeps uniform in beta crowd low T).
    Its limits and, near the largest double, its ticks are set here: matplotlib's 5% margins
    of 600 decades (T from 1e-300 to 1e300), and its ticks two strides past the axis, run past
    the doubles, and the axis fell back to 1 to 10 with overflow warnings."""
    if len(T) < 2 or T[0] <= 0:
        return
    low, high = np.log10(T[0]), np.log10(T[-1])  # a ratio of the ends may overflow
    if high - low <= np.log10(20):
        return
    # matplotlib's 5% margins, within whole decades of the normal doubles (1e-307 to 1e308);
    # a T beyond is kept in.
    margin = 0.05 * (high - low)
    start = max(low - margin, np.ceil(np.log10(np.finfo(float).tiny)))
    stop = min(high + margin, np.floor(np.log10(np.finfo(float).max)))
    # Before the scale, which would otherwise autoscale with matplotlib's margins.
    ax.set_xlim(min(T[0], 10 ** start), max(T[-1], 10 ** stop))
    ax.set_xscale("log")
    if stop - start > 50 or stop > 250:
        decades = MaxNLocator(nbins=8, integer=True).tick_values(start, stop)
        decades = decades[(decades >= start) & (decades <= stop)]
        ax.xaxis.set_major_locator(FixedLocator(10.0 ** decades))
        ax.xaxis.set_minor_locator(NullLocator())


def image_format(output):
    """The format named by the extension of `output` (None when matplotlib has none), and the
    formats it has."""
    extension = os.path.splitext(output)[1].lower().lstrip(".")
    supported = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    return (extension if extension in supported else None), sorted(supported)


def known_image_format(output, script):
    """True when matplotlib can write the format of `output`'s extension; else says so on
    stderr as `script` and returns False (the caller exits with status 2)."""
    fmt, supported = image_format(output)
    if fmt is None:
        print(f"{script}: error: cannot tell an image format from the extension of {output!r} "
              f"(use one of {', '.join(supported)})", file=sys.stderr)
        return False
    return True


def mark_not_converged(ax, T, curves, label=NOT_CONVERGED):
    """Red crosses on each (values, converged) curve where its method did not converge, with
    one legend entry for all."""
    xs, ys = [], []
    for y, converged in curves:
        if converged is None or y is None:
            continue
        bad = ~converged & np.isfinite(y)
        xs.append(T[bad])
        ys.append(y[bad])
    if xs and sum(len(x) for x in xs) > 0:
        ax.plot(np.concatenate(xs), np.concatenate(ys), "x", color="red", ms=7, mew=1.5,
                label=label)


def figure(sweep):
    """The figure of a sweep (three panels sharing the T axis); raises ResultsError when it
    has no temperature that can be drawn."""
    left_out_temperatures(sweep.path, sweep.T)
    n = sweep.num_sites
    # Sweeps may list temperatures in any order; lines need them sorted.
    order = np.argsort(sweep.T, kind="stable")
    order = order[np.isfinite(sweep.T[order])]
    T = sweep.T[order]
    has_exact = _finite(sweep.lnz_exact)
    lower = sweep.lnz_mf[order] / n if sweep.lnz_mf is not None else None
    upper = sweep.lnz_upper[order] / n if sweep.lnz_upper is not None else None

    def sorted_flags(flags):
        return flags[order] if flags is not None else None

    converged = sorted_flags(sweep.converged)
    structured_converged = sorted_flags(sweep.structured_converged)
    structured = sweep.lnz_structured[order] / n if sweep.lnz_structured is not None else None
    # The interval's lower end: the structured bound where present (never below the naive
    # one when started from it).
    best_lower = structured if structured is not None else lower

    fig, (ax_lnz, ax_gap, ax_m) = plt.subplots(3, 1, figsize=(11, 9), sharex=True)
    # Long model descriptions wrap instead of running off the figure.
    fig.suptitle(textwrap.fill(sweep.describe(), 90), fontsize=9)

    if best_lower is not None and upper is not None:
        ax_lnz.fill_between(T, best_lower, upper, color="C0", alpha=0.2, lw=0,
                            label="certified interval")
    def draw(method, y, label):
        style, colour = METHOD_STYLES[method]
        ax_lnz.plot(T, y, style, ms=3, color=colour, label=label)

    if lower is not None:
        draw("mean_field", lower, "mean field (lower bound)")
    if structured is not None:
        draw("structured_mean_field", structured,
             f"structured mean field ({sweep.structured_kind}, width {sweep.structured_width}; "
             "lower bound)")
    if upper is not None:
        draw("upper_bound", upper, f"upper bound ({sweep.upper_kind}, width {sweep.upper_width})")
    bethe = sweep.lnz_bethe[order] / n if sweep.lnz_bethe is not None else None
    if bethe is not None:
        draw("bethe", bethe, "Bethe (estimate, not a bound)")
    if has_exact:
        draw("exact", sweep.lnz_exact[order] / n, f"exact ({sweep.exact_method})")
    mark_not_converged(ax_lnz, T, [(lower, converged), (structured, structured_converged),
                                   (upper, sorted_flags(sweep.upper_converged)),
                                   (bethe, sorted_flags(sweep.bethe_converged))])
    ax_lnz.set_ylabel("ln Z / N")
    outside_legend(ax_lnz)

    # In DIFFERENCE_STYLES' order: the widths' bands first. Per spin, like /comparison's
    # sorted values divided by N below.
    gap = sweep.exact_minus_lower if sweep.exact_minus_lower is not None else sweep.gap
    bethe_error = (sweep.lnz_bethe - sweep.lnz_exact
                   if bethe is not None and has_exact else None)
    widths = [(sweep.upper_minus_lower, "upper - lower (interval width)", "upper_minus_lower"),
              (sweep.upper_minus_structured, "upper - structured (interval width)",
               "upper_minus_structured"),
              (gap, "exact - lower (gap)", "gap"),
              (sweep.exact_minus_structured, "exact - structured (gap)", "exact_minus_structured"),
              (sweep.upper_minus_exact, "upper - exact", "upper_minus_exact"),
              (bethe_error, BETHE_MINUS_EXACT, "bethe_minus_exact")]
    drawn = False
    for values, label, name in widths:
        if _finite(values):
            style, colour, look = DIFFERENCE_STYLES[name]
            # Square band ends, so that a band stops at its first and last temperature.
            look = {**look, "solid_capstyle": "butt"} if look else look
            ax_gap.plot(T, values[order] / n, style, ms=3, color=colour, label=label, **look)
            drawn = True
    if drawn:
        ax_gap.axhline(0.0, color="grey", lw=0.5)
        outside_legend(ax_gap)
    else:
        has_interval = best_lower is not None and upper is not None
        note_in_panel(ax_gap, empty_difference_note(has_exact, sweep.exact_note, has_interval))
    ax_gap.set_ylabel("difference of ln Z / N")

    m_abs = np.abs(sweep.m_mf[order]) if sweep.m_mf is not None else None
    if m_abs is not None:
        ax_m.plot(T, m_abs, "o-", ms=3, label="mean field |m|")
    m_structured = np.abs(sweep.m_structured[order]) if sweep.m_structured is not None else None
    if m_structured is not None:
        ax_m.plot(T, m_structured, "D-", ms=3, color="C1", label="structured |m|")
    if _finite(sweep.m_abs_exact):
        ax_m.plot(T, sweep.m_abs_exact[order], "s--", ms=3, color="k", label="exact <|m|>")
    if _finite(sweep.m_exact) and np.nanmax(np.abs(sweep.m_exact)) > ZERO_MAGNETIZATION:
        ax_m.plot(T, np.abs(sweep.m_exact[order]), "^:", ms=3, color="C2", label="exact |<m>|")
    mark_not_converged(ax_m, T, [(m_abs, converged), (m_structured, structured_converged)])
    ax_m.set_ylabel("|magnetization| per spin")
    ax_m.set_xlabel(T_LABEL)
    if ax_m.lines:
        outside_legend(ax_m)

    set_temperature_axis(ax_m, T)
    for ax in (ax_lnz, ax_gap, ax_m):
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def save(fig, output, force=False, dpi=120):
    """Writes `fig` to `output` in the format of its extension, atomically (write_atomically),
    and closes it; raises OutputError. Shared with plot_ensemble.py (dpi None: matplotlib's)."""
    # The temporary's name has no extension: the format is named (main checked it).
    fmt = os.path.splitext(output)[1].lower().lstrip(".")
    try:
        write_atomically(output, lambda file: fig.savefig(file, format=fmt, dpi=dpi), force)
    finally:
        plt.close(fig)


def plot(sweep, output, force=False):
    save(figure(sweep), output, force)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Plot an isingmf temperature sweep.")
    parser.add_argument("results", help="isingmf HDF5 results file")
    parser.add_argument("-o", "--output", default="sweep.png",
                        help="image to write, a new file (default: sweep.png)")
    parser.add_argument("--force", action="store_true",
                        help="replace the image if it exists (a regular file; never a link)")
    args = parser.parse_args(argv)
    if not known_image_format(args.output, "plot_sweep.py"):
        return 2
    try:
        check_output(args.output, args.force)  # before the work, as the CLI checks --out
        sweep = load(args.results)
        left_out = left_out_temperatures(sweep.path, sweep.T)
        plot(sweep, args.output, args.force)
        warn_left_out("plot_sweep.py", sweep.path, sweep.T, left_out)
    except (ResultsError, OutputError) as error:
        print(f"plot_sweep.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    run_main(main, "plot_sweep.py")
