#!/usr/bin/env bash
# Installs the Debian packages isingmf needs to build, test and plot. Idempotent: when
# everything is present it changes nothing; otherwise it runs apt-get update first.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libhdf5-dev hdf5-tools libfmt-dev libboost-program-options-dev libboost-graph-dev
  libmetis-dev libomp-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  openmpi-bin libopenmpi-dev
  python3 python3-h5py python3-numpy python3-matplotlib
  python3-dev pybind11-dev python3-pybind11 python3-pytest python3-scipy python3-networkx
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install_deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install_deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
