"""The Python scripts (scripts/*.py) and examples/python_sweep.py as a user runs them: output
files are never lost, overwritten without --force, written through a symbolic link or left
half-written; labels and numbers say what the file holds; damaged files are one line.

    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/scripts/test_scripts.py

ISINGMF_CLI names the command-line program that writes the input files (default
build/src/isingmf); the tests that need it are skipped without it. The example's full run
needs the Python module (build/python, or ISINGMF_PYTHON_DIR).
"""
import io
import os
import pathlib
import re
import resource
import signal
import subprocess
import sys
import warnings

import pytest

# As scripts_test.cpp: skipped where this Python lacks what the scripts need.
h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")
pytest.importorskip("matplotlib")

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
sys.path.insert(0, str(SCRIPTS))

import isingmf_results  # noqa: E402
import plot_ensemble  # noqa: E402
import plot_sweep  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
OLD = b"an earlier result that must survive\n"
LABEL = "T (k_B = 1, energy units of H)"


@pytest.fixture(scope="session")
def cli():
    path = pathlib.Path(os.environ.get("ISINGMF_CLI", ROOT / "build" / "src" / "isingmf"))
    if not path.exists():
        pytest.skip(f"command-line program {path} not built")
    return path


def run_cli(cli, *args):
    result = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="session")
def inputs(cli, tmp_path_factory):
    """A sweep's results file and an ensemble file, written once by the CLI."""
    d = tmp_path_factory.mktemp("inputs")
    run_cli(cli, "sweep", "--size", "3x3", "--T", "1,2,3", "--quiet", "--out", d / "run.h5")
    run_cli(cli, "ensemble", "--size", "3x3", "--samples", "2", "--T", "1,2", "--quiet",
            "--out", d / "ensemble.h5")
    return {"plot_sweep.py": d / "run.h5", "plot_ensemble.py": d / "ensemble.h5"}


