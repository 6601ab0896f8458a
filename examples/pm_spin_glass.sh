#!/usr/bin/env bash
# +-J spin glass on a 4x4 torus, read from an edge-list file; several random starts.
source "$(dirname "$0")/common.sh"
"$ISINGMF" sweep --lattice-file "$root/lattices/pm_4x4_periodic.txt" --restarts 8 \
  --T 0.25:4:0.25 --exact auto --out "$out_dir/pm_spin_glass.h5"
