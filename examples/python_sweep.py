#!/usr/bin/env python3
# %% [markdown]
# # A temperature sweep from Python, against Kaufman's exact ln Z
#
# The Python twin of `torus_kaufman.sh`: a 64x64 periodic ferromagnet across the Onsager
# temperature T_c = 2.269, the naive mean-field lower bound and the certified upper bound
# against the exact finite-lattice ln Z (Kaufman's closed form, which `exact="auto"` picks for
# a uniform torus), plotted with matplotlib. Notebook-style: each `# %%` cell runs on its own in Jupyter or VS Code.
#
# Run: `PYTHONPATH=build/python /usr/bin/python3 examples/python_sweep.py [OUT_DIR]`
# (the figure goes to OUT_DIR/python_sweep.png; default: a new temporary directory). As the
# shell examples, it never writes over an existing file: a second run into the same OUT_DIR
# stops at once with one line on stderr and exit status 1, before the sweep.

# %%
import os
import pathlib
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")  # files only; drop this line in a notebook
import matplotlib.pyplot as plt
import numpy as np

import isingmf

out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
out_dir.mkdir(parents=True, exist_ok=True)
figure = out_dir / "python_sweep.png"


def refuse_existing(path):
    """Stops with one line, as the command line does for an existing --out."""
    sys.exit(f"python_sweep.py: error: '{path}' exists; give another OUT_DIR or remove it")


def save_new(fig, path):
    """Writes `fig` to a new file `path`: into a temporary file beside it first, then linked
    into place (which, unlike a rename, fails when the name is taken), so that neither an
    existing file nor a half-written image is ever left at `path`."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(file.fileno(), 0o666 & ~umask)  # as any new file (mkstemp's is private)
            fig.savefig(file, format=path.suffix.lstrip("."), dpi=100)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            refuse_existing(path)
        except OSError:  # a file system without hard links: checked, then renamed
            if os.path.lexists(path):
                refuse_existing(path)
            os.rename(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


# Checked before the sweep, so that a rerun costs nothing.
if os.path.lexists(figure):
    refuse_existing(figure)

# %% [markdown]
# The model: H = -J sum_<ij> s_i s_j on the 64x64 torus, J = 1 (ferromagnetic), h = 0;
# the same model as `isingmf sweep --lattice square --size 64x64 --boundary periodic`.

# %%
model = isingmf.lattice("square", (64, 64), boundary="periodic", J=1.0)
N = model.n
print(model, model.description)

# %% [markdown]
# The sweep: the same grid and options as the command line's `--T 1.5:5:0.1 --exact auto`,
# whose default `--bounds mf,upper` brackets ln Z. The mean-field side runs the default
# starts (on a ferromagnet at h = 0 only the aligned start, which provably wins, or the
# paramagnet where the bound is concave), then warm starts from the neighbouring
# temperatures; the best bound is kept. Per-temperature results come back as NumPy arrays.

# %%
result = isingmf.sweep(model, T="1.5:5:0.1", exact="auto")
assert result.exact_method == "kaufman", result.exact_method
T = result.T
bound = result.mean_field.ln_z / N
upper = result.upper_bound.ln_z / N
exact = result.exact.ln_z / N
gap = result.gap / N
heat = result.exact.specific_heat_per_spin
print(f"exact method: {result.exact_method} ({result.exact_note})")
print(f"all {np.count_nonzero(result.mean_field.converged)} of {len(T)} temperatures converged")
print(f"exact specific heat peaks at T = {T[np.argmax(heat)]:.2f} (Onsager T_c = 2.269); "
      f"the gap per spin peaks at T = {T[np.argmax(gap)]:.2f}")

# %% [markdown]
# The bounds hold at every temperature: ln Z_MF <= ln Z <= U (up to rounding).

# %%
assert np.all(result.gap >= -1e-12 * np.abs(result.exact.ln_z))
excess = result.comparison["upper_minus_exact"]
assert np.all(excess >= -1e-12 * np.abs(result.exact.ln_z))
print(f"the upper bound exceeds ln Z by at most {excess.max() / N:.4f} per spin")

# %%
fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
axes[0, 0].plot(T, exact, "k-", label="exact (Kaufman)")
axes[0, 0].plot(T, bound, "C0--", label="mean-field bound")
axes[0, 0].plot(T, upper, "C1:", label="upper bound")
axes[0, 0].set_ylabel("ln Z / N")
axes[0, 0].legend()
axes[0, 1].plot(T, gap, "C3.-")
axes[0, 1].set_ylabel("gap (ln Z - ln Z_MF) / N")
axes[1, 0].plot(T, heat, "k.-")
axes[1, 0].axvline(2.269185, color="grey", lw=0.8, ls=":")
axes[1, 0].set_ylabel("exact C / N")
axes[1, 1].plot(T, np.abs(result.mean_field.magnetization), "C0.-")
axes[1, 1].axvline(4.0, color="grey", lw=0.8, ls=":")
axes[1, 1].set_ylabel("|m| (mean field; T_c^MF = 4)")
for ax in axes[1]:
    ax.set_xlabel("T")
fig.suptitle("64x64 periodic ferromagnet: bounds vs exact")
fig.tight_layout()
save_new(fig, figure)
print(f"wrote {figure}")
