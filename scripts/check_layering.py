#!/usr/bin/env python3
"""Checks the module layering of src/isingmf from its #include lines.

Data flows one way: model <- lattices; model <- solvers <- sweep <- io <- cli, with util
below everything. A module may include only itself and the modules listed for it here;
public headers (outside detail/ folders) may not include any detail/ header, so that the
installed headers stand on their own. Exit status 1 and one line per violation otherwise.
"""
import pathlib
import re
import sys

# Module -> the modules it may include besides itself. Solver modules (exact, meanfield,
# clusters, bounds) see model and util only, plus the solver engines listed.
ALLOWED = {
    "util": set(),
    "model": {"util"},
    "lattices": {"util", "model"},
    "clusters": {"util", "model"},
    "exact": {"util", "model", "clusters"},
    "meanfield": {"util", "model", "clusters", "exact"},
    "bounds": {"util", "model", "clusters", "exact", "meanfield"},
    "sweep": {"util", "model", "clusters", "exact", "meanfield", "bounds"},
    "ensemble": {"util", "model", "lattices", "clusters", "exact", "meanfield", "bounds", "sweep"},
    "io": {"util", "model", "clusters", "exact", "meanfield", "bounds", "sweep", "ensemble"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"isingmf/([^"]+)"', re.M)


def module_of(relative):
    return relative.split("/", 1)[0] if "/" in relative else None


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
    src = root / "src" / "isingmf"
    problems = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in {".hpp", ".cpp", ".in"}:
            continue
        relative = path.relative_to(src).as_posix()
        module = module_of(relative)
        if module not in ALLOWED:
            problems.append(f"{relative}: module '{module}' is not in the layering table")
            continue
        public_header = path.suffix in {".hpp", ".in"} and "/detail/" not in f"/{relative}"
        for target in INCLUDE.findall(path.read_text(encoding="utf-8")):
            other = module_of(target)
            if other != module and other not in ALLOWED[module]:
                problems.append(f"{relative}: includes isingmf/{target} ({module} may not use {other})")
            if public_header and "/detail/" in f"/{target}":
                problems.append(f"{relative}: public header includes internal isingmf/{target}")
    for line in problems:
        print(f"check_layering: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
