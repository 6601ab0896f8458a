// A catalogue of bad inputs across options, input files and outputs, as a new user and a
// tester type them. Each must end with its exit status (2 for a usage error, 1 for a file or
// runtime error), exactly one line on stderr holding the expected words, nothing on stdout,
// and no file left behind: the working directory holds exactly the fixtures afterwards
// (hidden temporaries included), all of them unchanged.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "isingmf/io/results_file.hpp"
#include "support/cli_runner.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

struct BadInput {
    std::string name;
    std::string args;  // shell words after `isingmf`
    int status;
    std::string message;  // a piece of the one-line error
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

// A small valid results file (three free spins in a field) for the fixtures.
void write_small_results(const fs::path& path) {
    RunRecord record;
    record.program_version = "test";
    record.command_line = "catalogue";
    record.created = "2024-01-01T00:00:00Z";
    record.model = {{"lattice", "free"}};
    record.num_sites = 3;
    SweepResult sweep;
    for (const double beta : {0.5, 1.0}) {
        SweepPoint point;
        point.beta = beta;
        point.T = 1.0 / beta;
        point.mean_field.emplace().m.assign(3, 0.1);
        sweep.points.push_back(point);
    }
    write_results(path, record, sweep, false);
}

// The fixtures every case starts from: name -> contents ("" for a directory, FIFO or link).
std::map<std::string, std::string> make_fixtures(const fs::path& dir) {
    test::write_file(dir / "bad.txt", "N 4\n0 1 1.0\n2 two 1.0\n");
    test::write_file(dir / "ok.txt", "N 3\n0 1 1\n1 2 -0.5\n");
    test::write_file(dir / "clusters.txt", "0 1 2\n");  // one cluster of ok.txt's sites
    test::write_file(dir / "binary.bin", std::string("\x7f"
                                                     "ELF\x02\x01\x01\0\0\0",
                                                     10));
    test::write_file(dir / "huge_n.txt", "N 1073741825\n");
    test::write_file(dir / "bad.uai", "MARKOV\n2\n2 2\n2\n2 0 1\n4\n1 1 1 1\n");
    test::write_file(dir / "text.h5", "not hdf5 at all\n");
    write_small_results(dir / "results.h5");
    test::write_file(dir / "trunc.h5", test::read_file(dir / "results.h5").substr(0, 1000));
    fs::copy_file(fs::path(ISINGMF_SOURCE_DIR) / "tests/io/data/other_format.hdf5",
                  dir / "other.hdf5");
    fs::create_directory(dir / "sub");
    fs::create_symlink("results.h5", dir / "link.h5");
    ::mkfifo((dir / "fifo").c_str(), 0600);
    std::map<std::string, std::string> contents;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const bool plain = entry.is_regular_file() && !entry.is_symlink();
        contents[entry.path().filename().string()] = plain ? test::read_file(entry.path()) : "";
    }
    return contents;
}

class BadInputCatalogue : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputCatalogue, ExitStatusOneLineAndNoFileLeft) {
    const test::TempDir dir("isingmf_catalogue");
    const auto fixtures = make_fixtures(dir.path());
    const BadInput& c = GetParam();
    const auto run = test::run_cli(c.args, dir);
    EXPECT_EQ(run.status, c.status) << run.err;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_EQ(run.err.rfind("isingmf: error: ", 0), 0u) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_LT(run.err.size(), 400u) << "echoed tokens are capped";
    EXPECT_EQ(run.out, "");
    std::map<std::string, std::string> after;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        const bool plain = entry.is_regular_file() && !entry.is_symlink();
        after[entry.path().filename().string()] = plain ? test::read_file(entry.path()) : "";
    }
    EXPECT_EQ(after, fixtures) << "a file was left, removed or changed";
    EXPECT_TRUE(fs::is_symlink(dir.path() / "link.h5"));
    EXPECT_TRUE(fs::is_fifo(dir.path() / "fifo"));
}

const std::string kLongToken(10000, 'x');
// 6004 characters of path, past PATH_MAX: every message naming it shows it shortened.
std::string deep_path() {
    std::string path;
    for (int k = 0; k < 3000; ++k) path += "a/";
    return path + "x.h5";
}

