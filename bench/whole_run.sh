#!/usr/bin/env bash
# Whole runs of the isingmf executable (start-up, model, solve, durable results file) for
# 1, 2, 4, ... threads, with a table of median wall times, speed-ups and peak memory
# (issue 12). Figures and the commands that produced them: docs/benchmarks.md.
#
# Needs only bash, coreutils (date, sort, mktemp, nproc), grep, sed and the executable with its
# shared libraries, so that it runs from a copied build directory on another host:
#
#   bench/whole_run.sh                                  # ./build/src/isingmf of this checkout
#   bench/whole_run.sh --bin DIR                        # DIR/isingmf (and its libraries)
#   bench/whole_run.sh --bin DIR --loader DIR/ld-linux-x86-64.so.2 --libdir DIR
#                                                       # run through a carried dynamic loader
#                                                       # with the libraries copied into DIR
#
# Options: --threads "1 2 4" (default: powers of two up to nproc, and nproc), --repeat N
# (default 3; the median is reported), --cases "setup warm small exact" (default: all),
# --sizes "256 1024 2048 4096" (the set-up case), --uai FILE (the 100-spin case; default
# tests/data/uai2014-grids/Grids_11.uai beside this script, or Grids_11.uai in --bin DIR),
# --exact-T GRID (the exact case's temperatures; default 0.5:5:0.3, 16 of them), --tmp DIR
# (where results files are written and removed).
#
# Cases (the issue's; each with --bounds mf, the mean-field run the issue measured: the default
# bounds mf,upper would add the upper bound, which on 2048^2 costs minutes and ~2.6 kB/site):
#   setup  sweep --size LxL --h 0.1 --T 3 --starts up --max-iter 1 --exact none --store-m no,
#          and the same with --max-iter 11: the difference is 10 sweeps, so the ratio
#          T(1 sweep) / (T(11) - T(1)) is the whole run (start-up, lattice, Model, plan, one
#          sweep, the bound's evaluation and the file) in units of 10 sweeps.
#   warm   sweep --size 2048x2048 --h 0.1 --T 2,2.5,3,3.5,4,4.5 --starts warm --exact none
#          --store-m no (a warm-only sweep over 6 temperatures).
#   small  sweep --uai Grids_11.uai --beta 1 --exact none (100 spins; libDAI's MF: 7-14 ms).
#   exact  sweep --size 12x12 --disorder pm --seed 1 --T 0.5:5:0.3 --exact eliminate
#          --starts up --store-m no (elimination of a +-J torus over 16 temperatures; about a
#          minute on one core).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin_dir=""
loader=""
lib_dir=""
threads=""
repeat=3
cases="setup warm small exact"
sizes="256 1024 2048 4096"
uai=""
exact_grid="0.5:5:0.3"
tmp_root="${TMPDIR:-/tmp}"

usage() { sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin_dir="$2"; shift 2 ;;
    --loader) loader="$2"; shift 2 ;;
    --libdir) lib_dir="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --uai) uai="$2"; shift 2 ;;
    --exact-T) exact_grid="$2"; shift 2 ;;
    --tmp) tmp_root="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "whole_run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

[ -n "$bin_dir" ] || bin_dir="$here/../build/src"
exe="$bin_dir/isingmf"
[ -x "$exe" ] || { echo "whole_run.sh: no executable $exe" >&2; exit 2; }
[ -n "$lib_dir" ] || lib_dir="$bin_dir"
if [ -z "$threads" ]; then
  cores="$(nproc)"
  threads=""
  t=1
  while [ "$t" -lt "$cores" ]; do threads="$threads $t"; t=$((t * 2)); done
  threads="$threads $cores"
fi
if [ -z "$uai" ]; then
  for candidate in "$here/../tests/data/uai2014-grids/Grids_11.uai" "$bin_dir/Grids_11.uai"; do
    if [ -f "$candidate" ]; then uai="$candidate"; break; fi
  done
fi
work="$(mktemp -d "$tmp_root/isingmf-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Runs isingmf once with OMP_NUM_THREADS=$1 and the remaining arguments; sets wall_ns,
# rss_kib, user_s, sys_s.
run_once() {
  local n="$1"
  shift
  local err="$work/stderr"
  local start end
  start="$(date +%s%N)"
  if [ -n "$loader" ]; then
    OMP_NUM_THREADS="$n" ISINGMF_RUSAGE=1 "$loader" --library-path "$lib_dir" "$exe" "$@" \
      --threads "$n" --out "$work/run.h5" --force --quiet 2>"$err" >/dev/null
  else
    OMP_NUM_THREADS="$n" ISINGMF_RUSAGE=1 "$exe" "$@" \
      --threads "$n" --out "$work/run.h5" --force --quiet 2>"$err" >/dev/null
  fi
  end="$(date +%s%N)"
  wall_ns=$((end - start))
  local line
  line="$(grep 'rusage' "$err" || true)"
  rss_kib="${line#*maxrss_kib=}"
  rss_kib="${rss_kib%% *}"
  user_s="${line#*user_s=}"
  user_s="${user_s%% *}"
  sys_s="${line#*sys_s=}"
  rm -f "$work/run.h5"
}

