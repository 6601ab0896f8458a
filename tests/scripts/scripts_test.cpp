// Runs scripts/*.py (and the schema checker) on a file written by write_results, so the
// Python side and the C++ writer are checked against each other and against
// README.md ("HDF5 results"). Skipped when /usr/bin/python3 lacks h5py or matplotlib.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "isingmf/io/results_file.hpp"
#include "isingmf/util/error.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceDir = ISINGMF_SOURCE_DIR;
constexpr const char* kPython = "/usr/bin/python3";

// Built with append rather than operator+: GCC 12 at -O3 raises a false -Wrestrict on
// "'" + std::string + "'".
std::string quoted(const fs::path& path) {
    std::string text = "'";
    text.append(path.string()).append("'");
    return text;
}

using test::read_file;

std::string fmt_fixed6(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6f", x);
    return buffer;
}

/// Exit status of `command` (stdout and stderr go to the given files).
int run(const std::string& command, const fs::path& out, const fs::path& err) {
    const int status = std::system((command + " >" + quoted(out) + " 2>" + quoted(err)).c_str());
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ScriptsTest : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string probe = std::string(kPython) + " -c 'import h5py, matplotlib, numpy'";
        if (run(probe, out_, err_) != 0) {
            GTEST_SKIP() << kPython << " with h5py, matplotlib and numpy is not available";
        }
    }

    int script(const std::string& name, const std::string& arguments) {
        return run(std::string(kPython) + " " + quoted(kSourceDir / name) + " " + arguments, out_,
                   err_);
    }

    const test::TempDir temp_{"isingmf_scripts_test"};
    const fs::path dir_ = temp_.path();
    const fs::path out_ = dir_ / "stdout.txt";
    const fs::path err_ = dir_ / "stderr.txt";
};

// Free spins in a uniform field h (no bonds): mean field is exact there,
//   ln Z = N ln(2 cosh(beta h)),  m = tanh(beta h),
// so the file has a known ln Z per spin (ln 2 at beta = 0) and a zero gap.
constexpr int kSites = 3;
constexpr double kField = 0.5;

// With `with_bounds`, also the upper bound, the Bethe estimate and structured mean field on
// one-site clusters, all exact for free spins. `field` may be negative (then m < 0); the
// temperatures whose index is in `not_converged` are written as not converged (by every method).
// The file is named after the case.
fs::path write_free_spins(const fs::path& dir, bool with_exact, bool with_bounds = false,
                          double field = kField,
                          const std::vector<std::size_t>& not_converged = {}) {
    RunRecord record;
    record.program_version = "test";
    record.command_line = "scripts_test";
    record.created = "2024-01-01T00:00:00Z";
    record.model = {{"lattice", "free"}, {"h", "0.5"}};
    record.num_sites = kSites;
    record.solver = {{"tolerance", "1e-10"}};
    SweepResult sweep;
    sweep.exact_method = with_exact ? "enumerate" : "none";
    for (double beta : {0.0, 0.5, 1.0, 2.0}) {
        SweepPoint point;
        point.beta = beta;
        point.T = beta == 0.0 ? std::numeric_limits<double>::infinity() : 1.0 / beta;
        const double m = std::tanh(beta * field);
        point.mean_field.emplace();
        point.mean_field->ln_z = kSites * std::log(2.0 * std::cosh(beta * field));
        point.mean_field->magnetization = m;
        point.mean_field->m.assign(kSites, m);
        const bool converged = std::find(not_converged.begin(), not_converged.end(),
                                         sweep.points.size()) == not_converged.end();
        point.mean_field->converged = converged;
        point.mean_field->start = "up";
        if (with_exact) {
            ExactResult exact;
            exact.ln_z = point.mean_field->ln_z;
            exact.magnetization = m;
            if (beta != 1.0) exact.magnetization_abs = std::abs(m);  // one NaN left in
            point.exact = exact;
        }
        if (with_bounds) {
            UpperBoundResult& upper = point.upper.emplace();
            upper.ln_z = point.mean_field->ln_z;
            upper.converged = converged;
            upper.kind = DecompositionKind::whole;
            upper.num_pieces = 1;
            upper.weights = {1.0};
            upper.description = "one piece holding the whole model";
            BetheResult& bethe = point.bethe.emplace();
            bethe.ln_z = point.mean_field->ln_z;
            bethe.converged = converged;
            bethe.start = "zero";
            StructuredMeanFieldResult& smf = point.structured.emplace();
            smf.ln_z = point.mean_field->ln_z;
            smf.energy = -kSites * field * m;
            smf.entropy = smf.ln_z + beta * smf.energy;  // ln Z = -beta <H> + S
            smf.magnetization = m;
            smf.m.assign(kSites, m);
            smf.converged = converged;
            smf.start = "naive";
            smf.cluster_kind = ClusterKind::given;
            smf.num_clusters = kSites;
            smf.clusters = "single sites: 3 clusters, largest 1 sites";
        }
        sweep.points.push_back(point);
    }
    std::string name = with_exact ? "exact" : "mf_only";
    if (with_bounds) name += "_bounds";
    if (field != kField || !not_converged.empty())
        name += "_" + std::to_string(not_converged.size());
    const fs::path path = dir / (name + ".h5");
    write_results(path, record, sweep, false);
    return path;
}

