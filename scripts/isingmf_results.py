"""Reads isingmf HDF5 results files (layout: README.md ("HDF5 results")), and writes the
scripts' output files safely (write_atomically).

Shared by plot_sweep.py, plot_ensemble.py and compare_table.py; reads only what the schema
documents.
"""

import errno
import os
import re
import secrets
import signal
import stat
import sys
import threading
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


class OutputError(Exception):
    """An output file that cannot be written, or exists and replacing it was not asked for.
    The message is one line naming it, in the CLI's words for --out."""


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


def read_num_sites(f, path, error=ResultsError):
    """The root attribute num_sites of an open results or ensemble file (at least 1)."""
    n = int(f.attrs["num_sites"])
    if n < 1:
        raise error(f"{path}:/: num_sites {n} out of range")
    return n


def read_1d(f, path, name, length=None, error=ResultsError):
    """The 1-D dataset `name` of an open file, with `length` entries where given (one per
    temperature: every per-temperature dataset, checked as `isingmf info` checks it), so that
    a damaged file is named here in one line, not by an IndexError later."""
    values = f[name][()]
    if np.ndim(values) != 1:
        raise error(f"{path}:/{name}: expected a 1-D dataset, found {np.ndim(values)}-D")
    if length is not None and len(values) != length:
        raise error(f"{path}:/{name}: {len(values)} entries, expected {length} "
                    "(one per temperature)")
    return values


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
            n = read_num_sites(f, path)
            T = read_1d(f, path, "T")

            def column(name):
                return read_1d(f, path, name, len(T))

            model = model_attributes(f)
            sweep = Sweep(
                path=path,
                num_sites=n,
                model=model,
                T=T,
                exact_note=_text(f.attrs.get("exact_note", "")),
                upper_note=_text(f.attrs.get("upper_note", "")),
            )
            if "mean_field" in f:
                sweep.lnz_mf = column("mean_field/ln_z")
                sweep.m_mf = column("mean_field/magnetization")
                sweep.converged = column("mean_field/converged") != 0
            if "upper_bound" in f:
                group = f["upper_bound"]
                sweep.lnz_upper = column("upper_bound/ln_z")
                sweep.upper_converged = column("upper_bound/converged").astype(bool)
                sweep.upper_kind = _text(group.attrs["kind"])
                sweep.upper_width = int(group.attrs["width"])
                sweep.upper_num_pieces = int(group.attrs["num_pieces"])
                sweep.upper_weights = group["weights"][:]
                sweep.upper_decomposition = _text(group.attrs["decomposition"])
            if "bethe" in f:
                sweep.lnz_bethe = column("bethe/ln_z")
                sweep.bethe_converged = column("bethe/converged").astype(bool)
                sweep.bethe_residual = column("bethe/residual")
            if "structured_mean_field" in f:
                group = f["structured_mean_field"]
                sweep.lnz_structured = column("structured_mean_field/ln_z")
                sweep.m_structured = column("structured_mean_field/magnetization")
                sweep.structured_converged = column("structured_mean_field/converged").astype(bool)
                sweep.structured_kind = _text(group.attrs["kind"])
                sweep.structured_width = int(group.attrs["width"])
                sweep.structured_num_clusters = int(group.attrs["num_clusters"])
                sweep.structured_clusters = _text(group.attrs["clusters"])
            if "exact" in f:
                sweep.exact_method = _text(f["exact"].attrs["method"])
                sweep.lnz_exact = column("exact/ln_z")
                sweep.m_abs_exact = column("exact/magnetization_abs")
                sweep.m_exact = column("exact/magnetization")
            if "comparison" in f:
                comparison = f["comparison"]
                for name in ("gap", "upper_minus_lower", "exact_minus_lower", "upper_minus_exact",
                             "exact_minus_structured", "upper_minus_structured",
                             "structured_minus_lower"):
                    if name in comparison:
                        setattr(sweep, name, column(f"comparison/{name}"))
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


# A temporary's name adds ".", ".tmp-", the pid and "-" + 16 hex digits to the target's (as
# the CLI's, src/isingmf/util/atomic_file.hpp); the target's is cut so that the whole fits
# NAME_MAX (255 bytes).
TEMPORARY_NAME_ROOM = 255 - (1 + 5 + 10 + 1 + 16)


def _cannot_write(path, reason):
    return OutputError(f"cannot write '{path}': {reason}")


def _exists(path):
    return OutputError(f"'{path}' exists; use --force to overwrite it")


