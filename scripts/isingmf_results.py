"""Reads isingmf HDF5 results files (layout: README.md ("HDF5 results")).

Shared by plot_sweep.py and compare_table.py; reads only what the schema documents.
"""

import os
import re
import sys
from dataclasses import dataclass

import h5py
import numpy as np

FORMAT = "isingmf-results"
FORMAT_VERSION = 3
# Version 2 lacks /mean_field/cut (not read here) and is otherwise the same.
READABLE_VERSIONS = (2, 3)
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
    converged: np.ndarray = None  # bool: the winning mean-field start met the tolerance
    exact_method: str = "none"
    exact_note: str = ""
    lnz_exact: np.ndarray = None  # NaN where not computed; None without /exact
    m_abs_exact: np.ndarray = None  # <|m|>, NaN where the method cannot give it
    m_exact: np.ndarray = None  # <m>: 0 by symmetry at zero field
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
        return describe_model(self.model, self.num_sites)


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.bytes_):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def h5_error_reason(error):
    """The reason of an h5py error in words: HDF5's internal details ("truncated file: eof =
    1000, sblock->base_addr = 0, ...") are left out, a system error is named by strerror."""
    # A KeyError's str() is the repr of its message, quotes and all.
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    text = str(message).splitlines()[0] if str(message) else type(error).__name__
    errno_match = re.search(r"errno = (\d+)", text)
    if errno_match:
        return os.strerror(int(errno_match.group(1)))
    if "truncated file" in text:
        return "the file is truncated"
    # "Unable to open object (object 'T' doesn't exist)": the part in brackets names what is
    # missing; elsewhere it holds HDF5's internals.
    inner = re.match(r"^[^(]*\((.*'.*)\)\s*$", text)
    if inner:
        return inner.group(1)
    text = text.split(" (", 1)[0].strip() or type(error).__name__
    return text[0].lower() + text[1:]


def check_hdf5_path(path, error=None):
    """Raises `error` (ResultsError by default) with a one-line message naming `path` when it
    is missing, a directory or not an HDF5 file. h5py may raise OSError for what it cannot
    open."""
    error = error or ResultsError
    if not os.path.exists(path):
        raise error(f"{path}: no such file")
    if os.path.isdir(path):
        raise error(f"{path}: is a directory")
    if not h5py.is_hdf5(path):
        raise error(f"{path}: not an HDF5 file")


def model_attributes(f):
    """The model's root attributes of an open results or ensemble file, {key: text}."""
    return {k: _text(v) for k, v in f.attrs.items()
            if k not in RESERVED_ROOT_ATTRIBUTES and isinstance(v, (str, bytes, np.bytes_))}


def describe_model(model, num_sites):
    """One line naming the model: 'lattice=square size=4x4 ... N=16'."""
    keys = " ".join(f"{k}={v}" for k, v in model.items())
    return f"{keys} N={num_sites}".strip()


def load(path):
    """Reads one results file; raises ResultsError with a one-line message naming it."""
    try:
        check_hdf5_path(path)
        with h5py.File(path, "r") as f:
            if _text(f.attrs.get("format", "")) == "isingmf-ensemble":
                raise ResultsError(f"{path}: an isingmf ensemble file, not a sweep's results file "
                                   "(plot it with scripts/plot_ensemble.py)")
            if _text(f.attrs.get("format", "")) != FORMAT:
                raise ResultsError(f"{path}: not an isingmf results file (no format attribute '{FORMAT}')")
            version = int(f.attrs["format_version"])
            if version not in READABLE_VERSIONS:
                raise ResultsError(f"{path}: format_version {version}, this script reads {READABLE_VERSIONS}")
            n = int(f.attrs["num_sites"])
            model = model_attributes(f)
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
                sweep.converged = f["mean_field/converged"][:] != 0
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
                sweep.m_exact = f["exact/magnetization"][:]
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
        raise ResultsError(f"{path}: not a readable isingmf results file ({h5_error_reason(error)})") from None


def format_number(x, digits=6):
    """Fixed-width-friendly text for a float: 'inf', 'n/a' for NaN, else %.{digits}g."""
    if np.isnan(x):
        return "n/a"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}g}"


def format_fixed(x, decimals=6):
    """A float with a fixed number of decimals ('n/a' for NaN), so that rounding noise such as
    4.6e-17 prints as 0.000000 and a column's decimal points line up; never '-0.000000'."""
    if np.isnan(x):
        return "n/a"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = f"{x:.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text) == 0.0 else text


def format_scientific(x, digits=3):
    """A float as %.{digits}e ('n/a' for NaN), as the CLI's table prints widths and gaps: the
    mantissas line up whatever the magnitude."""
    if np.isnan(x):
        return "n/a"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.{digits}e}"


def run_main(main, name):
    """Runs a script's main() as its entry point: its return value is the exit status, ^C is
    130, and anything unexpected is one line on stderr with status 1, never a traceback."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # noqa: BLE001  (one line for the user, never a traceback)
        reason = str(error).splitlines()[0] if str(error) else ""
        print(f"{name}: error: {type(error).__name__}: {reason}", file=sys.stderr)
        sys.exit(1)
