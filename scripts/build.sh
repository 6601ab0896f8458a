#!/usr/bin/env bash
# Configures and builds isingmf (Release, warnings as errors) into ./build, or into the
# directory given as the first argument; further arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$dir" --parallel "$(nproc)"
