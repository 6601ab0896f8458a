"""Ctrl-C (SIGINT) stops a running solve with KeyboardInterrupt, as it stops Python code.

The solvers run without the GIL, so Python's own handler cannot act until the call returns;
each call below would run for minutes (or, reading a FIFO, forever) if SIGINT did not reach
the solver. Each runs in a child interpreter with a timeout, so that a regression fails
instead of hanging the suite. The timeout is generous: what is measured is that the call
stops at all, not how fast."""
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import isingmf

# The child sends itself SIGINT 0.3 s into each call and prints how each call ended.
CHILD = textwrap.dedent("""
    import os, signal, sys, threading, time
    import isingmf

    def interrupt_soon():
        time.sleep(0.3)
        os.kill(os.getpid(), signal.SIGINT)

    def outcome(call):
        threading.Thread(target=interrupt_soon).start()
        try:
            call()
        except KeyboardInterrupt:
            return "KeyboardInterrupt"
        except Exception as e:
            return f"{type(e).__name__}: {e}"
        finally:
            time.sleep(0.4)  # the signal has been sent, whatever happened
        return "finished"
""")

LOOPING = Path(__file__).resolve().parents[2] / "tests/fuzz/corpus/results/hdf5_heap_loop.hdf5"

# Calls of minutes each without an interrupt (2-core machine): long solves of every solver.
LONG_CALLS = {
    "mean_field": "isingmf.mean_field(GLASS, 1.0, starts='random', restarts=10000)",
    "structured": "isingmf.structured_mean_field(GLASS, 1.0, starts='random', restarts=10000)",
    "bethe": "isingmf.bethe(GLASS, 3.0, tol=1e-300, max_iter=10**7)",
    "upper_bound": "isingmf.upper_bound(GLASS, 3.0, tol=1e-300, max_iter=10**7)",
    "sweep": "isingmf.sweep(GLASS, T='0.05:5:0.001', exact='none', tol=1e-300)",
    "enumerate": "isingmf.exact(isingmf.lattice('chain', 34), [1.0] * 64, method='enumerate')",
    "eliminate": "isingmf.exact(isingmf.lattice('square', (12, 12), disorder='pm'), [1.0] * 64, "
                 "method='eliminate')",
    "planar": "isingmf.exact(isingmf.lattice('square', (512, 512), disorder='pm', "
              "boundary='open'), [1.0] * 8, method='planar')",
    "ensemble": "isingmf.ensemble('square', (128, 128), disorder='gauss', samples=10**5, "
                "T='0.5:3:0.01', exact='none')",
    # A damaged file HDF5 1.10 loops on: its reading child is killed.
    "read_results": f"isingmf.read_results({str(LOOPING)!r})",
}


def run_child(body, timeout=120):
    code = CHILD + textwrap.dedent(body)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_ctrl_c_stops_every_solver_with_keyboard_interrupt():
    body = "GLASS = isingmf.lattice('square', (256, 256), disorder='gauss', seed=3)\n"
    for name, call in LONG_CALLS.items():
        body += f"print({name!r}, outcome(lambda: {call}))\n"
    # The interrupt is withdrawn before the next call, which runs to its end.
    body += "print('after', isingmf.exact(isingmf.lattice('chain', 8), 1.0).ln_z[0])\n"
    lines = run_child(body)
    assert lines[:-1] == [f"{name} KeyboardInterrupt" for name in LONG_CALLS]
    chain = isingmf.exact(isingmf.lattice("chain", 8), 1.0).ln_z[0]
    assert lines[-1] == f"after {chain}"


def test_ctrl_c_stops_reading_a_fifo_that_no_one_writes(tmp_path):
    fifo = tmp_path / "fifo"
    body = f"""
        os.mkfifo({str(fifo)!r})
        square = isingmf.lattice('square', (4, 4))
        print(outcome(lambda: isingmf.read_edge_list({str(fifo)!r})))
        print(outcome(lambda: isingmf.read_uai({str(fifo)!r})))
        print(outcome(lambda: isingmf.structured_mean_field(square, 1.0, clusters={str(fifo)!r})))
    """
    assert run_child(body) == ["KeyboardInterrupt"] * 3


def test_a_handler_of_the_users_own_is_left_alone():
    # With its own SIGINT handler, a program keeps Ctrl-C to itself: the solve runs to its
    # end, and the handler runs once the call returns.
    body = """
        seen = []
        signal.signal(signal.SIGINT, lambda number, frame: seen.append(number))
        glass = isingmf.lattice('square', (32, 32), disorder='gauss', seed=3)
        result = []
        start = time.monotonic()
        print(outcome(lambda: result.append(isingmf.sweep(glass, T='0.05:5:0.05', exact='none'))))
        print(len(result[0].T), seen == [signal.SIGINT])
        print('signal sent during the call:', time.monotonic() - start > 0.3 + 0.4)
    """
    assert run_child(body) == ["finished", "100 True", "signal sent during the call: True"]


def test_a_handled_ctrl_c_does_not_stop_later_solves_while_another_call_waits(tmp_path):
    # A thread waits on a FIFO inside a call while the main thread's solve is interrupted:
    # the next solves on the main thread run (the request is withdrawn there), as they did
    # not before (every later call raised KeyboardInterrupt; found in review).
    fifo = tmp_path / "fifo"
    body = f"""
        os.mkfifo({str(fifo)!r})
        threading.Thread(target=lambda: isingmf.read_edge_list({str(fifo)!r}), daemon=True).start()
        time.sleep(0.2)
        glass = isingmf.lattice('square', (256, 256), disorder='gauss', seed=3)
        print(outcome(lambda: isingmf.mean_field(glass, 1.0, starts='random', restarts=10000)))
        chain = isingmf.lattice('chain', 8)
        print([isingmf.exact(chain, 1.0).ln_z[0] > 0 for _ in range(3)])
        os._exit(0)  # the reader still waits
    """
    assert run_child(body) == ["KeyboardInterrupt", "[True, True, True]"]
