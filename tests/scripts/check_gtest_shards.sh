#!/usr/bin/env bash
# scripts/gtest_shards.sh against a stand-in test executable that prints what GoogleTest
# prints: all shards passing exit 0 with a summary each; a failed test's own output and the
# list of failures reach stderr; a shard that dies inside a test shows the end of its log.
set -euo pipefail
shards_script=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/tests"
cat >"$dir/tests/isingmf_tests" <<'EOF'
#!/usr/bin/env bash
k=$GTEST_SHARD_INDEX
echo "[ RUN      ] Good.Test$k"
echo "[       OK ] Good.Test$k (1 ms)"
case "$STAND_IN_MODE:$k" in
  fail:1)
    echo "[ RUN      ] Bad.Test"
    echo "bad_test.cpp:7: Failure"
    echo "Expected equality of these values: 1 and 2"
    echo "[  FAILED  ] Bad.Test (2 ms)"
    echo "[==========] 2 tests from 2 test suites ran. (3 ms total)"
    echo "[  FAILED  ] 1 test, listed below:"
    echo "[  FAILED  ] Bad.Test"
    exit 1 ;;
  die:1)
    echo "[ RUN      ] Dying.Test"
    echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow"
    exit 134 ;;
esac
echo "[==========] 1 test from 1 test suite ran. (1 ms total)"
echo "[  PASSED  ] 1 test."
EOF
chmod +x "$dir/tests/isingmf_tests"

fail() { echo "check_gtest_shards: $*" >&2; exit 1; }

out=$(STAND_IN_MODE=pass bash "$shards_script" "$dir" 2 2>&1) || fail "passing shards exited non-zero: $out"
[ "$(grep -c '^gtest shard [12]/2: \[==========\] 1 test from 1 test suite ran' <<<"$out")" = 2 ] ||
  fail "no summary per passing shard: $out"

if out=$(STAND_IN_MODE=fail bash "$shards_script" "$dir" 2 2>&1); then fail "a failed test exited 0"; fi
for want in 'gtest shard 2/2 FAILED' 'Expected equality of these values: 1 and 2' \
  '^\[  FAILED  \] Bad.Test$' '^gtest shard 1/2: '; do
  grep -q "$want" <<<"$out" || fail "after a failed test, no '$want' in: $out"
done
grep -q 'Good.Test1' <<<"$out" && fail "a passing test's output was shown: $out"

if out=$(STAND_IN_MODE=die bash "$shards_script" "$dir" 2 2>&1); then fail "a dead shard exited 0"; fi
grep -q 'AddressSanitizer: heap-buffer-overflow' <<<"$out" || fail "no end of the dead shard's log: $out"
grep -q '\[ RUN      \] Dying.Test' <<<"$out" || fail "the dying test is not named: $out"
echo "gtest_shards.sh: passes, failures and deaths reported"
