#!/usr/bin/env python3
"""Costs of the Python module (not a test; figures go to docs/benchmarks.md).

1. Overhead per call on 100-spin models: the time of isingmf.mean_field, exact,
   upper_bound, bethe and structured_mean_field called from Python minus the time of the
   same library call in C++
   (bench/python_reference_bench.cpp, run here through build/bench/isingmf_bench). Both
   on one thread (OMP_NUM_THREADS=1); CPU time of the calling thread per call (the host is
   shared, and CPU time does not count the time other processes hold the core), the
   minimum and the median over repetitions; wall-clock minima beside them.
2. Large arrays without a copy: m of a 4096x4096 lattice (16.8M sites) from mean_field and
   from a sweep, and the model's J (33.5M bonds): the time to get the array, whether it
   shares the result's buffer, and the memory NumPy allocates for it (tracemalloc, which
   traces NumPy's data buffers); against np.array(...) and the sweep's [n_T, N] copy.

Run from the repository root after the build:
    PYTHONPATH=build/python /usr/bin/python3 bench/python_bench.py [--skip-large]
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time
import timeit
import tracemalloc

os.environ["OMP_NUM_THREADS"] = "1"  # before the library's OpenMP starts
import numpy as np  # noqa: E402

import isingmf  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
REPEATS = 15


def per_call(fn, budget=0.2, timer=time.thread_time):
    """(min, median) seconds per call over REPEATS timings of about `budget` seconds each."""
    number = max(1, int(budget / max(timeit.timeit(fn, number=1, timer=timer), 1e-6)))
    times = [t / number for t in timeit.repeat(fn, number=number, repeat=REPEATS, timer=timer)]
    return min(times), statistics.median(times)


def reference_times(key):
    """(min, median) of the C++ calls' `key` time (cpu_time or real_time) per iteration."""
    bench = ROOT / "build" / "bench" / "isingmf_bench"
    out = subprocess.run([str(bench), "--benchmark_filter=PythonReference",
                          f"--benchmark_repetitions={REPEATS}", "--benchmark_format=json",
                          "--benchmark_min_time=0.2"],
                         capture_output=True, text=True, check=True)
    runs = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("run_type") == "iteration":
            scale = {"us": 1e-6, "ns": 1e-9, "ms": 1e-3}[b["time_unit"]]
            runs.setdefault(b["run_name"], []).append(b[key] * scale)
    return {name: (min(t), statistics.median(t)) for name, t in runs.items()}


def overhead():
    glass = isingmf.lattice("square", (10, 10), disorder="pm", h=0.1, seed=1)
    chain = isingmf.lattice("chain", 100)
    calls = {
        "BM_PythonReferenceMeanFieldOneSweep": (
            'mean_field(glass, 0.3, starts="up", max_iter=1)',
            lambda: isingmf.mean_field(glass, 0.3, starts="up", max_iter=1)),
        "BM_PythonReferenceMeanFieldDefault": (
            "mean_field(glass, 0.3)", lambda: isingmf.mean_field(glass, 0.3)),
        "BM_PythonReferenceExactChain": (
            'exact(chain, 0.5, method="eliminate")',
            lambda: isingmf.exact(chain, 0.5, method="eliminate")),
        "BM_PythonReferenceUpperBound": (
            "upper_bound(glass, 0.3, width=1, max_iter=1)",
            lambda: isingmf.upper_bound(glass, 0.3, width=1, max_iter=1)),
        "BM_PythonReferenceBethe": (
            "bethe(glass, 0.3, max_iter=1)", lambda: isingmf.bethe(glass, 0.3, max_iter=1)),
        "BM_PythonReferenceStructured": (
            'structured_mean_field(glass, 0.3, cluster_width=1, starts="up", max_iter=1)',
            lambda: isingmf.structured_mean_field(glass, 0.3, cluster_width=1, starts="up",
                                                  max_iter=1)),
    }
    python = {name: per_call(fn) for name, (_, fn) in calls.items()}
    wall = {name: per_call(fn, timer=time.perf_counter) for name, (_, fn) in calls.items()}
    reference = reference_times("cpu_time")
    reference_wall = reference_times("real_time")
    print("## Overhead per call, 100-spin models, 1 thread (us)")
    print("| call | Python CPU min / median | C++ CPU min / median | overhead min / median "
          "| wall min: Python, C++ |")
    print("| --- | --- | --- | --- | --- |")
    for name, (text, _) in calls.items():
        (pmin, pmed), (cmin, cmed) = python[name], reference[name]
        print(f"| `isingmf.{text}` | {pmin * 1e6:.1f} / {pmed * 1e6:.1f} "
              f"| {cmin * 1e6:.1f} / {cmed * 1e6:.1f} "
              f"| {(pmin - cmin) * 1e6:.1f} / {(pmed - cmed) * 1e6:.1f} "
              f"| {wall[name][0] * 1e6:.1f}, {reference_wall[name][0] * 1e6:.1f} |")
    attr = per_call(lambda: glass.n)
    print(f"(an attribute read, glass.n: {attr[0] * 1e9:.0f} ns)")


def large():
    print("\n## Large arrays, 4096x4096 torus (16.8M sites, 33.5M bonds)")
    t = time.perf_counter()
    model = isingmf.lattice("square", (4096, 4096), disorder="pm", seed=1)
    print(f"lattice(): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    result = isingmf.mean_field(model, 0.2, starts="up", max_iter=20, threads=0)
    print(f"mean_field (1 start, 20 sweeps): {time.perf_counter() - t:.2f} s")
    rows = []

    def measure(what, get):
        t0 = time.perf_counter()
        array = get()
        seconds = time.perf_counter() - t0
        del array
        tracemalloc.start()
        array = get()
        allocated = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rows.append((what, array.nbytes, seconds, allocated))
        return array

    m1 = measure("result.m (view)", lambda: result.m)
    m2 = measure("result.m again", lambda: result.m)
    assert np.shares_memory(m1, m2) and m1.base is result and not m1.flags.writeable
    measure("np.array(result.m) (copy)", lambda: np.array(result.m))
    J = measure("model.J (view)", lambda: model.J)
    assert J.base is model
    sweep = isingmf.sweep(model, T=[5.0], bounds="mf", starts="up", max_iter=5, exact="none",
                          threads=0)
    v = measure("sweep[0].mean_field.m (view)", lambda: sweep[0].mean_field.m)
    assert np.shares_memory(v, sweep[0].mean_field.m)
    measure("sweep.mean_field.m ([n_T, N] copy)", lambda: sweep.mean_field.m)
    print("| array | size | time to get it | allocated for it (tracemalloc peak) |")
    print("| --- | --- | --- | --- |")
    for what, nbytes, seconds, added in rows:
        print(f"| `{what}` | {nbytes / 2**20:.0f} MiB | {seconds * 1e6:.1f} us "
              f"| {added / 2**10:.1f} KiB |")


if __name__ == "__main__":
    overhead()
    if "--skip-large" not in sys.argv:
        large()
