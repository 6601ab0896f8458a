#!/usr/bin/env bash
# Whole runs of the isingmf executable (start-up, model, solve, durable results file) for
# 1, 2, 4, ... threads, with a table of wall times (median, best and spread), speed-ups and
# peak memory (issue 12). Figures and the commands that produced them: docs/benchmarks.md.
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
# (rounds, default 3; in each round every thread count runs once, in turn, so that a slow spell
# of a shared host does not fall on one thread count only), --cases "setup warm small exact
# ceiling" (default: all),
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
#   small  sweep --uai Grids_11.uai --beta 1 --exact none (100 spins; bench/libdai_compare.sh
#          times libDAI's MF process beside it on the same host).
#   exact  sweep --size 12x12 --disorder pm --seed 1 --T 0.5:5:0.3 --exact eliminate
#          --starts up --store-m no (elimination of a +-J torus over 16 temperatures; about a
#          minute on one core).
#   ceiling sweep --size 128x128 --disorder pm --seed 3 --T 0.5:4:0.05 --starts
#          up,down,paramagnet --exact none --store-m no: 71 independent cold solves of a small
#          glass, run in parallel over the temperatures. No set-up, no shared memory traffic:
#          the speed-up this host gives to work that is parallel by construction, against
#          which the other cases' speed-ups are read.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin_dir=""
loader=""
lib_dir=""
threads=""
repeat=3
cases="setup warm small exact ceiling"
sizes="256 1024 2048 4096"
uai=""
exact_grid="0.5:5:0.3"
tmp_root="${TMPDIR:-/tmp}"

usage() { sed -n '2,41p' "$0" | sed 's/^# \{0,1\}//'; }

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

# Runs isingmf with the given arguments for every thread count and every variant (extra
# arguments, one string each in the array `variants`, split on spaces), $repeat rounds. Within
# a round each thread count and variant runs once in turn, so that a slow spell of a shared
# host falls on all of them alike rather than on one thread count's runs. Stores the wall times
# (ns) in walls["n v"] and the largest peak memory seen in peaks["n v"].
declare -A walls peaks
variants=("")
measure_rounds() {
  walls=()
  peaks=()
  local r n v
  for ((r = 0; r < repeat; ++r)); do
    for n in $threads; do
      for v in "${!variants[@]}"; do
        # shellcheck disable=SC2086  # a variant is several arguments
        run_once "$n" "$@" ${variants[$v]}
        walls["$n $v"]="${walls["$n $v"]:-} $wall_ns"
        if [ -n "$rss_kib" ] && [ "$rss_kib" -gt "${peaks["$n $v"]:-0}" ]; then
          peaks["$n $v"]="$rss_kib"
        fi
      done
    done
  done
}

# The median (the lower middle for an even count), fastest and slowest wall time of the runs
# under key $1, and their peak memory.
summarise() {
  local sorted
  mapfile -t sorted < <(printf '%s\n' ${walls["$1"]} | sort -n)
  med_ns="${sorted[$(((${#sorted[@]} - 1) / 2))]}"
  best_ns="${sorted[0]}"
  worst_ns="${sorted[$((${#sorted[@]} - 1))]}"
  peak_kib="${peaks["$1"]:-0}"
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
echo "# host: $(uname -n), $(nproc) cores; $repeat rounds, the thread counts in turn within each;" \
  "wall clock from exec to exit"
echo "# median and best of the rounds; spread = (slowest - fastest) / median; speed-ups against" \
  "the first thread count, of the medians and of the best runs"
printf '%-34s %7s %10s %10s %7s %8s %9s %9s %10s\n' "case" "threads" "median ms" "best ms" \
  "spread" "speed-up" "best s-up" "peak MiB" "bytes/site"

report() {  # case threads base_median base_best sites (uses summarise's values)
  local label="$1" n="$2" base_med="$3" base_best="$4" sites="$5"
  local per_site="-"
  if [ "$sites" -gt 0 ]; then per_site=$((peak_kib * 1024 / sites)); fi
  printf '%-34s %7s %10s %10s %6s%% %8s %9s %9s %10s\n' "$label" "$n" "$(ms "$med_ns")" \
    "$(ms "$best_ns")" $(((worst_ns - best_ns) * 100 / med_ns)) "$(ratio "$base_med" "$med_ns")" \
    "$(ratio "$base_best" "$best_ns")" "$((peak_kib / 1024))" "$per_site"
}

# One row per thread count of the runs under keys "n $1", for a case of $3 sites labelled $2.
report_rows() {
  local v="$1" label="$2" sites="$3" n base_med=0 base_best=0
  for n in $threads; do
    summarise "$n $v"
    [ "$base_med" -gt 0 ] || { base_med="$med_ns"; base_best="$best_ns"; }
    report "$label" "$n" "$base_med" "$base_best" "$sites"
  done
}

for c in $cases; do
  case "$c" in
    setup)
      for L in $sizes; do
        variants=("--max-iter 1" "--max-iter 11")
        measure_rounds sweep --size "${L}x${L}" --h 0.1 --T 3 --starts up --exact none --bounds mf \
          --store-m no
        report_rows 0 "setup ${L}^2, 1 sweep" $((L * L))
        report_rows 1 "setup ${L}^2, 11 sweeps" $((L * L))
        for n in $threads; do
          summarise "$n 0"
          t1="$med_ns"
          summarise "$n 1"
          t11="$med_ns"
          if [ "$t11" -gt "$t1" ]; then
            echo "    $n threads: run with 1 sweep = $(ratio "$t1" $((t11 - t1))) x the cost of" \
              "10 sweeps (10 sweeps: $(ms $((t11 - t1))) ms, medians)"
          else  # 10 sweeps of a small lattice can vanish in the scatter of the runs
            echo "    $n threads: run with 1 sweep = n/a (11 sweeps took no longer than 1)"
          fi
        done
        variants=("")
      done
      ;;
    warm)
      measure_rounds sweep --size 2048x2048 --h 0.1 --T 2,2.5,3,3.5,4,4.5 --starts warm \
        --exact none --bounds mf --store-m no
      report_rows 0 "warm 2048^2, 6 T" $((2048 * 2048))
      ;;
    small)
      if [ -z "$uai" ]; then
        echo "small: Grids_11.uai not found (give --uai FILE)" >&2
        continue
      fi
      measure_rounds sweep --uai "$uai" --beta 1 --exact none --bounds mf
      report_rows 0 "small Grids_11 (100 spins)" 100
      ;;
    exact)
      measure_rounds sweep --size 12x12 --disorder pm --seed 1 --T "$exact_grid" \
        --exact eliminate --bounds mf --starts up --store-m no
      report_rows 0 "exact 12x12 +-J, T $exact_grid" 144
      ;;
    ceiling)
      measure_rounds sweep --size 128x128 --disorder pm --seed 3 --T 0.5:4:0.05 \
        --starts up,down,paramagnet --exact none --bounds mf --store-m no
      report_rows 0 "ceiling 128^2 +-J, 71 T cold" $((128 * 128))
      ;;
    *) echo "whole_run.sh: unknown case $c" >&2; exit 2 ;;
  esac
done