TEST_F(ScriptsTest, FileMatchesTheDocumentedSchema) {
    const fs::path with_exact = write_free_spins(dir_, true);
    EXPECT_EQ(
        script("tests/scripts/check_schema.py", quoted(with_exact) + " --expect-exact --expect-m"),
        0)
        << read_file(out_) << read_file(err_);
    const fs::path mf_only = write_free_spins(dir_, false);
    EXPECT_EQ(script("tests/scripts/check_schema.py", quoted(mf_only) + " --expect-m"), 0)
        << read_file(out_) << read_file(err_);
    // The checker itself can fail: claiming exact results that are not there.
    EXPECT_EQ(
        script("tests/scripts/check_schema.py", quoted(mf_only) + " --expect-exact --expect-m"), 1);
    const fs::path bounds = write_free_spins(dir_, true, true);
    EXPECT_EQ(script("tests/scripts/check_schema.py",
                     quoted(bounds) + " --expect-exact --expect-m --expect-upper --expect-bethe "
                                      "--expect-structured"),
              0)
        << read_file(out_) << read_file(err_);
    EXPECT_EQ(
        script("tests/scripts/check_schema.py", quoted(bounds) + " --expect-exact --expect-m"), 1)
        << "groups the checker was not told about";
}

// The command line end to end: a sweep with every bound, and the new groups read back with
// h5py: the certified interval holds exact ln Z at every temperature.
TEST_F(ScriptsTest, CliSweepWritesTheBoundGroups) {
    const std::string cli = std::string("'") + ISINGMF_CLI_PATH + "'";
    const fs::path file = dir_ / "bounds.h5";
    ASSERT_EQ(
        run(cli + " sweep --lattice square --size 4x4 --boundary open --disorder pm --h 0.1 " +
                "--T 0.5,1,2.269,4 --bounds mf,upper,bethe --ub-width 2 --exact enumerate " +
                "--quiet --out " + quoted(file),
            out_, err_),
        0)
        << read_file(err_);
    EXPECT_EQ(script("tests/scripts/check_schema.py",
                     quoted(file) + " --expect-exact --expect-m --expect-upper --expect-bethe"),
              0)
        << read_file(out_) << read_file(err_);
    const std::string probe =
        "import h5py, numpy as np, sys\n"
        "f = h5py.File(sys.argv[1], 'r')\n"
        "lo, up, ex = f['mean_field/ln_z'][:], f['upper_bound/ln_z'][:], f['exact/ln_z'][:]\n"
        "assert np.all(lo <= ex + 1e-9) and np.all(ex <= up + 1e-9), (lo, ex, up)\n"
        "assert np.array_equal(f['comparison/upper_minus_lower'][:], up - lo)\n"
        "assert f['upper_bound'].attrs['kind'] == 'strips' and f['upper_bound'].attrs['width'] == "
        "2\n"
        "assert len(f['bethe/ln_z']) == 4 and f['bethe'].attrs['schedule'] == 'sequential'\n"
        "print(f['upper_bound'].attrs['num_pieces'], np.round(f['upper_bound/weights'][:], 3))\n";
    std::ofstream(dir_ / "probe.py") << probe;
    EXPECT_EQ(run(std::string(kPython) + " " + quoted(dir_ / "probe.py") + " " + quoted(file), out_,
                  err_),
              0)
        << read_file(err_);
    // Four families of 2-row strips on the 4x4 grid, along x and along y: offset 0 gives rows
    // {0,1} {2,3}, offset 1 rows {0} {1,2} {3}; 2 x (2 + 3) = 10 pieces.
    EXPECT_EQ(read_file(out_), "10 [0.25 0.25 0.25 0.25]\n") << read_file(out_);
    // Without mf the file has no /mean_field and no upper_minus_lower.
    const fs::path upper_only = dir_ / "upper_only.h5";
    ASSERT_EQ(run(cli + " sweep --size 4x4 --T 1,2 --bounds upper --exact none --quiet --out " +
                      quoted(upper_only),
                  out_, err_),
              0)
        << read_file(err_);
    EXPECT_EQ(
        script("tests/scripts/check_schema.py", quoted(upper_only) + " --no-mf --expect-upper"), 0)
        << read_file(out_) << read_file(err_);
}

