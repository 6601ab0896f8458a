"""Shared fixtures of the Python suite (run by CTest through scripts/test.sh, or by hand:
PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python).

ISINGMF_CLI names the command-line program (CTest sets it; default build/src/isingmf).
"""
import itertools
import os
import pathlib
import subprocess

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def cli():
    path = pathlib.Path(os.environ.get("ISINGMF_CLI", ROOT / "build" / "src" / "isingmf"))
    if not path.exists():
        pytest.skip(f"command-line program {path} not built")
    return path


def run_cli(cli, *args, check=True):
    """Runs the command-line program; returns the CompletedProcess (text output)."""
    result = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"isingmf {' '.join(map(str, args))} failed: {result.stderr}")
    return result


def brute_force(model, betas):
    """Independent oracle: ln Z, <H>/N and <m> by enumerating all 2^N states in NumPy
    (float64, max-shifted log-sum-exp), from the model's arrays alone."""
    n = model.n
    assert n <= 20
    states = np.array(list(itertools.product((-1.0, 1.0), repeat=n)))
    i, j = model.edges[:, 0], model.edges[:, 1]
    H = model.E0 - (states[:, i] * states[:, j]) @ model.J - states @ model.h
    mag = states.mean(axis=1)
    out = []
    for beta in np.atleast_1d(betas):
        a = -beta * H
        top = a.max()
        w = np.exp(a - top)
        Z = w.sum()
        out.append((top + np.log(Z), (w @ H) / Z / n, (w @ mag) / Z))
    return np.array(out)
