"""Reads isingmf HDF5 results files (layout: README.md ("HDF5 results")).

Shared by plot_sweep.py and compare_table.py; reads only what the schema documents.
"""

import os
from dataclasses import dataclass

import h5py
import numpy as np

FORMAT = "isingmf-results"
FORMAT_VERSION = 2
# Root attributes with a fixed meaning; every other string attribute is a model key.
RESERVED_ROOT_ATTRIBUTES = {
    "format", "format_version", "program_version", "command_line", "created",
    "num_sites", "num_edges", "energy_offset", "exact_note", "upper_note",
}


class ResultsError(Exception):
    """A file that is missing or is not an isingmf results file."""


@dataclass
class Sweep:
    path: str
    num_sites: int
    model: dict
    T: np.ndarray
    lnz_mf: np.ndarray = None  # whole system, like every ln Z here; None without /mean_field
    m_mf: np.ndarray = None
    exact_method: str = "none"
    exact_note: str = ""
    lnz_exact: np.ndarray = None  # NaN where not computed; None without /exact
    m_abs_exact: np.ndarray = None
    gap: np.ndarray = None  # exact - mean field, like exact_minus_lower
    # Certified upper bound (None without /upper_bound) and its decomposition.
    lnz_upper: np.ndarray = None
    upper_converged: np.ndarray = None
    upper_kind: str = ""
    upper_width: int = 0
    upper_num_pieces: int = 0
    upper_weights: np.ndarray = None
    upper_decomposition: str = ""
    upper_note: str = ""
    # Bethe estimate, not a bound (None without /bethe).
    lnz_bethe: np.ndarray = None
    bethe_converged: np.ndarray = None
    bethe_residual: np.ndarray = None
    # Structured mean-field lower bound (None without /structured_mean_field) and its clusters.
    lnz_structured: np.ndarray = None
    m_structured: np.ndarray = None
    structured_converged: np.ndarray = None
    structured_kind: str = ""
    structured_width: int = 0
    structured_num_clusters: int = 0
    structured_clusters: str = ""
    # /comparison (None where the file lacks them).
    upper_minus_lower: np.ndarray = None
    exact_minus_lower: np.ndarray = None
    upper_minus_exact: np.ndarray = None
    exact_minus_structured: np.ndarray = None
    upper_minus_structured: np.ndarray = None
    structured_minus_lower: np.ndarray = None

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
                exact_note=_text(f.attrs.get("exact_note", "")),
                upper_note=_text(f.attrs.get("upper_note", "")),
            )
            if "mean_field" in f:
                sweep.lnz_mf = f["mean_field/ln_z"][:]
                sweep.m_mf = f["mean_field/magnetization"][:]
            if "upper_bound" in f:
                group = f["upper_bound"]
                sweep.lnz_upper = group["ln_z"][:]
                sweep.upper_converged = group["converged"][:].astype(bool)
                sweep.upper_kind = _text(group.attrs["kind"])
                sweep.upper_width = int(group.attrs["width"])
                sweep.upper_num_pieces = int(group.attrs["num_pieces"])
                sweep.upper_weights = group["weights"][:]
                sweep.upper_decomposition = _text(group.attrs["decomposition"])
            if "bethe" in f:
                sweep.lnz_bethe = f["bethe/ln_z"][:]
                sweep.bethe_converged = f["bethe/converged"][:].astype(bool)
                sweep.bethe_residual = f["bethe/residual"][:]
            if "structured_mean_field" in f:
                group = f["structured_mean_field"]
                sweep.lnz_structured = group["ln_z"][:]
                sweep.m_structured = group["magnetization"][:]
                sweep.structured_converged = group["converged"][:].astype(bool)
                sweep.structured_kind = _text(group.attrs["kind"])
                sweep.structured_width = int(group.attrs["width"])
                sweep.structured_num_clusters = int(group.attrs["num_clusters"])
                sweep.structured_clusters = _text(group.attrs["clusters"])
            if "exact" in f:
                sweep.exact_method = _text(f["exact"].attrs["method"])
                sweep.lnz_exact = f["exact/ln_z"][:]
                sweep.m_abs_exact = f["exact/magnetization_abs"][:]
            if "comparison" in f:
                comparison = f["comparison"]
                for name in ("gap", "upper_minus_lower", "exact_minus_lower", "upper_minus_exact",
                             "exact_minus_structured", "upper_minus_structured",
                             "structured_minus_lower"):
                    if name in comparison:
                        setattr(sweep, name, comparison[name][:])
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