// Structured mean field end to end: strips of 2 rows on a 4x4 open glass, the group and its
// /comparison entries read back with h5py and with scripts/isingmf_results.py, the bound
// between naive mean field and exact ln Z (enumeration) at every temperature.
TEST_F(ScriptsTest, CliSweepWritesTheStructuredGroup) {
    const std::string cli = std::string("'") + ISINGMF_CLI_PATH + "'";
    const fs::path file = dir_ / "structured.h5";
    ASSERT_EQ(
        run(cli + " sweep --lattice square --size 4x4 --boundary open --disorder pm --h 0.1 " +
                "--T 0.5,1,2.269,4 --bounds mf,upper,structured --cluster-width 2 " +
                "--exact enumerate --quiet --out " + quoted(file),
            out_, err_),
        0)
        << read_file(err_);
    EXPECT_EQ(
        script("tests/scripts/check_schema.py",
               quoted(file) + " --expect-exact --expect-m --expect-upper --expect-structured"),
        0)
        << read_file(out_) << read_file(err_);
    const std::string probe =
        "import h5py, numpy as np, sys\n"
        "sys.path.insert(0, sys.argv[2])\n"
        "import isingmf_results\n"
        "f = h5py.File(sys.argv[1], 'r')\n"
        "g = f['structured_mean_field']\n"
        "lo, s, ex, up = (f['mean_field/ln_z'][:], g['ln_z'][:], f['exact/ln_z'][:],\n"
        "                 f['upper_bound/ln_z'][:])\n"
        "tol = 1e-9 * np.abs(ex)\n"
        "assert np.all(lo <= s + tol) and np.all(s <= ex + tol) and np.all(ex <= up + tol)\n"
        "c = f['comparison']\n"
        "assert np.array_equal(c['exact_minus_structured'][:], ex - s)\n"
        "assert np.array_equal(c['upper_minus_structured'][:], up - s)\n"
        "assert np.array_equal(c['structured_minus_lower'][:], s - lo)\n"
        "assert g['m'].shape == (4, 16) and np.all(np.abs(g['m'][:]) <= 1)\n"
        "assert np.allclose(g['magnetization'][:], g['m'][:].mean(axis=1), rtol=0, atol=1e-12)\n"
        "assert all(x in ('naive', 'warm') for x in g['start'].asstr()[:])\n"
        "r = isingmf_results.load(sys.argv[1])\n"
        "assert np.array_equal(r.lnz_structured, s)\n"
        "assert np.array_equal(r.exact_minus_structured, ex - s)\n"
        "print(g.attrs['kind'], g.attrs['width'], g.attrs['num_clusters'], r.structured_kind,\n"
        "      r.structured_num_clusters, int(np.all(g['converged'][:] == 1)))\n";
    std::ofstream(dir_ / "probe.py") << probe;
    EXPECT_EQ(run(std::string(kPython) + " " + quoted(dir_ / "probe.py") + " " + quoted(file) +
                      " " + quoted(kSourceDir / "scripts"),
                  out_, err_),
              0)
        << read_file(err_);
    // Two strips of 2 rows on the 4x4 grid, every temperature converged.
    EXPECT_EQ(read_file(out_), "strips 2 2 strips 2 1\n") << read_file(out_);
    // The plot and the table take the file.
    ASSERT_EQ(script("scripts/plot_sweep.py", quoted(file) + " -o " + quoted(dir_ / "s.png")), 0)
        << read_file(err_);
    ASSERT_EQ(script("scripts/compare_table.py", quoted(file)), 0) << read_file(err_);
    EXPECT_NE(read_file(out_).find("lnZ_SMF/N"), std::string::npos) << read_file(out_);
}

