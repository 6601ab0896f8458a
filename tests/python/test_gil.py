"""Solvers release the GIL: another Python thread keeps running while one solves."""
import re
import threading
import time

import pytest

import isingmf

BIG = isingmf.lattice("square", (256, 256), disorder="pm", seed=2)
MEDIUM = isingmf.lattice("square", (5, 5), h=0.1)
# In a field, so that the upper bound and BP do not stop at once on the h = 0 symmetric point.
FIELD = isingmf.lattice("square", (256, 256), disorder="pm", h=0.1, seed=2)


def ticks_during(solve):
    """Runs solve() on a thread; returns the main thread's loop ticks strictly inside the
    call (10 ms margins) and the call's duration."""
    span = {}

    def worker():
        span["start"] = time.perf_counter()
        solve()
        span["end"] = time.perf_counter()

    thread = threading.Thread(target=worker)
    ticks = []
    thread.start()
    while thread.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    thread.join()
    duration = span["end"] - span["start"]
    margin = 0.01
    return [t for t in ticks if span["start"] + margin < t < span["end"] - margin], duration


@pytest.mark.parametrize("solve", [
    lambda: isingmf.mean_field(BIG, 0.44, starts="up,down", tol=1e-15, max_iter=1000, threads=1),
    lambda: isingmf.exact(MEDIUM, [0.1 * k for k in range(1, 11)], method="enumerate", threads=1),
    lambda: isingmf.sweep(BIG, T=[2.0, 2.5], bounds="mf", starts="up", max_iter=100, exact="none",
                          threads=1),
    lambda: isingmf.upper_bound(FIELD, 0.44, width=1, max_iter=4, threads=1),
    lambda: isingmf.bethe(FIELD, 0.44, polarized=False, tol=1e-15, max_iter=15, threads=1),
    lambda: isingmf.structured_mean_field(BIG, 0.44, cluster_width=1, starts="up", tol=1e-15,
                                          max_iter=20, threads=1),
], ids=["mean_field", "exact", "sweep", "upper_bound", "bethe", "structured"])
def test_other_threads_run_during_a_solve(solve):
    inside, duration = ticks_during(solve)
    assert duration > 0.05, "the solve is too short to tell"
    assert len(inside) >= 5, (len(inside), duration)


def test_the_check_sees_a_call_that_holds_the_gil():
    # Negative control: the re module matches without releasing the GIL, so the main thread
    # cannot tick inside such a call (exponential backtracking, ~0.1-1 s).
    inside, duration = ticks_during(lambda: re.match(r"(a+)+b", "a" * 23))
    assert duration > 0.05, "the control is too short to tell"
    assert inside == []
