#!/usr/bin/env bash
# The ensemble benchmark of issue 13: K samples of an LxL +-J glass (open boundaries:
# elimination of a periodic 16x16 needs tables beyond the 4 GiB limit), 20 temperatures
# (T = 0.25:5:0.25), naive mean field and exact ln Z by elimination, run as
#   1. one process, 1 thread          isingmf ensemble ... --threads 1
#   2. one process, 2 threads         isingmf ensemble ... --threads 2
#   3. two MPI ranks, 1 thread each   mpirun -n 2 isingmf ensemble ... --threads 1
# Each line gives wall time, CPU time (user + sys of the process tree, GNU time) and the
# load average just before and after (the host may be shared), then the speed-ups. The
# three files are checked to hold the same data (tests/scripts/check_ensemble.py, when
# /usr/bin/python3 has h5py). Figures and commands: docs/benchmarks.md.
#
#   bench/ensemble_run.sh [--bin DIR] [--samples 1000] [--size 16] [--tmp DIR] [--no-mpi]
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="$here/../build/src/isingmf"
samples=1000
size=16
tmp=""
mpi=1
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="$2/isingmf"; shift 2 ;;
        --samples) samples="$2"; shift 2 ;;
        --size) size="$2"; shift 2 ;;
        --tmp) tmp="$2"; shift 2 ;;
        --no-mpi) mpi=0; shift ;;
        *) echo "ensemble_run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -x "$bin" ] || { echo "ensemble_run.sh: no executable $bin" >&2; exit 2; }
command -v mpirun >/dev/null || mpi=0
dir="$(mktemp -d "${tmp:-${TMPDIR:-/tmp}}/ensemble_run.XXXXXX")"
trap 'rm -rf "$dir"' EXIT
args=(ensemble --size "${size}x${size}" --boundary open --disorder pm --seed 1
      --samples "$samples" --T 0.25:5:0.25 --bounds mf --exact eliminate --force)
# mpirun as root (CI containers) needs both variables.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

declare -A wall
run() {  # name, then the command
    local name="$1"; shift
    local load_before load_after
    load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "%e %U %S" -o "$dir/$name.time" "$@" >/dev/null 2>"$dir/$name.err" ||
        { cat "$dir/$name.err" >&2; exit 1; }
    load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
    read -r w u s <"$dir/$name.time"
    wall[$name]="$w"
    printf '%-22s wall %8.2f s  cpu %8.2f s  load before %s  after %s\n' "$name" "$w" \
        "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" "$load_before" "$load_after"
}

echo "ensemble benchmark: ${samples} samples of ${size}x${size} open +-J, 20 temperatures," \
     "mf + exact eliminate; $(nproc) cores"
run "1 process x 1 thread" "$bin" "${args[@]}" --threads 1 --out "$dir/t1.h5"
run "1 process x 2 threads" "$bin" "${args[@]}" --threads 2 --out "$dir/t2.h5"
if [ "$mpi" = 1 ]; then
    run "mpirun -n 2 x 1 thread" mpirun --oversubscribe -n 2 "$bin" "${args[@]}" --threads 1 \
        --out "$dir/m2.h5"
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "speed-up 2 threads / 1 thread: $(ratio "${wall[1 process x 1 thread]}" "${wall[1 process x 2 threads]}")"
if [ "$mpi" = 1 ]; then
    echo "mpirun -n 2 wall / 2 threads wall: $(ratio "${wall[mpirun -n 2 x 1 thread]}" "${wall[1 process x 2 threads]}")"
fi
if /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    check="$here/../tests/scripts/check_ensemble.py"
    /usr/bin/python3 "$check" same "$dir/t1.h5" "$dir/t2.h5"
    [ "$mpi" = 0 ] || /usr/bin/python3 "$check" same "$dir/t1.h5" "$dir/m2.h5"
    echo "same data in every run: yes"
fi