# Median wall time (ns) of $repeat runs; also the largest peak memory seen.
median_ns=0
peak_kib=0
measure() {
  local n="$1"
  shift
  local times=()
  peak_kib=0
  for ((r = 0; r < repeat; ++r)); do
    run_once "$n" "$@"
    times+=("$wall_ns")
    if [ -n "$rss_kib" ] && [ "$rss_kib" -gt "$peak_kib" ]; then peak_kib="$rss_kib"; fi
  done
  median_ns="$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((repeat + 1) / 2))p")"
}

# x/y with two decimals, from integers.
ratio() { local q=$(($1 * 100 / $2)); printf '%d.%02d' $((q / 100)) $((q % 100)); }
ms() { local q=$(($1 / 10000)); printf '%d.%02d' $((q / 100)) $((q % 100)); }

if [ -n "$loader" ]; then
  version="$("$loader" --library-path "$lib_dir" "$exe" --version)"
else
  version="$("$exe" --version)"
fi
echo "# $version, whole runs"
echo "# host: $(uname -n), $(nproc) cores; median of $repeat runs; wall clock from exec to exit"
printf '%-34s %7s %12s %8s %12s %10s\n' "case" "threads" "median ms" "speed-up" "peak MiB" "bytes/site"

report() {  # case threads median base sites
  local label="$1" n="$2" med="$3" base="$4" sites="$5"
  local per_site="-"
  if [ "$sites" -gt 0 ]; then per_site=$((peak_kib * 1024 / sites)); fi
  printf '%-34s %7s %12s %8s %12s %10s\n' "$label" "$n" "$(ms "$med")" "$(ratio "$base" "$med")" \
    "$((peak_kib / 1024))" "$per_site"
}

for c in $cases; do
  case "$c" in
    setup)
      for L in $sizes; do
        base1=0
        base11=0
        for n in $threads; do
          args=(sweep --size "${L}x${L}" --h 0.1 --T 3 --starts up --exact none --bounds mf --store-m no)
          measure "$n" "${args[@]}" --max-iter 1
          t1="$median_ns"
          peak1="$peak_kib"
          measure "$n" "${args[@]}" --max-iter 11
          t11="$median_ns"
          [ "$base1" -gt 0 ] || { base1="$t1"; base11="$t11"; }
          peak_kib="$peak1"
          report "setup ${L}^2, 1 sweep" "$n" "$t1" "$base1" $((L * L))
          report "setup ${L}^2, 11 sweeps" "$n" "$t11" "$base11" $((L * L))
          if [ "$t11" -gt "$t1" ]; then
            echo "    run with 1 sweep = $(ratio "$t1" $((t11 - t1))) x the cost of 10 sweeps" \
              "(10 sweeps: $(ms $((t11 - t1))) ms)"
          fi
        done
      done
      ;;
    warm)
      base=0
      for n in $threads; do
        measure "$n" sweep --size 2048x2048 --h 0.1 --T 2,2.5,3,3.5,4,4.5 --starts warm \
          --exact none --bounds mf --store-m no
        [ "$base" -gt 0 ] || base="$median_ns"
        report "warm 2048^2, 6 T" "$n" "$median_ns" "$base" $((2048 * 2048))
      done
      ;;
    small)
      if [ -z "$uai" ]; then
        echo "small: Grids_11.uai not found (give --uai FILE)" >&2
        continue
      fi
      base=0
      for n in $threads; do
        measure "$n" sweep --uai "$uai" --beta 1 --exact none --bounds mf
        [ "$base" -gt 0 ] || base="$median_ns"
        report "small Grids_11 (100 spins)" "$n" "$median_ns" "$base" 100
      done
      ;;
    exact)
      base=0
      for n in $threads; do
        measure "$n" sweep --size 12x12 --disorder pm --seed 1 --T "$exact_grid" --exact eliminate \
          --bounds mf --starts up --store-m no
        [ "$base" -gt 0 ] || base="$median_ns"
        report "exact 12x12 +-J, T $exact_grid" "$n" "$median_ns" "$base" 144
      done
      ;;
    *) echo "whole_run.sh: unknown case $c" >&2; exit 2 ;;
  esac
done