/// The body rows of the markdown table in `text` (after the header and the rule), cells trimmed.
std::vector<std::vector<std::string>> table_rows(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '|') continue;
        std::vector<std::string> cells;
        std::istringstream fields(line.substr(1));
        std::string cell;
        while (std::getline(fields, cell, '|')) {
            const auto first = cell.find_first_not_of(' ');
            const auto last = cell.find_last_not_of(' ');
            cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
        }
        rows.push_back(cells);
    }
    if (rows.size() >= 2) rows.erase(rows.begin(), rows.begin() + 2);
    return rows;
}

TEST_F(ScriptsTest, CompareTablePrintsOneRowPerTemperature) {
    const fs::path path = write_free_spins(dir_, true);
    ASSERT_EQ(script("scripts/compare_table.py", quoted(path)), 0) << read_file(err_);
    const std::string table = read_file(out_);
    EXPECT_NE(table.find("lattice=free h=0.5 N=3; exact: enumerate"), std::string::npos) << table;
    const auto rows = table_rows(table);
    ASSERT_EQ(rows.size(), 4u) << table;  // one per temperature, in file order
    // beta = 0: ln Z / N = ln 2, printed to 10 decimals on both sides as the CLI prints it, the
    // differences as %.3e; m = 0 to a fixed 6 decimals, converged.
    EXPECT_EQ(rows[0], (std::vector<std::string>{"inf", "0.6931471806", "0.6931471806", "0.000e+00",
                                                 "0.000e+00", "0.000000", "yes"}))
        << table;
    // beta = 0.5 (T = 2, printed with the column's one decimal): ln Z / N = ln(2 cosh(beta h)),
    // to 10 decimals.
    EXPECT_EQ(rows[1][0], "2.0");
    EXPECT_NEAR(std::stod(rows[1][1]), std::log(2.0 * std::cosh(0.5 * kField)), 5e-11);
    // Mean field is exact for free spins: every gap prints as 0. m = tanh(beta h) to 6 decimals.
    // Every ln Z cell has its 10 decimals, so the column's decimal points line up.
    for (const auto& row : rows) {
        EXPECT_EQ(row[3], "0.000e+00") << table;
        EXPECT_EQ(row[1].size() - row[1].find('.'), 11u) << table;
    }
    EXPECT_EQ(rows[1][5], fmt_fixed6(std::tanh(0.5 * kField))) << table;
    // With the upper bound, Bethe and structured mean field: six more columns after conv, the
    // interval widths and gaps 0 here.
    const fs::path bounds = write_free_spins(dir_, true, true);
    ASSERT_EQ(script("scripts/compare_table.py", quoted(bounds)), 0) << read_file(err_);
    const std::string wider = read_file(out_);
    EXPECT_NE(wider.find("lnZ_UB/N"), std::string::npos) << wider;
    EXPECT_NE(wider.find("lnZ_Bethe/N"), std::string::npos) << wider;
    const auto bound_rows = table_rows(wider);
    ASSERT_EQ(bound_rows.size(), 4u) << wider;
    for (const auto& row : bound_rows) {
        ASSERT_EQ(row.size(), 13u) << wider;
        EXPECT_EQ(row[7], row[2]) << "upper bound = exact for free spins: " << wider;
        EXPECT_EQ(row[8], "0.000e+00") << wider;
        EXPECT_EQ(row[10], row[2]) << "structured bound = exact for free spins: " << wider;
        EXPECT_EQ(row[11], "0.000e+00") << wider;
        EXPECT_EQ(row[12], "0.000e+00") << wider;
    }
    // Without exact values (--exact none) the exact columns are left out, not filled with n/a.
    const fs::path mf_only = write_free_spins(dir_, false);
    ASSERT_EQ(script("scripts/compare_table.py", quoted(mf_only)), 0) << read_file(err_);
    const std::string bare = read_file(out_);
    EXPECT_NE(bare.find("exact: none"), std::string::npos) << bare;
    EXPECT_EQ(bare.find("lnZ_exact/N"), std::string::npos) << bare;
    EXPECT_EQ(bare.find("n/a"), std::string::npos) << bare;
    const auto bare_rows = table_rows(bare);
    ASSERT_EQ(bare_rows.size(), 4u) << bare;
    EXPECT_EQ(bare_rows[0], (std::vector<std::string>{"inf", "0.6931471806", "0.000000", "yes"}))
        << bare;
}

