#!/usr/bin/env bash
# Copies what bench/whole_run.sh needs to run on a host without this project's dependencies
# into one folder: the isingmf executable, every shared library ldd lists (fmt, Boost,
# libgomp, libstdc++, ...; libisingmf and HDF5 too where the tool does not carry them), the
# dynamic loader, the
# 100-spin UAI model and the script itself, and, where they were built, the Google Benchmark
# binary and the MPI module, each with its libraries. On the other host:
#
#   DIR/whole_run.sh --bin DIR --loader DIR/ld-linux-x86-64.so.2 --libdir DIR
#   DIR/ld-linux-x86-64.so.2 --library-path DIR DIR/isingmf_bench --benchmark_filter=Setup
#
# Usage: bench/bundle.sh OUT_DIR [BUILD_DIR]   (BUILD_DIR defaults to ./build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: bench/bundle.sh OUT_DIR [BUILD_DIR]}"
build="${2:-$here/../build}"
exe="$build/src/isingmf"
[ -x "$exe" ] || { echo "bundle.sh: no executable $exe" >&2; exit 2; }
mkdir -p "$out"
programs=("$exe")
[ -x "$build/bench/isingmf_bench" ] && programs+=("$build/bench/isingmf_bench")
# The MPI module, which the tool loads only under mpirun (found through --library-path there).
[ -f "$build/src/libisingmf_mpi.so" ] && programs+=("$build/src/libisingmf_mpi.so")
for program in "${programs[@]}"; do
  cp "$program" "$out/"
  ldd "$program" | while read -r name arrow path _; do
    # "libx.so => /path/libx.so (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    if [ "$arrow" = "=>" ] && [ -f "$path" ]; then
      cp -L "$path" "$out/"
    elif [ -f "$name" ]; then
      cp -L "$name" "$out/$(basename "$name")"
    fi
  done
done
# A tool that carries HDF5 travels with HDF5's licence notice.
notice=$(sed -n 's/^ISINGMF_HDF5_NOTICE:FILEPATH=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
[ -f "$notice" ] && cp "$notice" "$out/HDF5-NOTICE"
cp "$here/whole_run.sh" "$out/"
cp "$here/../tests/data/uai2014-grids/Grids_11.uai" "$out/"
echo "bundle.sh: $(find "$out" -type f | wc -l) files, $(du -sh "$out" | cut -f1) in $out"
