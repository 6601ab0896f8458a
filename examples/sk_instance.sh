#!/usr/bin/env bash
# Sherrington-Kirkpatrick instance, N = 16, read from an edge-list file.
source "$(dirname "$0")/common.sh"
"$ISINGMF" sweep --lattice-file "$root/lattices/sk_16.txt" --restarts 8 \
  --T 0.2:2:0.1 --exact auto --out "$out_dir/sk_instance.h5"