TEST_F(ScriptsTest, CompareTableFlagsUnconvergedPointsAndPrintsNoNoise) {
    // m = tanh(beta h) with h = -1e-17: about -1e-17, rounding noise, must print as 0.000000
    // (not -0.000000, not 4.6e-17); temperatures 1 and 3 did not converge.
    const fs::path path = write_free_spins(dir_, true, false, -1e-17, {1, 3});
    ASSERT_EQ(script("scripts/compare_table.py", quoted(path)), 0) << read_file(err_);
    const auto rows = table_rows(read_file(out_));
    ASSERT_EQ(rows.size(), 4u);
    const std::vector<std::string> expected_conv = {"yes", "NO:mf", "yes", "NO:mf"};
    for (std::size_t k = 0; k < rows.size(); ++k) {
        ASSERT_EQ(rows[k].size(), 7u);
        EXPECT_EQ(rows[k][5], "0.000000");
        EXPECT_EQ(rows[k][6], expected_conv[k]);
    }
}

TEST_F(ScriptsTest, CompareTableReportsEachBadFileAndPrintsTheGoodOnes) {
    const fs::path good = write_free_spins(dir_, true);
    const fs::path text = dir_ / "notes.h5";
    std::ofstream(text) << "not hdf5\n";
    const fs::path absent = dir_ / "absent.h5";
    EXPECT_EQ(script("scripts/compare_table.py",
                     quoted(text) + " " + quoted(good) + " " + quoted(absent)),
              1);
    const std::string err = read_file(err_);
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 2) << err;
    EXPECT_NE(err.find(text.string()), std::string::npos) << err;
    EXPECT_NE(err.find(absent.string()), std::string::npos) << err;
    EXPECT_EQ(table_rows(read_file(out_)).size(), 4u) << read_file(out_);
    EXPECT_NE(read_file(out_).find(good.string()), std::string::npos);
}

