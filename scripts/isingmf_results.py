"""Reads isingmf HDF5 results files (layout: README.md ("HDF5 results")).

Shared by plot_sweep.py and compare_table.py; reads only what the schema documents.
"""

import os
from dataclasses import dataclass

import h5py
import numpy as np

FORMAT = "isingmf-results"
FORMAT_VERSION = 1
# Root attributes with a fixed meaning; every other string attribute is a model key.
RESERVED_ROOT_ATTRIBUTES = {
    "format", "format_version", "program_version", "command_line", "created",
    "num_sites", "num_edges", "energy_offset", "exact_note",
}


class ResultsError(Exception):
    """A file that is missing or is not an isingmf results file."""


@dataclass
class Sweep:
    path: str
    num_sites: int
    model: dict
    T: np.ndarray
    lnz_mf: np.ndarray  # whole system, like lnz_exact and gap
    m_mf: np.ndarray
    exact_method: str = "none"
    exact_note: str = ""
    lnz_exact: np.ndarray = None  # NaN where not computed; None without /exact
    m_abs_exact: np.ndarray = None
    gap: np.ndarray = None

    def describe(self):
        """One line naming the model: 'lattice=square size=4x4 ... N=16'."""
        keys = " ".join(f"{k}={v}" for k, v in self.model.items())
        return f"{keys} N={self.num_sites}".strip()


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.bytes_):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def load(path):
    """Reads one results file; raises ResultsError with a one-line message naming it."""
    if not os.path.exists(path):
        raise ResultsError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ResultsError(f"{path}: is a directory")
    try:
        if not h5py.is_hdf5(path):
            raise ResultsError(f"{path}: not an HDF5 file")
        with h5py.File(path, "r") as f:
            if _text(f.attrs.get("format", "")) != FORMAT:
                raise ResultsError(f"{path}: not an isingmf results file (no format attribute '{FORMAT}')")
            version = int(f.attrs["format_version"])
            if version != FORMAT_VERSION:
                raise ResultsError(f"{path}: format_version {version}, this script reads {FORMAT_VERSION}")
            n = int(f.attrs["num_sites"])
            model = {k: _text(v) for k, v in f.attrs.items()
                     if k not in RESERVED_ROOT_ATTRIBUTES and isinstance(v, (str, bytes, np.bytes_))}
            sweep = Sweep(
                path=path,
                num_sites=n,
                model=model,
                T=f["T"][:],
                lnz_mf=f["mean_field/ln_z"][:],
                m_mf=f["mean_field/magnetization"][:],
                exact_note=_text(f.attrs.get("exact_note", "")),
            )
            if "exact" in f:
                sweep.exact_method = _text(f["exact"].attrs["method"])
                sweep.lnz_exact = f["exact/ln_z"][:]
                sweep.m_abs_exact = f["exact/magnetization_abs"][:]
                sweep.gap = f["comparison/gap"][:]
            return sweep
    except ResultsError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as error:
        # h5py reports a damaged file or a missing object this way.
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ResultsError(f"{path}: not a readable isingmf results file ({reason})") from None


def format_number(x, digits=6):
    """Fixed-width-friendly text for a float: 'inf', 'n/a' for NaN, else %.{digits}g."""
    if np.isnan(x):
        return "n/a"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"
