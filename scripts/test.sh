#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test: the GoogleTest suites (unit,
# physics oracles, command line end to end), the script smoke tests and the Python module's
# pytest suite (tests/python), through CTest. Then a short fuzzing run of the readers
# (scripts/fuzz.sh: the edge-list and UAI parsers, a minute each, at once; ISINGMF_SKIP_FUZZ=1
# skips it), and
# the suites again under AddressSanitizer + UndefinedBehaviorSanitizer (GoogleTest suites in
# shards, scripts/gtest_shards.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
# Formatting is part of the build's contract (.clang-format); checked when clang-format exists.
if command -v clang-format >/dev/null; then
  git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
fi
bash scripts/build.sh build
ctest --test-dir build --output-on-failure --timeout 900 -j "$(nproc)"
if [ "${ISINGMF_SKIP_FUZZ:-0}" != 1 ]; then
  # isingmf's own parsers. The results target fuzzes HDF5 1.10 itself, which crashes on some
  # damaged files in ways `info` contains (it reads in a child process) but an in-process
  # fuzzer cannot tell from isingmf's bugs: it runs in the long runs (scripts/fuzz.sh), and
  # FuzzCorpus replays its corpus on every build.
  bash scripts/fuzz.sh "${ISINGMF_FUZZ_SECONDS:-60}" edge_list uai
fi
if [ "${ISINGMF_SKIP_SANITIZERS:-0}" != 1 ]; then
  # At -O1 (the sanitizers' manuals ask for -O1 or more): the build takes 5 minutes on 2
  # cores, not 13 as at -O3, and the suites run as fast (137 s against 143).
  bash scripts/build.sh build-asan -DISINGMF_SANITIZER="address;undefined" -DISINGMF_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG"
  # allocator_may_return_null: a failed allocation behaves as in a plain build (NULL from
  # malloc, std::bad_alloc from new); HDF5 asks for absurd sizes read from damaged files.
  export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  # The GoogleTest suites in one process per core rather than one per test (a sanitized test
  # executable's start-up was more than half of this pass), the other tests through CTest.
  bash scripts/gtest_shards.sh build-asan
  ctest --test-dir build-asan --output-on-failure --timeout 1800 -j "$(nproc)" -LE gtest
fi
