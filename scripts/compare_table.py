#!/usr/bin/python3
"""Prints a mean-field vs exact comparison table from isingmf results files.

    /usr/bin/python3 scripts/compare_table.py run.h5 [more.h5 ...]

One markdown table per file (readable as plain text too): T, ln Z_MF / N, ln Z_exact / N,
gap / N, relative gap (gap / |ln Z_exact|) and the mean-field magnetization m, then, when the
file holds them, the upper bound ln Z_UB / N with the interval width (UB - MF) / N, the
Bethe estimate ln Z_Bethe / N, and the structured mean-field bound ln Z_SMF / N with its gap
(exact - SMF) / N and, with the upper bound, its interval width (UB - SMF) / N. Missing values
print as n/a.
"""

import argparse
import os
import sys

import numpy as np

from isingmf_results import ResultsError, format_number, load

COLUMNS = ["T", "lnZ_MF/N", "lnZ_exact/N", "gap/N", "rel. gap", "m_MF"]


def columns(sweep):
    extra = []
    if sweep.lnz_upper is not None:
        extra += ["lnZ_UB/N", "width/N"]
    if sweep.lnz_bethe is not None:
        extra += ["lnZ_Bethe/N"]
    if sweep.lnz_structured is not None:
        extra += ["lnZ_SMF/N", "gapS/N"]
        if sweep.lnz_upper is not None:
            extra += ["widthS/N"]
    return COLUMNS + extra


def rows(sweep):
    n = sweep.num_sites
    nan = np.full(len(sweep.T), np.nan)
    lnz_mf = sweep.lnz_mf if sweep.lnz_mf is not None else nan
    m_mf = sweep.m_mf if sweep.m_mf is not None else nan
    lnz_exact = sweep.lnz_exact if sweep.lnz_exact is not None else nan
    gap = sweep.gap if sweep.gap is not None else nan
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = gap / np.abs(lnz_exact)
    for k in range(len(sweep.T)):
        row = [
            format_number(sweep.T[k]),
            format_number(lnz_mf[k] / n, 8),
            format_number(lnz_exact[k] / n, 8),
            format_number(gap[k] / n, 4),
            format_number(relative[k], 3),
            format_number(m_mf[k], 5),
        ]
        if sweep.lnz_upper is not None:
            row += [format_number(sweep.lnz_upper[k] / n, 8),
                    format_number((sweep.lnz_upper[k] - lnz_mf[k]) / n, 4)]
        if sweep.lnz_bethe is not None:
            row += [format_number(sweep.lnz_bethe[k] / n, 8)]
        if sweep.lnz_structured is not None:
            smf = sweep.lnz_structured[k]
            row += [format_number(smf / n, 8), format_number((lnz_exact[k] - smf) / n, 4)]
            if sweep.lnz_upper is not None:
                row += [format_number((sweep.lnz_upper[k] - smf) / n, 4)]
        yield row


def table(sweep):
    body = list(rows(sweep))
    names = columns(sweep)
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(names)]

    def line(cells):
        return "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"

    exact = sweep.exact_method
    if exact == "none" and sweep.exact_note:
        exact += f" ({sweep.exact_note})"
    out = [f"### {sweep.path}", "", f"{sweep.describe()}; exact: {exact}", "", line(names),
           "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"]
    out += [line(r) for r in body]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Compare the bounds on ln Z with exact ln Z from isingmf results files.")
    parser.add_argument("results", nargs="+", help="isingmf HDF5 results files")
    args = parser.parse_args(argv)
    try:
        sweeps = [load(path) for path in args.results]
    except ResultsError as error:
        print(f"compare_table.py: error: {error}", file=sys.stderr)
        return 1
    try:
        print("\n\n".join(table(s) for s in sweeps))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (head, less) stopped early: not an error. Point stdout at /dev/null so
        # that the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