TEST_F(ScriptsTest, PlotMarksUnconvergedPointsAndPlotsTheSizeOfM) {
    // h < 0: the mean-field m is negative, the exact <|m|> positive; the plot must compare
    // |m| with <|m|>. Temperatures 2 and 3 (T = 1 and 0.5) did not converge; index 1 is
    // T = inf (beta = 0) and is not on the axis in any case.
    const fs::path path = write_free_spins(dir_, true, false, -kField, {2, 3});
    EXPECT_EQ(script("tests/scripts/check_plot.py", quoted(path) + " 2"), 0) << read_file(err_);
    const fs::path none = write_free_spins(dir_, false);
    EXPECT_EQ(script("tests/scripts/check_plot.py", quoted(none) + " 0"), 0) << read_file(err_);
    // The checker can fail.
    EXPECT_EQ(script("tests/scripts/check_plot.py", quoted(path) + " 3"), 1);
    // Every method's curve is marked where it did not converge: mean field, structured, the
    // upper bound and Bethe on ln Z (4 x 2), mean field and structured on |m| (2 x 2).
    const fs::path bounds = write_free_spins(dir_, true, true, -kField, {2, 3});
    EXPECT_EQ(script("tests/scripts/check_plot.py", quoted(bounds) + " 8 4"), 0) << read_file(err_);
    EXPECT_EQ(script("tests/scripts/check_plot.py", quoted(bounds) + " 2 2"), 1);
}

TEST_F(ScriptsTest, PlotRefusesAnUnknownImageFormatInOneLine) {
    const fs::path path = write_free_spins(dir_, true);
    for (const std::string output : {"x.pdfx", "noextension"}) {
        SCOPED_TRACE(output);
        EXPECT_EQ(script("scripts/plot_sweep.py", quoted(path) + " -o " + quoted(dir_ / output)),
                  2);
        const std::string err = read_file(err_);
        EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
        EXPECT_NE(err.find("cannot tell an image format"), std::string::npos) << err;
        EXPECT_EQ(err.find("Traceback"), std::string::npos) << err;
        EXPECT_FALSE(fs::exists(dir_ / output));
    }
}

TEST_F(ScriptsTest, DamagedFilesAreReportedWithoutHdf5Internals) {
    const fs::path whole = write_free_spins(dir_, true);
    const fs::path cut = dir_ / "cut.h5";
    std::ofstream(cut, std::ios::binary) << read_file(whole).substr(0, 1000);
    for (const std::string& command :
         {"scripts/compare_table.py " + quoted(cut),
          "scripts/plot_sweep.py " + quoted(cut) + " -o " + quoted(dir_ / "cut.png")}) {
        SCOPED_TRACE(command);
        EXPECT_EQ(run(std::string(kPython) + " " + quoted(kSourceDir) + "/" + command, out_, err_),
                  1);
        const std::string err = read_file(err_);
        EXPECT_NE(err.find("(the file is truncated)"), std::string::npos) << err;
        EXPECT_EQ(err.find("sblock"), std::string::npos) << err;
        EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
    }
}

TEST_F(ScriptsTest, PlotSweepWritesAPng) {
    for (const bool with_exact : {true, false}) {
        const fs::path path = write_free_spins(dir_, with_exact, with_exact);
        const fs::path png = dir_ / (path.stem().string() + ".png");
        ASSERT_EQ(script("scripts/plot_sweep.py", quoted(path) + " -o " + quoted(png)), 0)
            << read_file(err_);
        EXPECT_EQ(read_file(png).substr(0, 8), "\x89PNG\r\n\x1a\n");
    }
}

// Version 2 files (before /mean_field/cut) still read, as having no cut starts, in C++ and
// in the scripts; a version from the future is refused by both. The old file is made from a
// new one with h5py: drop the dataset, set the version.
TEST_F(ScriptsTest, VersionTwoStillReadsAndNewerIsRefused) {
    const fs::path path = write_free_spins(dir_, false);
    const auto set_version = [&](int version, bool drop_cut) {
        const std::string code = "import h5py; f = h5py.File(" + quoted(path) +
                                 ", 'r+'); f.attrs.modify('format_version', " +
                                 std::to_string(version) + ")" +
                                 (drop_cut ? "; del f['mean_field/cut']" : "") + "; f.close()";
        return run(std::string(kPython) + " -c \"" + code + "\"", out_, err_);
    };
    ASSERT_EQ(set_version(2, true), 0) << read_file(err_);
    const ResultsFile old = read_results(path);
    ASSERT_EQ(old.sweep.points.size(), 4u);
    for (const SweepPoint& p : old.sweep.points) EXPECT_TRUE(p.mean_field->cut.empty());
    EXPECT_EQ(script("scripts/compare_table.py", quoted(path)), 0) << read_file(err_);
    ASSERT_EQ(set_version(4, false), 0) << read_file(err_);
    EXPECT_THROW(read_results(path), IoError);
    EXPECT_EQ(script("scripts/compare_table.py", quoted(path)), 1);
    EXPECT_NE(read_file(err_).find("format_version 4"), std::string::npos) << read_file(err_);
}

