// ISINGMF_RUSAGE: the one line of peak memory and CPU times that bench/whole_run.sh reads, on
// stderr at exit, and nothing without it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

TEST(CliResourceReport, OneLineOnStderrWhenAsked) {
    const test::TempDir dir("isingmf_rusage");
    const test::CliRun quiet = test::run_cli("--version", dir);
    EXPECT_EQ(quiet.status, 0);
    EXPECT_EQ(quiet.err, "");
    ::setenv("ISINGMF_RUSAGE", "1", 1);
    const test::CliRun run = test::run_cli("sweep --size 4x4 --T 1,2 --quiet --out r.h5", dir);
    ::unsetenv("ISINGMF_RUSAGE");
    EXPECT_EQ(run.status, 0) << run.err;
    const std::string::size_type at = run.err.find("isingmf: rusage maxrss_kib=");
    ASSERT_NE(at, std::string::npos) << run.err;
    const std::string line = run.err.substr(at);
    EXPECT_NE(line.find(" user_s="), std::string::npos);
    EXPECT_NE(line.find(" sys_s="), std::string::npos);
    EXPECT_EQ(line.back(), '\n');
    EXPECT_GT(std::atol(line.c_str() + std::string("isingmf: rusage maxrss_kib=").size()), 0);
}

}  // namespace
}  // namespace isingmf
