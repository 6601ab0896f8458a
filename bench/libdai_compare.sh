#!/usr/bin/env bash
# Issue 12's 100-spin case against its peer on the same host: the whole isingmf run
# (`sweep --uai Grids_11.uai --beta 1 --exact none --bounds mf`: start-up, default starts,
# durable results file) against libDAI's naive mean field as a process (bench/libdai_mf.cpp:
# read the factor graph, MF from the uniform start to tol 1e-9, print ln Z). Rounds alternate
# the two, so a slow spell of a shared host falls on both; prints the median, best and worst
# wall time of each (exec to exit, bash's EPOCHREALTIME) and the ratio of the medians.
#
# libDAI is not in Debian's archive: give a copy of its source tree (e.g. a clone of a public
# libDAI repository). It is built in a scratch directory, MF and the uai2fg converter only; the
# source tree is not changed. Needs g++, make, GMP (libgmp-dev) and Boost's headers
# (libboost-dev).
#
#   bench/libdai_compare.sh --libdai SRC [--bin DIR] [--uai FILE] [--rounds N] [--tmp DIR]
#
# --bin DIR: the directory holding isingmf (default ./build/src of this checkout); --uai: the
# model (default tests/data/uai2014-grids/Grids_11.uai); --rounds: default 21.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
libdai_src=""
bin_dir="$here/../build/src"
uai="$here/../tests/data/uai2014-grids/Grids_11.uai"
rounds=21
tmp_root="${TMPDIR:-/tmp}"

fail() { echo "libdai_compare.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --libdai) libdai_src="${2:-}"; shift 2 ;;
    --bin) bin_dir="${2:-}"; shift 2 ;;
    --uai) uai="${2:-}"; shift 2 ;;
    --rounds) rounds="${2:-}"; shift 2 ;;
    --tmp) tmp_root="${2:-}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done

[ -n "$libdai_src" ] || fail "give --libdai SRC, a libDAI source tree"
[ -f "$libdai_src/Makefile.LINUX" ] && [ -f "$libdai_src/include/dai/mf.h" ] ||
  fail "'$libdai_src' is not a libDAI source tree (no Makefile.LINUX or include/dai/mf.h)"
exe="$bin_dir/isingmf"
[ -x "$exe" ] || fail "no isingmf executable in '$bin_dir' (give --bin DIR)"
[ -r "$uai" ] || fail "cannot read the model '$uai' (give --uai FILE)"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || fail "--rounds takes a positive whole number, not '$rounds'"
[ -f /usr/include/gmpxx.h ] || fail "GMP's C++ headers are missing: apt-get install libgmp-dev"
[ -d /usr/include/boost ] || fail "Boost's headers are missing: apt-get install libboost-dev"

work="$(mktemp -d "$tmp_root/libdai_compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# libDAI's own Makefile, configured for Linux without debug code; Debian's Boost libraries have
# no -mt suffix.
cp -r "$libdai_src" "$work/libdai"
(
  cd "$work/libdai"
  sed 's/-lboost_\([a-z_]*\)-mt/-lboost_\1/g' Makefile.LINUX > Makefile.conf
  make -j"$(nproc)" DEBUG= lib utils/uai2fg > "$work/build.log" 2>&1
) || { tail -20 "$work/build.log" >&2; fail "building libDAI failed (log above)"; }
g++ -O3 -DDAI_WITH_MF -I"$work/libdai/include" "$here/libdai_mf.cpp" \
  "$work/libdai/lib/libdai.a" -lgmpxx -lgmp -o "$work/libdai_mf" 2> "$work/driver.log" ||
  { cat "$work/driver.log" >&2; fail "building bench/libdai_mf.cpp failed"; }

# uai2fg reads <base>.uai and <base>.uai.evid (no evidence) and writes <base>.0.fg.
cp "$uai" "$work/model.uai"
echo 0 > "$work/model.uai.evid"
(cd "$work" && ./libdai/utils/uai2fg model 1 0 > /dev/null)
fg="$work/model.0.fg"
[ -s "$fg" ] || fail "uai2fg wrote no factor graph for '$uai'"

libdai_run() { "$work/libdai_mf" "$fg"; }
isingmf_run() {
  OMP_NUM_THREADS=1 "$exe" sweep --uai "$uai" --beta 1 --exact none --bounds mf --threads 1 \
    --out "$work/run.h5" --force --quiet
}
echo "# $("$exe" --version) against libDAI's MF process, $(basename "$uai")"
echo "# host: $(uname -n), $(nproc) cores, kernel $(uname -r); $rounds rounds, alternating"
echo "# libDAI MF ln Z (uniform start): $(libdai_run)"
isingmf_run > /dev/null 2>&1 || fail "the isingmf run failed"

declare -A times
for ((r = 0; r < rounds; ++r)); do
  for who in libdai isingmf; do
    start="${EPOCHREALTIME/./}"
    "${who}_run" > /dev/null 2>&1
    end="${EPOCHREALTIME/./}"
    times[$who]="${times[$who]:-} $((end - start))"
  done
done

# Median (the lower middle for an even count), best and worst of the runs, in us.
stats() {
  local sorted
  mapfile -t sorted < <(printf '%s\n' ${times[$1]} | sort -n)
  med="${sorted[$(((${#sorted[@]} - 1) / 2))]}"
  best="${sorted[0]}"
  worst="${sorted[$((${#sorted[@]} - 1))]}"
}
ms() { printf '%d.%02d' $(($1 / 1000)) $((($1 % 1000) / 10)); }
printf '%-34s %10s %10s %10s\n' "process" "median ms" "best ms" "worst ms"
stats libdai
libdai_med="$med"
printf '%-34s %10s %10s %10s\n' "libDAI MF (bench/libdai_mf.cpp)" "$(ms "$med")" "$(ms "$best")" \
  "$(ms "$worst")"
stats isingmf
printf '%-34s %10s %10s %10s\n' "isingmf sweep, mf, durable file" "$(ms "$med")" "$(ms "$best")" \
  "$(ms "$worst")"
q=$((med * 100 / libdai_med))
printf 'isingmf / libDAI, medians: %d.%02d\n' $((q / 100)) $((q % 100))