TEST_F(ScriptsTest, ScriptsRejectBadFilesWithOneLine) {
    const fs::path text = dir_ / "notes.h5";
    std::ofstream(text) << "not hdf5\n";
    const fs::path other = kSourceDir / "tests" / "io" / "data" / "other_format.hdf5";
    // plot_ensemble.py printed h5py's text (two lines for a directory) or a KeyError.
    for (const fs::path& bad : {text, dir_ / "absent.h5", other, dir_}) {
        for (const std::string& command :
             {"scripts/plot_sweep.py " + quoted(bad) + " -o " + quoted(dir_ / "x.png"),
              "scripts/compare_table.py " + quoted(bad),
              "scripts/plot_ensemble.py " + quoted(bad) + " -o " + quoted(dir_ / "x.png")}) {
            SCOPED_TRACE(command);
            EXPECT_EQ(
                run(std::string(kPython) + " " + quoted(kSourceDir) + "/" + command, out_, err_),
                1);
            const std::string message = read_file(err_);
            EXPECT_NE(message.find(bad.string()), std::string::npos) << message;
            EXPECT_EQ(message.find('\n'), message.size() - 1) << "one line: " << message;
        }
    }
    EXPECT_FALSE(fs::exists(dir_ / "x.png"));
}

// A sweep's file given to the ensemble plot, or an ensemble file to the sweep's scripts, is
// named for what it is (it was "no format attribute 'isingmf-results'"), and a file without
// the groups a script reads names what is missing (it was `("Can't open attribute)`).
TEST_F(ScriptsTest, ScriptsNameTheOtherKindOfFileAndWhatIsMissing) {
    const fs::path sweep = write_free_spins(dir_, true);
    const auto message = [&](const std::string& command) {
        EXPECT_EQ(run(std::string(kPython) + " " + quoted(kSourceDir) + "/" + command, out_, err_),
                  1)
            << command;
        return read_file(err_);
    };
    EXPECT_NE(message("scripts/plot_ensemble.py " + quoted(sweep) + " -o " + quoted(dir_ / "x.png"))
                  .find(": a sweep's results file, not an ensemble file (plot it with "
                        "scripts/plot_sweep.py)"),
              std::string::npos);
    ASSERT_EQ(
        run(std::string("'") + ISINGMF_CLI_PATH +
                "' ensemble --size 3x3 --samples 2 --T 1,2 --quiet --out " + quoted(dir_ / "e.h5"),
            out_, err_),
        0);
    for (const std::string script : {"plot_sweep.py", "compare_table.py"}) {
        EXPECT_NE(message("scripts/" + script + " " + quoted(dir_ / "e.h5"))
                      .find(": an isingmf ensemble file, not a sweep's results file"),
                  std::string::npos)
            << script;
    }
    const fs::path bare = dir_ / "bare.h5";
    ASSERT_EQ(run(std::string(kPython) + " -c \"import h5py; f = h5py.File('" + bare.string() +
                      "', 'w'); f.attrs['format'] = 'isingmf-results'; "
                      "f.attrs['format_version'] = 3\"",
                  out_, err_),
              0);
    EXPECT_NE(message("scripts/compare_table.py " + quoted(bare))
                  .find("not a readable isingmf results file (can't locate attribute: "
                        "'num_sites')\n"),
              std::string::npos)
        << read_file(err_);
}

}  // namespace
}  // namespace isingmf
