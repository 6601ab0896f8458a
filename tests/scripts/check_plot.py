#!/usr/bin/python3
"""Checks what plot_sweep.py draws for a results file, by inspecting its figure:

    check_plot.py FILE NOT_CONVERGED [NOT_CONVERGED_M]

the T axis is labelled "T (k_B = 1, energy units of H)" (the file's T is in the energy units
of H, not T / J), the magnetization panel shows the mean-field |m| (never a signed m beside
the exact <|m|>) and, where the file's exact <m> is not zero, the exact |<m>|
with the file's values, every legend lies right of its panel (so it covers no curve), and
the temperatures whose iteration did not converge are marked on the curves of the methods
that did not converge: NOT_CONVERGED marks on the ln Z panel, NOT_CONVERGED_M (default
NOT_CONVERGED) on the magnetization panel.
Exit status 0 when all hold, 1 otherwise (with the reason on stderr).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))

import numpy as np  # noqa: E402

import plot_sweep  # noqa: E402
from isingmf_results import load  # noqa: E402


def legend_problems(fig, required=False):
    """What is wrong with the place of fig's legends: each must lie right of its panel, where
    it covers no curve; with `required`, every panel must have one."""
    fig.canvas.draw()  # lays the legends out
    problems = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            if required:
                problems.append(f"the panel {ax.get_ylabel()!r} has no legend")
        elif legend.get_window_extent().x0 < ax.get_window_extent().x1:
            problems.append(f"the legend of the panel {ax.get_ylabel()!r} overlaps it")
    return problems


def main():
    path, expected = sys.argv[1], int(sys.argv[2])
    expected_m = int(sys.argv[3]) if len(sys.argv) > 3 else expected
    sweep = load(path)
    fig = plot_sweep.figure(sweep)
    ax_lnz, ax_gap, ax_m = fig.axes
    problems = []
    if ax_m.get_xlabel() != "T (k_B = 1, energy units of H)":
        problems.append(f"x label {ax_m.get_xlabel()!r}")
    lines = {line.get_label(): line for line in ax_m.get_lines()}
    m_line = lines.get("mean field |m|")
    if m_line is None:
        problems.append(f"no 'mean field |m|' line among {sorted(lines)}")
    elif np.any(np.asarray(m_line.get_ydata()) < 0):
        problems.append("the mean-field magnetization is drawn signed")
    exact_m = lines.get("exact |<m>|")
    if sweep.m_exact is not None and np.nanmax(np.abs(sweep.m_exact)) > 1e-9:
        order = np.argsort(sweep.T, kind="stable")
        order = order[np.isfinite(sweep.T[order])]
        if exact_m is None:
            problems.append(f"no 'exact |<m>|' line among {sorted(lines)} in a field")
        elif not np.array_equal(np.asarray(exact_m.get_ydata()), np.abs(sweep.m_exact[order])):
            problems.append("the exact |<m>| line is not the file's |exact/magnetization|")
    elif exact_m is not None:
        problems.append("an exact |<m>| line where <m> is zero")
    problems += legend_problems(fig)
    for name, ax, expected in (("ln Z", ax_lnz, expected), ("m", ax_m, expected_m)):
        marks = [line for line in ax.get_lines() if line.get_label() == "not converged"]
        count = len(marks[0].get_xdata()) if marks else 0
        if count != expected:
            problems.append(f"{name} panel marks {count} temperatures, expected {expected}")
    for problem in problems:
        print(f"check_plot.py: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
