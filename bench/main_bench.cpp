// Google Benchmark entry point for every bench/*_bench.cpp (the target links benchmark, not
// benchmark_main).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
