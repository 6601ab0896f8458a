#!/usr/bin/python3
"""Checks a results file against README.md ("HDF5 results") with h5py, independently of the C++
reader: names, types, shapes, units/description attributes and the documented relations.

    /usr/bin/python3 tests/scripts/check_schema.py run.h5 [--expect-exact] [--expect-m]
        [--no-mf] [--expect-upper] [--expect-bethe] [--expect-structured]

Prints the first mismatch and exits 1; prints "schema ok" and exits 0 otherwise.
"""

import argparse
import sys

import h5py
import numpy as np

MEAN_FIELD = {"ln_z": "f", "free_energy_per_spin": "f", "energy_per_spin": "f", "entropy_per_spin": "f",
              "magnetization": "f", "residual": "f", "iterations": "i", "converged": "u", "start": "O",
              "cut": "O"}
EXACT = ["ln_z", "energy_per_spin", "specific_heat_per_spin", "magnetization", "magnetization_abs",
         "susceptibility"]
UPPER = {"ln_z": "f", "disagreement": "f", "iterations": "i", "converged": "u"}
BETHE = {"ln_z": "f", "residual": "f", "iterations": "i", "converged": "u", "start": "O"}
STRUCTURED = {"ln_z": "f", "energy_per_spin": "f", "entropy_per_spin": "f", "magnetization": "f",
              "residual": "f", "iterations": "i", "converged": "u", "start": "O"}


