#!/usr/bin/env bash
# Installs the build in $1 with the README's command for a user's environment,
#   cmake --install build --prefix ~/.local
# (here with HOME in a temporary directory), then imports isingmf from a plain
# /usr/bin/python3 outside the source tree, without PYTHONPATH, and checks that the installed
# module loaded the installed libisingmf (its RPATH), not the one in the build tree.
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work
unset PYTHONPATH
cmake --install "$build" --prefix "$HOME/.local" >/dev/null
cd "$work"
/usr/bin/python3 - "$work" <<'PY'
import pathlib
import sys

import isingmf

home = pathlib.Path(sys.argv[1]).resolve()
module = pathlib.Path(isingmf.__file__).resolve()
assert home in module.parents, f"isingmf imported from {module}, not from {home}"
libraries = {line.split()[-1] for line in open("/proc/self/maps") if "libisingmf.so" in line}
assert libraries and all(pathlib.Path(p).resolve().is_relative_to(home) for p in libraries), libraries
model = isingmf.lattice("square", (4, 4))
lnz = isingmf.exact(model, 0.5).ln_z[0]
assert lnz > isingmf.mean_field(model, 0.5).ln_z
print(f"check_python_install: isingmf {isingmf.__version__} from {module.parent}, "
      f"libisingmf from {sorted(libraries)[0]}")
PY
