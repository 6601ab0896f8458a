// The command line end to end: runs the built isingmf executable in a temporary directory
// and checks exit codes, messages, and the results file it leaves (read back with the
// library's reader).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numbers>
#include <sstream>
#include <string>

#include "isingmf/io/results_file.hpp"
#include "support/cli_runner.hpp"

namespace isingmf {
namespace {

using test::run_cli;
using test::TempDir;

TEST(Cli, DefaultSweepWritesAFileThatReadsBack) {
    TempDir dir("isingmf_cli");
    const auto run = run_cli("sweep", dir);
    ASSERT_EQ(run.status, 0) << run.err;
    const ResultsFile file = read_results(dir.path() / "results.h5");
    EXPECT_EQ(file.record.num_sites, 16);
    EXPECT_EQ(file.record.num_edges, 32u);
    // Default grid 0.5:5:0.1 has 46 points, both ends included.
    ASSERT_EQ(file.sweep.points.size(), 46u);
    EXPECT_DOUBLE_EQ(file.sweep.points.front().T, 0.5);
    EXPECT_DOUBLE_EQ(file.sweep.points.back().T, 5.0);
    EXPECT_NE(file.sweep.exact_method, "none");
    for (const SweepPoint& p : file.sweep.points) {
        ASSERT_TRUE(p.exact.has_value());
        EXPECT_LE(p.mean_field->ln_z, p.exact->ln_z + 1e-12 * std::abs(p.exact->ln_z)) << p.T;
        EXPECT_EQ(p.mean_field->m.size(), 16u);
    }
    // The table: a header and one row per temperature, with the bracket by default.
    EXPECT_NE(run.out.find("lnZ_MF/N"), std::string::npos);
    EXPECT_NE(run.out.find("lnZ_exact/N"), std::string::npos);
    EXPECT_NE(run.out.find("lnZ_UB/N"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("width/N"), std::string::npos) << run.out;
    for (const SweepPoint& p : file.sweep.points) {
        ASSERT_TRUE(p.upper.has_value());
        EXPECT_GE(p.upper->ln_z, p.exact->ln_z - 1e-11 * std::abs(p.exact->ln_z)) << p.T;
        EXPECT_FALSE(p.bethe.has_value());
    }
}

TEST(Cli, BoundsAndWidthOptions) {
    TempDir dir("isingmf_cli");
    // Upper bound and Bethe only, chains: no /mean_field, the width in the file and table.
    const auto run = run_cli(
        "sweep --size 5x5 --disorder gauss --h 0.2 --T 1,2 --bounds upper,bethe --ub-width 1 "
        "--exact enumerate --out b.h5",
        dir);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(run.out.find("lnZ_MF/N"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("lnZ_Bethe/N"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("families of chains"), std::string::npos) << run.out;
    const ResultsFile file = read_results(dir.path() / "b.h5");
    EXPECT_FALSE(file.record.store_m);
    for (const SweepPoint& p : file.sweep.points) {
        EXPECT_FALSE(p.mean_field.has_value());
        ASSERT_TRUE(p.upper.has_value());
        ASSERT_TRUE(p.bethe.has_value());
        EXPECT_EQ(p.upper->width, 1);
        EXPECT_EQ(p.upper->kind, DecompositionKind::strips);
        EXPECT_GE(p.upper->ln_z, p.exact->ln_z);
    }
    // info lists the groups it found.
    const auto info = run_cli("info b.h5", dir);
    EXPECT_EQ(info.status, 0) << info.err;
    EXPECT_NE(info.out.find("groups: /upper_bound /bethe /exact"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("upper bound: periodic square 5x5"), std::string::npos) << info.out;
}

TEST(Cli, StructuredBoundFromWidthOrClusterFile) {
    TempDir dir("isingmf_cli");
    // Strips of one row (chains) on a 4x4 open glass, and the same rows from a cluster file:
    // the same partition, so the same bound (to the rounding of a different edge order).
    {
        std::ofstream rows(dir.path() / "rows.txt");
        rows << "# the rows of the 4x4 lattice, x fastest\n0 1 2 3\n4 5 6 7\n8 9 10 11\n"
                "12 13 14 15  # last row\n";
    }
    const std::string common =
        "sweep --size 4x4 --boundary open --disorder pm --h 0.1 --T 0.8,1.6,2.4 "
        "--exact enumerate --bounds mf,upper,structured ";
    const auto strips = run_cli(common + "--cluster-width 1 --out strips.h5", dir);
    ASSERT_EQ(strips.status, 0) << strips.err;
    EXPECT_NE(strips.out.find("lnZ_SMF/N"), std::string::npos) << strips.out;
    EXPECT_NE(strips.out.find("widthS/N"), std::string::npos) << strips.out;
    EXPECT_NE(strips.out.find("gapS/N"), std::string::npos) << strips.out;
    EXPECT_NE(strips.out.find("# structured mean field: open square 4x4: 4 strips of 1 row"),
              std::string::npos)
        << strips.out;
    const auto given = run_cli(common + "--clusters rows.txt --out given.h5", dir);
    ASSERT_EQ(given.status, 0) << given.err;
    const ResultsFile a = read_results(dir.path() / "strips.h5");
    const ResultsFile b = read_results(dir.path() / "given.h5");
    ASSERT_EQ(a.sweep.points.size(), 3u);
    for (std::size_t k = 0; k < 3; ++k) {
        const SweepPoint& p = a.sweep.points[k];
        ASSERT_TRUE(p.structured && p.mean_field && p.exact && p.upper);
        EXPECT_EQ(p.structured->cluster_kind, ClusterKind::strips);
        EXPECT_EQ(p.structured->cluster_width, 1);
        EXPECT_EQ(p.structured->num_clusters, 4);
        EXPECT_EQ(p.structured->m.size(), 16u);
        const double slack = 1e-12 * std::abs(p.exact->ln_z);
        EXPECT_GE(p.structured->ln_z, p.mean_field->ln_z - slack);
        EXPECT_LE(p.structured->ln_z, p.exact->ln_z + slack);
        const SweepPoint& q = b.sweep.points[k];
        ASSERT_TRUE(q.structured);
        EXPECT_EQ(q.structured->cluster_kind, ClusterKind::given);
        EXPECT_EQ(q.structured->num_clusters, 4);
        EXPECT_NEAR(q.structured->ln_z, p.structured->ln_z, slack);
        for (std::size_t i = 0; i < 16; ++i)
            EXPECT_NEAR(q.structured->m[i], p.structured->m[i], 1e-10);
    }
    const std::pair<std::string, std::string> file_entry{"clusters", "rows.txt"};
    EXPECT_NE(std::find(b.record.solver.begin(), b.record.solver.end(), file_entry),
              b.record.solver.end());
    const auto info = run_cli("info given.h5", dir);
    EXPECT_EQ(info.status, 0) << info.err;
    EXPECT_NE(info.out.find("groups: /mean_field /upper_bound /structured_mean_field /exact"),
              std::string::npos)
        << info.out;
    EXPECT_NE(info.out.find("structured mean field: rows.txt: 4 clusters"), std::string::npos)
        << info.out;
    EXPECT_NE(info.out.find("structured gap/N from"), std::string::npos) << info.out;
    // Structured alone: the naive start is solved inside; m still stored.
    const auto alone = run_cli(
        "sweep --size 6x6 --T 1,2 --bounds structured --cluster-width 2 --exact none "
        "--store-m yes --quiet --out alone.h5",
        dir);
    ASSERT_EQ(alone.status, 0) << alone.err;
    const ResultsFile c = read_results(dir.path() / "alone.h5");
    EXPECT_TRUE(c.record.store_m);
    for (const SweepPoint& p : c.sweep.points) {
        EXPECT_FALSE(p.mean_field);
        ASSERT_TRUE(p.structured);
        EXPECT_EQ(p.structured->m.size(), 36u);
        EXPECT_EQ(p.structured->num_clusters, 3);  // rings of 2 rows on the 6x6 torus
    }
}

TEST(Cli, ThreadCountDoesNotChangeTheNumbers) {
    TempDir dir("isingmf_cli");
    const std::string common =
        "sweep --lattice triangular --size 4x4 --disorder gauss --h 0.1 --T 0.5:3:0.25 "
        "--bounds mf,upper,structured --cluster-width 1 ";
    ASSERT_EQ(run_cli(common + "--threads 1 --out one.h5", dir).status, 0);
    ASSERT_EQ(run_cli(common + "--threads 2 --out two.h5", dir).status, 0);
    const ResultsFile one = read_results(dir.path() / "one.h5");
    const ResultsFile two = read_results(dir.path() / "two.h5");
    ASSERT_EQ(one.sweep.points.size(), two.sweep.points.size());
    for (std::size_t k = 0; k < one.sweep.points.size(); ++k) {
        EXPECT_EQ(one.sweep.points[k].mean_field->ln_z, two.sweep.points[k].mean_field->ln_z);
        EXPECT_EQ(one.sweep.points[k].mean_field->m, two.sweep.points[k].mean_field->m);
        EXPECT_NEAR(one.sweep.points[k].exact->ln_z, two.sweep.points[k].exact->ln_z, 1e-12);
        EXPECT_EQ(one.sweep.points[k].upper->ln_z, two.sweep.points[k].upper->ln_z);
        EXPECT_EQ(one.sweep.points[k].structured->ln_z, two.sweep.points[k].structured->ln_z);
        EXPECT_EQ(one.sweep.points[k].structured->m, two.sweep.points[k].structured->m);
    }
}

// ln Z / N = 2e299 at T = 1e-300 is printed in scientific notation, not as 300 digits.
TEST(Cli, TableKeepsHugeValuesShort) {
    TempDir dir("isingmf_cli");
    const auto run = run_cli(
        "sweep --lattice chain --size 4 --T 1e-300 --exact none --bounds mf --out t.h5", dir);
    ASSERT_EQ(run.status, 0) << run.err;
    std::istringstream lines(run.out);
    std::string line;
    bool row = false;
    while (std::getline(lines, line)) {
        EXPECT_LT(line.size(), 200u) << line;
        row = row || line.find("e+299") != std::string::npos;
    }
    EXPECT_TRUE(row) << run.out;
}

TEST(Cli, BetaGridIncludesInfiniteTemperature) {
    TempDir dir("isingmf_cli");
    const auto run = run_cli("sweep --lattice chain --size 10 --beta 0,0.5,1 --out b.h5", dir);
    ASSERT_EQ(run.status, 0) << run.err;
    const ResultsFile file = read_results(dir.path() / "b.h5");
    EXPECT_TRUE(std::isinf(file.sweep.points[0].T));
    // N ln 2 less the bound's rounding allowance (mean_field_test.cpp: InfiniteTemperature...).
    EXPECT_LT(file.sweep.points[0].mean_field->ln_z, 10 * std::numbers::ln2);
    EXPECT_NEAR(file.sweep.points[0].mean_field->ln_z, 10 * std::numbers::ln2, 1e-14);
}

// Bad inputs, each with its exit status and one-line message: bad_input_catalogue_test.cpp.

TEST(Cli, OutOfMemoryIsOneLineInWords) {
    // A file that declares 2^30 sites (the most a model may have) asks for ~16 GB of per-site
    // arrays when the model is built. Under a 2 GB address-space limit the allocation fails;
    // it used to be reported as
    // "std::bad_alloc". (AddressSanitizer reserves terabytes of shadow memory at start-up, so
    // the limit cannot be applied to a sanitized build.)
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "address-space limit and AddressSanitizer do not mix";
#endif
    TempDir dir("isingmf_cli");
    { std::ofstream(dir.path() / "huge.txt") << "N 1073741824\n"; }
    const TempDir capture("isingmf_cli_capture");
    const std::string command = "cd '" + dir.path().string() + "' && (ulimit -v 2000000; '" +
                                ISINGMF_CLI_PATH "' sweep --lattice-file huge.txt) 2>'" +
                                (capture.path() / "stderr").string() + "' >/dev/null </dev/null";
    const int raw = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(raw));
    EXPECT_EQ(WEXITSTATUS(raw), 1);
    const std::string err = test::read_file(capture.path() / "stderr");
    EXPECT_NE(err.find("out of memory"), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_EQ(dir.entry_count(), 1u);
}

TEST(Cli, AReaderThatStopsEarlyDoesNotCostTheResults) {
    // `isingmf sweep ... | head -1`: the table (~800 KB, far beyond a pipe's buffer) meets a
    // reader that has gone. SIGPIPE used to end the run before its results file was written
    // (exit 141, no message, no file); the file is the run's result, the table a view of it.
    TempDir dir("isingmf_cli");
    const TempDir capture("isingmf_cli_capture");
    const auto status = capture.path() / "status";
    const std::string command = "cd '" + dir.path().string() +
                                "' && ('" ISINGMF_CLI_PATH
                                "' sweep --size 3x3 --T 0.01:10:0.001 --out r.h5 2>/dev/null; "
                                "echo $? >'" +
                                status.string() + "') </dev/null | head -1 >/dev/null";
    ASSERT_EQ(std::system(command.c_str()), 0);
    EXPECT_EQ(test::read_file(status), "0\n");
    EXPECT_EQ(read_results(dir.path() / "r.h5").sweep.points.size(), 9991u);
    // A summary read by a reader that stops early ends quietly too.
    const std::string info = "cd '" + dir.path().string() +
                             "' && ('" ISINGMF_CLI_PATH "' info r.h5; echo $? >'" +
                             status.string() + "') </dev/null | head -c 1 >/dev/null";
    ASSERT_EQ(std::system(info.c_str()), 0);
    EXPECT_EQ(test::read_file(status), "0\n");
}

TEST(Cli, KeepsAnExistingFileWithoutForce) {
    TempDir dir("isingmf_cli");
    { std::ofstream(dir.path() / "results.h5") << "precious"; }
    const auto run = run_cli("sweep", dir);
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("--force"), std::string::npos);
    EXPECT_EQ(test::read_file(dir.path() / "results.h5"), "precious");
    const auto forced = run_cli("sweep --force --quiet", dir);
    EXPECT_EQ(forced.status, 0) << forced.err;
    EXPECT_EQ(read_results(dir.path() / "results.h5").record.num_sites, 16);
}

TEST(Cli, HelpVersionAndInfo) {
    TempDir dir("isingmf_cli");
    EXPECT_EQ(run_cli("--help", dir).status, 0);
    const auto help = run_cli("sweep --help", dir);
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("--lattice-file"), std::string::npos);
    // `help COMMAND` is `COMMAND --help`.
    const auto help_sweep = run_cli("help sweep", dir);
    EXPECT_EQ(help_sweep.status, 0);
    EXPECT_EQ(help_sweep.out, help.out);
    const auto version = run_cli("--version", dir);
    EXPECT_EQ(version.status, 0);
    EXPECT_NE(version.out.find("isingmf "), std::string::npos);
    ASSERT_EQ(run_cli("sweep --quiet --T 1,2", dir).status, 0);
    const auto info = run_cli("info results.h5", dir);
    EXPECT_EQ(info.status, 0) << info.err;
    EXPECT_NE(info.out.find("temperatures: 2"), std::string::npos) << info.out;
    const auto missing = run_cli("info nothing.h5", dir);
    EXPECT_EQ(missing.status, 1);
}

// The start names of --starts, and the file's record of the winner and of the starts cut
// off: on a ferromagnet in a weak random field at T = 1 the random start coarsens domains and
// falls behind up (the same case as CutOff.SlowStartThatFallsBehindIsCut).
TEST(Cli, StartsAndCutOffsInTheFile) {
    TempDir dir("isingmf_cli");
    const auto run = run_cli(
        "sweep --quiet --size 32x32 --random-field 0.05 --seed 2 --T 1 --exact none "
        "--starts up,random",
        dir);
    ASSERT_EQ(run.status, 0) << run.err;
    const ResultsFile file = read_results(dir.path() / "results.h5");
    const MeanFieldResult& mf = file.sweep.points.at(0).mean_field.value();
    EXPECT_EQ(mf.start, "up");
    EXPECT_EQ(mf.cut, std::vector<std::string>{"random:0"});
    const auto other = run_cli("sweep --quiet --force --starts paramagnet,anneal --T 1,3", dir);
    ASSERT_EQ(other.status, 0) << other.err;
    for (const SweepPoint& p : read_results(dir.path() / "results.h5").sweep.points)
        EXPECT_TRUE(p.mean_field->start == "paramagnet" || p.mean_field->start == "anneal");
    const auto help = run_cli("sweep --help", dir);
    EXPECT_NE(help.out.find("anneal"), std::string::npos);
    EXPECT_NE(help.out.find("paramagnet"), std::string::npos);
}

TEST(Cli, UaiModelsAndExactMethods) {
    TempDir dir("isingmf_cli");
    const std::string grid = std::string(ISINGMF_UAI_GRIDS_DIR) + "/Grids_11.uai";
    // ln Z = 390.077166 from tests/data/uai2014-grids/README.md; the file's own T = 1.
    const auto run = run_cli("sweep --uai '" + grid + "' --T 1 --exact auto --out g.h5", dir);
    ASSERT_EQ(run.status, 0) << run.err;
    const ResultsFile file = read_results(dir.path() / "g.h5");
    EXPECT_EQ(file.sweep.exact_method, "eliminate");
    EXPECT_NEAR(file.sweep.points[0].exact->ln_z, 390.077166, 1e-6 * 390.077166);
    EXPECT_LT(file.sweep.points[0].mean_field->ln_z, file.sweep.points[0].exact->ln_z);

    // Export a model, read it back through --uai: the same exact ln Z at its beta.
    const std::string model =
        "--lattice triangular --size 3x4 --disorder gauss --random-field 0.5 --seed 3";
    ASSERT_EQ(run_cli("export --uai m.uai --beta 0.7 " + model, dir).status, 0);
    ASSERT_EQ(
        run_cli("sweep --quiet --beta 0.7 --exact enumerate --out direct.h5 " + model, dir).status,
        0);
    ASSERT_EQ(
        run_cli("sweep --quiet --T 1 --exact eliminate --out viauai.h5 --uai m.uai", dir).status,
        0);
    const double direct = read_results(dir.path() / "direct.h5").sweep.points[0].exact->ln_z;
    const double via_uai = read_results(dir.path() / "viauai.h5").sweep.points[0].exact->ln_z;
    EXPECT_NEAR(via_uai, direct, 1e-10 * std::abs(direct));
    EXPECT_EQ(run_cli("export --uai m.uai " + model, dir).status, 1);  // exists, no --force

    // Auto picks Kaufman's closed form for a large uniform torus.
    ASSERT_EQ(run_cli("sweep --quiet --size 32x32 --T 2,2.5 --out k.h5", dir).status, 0);
    EXPECT_EQ(read_results(dir.path() / "k.h5").sweep.exact_method, "kaufman");
    // A torus too wide for elimination is refused up front, with the width.
    const auto wide = run_cli("sweep --size 20x20 --exact eliminate --out w.h5", dir);
    EXPECT_EQ(wide.status, 1);
    EXPECT_NE(wide.err.find("elimination needs width"), std::string::npos) << wide.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "w.h5"));
}

TEST(Cli, PlanarMethodForGlassesBeyondElimination) {
    TempDir dir("isingmf_cli");
    // A 40 x 40 open +-J glass: elimination width 40 is beyond its memory limit, so auto takes
    // the planar method; the mean-field bound stays below it.
    const auto run = run_cli(
        "sweep --lattice square --size 40x40 --boundary open --disorder pm --T 1,2.5 --out p.h5",
        dir);
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("exact: planar"), std::string::npos) << run.out;
    const ResultsFile file = read_results(dir.path() / "p.h5");
    EXPECT_EQ(file.sweep.exact_method, "planar");
    for (const auto& p : file.sweep.points) {
        ASSERT_TRUE(p.exact.has_value());
        EXPECT_LE(p.mean_field->ln_z, p.exact->ln_z) << p.T;
    }
    // A small torus glass where the four Pfaffians cancel beyond 1e-9: NaN and a warning.
    const auto small = run_cli(
        "sweep --size 3x3 --disorder pm --seed 2 --T 0.2 --exact planar --quiet --out s.h5", dir);
    ASSERT_EQ(small.status, 0) << small.err;
    EXPECT_NE(small.err.find("warning: planar"), std::string::npos) << small.err;
    // In the file: NaN in /exact, which reads back as no exact value at that temperature.
    const ResultsFile refused = read_results(dir.path() / "s.h5");
    const auto& point = refused.sweep.points[0];
    EXPECT_FALSE(point.exact.has_value() && std::isfinite(point.exact->ln_z));
}

TEST(Cli, RejectsMalformedUai) {
    TempDir dir("isingmf_cli");
    test::write_file(dir.path() / "bad.uai", "MARKOV\n3\n2 2 3\n0\n");
    const auto run = run_cli("sweep --uai bad.uai", dir);
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("bad.uai"), std::string::npos) << run.err;
    EXPECT_EQ(dir.entry_count(), 1u);
}

}  // namespace
}  // namespace isingmf

