#!/usr/bin/python3
"""Checks a results file against README.md ("HDF5 results") with h5py, independently of the C++
reader: names, types, shapes, units/description attributes and the documented relations.

    /usr/bin/python3 tests/scripts/check_schema.py run.h5 [--expect-exact] [--expect-m]

Prints the first mismatch and exits 1; prints "schema ok" and exits 0 otherwise.
"""

import argparse
import sys

import h5py
import numpy as np

MEAN_FIELD = {"ln_z": "f", "free_energy_per_spin": "f", "energy_per_spin": "f", "entropy_per_spin": "f",
              "magnetization": "f", "residual": "f", "iterations": "i", "converged": "u", "start": "O"}
EXACT = ["ln_z", "energy_per_spin", "specific_heat_per_spin", "magnetization", "magnetization_abs",
         "susceptibility"]


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


def check(path, expect_exact, expect_m):
    with h5py.File(path, "r") as f:
        expect(f.attrs.get("format") == "isingmf-results", "format attribute")
        expect(f.attrs.get("format_version") == 1, "format_version attribute")
        for name in ("program_version", "command_line", "created", "exact_note"):
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
        for name, kind in MEAN_FIELD.items():
            check_dataset(f, f"mean_field/{name}", kind, (n_T,))
        lnz = f["mean_field/ln_z"][:]
        with np.errstate(invalid="ignore"):
            expect(np.array_equal(f["mean_field/free_energy_per_spin"][:], -T * lnz / n, equal_nan=True),
                   "free_energy_per_spin != -T ln_z / N")
        if expect_m:
            m = check_dataset(f, "mean_field/m", "f", (n_T, n))
            expect(m.chunks is not None and m.compression == "gzip" and m.shuffle, "m is not chunked+shuffle+gzip")
        else:
            expect("m" not in f["mean_field"], "m present although not stored")
        if expect_exact:
            expect(isinstance(f["exact"].attrs.get("method"), str), "/exact@method missing")
            for name in EXACT:
                check_dataset(f, f"exact/{name}", "f", (n_T,))
            gap = check_dataset(f, "comparison/gap", "f", (n_T,))[:]
            expect(np.array_equal(gap, f["exact/ln_z"][:] - lnz, equal_nan=True), "gap != exact ln_z - mf ln_z")
        else:
            expect("exact" not in f and "comparison" not in f, "/exact or /comparison present without exact")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--expect-exact", action="store_true")
    parser.add_argument("--expect-m", action="store_true")
    args = parser.parse_args()
    try:
        check(args.path, args.expect_exact, args.expect_m)
    except Mismatch as error:
        print(f"schema mismatch in {args.path}: {error}")
        return 1
    print("schema ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