INSTANTIATE_TEST_SUITE_P(
    Options, BadInputCatalogue,
    ::testing::Values(
        BadInput{"no_command", "", 2, "no command given"},
        BadInput{"unknown_command", "swep", 2, "unknown command 'swep'"},
        BadInput{"version_with_argument", "--version sweep", 2,
                 "--version takes no arguments (found 'sweep')"},
        BadInput{"help_with_two_commands", "help sweep info", 2,
                 "help takes at most a command (found 'info')"},
        BadInput{"help_of_unknown_command", "--help swep", 2, "unknown command 'swep'"},
        BadInput{"out_path_6k", "sweep --size 4x4 --T 1 --out " + deep_path(), 1,
                 "/a/x.h5': File name too long"},
        BadInput{"lattice_file_path_6k", "sweep --lattice-file " + deep_path(), 1,
                 "/a/x.h5': File name too long"},
        BadInput{"info_path_6k", "info " + deep_path(), 1, "/a/x.h5': File name too long"},
        BadInput{"unknown_command_10k", kLongToken, 2,
                 "unknown command '" + std::string(60, 'x') + "...'"},
        BadInput{"unknown_option", "sweep --temperature 1", 2, "unrecognised option"},
        BadInput{"unknown_option_10k", "sweep --" + kLongToken, 2,
                 "unrecognised option '--" + std::string(58, 'x') + "...'"},
        // Names are written out: Boost would take --f for --force and --thr for --threads.
        BadInput{"abbreviated_option", "sweep --thr 2", 2, "unrecognised option '--thr'"},
        BadInput{"abbreviated_force", "sweep --out results.h5 --f", 2, "unrecognised option '--f'"},
        BadInput{"missing_value", "sweep --T", 2, "the required argument for option '--T'"},
        BadInput{"option_instead_of_value", "sweep --size --T 1", 2,
                 "option '--size' needs a value, but is followed by the option '--T'"},
        BadInput{"stray_argument", "sweep 1", 2, "unexpected argument '1'"},
        BadInput{"info_two_files", "info results.h5 other.hdf5", 2,
                 "unexpected argument 'other.hdf5'"},
        BadInput{"info_without_file", "info", 2, "needs a results file"},
        BadInput{"unknown_lattice", "sweep --lattice kagome", 2, "unknown lattice 'kagome'"},
        BadInput{"lattice_control_bytes", "sweep --lattice \"$(printf 'a\\001b\\033[0m')\"", 2,
                 "unknown lattice 'a\\x01b\\x1b[0m'"},
        BadInput{"lattice_10k", "sweep --lattice " + kLongToken, 2,
                 "unknown lattice '" + std::string(60, 'x') + "...'"},
        BadInput{"unknown_boundary", "sweep --boundary twisted", 2, "unknown boundary"},
        BadInput{"unknown_disorder", "sweep --disorder random", 2, "unknown disorder"},
        BadInput{"bad_size", "sweep --size 4x", 2, "bad size '4x'"},
        BadInput{"size_zero", "sweep --size 0x4", 2, "bad size '0x4'"},
        BadInput{"size_dimension", "sweep --lattice cubic --size 4x4", 2, "takes 3 extent"},
        BadInput{"periodic_extent_1", "sweep --size 1x4", 2, "use open boundaries"},
        BadInput{"too_many_sites", "sweep --lattice cubic --size 2000x2000x2000", 2,
                 "more than 2^30 sites"},
        BadInput{"complete_too_large", "sweep --lattice complete --size 20000", 2,
                 "complete graph of 20000 sites is too large"},
        BadInput{"sk_not_complete", "sweep --disorder sk", 2,
                 "--disorder sk needs --lattice complete"},
        BadInput{"J0_without_sk", "sweep --J0 1", 2, "--J0 is only used with --disorder sk"},
        BadInput{"boundary_of_complete", "sweep --lattice complete --size 8 --boundary open", 2,
                 "--boundary has no meaning for a complete graph"},
        BadInput{"J_infinite", "sweep --J inf", 2, "--J must be finite"},
        BadInput{"h_nan", "sweep --h nan", 2, "--h must be finite"},
        // Boost said "too many positional options have been specified on the command line".
        BadInput{"option_after_double_dash", "sweep -- --T 1", 2,
                 "unexpected argument '--T' (after '--' no options are read)"},
        // Was recorded in /parameters@omega and ignored.
        BadInput{"omega_with_sequential", "sweep --mf-method sequential --omega 1.5", 2,
                 "--omega needs --mf-method over_relaxed (sequential sweeps do not use it)"},
        // Below the smallest double: Boost read these as 0 without a word.
        BadInput{"J_underflowing", "sweep --J 1e-400", 2,
                 "--J '1e-400' is nonzero but below the smallest double (4.9e-324); it would be "
                 "read as 0"},
        BadInput{"omega_underflowing", "sweep --omega=-2e-999", 2,
                 "--omega '-2e-999' is nonzero but below the smallest double"},
        BadInput{"J_word", "sweep --J strong", 2, "the argument ('strong') for option '--J'"},
        BadInput{"random_field_negative", "sweep --random-field -1", 2,
                 "--random-field must be >= 0"},
        BadInput{"T_negative", "sweep --T -1,2", 2, "temperature must be > 0"},
        BadInput{"T_zero", "sweep --T 0:2:0.5", 2, "temperature must be > 0"},
        BadInput{"grid_two_parts", "sweep --T 1:2", 2, "bad grid '1:2'"},
        BadInput{"grid_step_zero", "sweep --T 1:2:0", 2, "needs a step > 0"},
        BadInput{"grid_backwards", "sweep --T 2:1:0.1", 2, "has stop below start"},
        BadInput{"grid_too_long", "sweep --T 1:1e7:1", 2, "more than a million points"},
        BadInput{"grid_word", "sweep --T 1,two", 2, "bad number 'two' in grid '1,two'"},
        BadInput{"T_and_beta", "sweep --T 1 --beta 1", 2, "give --T or --beta, not both"},
        BadInput{"beta_negative", "sweep --beta -1", 2, "beta[0] must be finite and >= 0"},
        BadInput{"beta_infinite", "sweep --beta inf", 2, "bad number 'inf'"},
        BadInput{"T_underflows_beta", "sweep --T 1e-320", 2, "too small"},
        BadInput{"unknown_exact", "sweep --exact magic", 2, "unknown exact method 'magic'"},
        BadInput{"threads_absurd", "sweep --threads 100000", 2, "--threads must be between 0"},
        BadInput{"threads_negative", "sweep --threads -1", 2, "--threads must be between 0"},
        BadInput{"restarts_negative", "sweep --restarts -1", 2,
                 "--restarts must be between 0 and 10000"},
        BadInput{"restarts_billion", "sweep --restarts 1000000000", 2,
                 "--restarts must be between 0 and 10000"},
        BadInput{"restarts_overflow", "sweep --restarts 99999999999", 2,
                 "--restarts '99999999999' is too large to be read"},
        BadInput{"tol_zero", "sweep --tol 0", 2, "--tol must be a finite number > 0"},
        BadInput{"tol_nan", "sweep --tol nan", 2, "--tol must be a finite number > 0"},
        BadInput{"ub_tol_inf", "sweep --ub-tol inf", 2, "--ub-tol must be a finite number > 0"},
        BadInput{"max_iter_zero", "sweep --max-iter 0", 2, "--max-iter must be >= 1"},
        // Above int: Boost called these only "invalid", as it does a typo.
        BadInput{"max_iter_above_int", "sweep --max-iter 2147483648", 2,
                 "--max-iter '2147483648' is too large to be read (no whole-number option takes "
                 "more than 2147483647)"},
        BadInput{"threads_far_above_int", "ensemble --threads=99999999999999999999999", 2,
                 "--threads '99999999999999999999999' is too large to be read"},
        BadInput{"max_iter_below_int", "sweep --max-iter -2147483649", 2,
                 "--max-iter '-2147483649' is too small to be read (no whole-number option "
                 "takes less than -2147483648)"},
        BadInput{"threads_far_below_int", "sweep --threads=-99999999999999999999", 2,
                 "--threads '-99999999999999999999' is too small to be read"},
        BadInput{"unknown_mf_method", "sweep --mf-method newton", 2, "newton"},
        BadInput{"omega_too_large", "sweep --omega 2.5", 2,
                 "--omega must be 0 (adaptive) or in [1, 2)"},
        BadInput{"unknown_start", "sweep --starts up,sideways", 2, "unknown start 'sideways'"},
        BadInput{"no_start", "sweep --starts ''", 2, "--starts names no start"},
        BadInput{"random_start_none", "sweep --starts random --restarts 0", 2,
                 "--starts names only random starts, and there are 0 of them (restarts = 0)"},
        BadInput{"restarts_without_random", "sweep --starts up --restarts 5", 2,
                 "--restarts needs 'random' in --starts"},
        BadInput{"unknown_store_m", "sweep --store-m maybe", 2,
                 "--store-m must be yes, no or auto"},
        BadInput{"file_and_uai", "sweep --lattice-file ok.txt --uai bad.uai", 2,
                 "--lattice-file and --uai exclude each other"},
        BadInput{"file_with_J", "sweep --lattice-file ok.txt --J -1", 2,
                 "--J has no meaning with --lattice-file"},
        BadInput{"unknown_bound", "sweep --bounds mf,lower", 2, "unknown bound 'lower'"},
        BadInput{"repeated_bound", "sweep --bounds upper,upper", 2, "listed twice"},
        BadInput{"empty_bounds", "sweep --bounds ''", 2, "unknown bound ''"},
        BadInput{"negative_ub_width", "sweep --ub-width -1", 2, "--ub-width"},
        BadInput{"bad_ub_tol", "sweep --ub-tol 0", 2, "--ub-tol"},
        BadInput{"bad_bp_damping", "sweep --bounds bethe --bp-damping 1", 2, "--bp-damping"},
        BadInput{"bad_bp_schedule", "sweep --bp-schedule random", 2, "unknown BP schedule"},
        // A bound's setting without that bound would be silently ignored.
        BadInput{"ub_width_without_upper", "sweep --bounds mf --ub-width 2", 2,
                 "--ub-width needs upper in --bounds"},
        BadInput{"ub_tol_without_upper", "sweep --bounds mf,bethe --ub-tol 1e-9", 2,
                 "--ub-tol needs upper in --bounds"},
        BadInput{"bp_schedule_without_bethe", "sweep --bp-schedule parallel", 2,
                 "--bp-schedule needs bethe in --bounds"},
        BadInput{"bp_damping_without_bethe", "ensemble --samples 2 --bp-damping 0.2", 2,
                 "--bp-damping needs bethe in --bounds"},
        BadInput{"m_without_mf", "sweep --bounds upper --store-m yes", 2, "needs mf"},
        BadInput{"negative_cluster_width", "sweep --bounds structured --cluster-width -1", 2,
                 "--cluster-width must be >= 0"},
        BadInput{"cluster_width_without_structured", "sweep --cluster-width 2", 2,
                 "--cluster-width needs structured in --bounds"},
        BadInput{"clusters_without_structured", "sweep --clusters ok.txt", 2,
                 "--clusters needs structured in --bounds"},
        BadInput{"width_and_clusters",
                 "sweep --bounds structured --cluster-width 2 --clusters ok.txt", 2, "not both"},
        BadInput{"ensemble_samples_zero", "ensemble --samples 0", 2,
                 "--samples must be between 1 and"},
        BadInput{"ensemble_samples_huge", "ensemble --samples 99999999999", 2,
                 "--samples must be between 1 and"},
        // Boost alone would read a negative unsigned value as 2^64 minus it.
        BadInput{"seed_negative", "sweep --seed -1", 2, "--seed '-1' is negative"},
        BadInput{"seed_beyond_64_bits", "sweep --seed 18446744073709551616", 2,
                 "--seed '18446744073709551616' is too large to be read (beyond 2^64 - 1)"},
        BadInput{"seed_hexadecimal", "sweep --seed 0x10", 2, "for option '--seed' is invalid"},
        BadInput{"ensemble_samples_negative", "ensemble --samples -3", 2,
                 "--samples '-3' is negative"},
        BadInput{"ensemble_seed_overflow", "ensemble --seed 18446744073709551615 --samples 2", 2,
                 "pass 2^64 - 1; the largest base seed for 2 samples is 18446744073709551614"},
        BadInput{"ensemble_lattice_file", "ensemble --lattice-file ok.txt", 2,
                 "--lattice-file cannot be used by ensemble"},
        BadInput{"ensemble_store_m", "ensemble --store-m yes", 2,
                 "ensemble files do not store per-site m"},
        BadInput{"export_without_target", "export --size 3x3", 2, "give exactly one of"},
        BadInput{"export_two_targets", "export --uai a.uai --edges b.txt", 2,
                 "give exactly one of"},
        BadInput{"export_beta_inf", "export --uai a.uai --beta inf", 2,
                 "--beta must be finite and > 0 for an export (the tables hold exp(-beta H)), got "
                 "inf"},
        BadInput{"export_beta_zero", "export --uai a.uai --beta 0", 2,
                 "--beta must be finite and > 0"},
        BadInput{"export_beta_with_edges", "export --edges b.txt --beta 2", 2,
                 "--beta only applies to --uai"}),
    [](const auto& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    InputFiles, BadInputCatalogue,
    ::testing::Values(
        BadInput{"malformed_lattice_file", "sweep --lattice-file bad.txt", 1,
                 "bad.txt:3: site 'two' is not an integer"},
        BadInput{"missing_lattice_file", "sweep --lattice-file nope.txt", 1,
                 "cannot read 'nope.txt': No such file or directory"},
        BadInput{"lattice_file_directory", "sweep --lattice-file sub", 1,
                 "cannot read 'sub': it is a directory"},
        BadInput{"lattice_file_dev_zero", "sweep --lattice-file /dev/zero", 1,
                 "/dev/zero:1: not a text file (byte 0x00 at column 1)"},
        // Its first control byte may follow a random line feed: the line number varies.
        BadInput{"lattice_file_dev_urandom", "sweep --lattice-file /dev/urandom", 1,
                 ": not a text file (byte 0x"},
        BadInput{"lattice_file_binary", "sweep --lattice-file binary.bin", 1,
                 "binary.bin:1: not a text file (byte 0x7f at column 1)"},
        BadInput{"lattice_file_hdf5", "sweep --lattice-file results.h5", 1,
                 "results.h5:2: not a text file (byte 0x1a at column 1)"},
        BadInput{"lattice_file_N_beyond_cap", "sweep --lattice-file huge_n.txt", 1,
                 "huge_n.txt:1: number of sites 1073741825 is too large"},
        BadInput{"uai_dev_zero", "sweep --uai /dev/zero", 1,
                 "/dev/zero: line 1: not a text file (byte 0x00 at column 1)"},
        BadInput{"uai_edge_list", "sweep --uai ok.txt", 1, "'N' models are not supported"},
        BadInput{"uai_factor_count", "sweep --uai bad.uai", 1,
                 "bad.uai: line 6: factor 1 has 4 variables, but only factors of at most 2 "
                 "variables are supported; or the header's 2 factors are more than the scopes "
                 "listed"},
        BadInput{"malformed_cluster_file", "sweep --bounds structured --clusters bad.txt", 1,
                 "bad.txt:1"},
        BadInput{"missing_cluster_file", "sweep --bounds structured --clusters nope.txt", 1,
                 "cannot read 'nope.txt'"},
        BadInput{"clusters_too_wide",
                 "sweep --size 30x30 --boundary open --bounds structured --cluster-width 30 "
                 "--out new.h5",
                 1, "structured mean field on clusters of width 30: piece of 900 sites"},
        // An explicit width is the user's: refused before any solving (an automatic one that
        // cannot run is skipped with a note).
        BadInput{"ub_width_too_wide",
                 "sweep --size 64x64 --ub-width 30 --bounds mf,upper --exact none --out new.h5", 1,
                 "upper bound on strips of width 30: piece of 1920 sites"},
        BadInput{"uai_missing", "sweep --uai nope.uai", 1, "cannot read 'nope.uai'"},
        BadInput{"ensemble_output_exists", "ensemble --samples 2 --out results.h5", 1,
                 "'results.h5' exists; use --force"},
        BadInput{"ensemble_resume_of_sweep_file", "ensemble --samples 2 --out results.h5 --resume",
                 1, "nothing to resume: no checkpoint"},
        BadInput{"ensemble_resume_nothing", "ensemble --samples 2 --out new.h5 --resume", 1,
                 "nothing to resume: no checkpoint"},
        BadInput{"info_missing", "info nothing.h5", 1,
                 "cannot read 'nothing.h5': No such file or directory"},
        BadInput{"info_directory", "info sub", 1, "cannot read 'sub': it is a directory"},
        BadInput{"info_tmp", "info /tmp", 1, "cannot read '/tmp': it is a directory"},
        BadInput{"info_dev_zero", "info /dev/zero", 1,
                 "cannot read '/dev/zero': it is not a regular file"},
        BadInput{"info_fifo", "info fifo", 1, "cannot read 'fifo': it is not a regular file"},
        BadInput{"info_text", "info text.h5", 1, "'text.h5' is not an HDF5 file"},
        BadInput{"info_truncated", "info trunc.h5", 1,
                 "trunc.h5: damaged or unreadable HDF5 file (file has been truncated)"},
        BadInput{"info_other_hdf5", "info other.hdf5", 1, "is not an isingmf results file"},
        BadInput{"enumeration_too_large", "sweep --size 8x8 --exact enumerate --out new.h5", 1,
                 "enumeration of N=64 spins"},
        BadInput{"kaufman_does_not_apply",
                 "sweep --lattice chain --size 8 --exact kaufman --out new.h5", 1,
                 "Kaufman's closed form needs"},
        // The one torus of the general condition that Kaufman's form refuses is named as such.
        BadInput{"kaufman_odd_antiferromagnet",
                 "sweep --size 3x5 --J -1 --exact kaufman --out new.h5", 1,
                 "Kaufman's closed form needs even extents where J < 0: the 3x5 antiferromagnetic "
                 "torus is frustrated (planar or eliminate compute it)"},
        BadInput{"planar_needs_zero_field", "sweep --size 8x8 --h 0.1 --exact planar --out new.h5",
                 1, "zero fields"},
        BadInput{"planar_not_planar",
                 "sweep --lattice cubic --size 3x3x3 --exact planar --out new.h5", 1, "not planar"},
        // The ensemble fails at its first sample: its checkpoint, then empty, must go too.
        BadInput{"ensemble_enumeration_too_large",
                 "ensemble --samples 3 --T 1,2 --size 8x8 --exact enumerate --out new.h5", 1,
                 "enumeration of N=64 spins"},
        BadInput{"ensemble_planar_needs_zero_field",
                 "ensemble --samples 2 --size 8x8 --h 0.1 --exact planar --out new.h5", 1,
                 "zero fields"}),
    [](const auto& p) { return p.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Outputs, BadInputCatalogue,
    ::testing::Values(
        BadInput{"results_exist", "sweep --out results.h5", 1,
                 "'results.h5' exists; use --force to overwrite it"},
        BadInput{"out_directory", "sweep --out sub --force", 1,
                 "cannot write 'sub': it is a directory"},
        BadInput{"out_trailing_slash", "sweep --out sub/", 1,
                 "cannot write 'sub/': it names a directory, not a file"},
        BadInput{"out_symlink", "sweep --out link.h5 --force", 1,
                 "cannot write 'link.h5': it is a symbolic link"},
        BadInput{"out_dev_null", "sweep --out /dev/null --force", 1,
                 "cannot write '/dev/null': it is not a regular file but a character device"},
        BadInput{"out_fifo", "sweep --out fifo --force", 1,
                 "cannot write 'fifo': it is not a regular file but a FIFO"},
        BadInput{"out_missing_directory", "sweep --out no/such/dir/r.h5", 1,
                 "directory 'no/such/dir' does not exist"},
        BadInput{"out_parent_is_a_file", "sweep --out ok.txt/r.h5", 1,
                 "cannot write 'ok.txt/r.h5': Not a directory"},
        BadInput{"out_empty", "sweep --out ''", 1, "cannot write '': no file name given"},
        BadInput{"out_in_proc", "sweep --out /proc/r.h5", 1, "cannot write '/proc/r.h5': "},
        BadInput{"out_name_with_newline", "sweep --out \"$(printf 'a\\nb/r.h5')\"", 1,
                 "cannot write 'a\\nb/r.h5': directory 'a\\nb' does not exist"},
        BadInput{"export_exists", "export --edges ok.txt", 1,
                 "'ok.txt' exists; use --force to overwrite it"},
        BadInput{"export_to_directory", "export --uai sub --force", 1,
                 "cannot write 'sub': it is a directory"},
        BadInput{"export_to_dev_null", "export --edges /dev/null --force", 1,
                 "cannot write '/dev/null': it is not a regular file but a character device"},
        BadInput{"export_to_symlink", "export --uai link.h5 --force", 1,
                 "cannot write 'link.h5': it is a symbolic link"},
        BadInput{"export_missing_directory", "export --uai no/m.uai", 1,
                 "directory 'no' does not exist"},
        // An output that is an input would destroy it; --force does not make that right.
        BadInput{"out_is_the_lattice_file", "sweep --lattice-file ok.txt --out ok.txt --force", 2,
                 "the output 'ok.txt' is the input file of --lattice-file"},
        BadInput{"out_is_the_lattice_file_by_another_path",
                 "sweep --lattice-file ok.txt --out sub/../ok.txt --force", 2,
                 "the output 'sub/../ok.txt' is the input file of --lattice-file"},
        BadInput{"out_is_the_cluster_file",
                 "sweep --lattice-file ok.txt --bounds structured --clusters clusters.txt --out "
                 "clusters.txt --force",
                 2, "is the input file of --clusters"},
        BadInput{"export_over_its_input", "export --lattice-file ok.txt --edges ok.txt --force", 2,
                 "the output 'ok.txt' is the input file of --lattice-file"}),
    [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace isingmf
