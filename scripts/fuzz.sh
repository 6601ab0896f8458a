#!/usr/bin/env bash
# Fuzzes the readers of untrusted input with libFuzzer (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer): the edge-list reader, the UAI reader and the results-file
# reader behind `isingmf info`. Builds the targets into ./build-fuzz, then runs the three at
# once for SECONDS each (default 60), starting from the inputs kept in tests/fuzz/corpus/.
#
#   bash scripts/fuzz.sh                 # the short run CI makes (scripts/test.sh)
#   bash scripts/fuzz.sh 3600            # a longer run: an hour per target
#   bash scripts/fuzz.sh 600 uai         # one target
#   ISINGMF_FUZZ_MERGE=1 bash scripts/fuzz.sh 3600   # and keep what it found (below)
#
# New inputs go to build-fuzz/corpus/<target>; with ISINGMF_FUZZ_MERGE=1 the ones that add
# coverage are merged (minimised) into tests/fuzz/corpus/<target>, to be committed: the
# regular test FuzzCorpus replays that corpus on every build. A crash, a sanitizer report, a
# hang (> 10 s per input) or a memory blow-up (> 3 GB) fails the run and leaves the input in
# build-fuzz/artifacts/; copy it into tests/fuzz/corpus/<target>/ (and add a named test of it
# beside the reader's tests) before fixing the bug.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(edge_list uai results)

cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DISINGMF_BUILD_FUZZERS=ON -DISINGMF_BUILD_TESTS=OFF \
  -DISINGMF_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target "${targets[@]/#/fuzz_}"

mkdir -p build-fuzz/artifacts
# HDF5 keeps library-wide allocations until exit: leaks are not what is looked for here.
# Memory as in a plain build: an allocation beyond 2 GB returns NULL (HDF5 then reports an
# error, isingmf's own `new` throws std::bad_alloc, which the harness does not catch: a
# finding), and a process whose resident memory passes 3 GB is stopped (a finding). HDF5
# asks malloc for absurd sizes read from damaged files and handles the NULL; libFuzzer's
# own malloc limit would call that a crash, so it is off (-rss_limit_mb=0).
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=2048:hard_rss_limit_mb=3072
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
pids=()
for target in "${targets[@]}"; do
  max_len=4096
  [ "$target" = results ] && max_len=65536
  dict=()
  [ -f "tests/fuzz/$target.dict" ] && dict=(-dict="tests/fuzz/$target.dict")
  mkdir -p "build-fuzz/corpus/$target"
  ./build-fuzz/tests/fuzz/fuzz_$target "build-fuzz/corpus/$target" "tests/fuzz/corpus/$target" \
    "${dict[@]}" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=0 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$target-" \
    >"build-fuzz/$target.log" 2>&1 &
  pids+=($!)
done
status=0
for k in "${!targets[@]}"; do
  target=${targets[$k]}
  if wait "${pids[$k]}"; then
    runs=$(grep -m1 '^stat::number_of_executed_units' "build-fuzz/$target.log" | awk '{print $2}')
    echo "fuzz: $target: ${runs:-?} inputs in ${seconds} s, no failure"
  else
    status=1
    echo "fuzz: $target FAILED; log: build-fuzz/$target.log; input: $(ls build-fuzz/artifacts/$target-* 2>/dev/null | head -1)" >&2
    grep -m3 -E 'ERROR|SUMMARY|==[0-9]+==' "build-fuzz/$target.log" >&2 || true
  fi
done
if [ "$status" = 0 ] && [ "${ISINGMF_FUZZ_MERGE:-0}" = 1 ]; then
  for target in "${targets[@]}"; do
    ./build-fuzz/tests/fuzz/fuzz_$target -merge=1 "tests/fuzz/corpus/$target" \
      "build-fuzz/corpus/$target" >>"build-fuzz/$target.log" 2>&1
    echo "fuzz: $target: corpus now $(ls "tests/fuzz/corpus/$target" | wc -l) inputs"
  done
fi
exit "$status"
