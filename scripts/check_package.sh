#!/usr/bin/env bash
# Installs the build in $1 into a temporary prefix, builds examples/consumer against it with
# find_package(isingmf), and runs it: the installed package works for another project.
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
# Only public headers are installed: no detail/ folders, no CLI or HDF5 wrapper.
if find "$work/prefix/include" -path '*detail*' | grep -q .; then
  echo "check_package: internal headers were installed" >&2
  exit 1
fi
cmake -S "$root/examples/consumer" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/bound_vs_exact"
# A shared library is installed with its soname (libisingmf.so.MAJOR.MINOR while the major is
# 0) and the link name beside it, and programs built against it ask for the soname.
if [ -f "$work/build/bound_vs_exact" ] && readelf -d "$work/build/bound_vs_exact" | grep -q 'NEEDED.*libisingmf'; then
  major=$(sed -n 's/^CMAKE_PROJECT_VERSION_MAJOR:STATIC=//p' "$build/CMakeCache.txt")
  minor=$(sed -n 's/^CMAKE_PROJECT_VERSION_MINOR:STATIC=//p' "$build/CMakeCache.txt")
  soname="libisingmf.so.$major"; [ "$major" = 0 ] && soname="libisingmf.so.0.$minor"
  library=$(find "$work/prefix" -name "$soname" | head -n 1)
  [ -n "$library" ] && [ -L "$(dirname "$library")/libisingmf.so" ] &&
    readelf -d "$library" | grep -q "SONAME.*\[$soname\]" &&
    readelf -d "$work/build/bound_vs_exact" | grep -q "NEEDED.*\[$soname\]" || {
    echo "check_package: libisingmf was not installed with the soname $soname" >&2
    exit 1
  }
fi
# A tool that carries HDF5 (no libhdf5 among its libraries) ships HDF5's licence notice.
if ! readelf -d "$work/prefix/bin/isingmf" | grep -q 'NEEDED.*libhdf5' &&
  ! find "$work/prefix/share/doc" -name HDF5-NOTICE | grep -q .; then
  echo "check_package: the tool carries HDF5 but its notice was not installed" >&2
  exit 1
fi
# The installed tool finds its MPI module (where the build has one) when mpirun starts it.
module=$(find "$work/prefix" -name 'libisingmf_mpi.so' | head -n 1)
if [ -f "$build/src/libisingmf_mpi.so" ]; then
  [ -n "$module" ] || { echo "check_package: the MPI module was not installed" >&2; exit 1; }
  # The launcher CMake found for this build (as the tests use), else mpirun from PATH.
  mpiexec=$(sed -n 's/^MPIEXEC_EXECUTABLE:FILEPATH=//p' "$build/CMakeCache.txt")
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "${mpiexec:-mpirun}" -n 1 \
    "$work/prefix/bin/isingmf" ensemble --size 4x4 --disorder pm --samples 2 --T 1 \
    --out "$work/ensemble.h5" --quiet
  [ -s "$work/ensemble.h5" ] || { echo "check_package: the installed tool wrote no ensemble under mpirun" >&2; exit 1; }
fi
