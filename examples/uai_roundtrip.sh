#!/usr/bin/env bash
# A model written as a UAI MARKOV file (as libDAI, Merlin or toulbar2 would read it) and
# read back: the exact ln Z by elimination is the same as for the model built directly.
source "$(dirname "$0")/common.sh"
model=(--lattice square --size 10x10 --boundary open --disorder gauss --random-field 0.5 --seed 4)
"$ISINGMF" export --uai "$out_dir/glass.uai" --beta 1 "${model[@]}"
"$ISINGMF" sweep "${model[@]}" --T 1 --exact eliminate --quiet --out "$out_dir/direct.h5"
"$ISINGMF" sweep --uai "$out_dir/glass.uai" --T 1 --exact eliminate --out "$out_dir/via_uai.h5"
/usr/bin/python3 - "$out_dir/direct.h5" "$out_dir/via_uai.h5" <<'PY'
import sys
import h5py
a, b = (h5py.File(p, "r")["exact/ln_z"][0] for p in sys.argv[1:3])
print(f"ln Z direct {a:.12f}, via UAI {b:.12f}, relative difference {abs(a - b) / abs(a):.1e}")
sys.exit(0 if abs(a - b) <= 1e-10 * abs(a) else 1)
PY
