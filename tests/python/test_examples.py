"""The notebook-style example runs and draws its figure."""
import os
import subprocess
import sys

import isingmf


def test_python_sweep_example(root, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(isingmf.__file__)),
               MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, str(root / "examples" / "python_sweep.py"),
                             str(tmp_path)], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "exact method: kaufman" in result.stdout
    assert "all 36 of 36 temperatures converged" in result.stdout
    figure = tmp_path / "python_sweep.png"
    assert figure.stat().st_size > 10000
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
