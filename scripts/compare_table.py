#!/usr/bin/python3
"""Prints a mean-field vs exact comparison table from isingmf results files.

    /usr/bin/python3 scripts/compare_table.py run.h5 [more.h5 ...]

One markdown table per file (readable as plain text too; ln Z per spin to 10 decimals and the
differences as %.3e, and any of them as %.15e from 1e15 in magnitude on (ln Z / N ~ 2e300 at
T = 1e-300), as the CLI prints them): T (in the energy units of H, k_B = 1), ln Z_MF / N,
ln Z_exact / N, gap / N, relative gap (gap / |ln Z_exact|), the mean-field magnetization m
(signed, to 6 decimals) and whether the iterations converged ("yes", or NO with those that
did not: mf, ub, bp, smf), then, when the file holds them, the upper bound ln Z_UB / N with
the interval width (UB - MF) / N, the Bethe estimate ln Z_Bethe / N, and the structured
mean-field bound ln Z_SMF / N with its gap (exact - SMF) / N and, with the upper bound, its
interval width (UB - SMF) / N. Missing values print as n/a; a file without exact values
(--exact none) has no exact columns. A file that cannot be read is
reported on stderr (one line each) and the others are still printed; the exit status is then 1.
"""

import argparse
import os
import sys

import numpy as np

from isingmf_results import (ResultsError, format_fixed, format_number, format_scientific, load,
                             run_main)


# ln Z per spin to as many decimals as the CLI's table prints.
LNZ_DECIMALS = 10
# From this magnitude on, the CLI's table prints a per-spin value as %.15e
# (src/cli/sweep_table.cpp, per_spin): fixed notation would print hundreds of digits.
FIXED_LIMIT = 1e15


def per_spin(x, format_small):
    """Text of a value per spin as the CLI's table prints it: %.15e where |x| >= 1e15, else
    format_small(x)."""
    if np.isfinite(x) and abs(x) >= FIXED_LIMIT:
        return f"{x:.15e}"
    return format_small(x)


def lnz_text(x):
    return per_spin(x, lambda v: format_fixed(v, LNZ_DECIMALS))


def difference_text(x):
    return per_spin(x, format_scientific)


def temperature_formatter(T):
    """Text of one temperature, with one precision for the whole column as the CLI's table:
    the fewest decimals (1 to 6) that show every T to 1e-9 relative, or %.4e for the column
    when some T is below 1e-4 or from 1e6 up; inf as 'inf'."""
    finite = [t for t in T if np.isfinite(t)]
    if any(t != 0.0 and (abs(t) < 1e-4 or abs(t) >= 1e6) for t in finite):
        return lambda t: format_number(t) if not np.isfinite(t) else f"{t:.4e}"
    decimals = 1
    for t in finite:
        while decimals < 6 and abs(round(t, decimals) - t) > 1e-9 * abs(t):
            decimals += 1
    return lambda t: format_fixed(t, decimals)


def convergence(sweep, k):
    """'yes', or NO with the results at temperature k that did not converge (as the CLI's table)."""
    failed = [name for name, flags in (("mf", sweep.converged), ("ub", sweep.upper_converged),
                                       ("bp", sweep.bethe_converged),
                                       ("smf", sweep.structured_converged))
              if flags is not None and not flags[k]]
    return "NO:" + ",".join(failed) if failed else "yes"


def columns(sweep):
    """[(name, text of temperature k)] for the columns `sweep` has data for: the exact columns
    only where some exact ln Z was computed (not with --exact none)."""
    n = sweep.num_sites
    nan = np.full(len(sweep.T), np.nan)
    lnz_mf = sweep.lnz_mf if sweep.lnz_mf is not None else nan
    m_mf = sweep.m_mf if sweep.m_mf is not None else nan
    lnz_exact = sweep.lnz_exact if sweep.lnz_exact is not None else nan
    gap = sweep.gap if sweep.gap is not None else nan
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = gap / np.abs(lnz_exact)
    has_exact = bool(np.any(~np.isnan(lnz_exact)))
    upper, bethe, smf = sweep.lnz_upper, sweep.lnz_bethe, sweep.lnz_structured
    temperature = temperature_formatter(sweep.T)
    out = [("T", lambda k: temperature(sweep.T[k])),
           ("lnZ_MF/N", lambda k: lnz_text(lnz_mf[k] / n))]
    if has_exact:
        out += [("lnZ_exact/N", lambda k: lnz_text(lnz_exact[k] / n)),
                ("gap/N", lambda k: difference_text(gap[k] / n)),
                ("rel. gap", lambda k: format_scientific(relative[k]))]
    out += [("m_MF", lambda k: format_fixed(m_mf[k], 6)),
            ("conv", lambda k: convergence(sweep, k))]
    if upper is not None:
        out += [("lnZ_UB/N", lambda k: lnz_text(upper[k] / n)),
                ("width/N", lambda k: difference_text((upper[k] - lnz_mf[k]) / n))]
    if bethe is not None:
        out += [("lnZ_Bethe/N", lambda k: lnz_text(bethe[k] / n))]
    if smf is not None:
        out += [("lnZ_SMF/N", lambda k: lnz_text(smf[k] / n))]
        if has_exact:
            out += [("gapS/N", lambda k: difference_text((lnz_exact[k] - smf[k]) / n))]
        if upper is not None:
            out += [("widthS/N", lambda k: difference_text((upper[k] - smf[k]) / n))]
    return out


def table(sweep):
    cells = columns(sweep)
    names = [name for name, _ in cells]
    body = [[text(k) for _, text in cells] for k in range(len(sweep.T))]
    widths = [max([len(c)] + [len(r[i]) for r in body]) for i, c in enumerate(names)]

    def line(cells):
        return "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"

    exact = sweep.exact_method
    if exact == "none" and sweep.exact_note:
        exact += f" ({sweep.exact_note})"
    out = [f"### {sweep.path}", "",
           f"{sweep.describe()}; exact: {exact}; T in the energy units of H (k_B = 1)", "",
           line(names),
           "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"]
    out += [line(r) for r in body]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Compare the bounds on ln Z with exact ln Z from isingmf results files.")
    parser.add_argument("results", nargs="+", help="isingmf HDF5 results files")
    args = parser.parse_args(argv)
    sweeps = []
    failed = False
    for path in args.results:
        try:
            sweeps.append(load(path))
        except ResultsError as error:
            print(f"compare_table.py: error: {error}", file=sys.stderr)
            failed = True
    try:
        if sweeps:
            print("\n\n".join(table(s) for s in sweeps))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (head, less) stopped early: not an error. Point stdout at /dev/null so
        # that the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1 if failed else 0

if __name__ == "__main__":
    run_main(main, "compare_table.py")