def run_script(script, *args, cwd=None, preexec_fn=None):
    return subprocess.run([sys.executable, str(SCRIPTS / script), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, preexec_fn=preexec_fn)


def one_line(stderr):
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    assert "Traceback" not in stderr, stderr
    return stderr.rstrip("\n")


def temporaries(directory):
    """Files a writer may have left in `directory`: hidden ones (the temporaries)."""
    return sorted(p.name for p in pathlib.Path(directory).iterdir() if p.name.startswith("."))


PLOTS = [("plot_sweep.py", "sweep.png"), ("plot_ensemble.py", "ensemble.png")]


@pytest.mark.parametrize("script,default", PLOTS)
def test_an_existing_output_is_refused_and_kept(inputs, tmp_path, script, default):
    # The default output (no -o) and a named one.
    for args, name in (((), default), (("-o", "named.pdf"), "named.pdf")):
        (tmp_path / name).write_bytes(OLD)
        result = run_script(script, inputs[script], *args, cwd=tmp_path)
        assert result.returncode == 1
        assert one_line(result.stderr) == (
            f"{script}: error: '{name}' exists; use --force to overwrite it")
        assert (tmp_path / name).read_bytes() == OLD
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize("script,default", PLOTS)
def test_force_replaces_a_regular_file(inputs, tmp_path, script, default):
    (tmp_path / default).write_bytes(OLD)
    result = run_script(script, inputs[script], "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / default).read_bytes()[:8] == PNG
    assert temporaries(tmp_path) == []
    # --force without a file there writes a new one.
    result = run_script(script, inputs[script], "-o", tmp_path / "new.svg", "--force")
    assert result.returncode == 0, result.stderr
    assert b"<svg" in (tmp_path / "new.svg").read_bytes()[:1000]


@pytest.mark.parametrize("script,default", PLOTS)
def test_a_new_image_has_an_ordinary_file_mode(inputs, tmp_path, script, default):
    result = run_script(script, inputs[script], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [default]
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / default).stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("script,default", PLOTS)
@pytest.mark.parametrize("force", [False, True])
def test_a_symbolic_link_is_never_written_through(inputs, tmp_path, script, default, force):
    # `ln -s results.h5 link.png; plot_sweep.py other.h5 -o link.png` destroyed results.h5.
    precious = tmp_path / "results.h5"
    precious.write_bytes(inputs[script].read_bytes())
    link = tmp_path / "link.png"
    link.symlink_to("results.h5")
    result = run_script(script, inputs[script], "-o", link, *(["--force"] if force else []))
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"{script}: error: cannot write '{link}': it is a symbolic link (links are not "
        "followed; give the path it points to)")
    assert precious.read_bytes() == inputs[script].read_bytes()
    assert link.is_symlink() and os.readlink(link) == "results.h5"
    # A dangling link is refused too: writing through it would create its target.
    dangling = tmp_path / "dangling.png"
    dangling.symlink_to("elsewhere.png")
    assert run_script(script, inputs[script], "-o", dangling).returncode == 1
    assert not (tmp_path / "elsewhere.png").exists()
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize("script,default", PLOTS)
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(inputs, tmp_path, script,
                                                                   default):
    # A file size limit stands in for a full disk: the write fails part way (EFBIG, which
    # Python reports instead of dying of SIGXFSZ). The old image was deleted first, then a
    # cut-off one was left.
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    (tmp_path / default).write_bytes(OLD)
    for args in (("--force",), ("-o", "new.png")):
        result = run_script(script, inputs[script], *args, cwd=tmp_path, preexec_fn=small_files)
        assert result.returncode == 1
        name = "new.png" if "-o" in args else default
        assert one_line(result.stderr) == f"{script}: error: cannot write '{name}': File too large"
    assert (tmp_path / default).read_bytes() == OLD
    assert not (tmp_path / "new.png").exists()
    assert temporaries(tmp_path) == []


@pytest.mark.parametrize("script,default", PLOTS)
def test_bad_outputs_are_one_line_and_leave_nothing(inputs, tmp_path, script, default):
    source = inputs[script]
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_bytes(OLD)
    cases = [(("-o", "x.pdfx"), 2, "cannot tell an image format"),
             (("-o", "missing/x.png"), 1, "cannot write 'missing/x.png': directory 'missing' "
                                          "does not exist"),
             (("-o", "file/x.png"), 1, "cannot write 'file/x.png': Not a directory"),
             (("-o", "dir/"), 2, "cannot tell an image format"),
             (("-o", "dir.png", "--force"), 1, "cannot write 'dir.png': it is a directory")]
    (tmp_path / "dir.png").mkdir()
    for args, status, text in cases:
        result = run_script(script, source, *args, cwd=tmp_path)
        assert result.returncode == status, (args, result.stderr)
        assert text in one_line(result.stderr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "dir.png", "file"]
    assert list((tmp_path / "dir").iterdir()) == [] == list((tmp_path / "dir.png").iterdir())
    assert (tmp_path / "file").read_bytes() == OLD


# Runs a plot script whose savefig writes part of the image and then is interrupted (^C or
# SIGTERM): the temporary goes, the old image stays.
INTERRUPTED = """
import os, signal, sys
sys.path.insert(0, sys.argv[1])
from matplotlib.figure import Figure
import isingmf_results
import {module} as script

def interrupted_savefig(self, file, **kwargs):
    file.write(b"half an image")
    file.flush()
    if sys.argv[2] == "int":
        raise KeyboardInterrupt
    os.kill(os.getpid(), signal.SIGTERM)

Figure.savefig = interrupted_savefig
isingmf_results.run_main(lambda: script.main(sys.argv[3:]), "{module}.py")
"""


@pytest.mark.parametrize("script,default", PLOTS)
@pytest.mark.parametrize("how,status", [("int", 130), ("term", -signal.SIGTERM)])
def test_an_interrupted_write_removes_its_temporary(inputs, tmp_path, script, default, how,
                                                    status):
    (tmp_path / default).write_bytes(OLD)
    code = INTERRUPTED.format(module=script[:-3])
    for args in (["--force"], ["-o", "new.png"]):
        result = subprocess.run([sys.executable, "-c", code, str(SCRIPTS), how,
                                 str(inputs[script]), *args],
                                capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode == status, result.stderr
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [default]
    assert (tmp_path / default).read_bytes() == OLD


def test_a_file_that_appears_meanwhile_is_not_overwritten(tmp_path):
    # Another program creates the target between the check and the rename: without force it
    # is kept (the write fails as "exists"), with force it is replaced.
    target = tmp_path / "x.png"

    def write(file):
        file.write(b"new")
        target.write_bytes(OLD)

    with pytest.raises(isingmf_results.OutputError, match="exists; use --force"):
        isingmf_results.write_atomically(str(target), write)
    assert target.read_bytes() == OLD
    assert temporaries(tmp_path) == []
    target.unlink()
    isingmf_results.write_atomically(str(target), write, force=True)
    assert target.read_bytes() == b"new"
    assert temporaries(tmp_path) == []


def test_a_failing_writer_leaves_nothing(tmp_path):
    def write(file):
        file.write(b"partial")
        raise ValueError("the renderer failed")

    with pytest.raises(ValueError):
        isingmf_results.write_atomically(str(tmp_path / "x.png"), write)
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_long_names_fit(tmp_path):
    name = "\u00e9" * 120 + ".png"  # 244 bytes in UTF-8, a legal name
    isingmf_results.write_atomically(str(tmp_path / name), lambda f: f.write(b"x"))
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_the_temperature_axis_says_what_t_is(inputs):
    # T is the absolute temperature in the energy units of H (k_B = 1): T / J only for J = 1.
    assert plot_sweep.T_LABEL == LABEL
    fig = plot_sweep.figure(isingmf_results.load(str(inputs["plot_sweep.py"])))
    assert fig.axes[-1].get_xlabel() == LABEL
    fig, _ = plot_ensemble.figure(str(inputs["plot_ensemble.py"]))
    assert fig.axes[-1].get_xlabel() == LABEL
    for script in ("plot_sweep.py", "plot_ensemble.py", "compare_table.py"):
        assert "k_B T / J" not in (SCRIPTS / script).read_text()
        assert "J/k_B" not in (SCRIPTS / script).read_text()


def cli_table(text):
    """{column: [cells]} of the CLI's table (the lines after the '# ...' header)."""
    lines = [line.split() for line in text.splitlines() if not line.startswith("#")]
    return {name: [row[i] for row in lines[1:]] for i, name in enumerate(lines[0])}


def markdown_table(text):
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
            if line.startswith("|") and not line.startswith("|-")]
    return {name: [row[i] for row in rows[1:]] for i, name in enumerate(rows[0])}


def test_compare_table_prints_numbers_as_the_cli(cli, tmp_path):
    # ln Z / N ~ 2e300 at T = 1e-300 printed as 300 digits; the CLI prints %.15e from 1e15 on.
    path = tmp_path / "xt.h5"
    table = run_cli(cli, "sweep", "--size", "3x3", "--T", "1e-300,1e-5,1,1e300",
                    "--bounds", "mf,upper,bethe,structured", "--out", path).stdout
    result = run_script("compare_table.py", path)
    assert result.returncode == 0, result.stderr
    assert "T in the energy units of H (k_B = 1)" in result.stdout
    ours, theirs = markdown_table(result.stdout), cli_table(table)
    assert ours["lnZ_MF/N"][0] == "1.999999999999994e+300"
    common = [c for c in ours if c in theirs and c != "conv"]
    assert len(common) >= 10, common
    for column in common:
        assert ours[column] == theirs[column], column
    assert max(len(c) for cells in ours.values() for c in cells) <= 25


def damage(path, how):
    with h5py.File(path, "r+") as f:
        if how == "short":
            values = f["mean_field/ln_z"][:2]
            del f["mean_field/ln_z"]
            f["mean_field/ln_z"] = values
        elif how == "T 2-D":
            values = f["T"][:]
            del f["T"]
            f["T"] = np.stack([values, values])
        elif how == "comparison 2-D":
            values = f["comparison/gap"][:]
            del f["comparison/gap"]
            f["comparison/gap"] = values[:, None]
        elif how == "no sites":
            f.attrs.modify("num_sites", 0)


@pytest.mark.parametrize("how,message", [
    ("short", ":/mean_field/ln_z: 2 entries, expected 3 (one per temperature)"),
    ("T 2-D", ":/T: expected a 1-D dataset, found 2-D"),
    ("comparison 2-D", ":/comparison/gap: expected a 1-D dataset, found 2-D"),
    ("no sites", ":/: num_sites 0 out of range")])
def test_a_damaged_file_is_one_line_naming_the_dataset(inputs, tmp_path, how, message):
    path = tmp_path / "damaged.h5"
    path.write_bytes(inputs["plot_sweep.py"].read_bytes())
    damage(path, how)
    for script, args in (("compare_table.py", ()), ("plot_sweep.py", ("-o", tmp_path / "x.png"))):
        result = run_script(script, path, *args)
        assert result.returncode == 1, (script, result.stdout)
        assert one_line(result.stderr) == f"{script}: error: {path}{message}"
    assert not (tmp_path / "x.png").exists()


def gap_panel_lines(path):
    """{label: y data} of plot_sweep's differences panel for `path`, and its texts."""
    fig = plot_sweep.figure(isingmf_results.load(str(path)))
    ax_gap = fig.axes[1]
    lines = {line.get_label(): np.asarray(line.get_ydata()) for line in ax_gap.get_lines()}
    texts = [" ".join(text.get_text().split()) for text in ax_gap.texts]  # unwrapped
    plot_sweep.plt.close(fig)
    return lines, texts


@pytest.mark.parametrize("bounds", ["bethe", "mf,bethe", "upper,bethe", "structured,bethe"])
def test_bethe_minus_exact_is_drawn_beside_any_bound(cli, tmp_path, bounds):
    # With --bounds bethe the panel held only the exact method's note ("N=9 <= 20: ...").
    path = tmp_path / "b.h5"
    run_cli(cli, "sweep", "--size", "3x3", "--T", "2,1", "--bounds", bounds, "--quiet",
            "--out", path)
    lines, texts = gap_panel_lines(path)
    assert texts == []
    sweep = isingmf_results.load(str(path))
    order = np.argsort(sweep.T)
    expected = (sweep.lnz_bethe - sweep.lnz_exact)[order] / sweep.num_sites
    assert np.array_equal(lines[plot_sweep.BETHE_MINUS_EXACT], expected)
    assert "error of the estimate" in plot_sweep.BETHE_MINUS_EXACT  # not a bound's gap
    gaps = {"upper": "upper - exact", "mf": "exact - lower (gap)",
            "structured": "exact - structured (gap)"}
    for bound, label in gaps.items():
        assert (label in lines) == (bound in bounds.split(",")), (bound, sorted(lines))


def test_an_empty_difference_panel_says_what_is_missing(cli, tmp_path):
    path = tmp_path / "mf.h5"
    run_cli(cli, "sweep", "--size", "3x3", "--T", "1,2", "--bounds", "mf", "--exact", "none",
            "--quiet", "--out", path)
    lines, texts = gap_panel_lines(path)
    assert not lines
    assert texts == ["no differences to draw: no exact ln Z (not requested); no interval width "
                     "(needs a lower and an upper bound)"]


def test_temperatures_at_infinity_are_counted_or_refused(cli, tmp_path, capsys):
    for script, command in ((plot_sweep, "sweep"), (plot_ensemble, "ensemble")):
        name = script.__name__ + ".py"
        infinite, mixed = tmp_path / f"{command}-inf.h5", tmp_path / f"{command}-mixed.h5"
        extra = ("--samples", "2") if command == "ensemble" else ()
        for path, beta in ((infinite, "0"), (mixed, "0,1")):
            run_cli(cli, command, "--size", "2x2", "--beta", beta, *extra, "--quiet", "--out",
                    path)
        image = tmp_path / f"{command}.png"
        # Only T = inf: refused, no image (it used to be three empty panels, status 0).
        assert script.main([str(infinite), "-o", str(image)]) == 1
        assert one_line(capsys.readouterr().err) == (
            f"{name}: error: {infinite}: no finite temperature to plot (T = inf, beta = 0, "
            "cannot be placed on the T axis)")
        assert not image.exists()
        # Some T = inf: left out, with a warning (it used to be in silence).
        assert script.main([str(mixed), "-o", str(image)]) == 0
        assert one_line(capsys.readouterr().err) == (
            f"{name}: warning: {mixed}: 1 of 2 temperatures left out (T = inf, beta = 0, "
            "cannot be placed on the T axis)")
        assert image.read_bytes()[:8] == PNG


def draw_without_warnings(fig):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    assert [str(w.message) for w in caught] == []


def test_temperatures_over_600_decades_are_all_on_the_axis(cli, tmp_path):
    # T[-1] / T[0] overflowed, and matplotlib's margins and ticks of 600 decades ran past the
    # doubles: overflow warnings and an axis from 1 to 10.
    path = tmp_path / "xt.h5"
    run_cli(cli, "sweep", "--size", "2x2", "--T", "1e-300,1e-5,1,1e300", "--quiet", "--out",
            path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = plot_sweep.figure(isingmf_results.load(str(path)))
    assert [str(w.message) for w in caught] == []
    draw_without_warnings(fig)
    for ax in fig.axes:
        assert ax.get_xscale() == "log"
        low, high = ax.get_xlim()
        assert 0 < low <= 1e-300 and 1e300 <= high < np.inf
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert len(ticks) >= 3 and np.all(np.isfinite(ticks))
    plot_sweep.plt.close(fig)


@pytest.fixture(scope="session")
def ensembles(cli, tmp_path_factory):
    """Ensemble files of one sample, and without exact values nor an upper bound."""
    d = tmp_path_factory.mktemp("ensembles")
    run_cli(cli, "ensemble", "--size", "2x2", "--samples", "1", "--T", "1,2", "--quiet",
            "--out", d / "one.h5")
    run_cli(cli, "ensemble", "--size", "2x2", "--samples", "2", "--T", "1,2", "--bounds", "mf",
            "--exact", "none", "--quiet", "--out", d / "mf.h5")
    return d


def test_one_sample_has_no_error_bars_and_no_warning(ensembles):
    # Its standard errors are NaN: "UserWarning: Warning: converting a masked element to nan".
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, _ = plot_ensemble.figure(str(ensembles / "one.h5"))
    assert [str(w.message) for w in caught] == []
    draw_without_warnings(fig)
    top, bottom = fig.axes
    assert "1 sample: no standard error" in top.get_title()
    containers = top.containers + bottom.containers
    assert len(containers) >= 5 and not any(c.has_yerr for c in containers)
    plot_sweep.plt.close(fig)


def test_an_empty_ensemble_difference_panel_says_why(ensembles):
    fig, _ = plot_ensemble.figure(str(ensembles / "mf.h5"))
    bottom = fig.axes[1]
    assert not bottom.containers
    assert [" ".join(text.get_text().split()) for text in bottom.texts] == [
        "no differences to draw: no exact ln Z (not requested); no interval width (needs a "
        "lower and an upper bound)"]
    assert all(c.has_yerr for c in fig.axes[0].containers)  # two samples: error bars
    plot_sweep.plt.close(fig)


def damage_ensemble(path, how):
    with h5py.File(path, "r+") as f:
        if how == "short":
            values = f["average/mean_field/ln_z_stderr"][:1]
            del f["average/mean_field/ln_z_stderr"]
            f["average/mean_field/ln_z_stderr"] = values
        elif how == "average 2-D":
            values = f["average/comparison/gap"][:]
            del f["average/comparison/gap"]
            f["average/comparison/gap"] = values[:, None]
        elif how == "T 2-D":
            values = f["T"][:]
            del f["T"]
            f["T"] = np.stack([values, values])
        elif how == "seed 0-D":
            del f["seed"]
            f["seed"] = np.uint64(1)
        elif how == "no sites":
            f.attrs.modify("num_sites", 0)


@pytest.mark.parametrize("how,message", [
    ("short", ":/average/mean_field/ln_z_stderr: 1 entries, expected 2 (one per temperature)"),
    ("average 2-D", ":/average/comparison/gap: expected a 1-D dataset, found 2-D"),
    ("T 2-D", ":/T: expected a 1-D dataset, found 2-D"),
    ("seed 0-D", ":/seed: expected a 1-D dataset, found 0-D"),
    ("no sites", ":/: num_sites 0 out of range")])
def test_a_damaged_ensemble_is_one_line_naming_the_dataset(ensembles, tmp_path, capsys, how,
                                                           message):
    path = tmp_path / "damaged.h5"
    path.write_bytes((ensembles / "one.h5").read_bytes())
    damage_ensemble(path, how)
    assert plot_ensemble.main([str(path), "-o", str(tmp_path / "x.png")]) == 1
    assert one_line(capsys.readouterr().err) == f"plot_ensemble.py: error: {path}{message}"
    assert not (tmp_path / "x.png").exists()


def example(out_dir, pythonpath):
    env = dict(os.environ, PYTHONPATH=str(pythonpath), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, str(ROOT / "examples" / "python_sweep.py"),
                           str(out_dir)], capture_output=True, text=True, env=env)


def test_the_example_refuses_to_overwrite_its_figure(tmp_path):
    # Checked before the sweep: a stand-in module without any function is enough to get there.
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "isingmf.py").write_text("")
    out = tmp_path / "out"
    out.mkdir()
    for make in (lambda p: p.write_bytes(OLD), lambda p: p.symlink_to("elsewhere")):
        figure = out / "python_sweep.png"
        make(figure)
        result = example(out, stub)
        assert result.returncode == 1
        assert one_line(result.stderr) == (
            f"python_sweep.py: error: '{figure}' exists; give another OUT_DIR or remove it")
        assert figure.is_symlink() or figure.read_bytes() == OLD
        assert sorted(p.name for p in out.iterdir()) == ["python_sweep.png"]
        figure.unlink()


def test_the_example_runs_once_per_directory(tmp_path):
    module = pathlib.Path(os.environ.get("ISINGMF_PYTHON_DIR", ROOT / "build" / "python"))
    if not (module / "isingmf").is_dir():
        pytest.skip(f"the Python module is not built in {module}")
    first = example(tmp_path, module)
    assert first.returncode == 0, first.stderr
    figure = tmp_path / "python_sweep.png"
    image = figure.read_bytes()
    assert image[:8] == PNG
    assert re.search(r"^wrote .*python_sweep\.png$", first.stdout, re.M)
    second = example(tmp_path, module)
    assert second.returncode == 1
    assert "exists" in one_line(second.stderr)
    assert figure.read_bytes() == image
    assert sorted(p.name for p in tmp_path.iterdir()) == ["python_sweep.png"]