class Mismatch(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Mismatch(message)


def check_dataset(f, name, kind, shape):
    expect(name in f, f"{name} missing")
    ds = f[name]
    expect(isinstance(ds, h5py.Dataset), f"{name} is not a dataset")
    expect(ds.shape == shape, f"{name} has shape {ds.shape}, expected {shape}")
    if kind == "O":
        expect(h5py.check_string_dtype(ds.dtype) is not None, f"{name} is not a string dataset")
    else:
        expect(ds.dtype.kind == kind, f"{name} has dtype {ds.dtype}, expected kind {kind}")
    for attribute in ("units", "description"):
        expect(isinstance(ds.attrs.get(attribute), str) and ds.attrs[attribute],
               f"{name} lacks a '{attribute}' string attribute")
    return ds


def same(a, b):
    """Equal where both are numbers, NaN in the same places."""
    return np.array_equal(a, b, equal_nan=True)


def check_m(f, group, expect_m, n_T, n):
    if expect_m:
        m = check_dataset(f, f"{group}/m", "f", (n_T, n))
        expect(m.chunks is not None and m.compression == "gzip" and m.shuffle,
               f"{group}/m is not chunked+shuffle+gzip")
    else:
        expect("m" not in f[group], f"{group}/m present although not stored")


def check(path, expect_exact, expect_m, expect_mf=True, expect_upper=False, expect_bethe=False,
          expect_structured=False):
    with h5py.File(path, "r") as f:
        expect(f.attrs.get("format") == "isingmf-results", "format attribute")
        expect(f.attrs.get("format_version") == 3, "format_version attribute")
        for name in ("program_version", "command_line", "created", "exact_note", "upper_note"):
            expect(isinstance(f.attrs.get(name), str), f"root attribute {name} is not a string")
        for name in ("num_sites", "num_edges"):
            expect(f.attrs[name].dtype == np.int64, f"root attribute {name} is not int64")
        expect(f.attrs["energy_offset"].dtype == np.float64, "energy_offset is not a double")
        expect(isinstance(f.get("parameters"), h5py.Group), "/parameters missing")
        n = int(f.attrs["num_sites"])
        T = check_dataset(f, "T", "f", f["T"].shape)[:]
        n_T = len(T)
        beta = check_dataset(f, "beta", "f", (n_T,))[:]
        # T and beta may each be the input and the other its reciprocal: allow an ulp or two.
        for k in range(n_T):
            expected = np.inf if beta[k] == 0 else 1 / beta[k]
            expect(T[k] == expected or np.isclose(T[k], expected, rtol=1e-15, atol=0), f"T[{k}] != 1/beta[{k}]")
        lnz = None
        if expect_mf:
            for name, kind in MEAN_FIELD.items():
                check_dataset(f, f"mean_field/{name}", kind, (n_T,))
            lnz = f["mean_field/ln_z"][:]
            with np.errstate(invalid="ignore"):
                expect(same(f["mean_field/free_energy_per_spin"][:], -T * lnz / n),
                       "free_energy_per_spin != -T ln_z / N")
            check_m(f, "mean_field", expect_m, n_T, n)
        else:
            expect("mean_field" not in f, "/mean_field present although not computed")
        upper = None
        if expect_upper:
            group = f.get("upper_bound")
            expect(isinstance(group, h5py.Group), "/upper_bound missing")
            for name, kind in UPPER.items():
                check_dataset(f, f"upper_bound/{name}", kind, (n_T,))
            for name in ("kind", "decomposition"):
                expect(isinstance(group.attrs.get(name), str), f"/upper_bound@{name} is not a string")
            expect(group.attrs["kind"] in ("whole", "strips", "trees"), "/upper_bound@kind unknown")
            for name in ("width", "num_pieces"):
                expect(group.attrs[name].dtype == np.int64, f"/upper_bound@{name} is not int64")
            weights = check_dataset(f, "upper_bound/weights", "f", group["weights"].shape)[:]
            expect(weights.ndim == 1 and len(weights) >= 1 and np.all(weights > 0), "weights not positive")
            expect(abs(weights.sum() - 1) < 1e-12, "weights do not sum to 1")
            expect(group.attrs["num_pieces"] >= len(weights), "fewer pieces than families")
            upper = group["ln_z"][:]
        else:
            expect("upper_bound" not in f, "/upper_bound present although not computed")
        if expect_bethe:
            group = f.get("bethe")
            expect(isinstance(group, h5py.Group), "/bethe missing")
            for name, kind in BETHE.items():
                check_dataset(f, f"bethe/{name}", kind, (n_T,))
            expect(group.attrs.get("schedule") in ("sequential", "parallel"), "/bethe@schedule")
            expect(group.attrs["damping"].dtype == np.float64, "/bethe@damping is not a double")
        else:
            expect("bethe" not in f, "/bethe present although not computed")
        structured = None
        if expect_structured:
            group = f.get("structured_mean_field")
            expect(isinstance(group, h5py.Group), "/structured_mean_field missing")
            for name, kind in STRUCTURED.items():
                check_dataset(f, f"structured_mean_field/{name}", kind, (n_T,))
            for name in ("kind", "clusters"):
                expect(isinstance(group.attrs.get(name), str),
                       f"/structured_mean_field@{name} is not a string")
            expect(group.attrs["kind"] in ("strips", "whole", "trees", "pieces", "given"),
                   "/structured_mean_field@kind unknown")
            for name in ("width", "num_clusters"):
                expect(group.attrs[name].dtype == np.int64,
                       f"/structured_mean_field@{name} is not int64")
            expect(1 <= group.attrs["num_clusters"] <= n, "num_clusters out of range")
            check_m(f, "structured_mean_field", expect_m, n_T, n)
            structured = group["ln_z"][:]
            # ln_z = E_q[-beta H] + S(q) = -beta N energy_per_spin + N entropy_per_spin.
            finite = beta > 0
            rebuilt = -beta * n * group["energy_per_spin"][:] + n * group["entropy_per_spin"][:]
            expect(np.allclose(structured[finite], rebuilt[finite], rtol=1e-9, atol=1e-9),
                   "structured ln_z != -beta <H> + S")
            starts = [s.decode() if isinstance(s, bytes) else s for s in group["start"][:]]
            expect(all(s in ("naive", "warm", "up", "down", "zero") or s.startswith("random:")
                       for s in starts), "/structured_mean_field/start unknown")
        else:
            expect("structured_mean_field" not in f,
                   "/structured_mean_field present although not computed")
        exact = None
        if expect_exact:
            expect(isinstance(f["exact"].attrs.get("method"), str), "/exact@method missing")
            for name in EXACT:
                check_dataset(f, f"exact/{name}", "f", (n_T,))
            exact = f["exact/ln_z"][:]
        else:
            expect("exact" not in f, "/exact present without exact")
        # /comparison holds each difference whose two sides are present, and only those.
        expected = {}
        if exact is not None and lnz is not None:
            expected["gap"] = exact - lnz
            expected["exact_minus_lower"] = exact - lnz
        if upper is not None and lnz is not None:
            expected["upper_minus_lower"] = upper - lnz
        if upper is not None and exact is not None:
            expected["upper_minus_exact"] = upper - exact
        if structured is not None and exact is not None:
            expected["exact_minus_structured"] = exact - structured
        if structured is not None and upper is not None:
            expected["upper_minus_structured"] = upper - structured
        if structured is not None and lnz is not None:
            expected["structured_minus_lower"] = structured - lnz
        if not expected:
            expect("comparison" not in f, "/comparison present with fewer than two sides")
        for name, values in expected.items():
            got = check_dataset(f, f"comparison/{name}", "f", (n_T,))[:]
            expect(same(got, values), f"comparison/{name} is not the difference it names")
        if "comparison" in f:
            expect(set(f["comparison"].keys()) == set(expected), "unexpected datasets in /comparison")
        if upper is not None and lnz is not None:
            expect(np.all(upper >= lnz - 1e-9 * np.abs(lnz)), "upper bound below the lower bound")
        if upper is not None and exact is not None:
            ok = np.isnan(exact) | (upper >= exact - 1e-9 * np.abs(exact))
            expect(np.all(ok), "upper bound below exact ln Z")
        if structured is not None and exact is not None:
            ok = np.isnan(exact) | (structured <= exact + 1e-9 * np.abs(exact))
            expect(np.all(ok), "structured bound above exact ln Z")
        if structured is not None and upper is not None:
            expect(np.all(structured <= upper + 1e-9 * np.abs(upper)),
                   "structured bound above the upper bound")
        if structured is not None and lnz is not None:
            # The sweep starts the structured ascent from the naive solution.
            expect(np.all(structured >= lnz - 1e-9 * np.abs(lnz)),
                   "structured bound below the naive bound")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--expect-exact", action="store_true")
    parser.add_argument("--expect-m", action="store_true")
    parser.add_argument("--no-mf", action="store_true", help="the file has no /mean_field")
    parser.add_argument("--expect-upper", action="store_true")
    parser.add_argument("--expect-bethe", action="store_true")
    parser.add_argument("--expect-structured", action="store_true")
    args = parser.parse_args()
    try:
        check(args.path, args.expect_exact, args.expect_m, not args.no_mf, args.expect_upper,
              args.expect_bethe, args.expect_structured)
    except Mismatch as error:
        print(f"schema mismatch in {args.path}: {error}")
        return 1
    print("schema ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