namespace isingmf {
namespace {

// A run of a few seconds: the bar appears on a terminal (a pseudo-terminal from
// util-linux's `script`) and never in a pipe or file.
TEST(Cli, ProgressBarOnlyOnATerminal) {
    test::TempDir dir("isingmf_cli");
    // ISINGMF_PROGRESS_NOW: the bar draws from its first redraw (0.1 s) instead of after a
    // second, so a run of ~0.5 s shows it; a pipe must still get none.
    const std::string args =
        "sweep --lattice complete --size 24 --disorder sk --T 0.2:2:0.02 --exact enumerate --quiet";
    // Inherited by the CLI's processes; removed when the test ends, however it ends.
    ::setenv("ISINGMF_PROGRESS_NOW", "1", 1);
    const std::unique_ptr<const char, void (*)(const char*)> unset(
        "ISINGMF_PROGRESS_NOW", [](const char* name) { ::unsetenv(name); });
    const auto piped = test::run_cli(args + " --out piped.h5", dir);
    ASSERT_EQ(piped.status, 0) << piped.err;
    EXPECT_EQ(piped.err.find('['), std::string::npos) << piped.err;
    const auto on_tty = test::run_cli_on_terminal(args + " --out tty.h5", dir);
    ASSERT_EQ(on_tty.status, 0) << on_tty.out;
    EXPECT_NE(on_tty.out.find("] "), std::string::npos) << on_tty.out;
    EXPECT_NE(on_tty.out.find(" s "), std::string::npos) << on_tty.out;
}

}  // namespace
}  // namespace isingmf
