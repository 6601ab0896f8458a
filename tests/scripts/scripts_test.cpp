// Runs scripts/*.py (and the schema checker) on a file written by write_results, so the
// Python side and the C++ writer are checked against each other and against
// README.md ("HDF5 results"). Skipped when /usr/bin/python3 lacks h5py or matplotlib.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "isingmf/io/results_file.hpp"
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
// one-site clusters, all exact for free spins.
fs::path write_free_spins(const fs::path& dir, bool with_exact, bool with_bounds = false) {
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
        const double m = std::tanh(beta * kField);
        point.mean_field.emplace();
        point.mean_field->ln_z = kSites * std::log(2.0 * std::cosh(beta * kField));
        point.mean_field->magnetization = m;
        point.mean_field->m.assign(kSites, m);
        point.mean_field->converged = true;
        point.mean_field->start = "up";
        if (with_exact) {
            ExactResult exact;
            exact.ln_z = point.mean_field->ln_z;
            exact.magnetization = m;
            if (beta != 1.0) exact.magnetization_abs = m;  // one NaN left in
            point.exact = exact;
        }
        if (with_bounds) {
            UpperBoundResult& upper = point.upper.emplace();
            upper.ln_z = point.mean_field->ln_z;
            upper.converged = true;
            upper.kind = DecompositionKind::whole;
            upper.num_pieces = 1;
            upper.weights = {1.0};
            upper.description = "one piece holding the whole model";
            BetheResult& bethe = point.bethe.emplace();
            bethe.ln_z = point.mean_field->ln_z;
            bethe.converged = true;
            bethe.start = "zero";
            StructuredMeanFieldResult& smf = point.structured.emplace();
            smf.ln_z = point.mean_field->ln_z;
            smf.energy = -kSites * kField * m;
            smf.entropy = smf.ln_z + beta * smf.energy;  // ln Z = -beta <H> + S
            smf.magnetization = m;
            smf.m.assign(kSites, m);
            smf.converged = true;
            smf.start = "naive";
            smf.cluster_kind = ClusterKind::given;
            smf.num_clusters = kSites;
            smf.clusters = "single sites: 3 clusters, largest 1 sites";
        }
        sweep.points.push_back(point);
    }
    const fs::path path = dir / (std::string(with_exact ? "exact" : "mf_only") +
                                 (with_bounds ? "_bounds.h5" : ".h5"));
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
    // beta = 0: ln Z / N = ln 2, printed to 8 significant digits on both sides.
    EXPECT_EQ(rows[0], (std::vector<std::string>{"inf", "0.69314718", "0.69314718", "0", "0", "0"}))
        << table;
    // beta = 0.5 (T = 2): ln Z / N = ln(2 cosh(beta h)); 8 significant digits -> 5e-9 here.
    EXPECT_EQ(rows[1][0], "2");
    EXPECT_NEAR(std::stod(rows[1][1]), std::log(2.0 * std::cosh(0.5 * kField)), 5e-9);
    // Mean field is exact for free spins: every gap prints as 0.
    for (const auto& row : rows) EXPECT_EQ(row[3], "0") << table;
    // With the upper bound, Bethe and structured mean field: six more columns, the interval
    // widths and gaps 0 here.
    const fs::path bounds = write_free_spins(dir_, true, true);
    ASSERT_EQ(script("scripts/compare_table.py", quoted(bounds)), 0) << read_file(err_);
    const std::string wider = read_file(out_);
    EXPECT_NE(wider.find("lnZ_UB/N"), std::string::npos) << wider;
    EXPECT_NE(wider.find("lnZ_Bethe/N"), std::string::npos) << wider;
    const auto bound_rows = table_rows(wider);
    ASSERT_EQ(bound_rows.size(), 4u) << wider;
    for (const auto& row : bound_rows) {
        ASSERT_EQ(row.size(), 12u) << wider;
        EXPECT_EQ(row[6], row[2]) << "upper bound = exact for free spins: " << wider;
        EXPECT_EQ(row[7], "0") << wider;
        EXPECT_EQ(row[9], row[2]) << "structured bound = exact for free spins: " << wider;
        EXPECT_EQ(row[10], "0") << wider;
        EXPECT_EQ(row[11], "0") << wider;
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

TEST_F(ScriptsTest, ScriptsRejectBadFilesWithOneLine) {
    const fs::path text = dir_ / "notes.h5";
    std::ofstream(text) << "not hdf5\n";
    const fs::path other = kSourceDir / "tests" / "io" / "data" / "other_format.hdf5";
    for (const fs::path& bad : {text, dir_ / "absent.h5", other}) {
        for (const std::string& command :
             {"scripts/plot_sweep.py " + quoted(bad) + " -o " + quoted(dir_ / "x.png"),
              "scripts/compare_table.py " + quoted(bad)}) {
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

}  // namespace
}  // namespace isingmf
