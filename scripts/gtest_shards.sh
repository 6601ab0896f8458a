#!/usr/bin/env bash
# Runs the GoogleTest suites of a build directory (BUILD/tests/isingmf_tests) as N shards in
# parallel, one process per shard, instead of one process per test as CTest does.
#
#   bash scripts/gtest_shards.sh build-asan          # nproc shards
#   bash scripts/gtest_shards.sh build-asan 4
#
# The sanitizer pass of scripts/test.sh uses it: a sanitized isingmf_tests takes about 0.6 s
# to start, which over ~730 one-test processes was more than half of that pass (420 s against
# 180 s in two shards, on 2 cores). The plain pass keeps CTest's one process per test, so a
# test that depends on another's leftovers still fails there. Each shard's output goes to
# BUILD/Testing/gtest-shard-K.log; a failing shard prints its failures, or the end of its log
# when it died (a sanitizer report, a crash, or the time limit, ISINGMF_SHARD_TIMEOUT seconds,
# default 1800).
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: gtest_shards.sh BUILD_DIR [SHARDS]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shards=${2:-$(nproc)}
binary=$build/tests/isingmf_tests
[ -x "$binary" ] || { echo "gtest_shards.sh: no test executable at $binary" >&2; exit 2; }
mkdir -p "$build/Testing"
pids=()
for ((k = 0; k < shards; ++k)); do
  # In the tests' folder, the working directory CTest gives them.
  (cd "$build/tests" && GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$k \
    timeout "${ISINGMF_SHARD_TIMEOUT:-1800}" "$binary" --gtest_color=no \
    >"$build/Testing/gtest-shard-$k.log" 2>&1) &
  pids+=($!)
done
status=0
for ((k = 0; k < shards; ++k)); do
  log=$build/Testing/gtest-shard-$k.log
  if wait "${pids[$k]}"; then
    echo "gtest shard $((k + 1))/$shards: $(grep -m1 '^\[==========\] .* ran\.' "$log")"
  else
    status=1
    echo "gtest shard $((k + 1))/$shards FAILED (log: $log):" >&2
    if grep -q '^\[  FAILED  \] .* listed below:' "$log"; then
      # Each failed test's own output (CI shows only what is printed), then the list.
      awk '/^\[ RUN      \]/ { block = "" } { block = block $0 "\n" }
           /^\[  FAILED  \] .* \([0-9]+ ms\)$/ { printf "%s", block }' "$log" >&2
      grep '^\[  FAILED  \] .* listed below:' -A 1000 "$log" >&2
    else
      # It died inside a test: the last test started and what was printed since.
      tail -n 60 "$log" >&2
    fi
  fi
done
exit $status
