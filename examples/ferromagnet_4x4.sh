#!/usr/bin/env bash
# 4x4 periodic square-lattice ferromagnet: mean-field bound against exact enumeration.
source "$(dirname "$0")/common.sh"
"$ISINGMF" sweep --lattice square --size 4x4 --boundary periodic --J 1 --h 0 \
  --T 0.5:5:0.25 --exact auto --out "$out_dir/ferromagnet_4x4.h5"