def check_output(path, force=False):
    """The check of an output path, made before any work as the CLI makes it for --out: `path`
    must name a file in an existing directory, where nothing stands or, with `force`, a regular
    file. A symbolic link is refused even with `force` (never written through, nor replaced by
    a file: give the path it points to), as are a directory and a device, FIFO or socket.
    Raises OutputError."""
    if not path or not os.path.basename(path):
        raise _cannot_write(path, "it names a directory, not a file" if path
                            else "no file name given")
    directory = os.path.dirname(path) or "."
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        if not os.path.isdir(directory):
            raise _cannot_write(path, f"directory '{directory}' does not exist") from None
        return
    except OSError as error:  # "Not a directory" where a parent is a file
        raise _cannot_write(path, error.strerror or error) from None
    if stat.S_ISLNK(mode):
        raise _cannot_write(path, "it is a symbolic link (links are not followed; give the path "
                                  "it points to)")
    if stat.S_ISDIR(mode):
        raise _cannot_write(path, "it is a directory")
    if not stat.S_ISREG(mode):
        kind = ("a character device" if stat.S_ISCHR(mode) else "a block device"
                if stat.S_ISBLK(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "a special file")
        raise _cannot_write(path, f"it is not a regular file but {kind}")
    if not force:
        raise _exists(path)


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived while a temporary file existed."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise _Terminated(signum)


def _create_temporary(path):
    """A new, empty file beside `path` named as the CLI names its temporaries
    (".<name>.tmp-<pid>-<16 hex digits>", hidden): (descriptor, name). O_EXCL makes it ours."""
    directory = os.path.dirname(path) or "."
    name = os.fsdecode(os.fsencode(os.path.basename(path))[:TEMPORARY_NAME_ROOM])
    prefix = f".{name}.tmp-{os.getpid()}-"
    while True:
        name = os.path.join(directory, prefix + secrets.token_hex(8))
        try:
            # 0666 less the umask, as any new file (mkstemp's 0600 would stay on the image).
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), name
        except FileExistsError:
            continue


def _move_into_place(temporary, path, force):
    """Gives the complete `temporary` the name `path`; True when `temporary` is still there
    (hard-linked) for the caller to remove."""
    if force:
        # rename(2) replaces a name, never follows it: a link made at `path` since the check is
        # replaced itself, and its target is left alone.
        os.replace(temporary, path)
        return False
    try:
        # Unlike a rename, a link fails with EEXIST when a file appeared at `path` since the
        # check: nothing is replaced that --force did not allow.
        os.link(temporary, path)
        return True
    except FileExistsError:
        raise _exists(path) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
    # A filesystem without hard links (FAT, some network mounts): the check and the rename
    # one after the other, as the CLI does where rename cannot refuse to replace.
    if os.path.lexists(path):
        raise _exists(path)
    os.rename(temporary, path)
    return False


def write_atomically(path, write, force=False):
    """Writes a file so that no reader ever sees half of it and nothing is lost: checks `path`
    as check_output does, calls write(file) on a new temporary file beside it (open in binary
    mode; the caller names the format itself, as the temporary's name has no extension),
    pushes it to stable storage (fsync) and gives it the name `path`: without `force` by a
    hard link, which refuses a file that appeared meanwhile, with `force` by a rename that
    replaces the old file at once. On any failure, ^C (KeyboardInterrupt) or SIGTERM/SIGHUP
    included, the temporary is removed and `path` is left as it was. Raises OutputError
    "cannot write 'PATH': <reason>" (No space left on device, ...) or "'PATH' exists; ...";
    what `write` raises otherwise is passed on."""
    check_output(path, force)
    # A termination signal raises in this thread, so that `finally` removes the temporary;
    # the signal is then raised again with its own action. Ignored signals stay ignored.
    handlers = {}
    temporary = None
    received = None
    main_thread = threading.current_thread() is threading.main_thread()
    try:
        if main_thread:
            for signum in (signal.SIGTERM, signal.SIGHUP):
                if signal.getsignal(signum) == signal.SIG_DFL:
                    handlers[signum] = signal.signal(signum, _raise_terminated)
        # Held while the temporary is created and named, so that no signal finds it unnamed.
        held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held) if main_thread else None
        try:
            fd, temporary = _create_temporary(path)
        finally:
            if before is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, before)
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        if not _move_into_place(temporary, path, force):
            temporary = None
    except OSError as error:
        raise _cannot_write(path, error.strerror or error) from None
    except _Terminated as terminated:
        received = terminated.signum
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    if received is not None:
        signal.raise_signal(received)
    # Makes the new name durable; a failure here changes nothing the user could act on.
    try:
        fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


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
