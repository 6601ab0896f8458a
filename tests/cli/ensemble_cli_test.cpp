// `isingmf ensemble` as a user runs it, checked by an independent reader
// (tests/scripts/check_ensemble.py: h5py + numpy): sample k equals `isingmf sweep --seed S+k`,
// 1 and 2 threads and mpirun -n 1/2/3 give the same data, the averages are numpy's, and a
// run killed with SIGKILL then resumed gives the data of an uninterrupted run.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "isingmf/util/append_log.hpp"
#include "isingmf/util/error.hpp"
#include "support/cli_runner.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

const std::string kGrid = "--size 4x4 --disorder pm --T 0.8,1.5,3 --samples 6";
const std::string kModel = kGrid + " --bounds mf,upper --seed 3";

class EnsembleCli : public ::testing::Test {
protected:
    void SetUp() override {
        if (std::system("/usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null") != 0)
            GTEST_SKIP() << "/usr/bin/python3 with h5py and numpy is not available";
    }

    // Runs check_ensemble.py; "" when the check holds, else what it printed.
    std::string check(const std::string& arguments) {
        const std::string command = "cd '" + dir_.path().string() + "' && /usr/bin/python3 '" +
                                    ISINGMF_SOURCE_DIR "/tests/scripts/check_ensemble.py' " +
                                    arguments + " 2>&1";
        std::string output;
        FILE* pipe = popen(command.c_str(), "r");
        char buffer[512];
        while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr)
            output += buffer;
        const int status = pipe != nullptr ? pclose(pipe) : -1;
        if (status != 0 && output.empty()) output = "check_ensemble.py failed";
        return status == 0 ? "" : output;
    }

    test::CliRun run(const std::string& args) { return test::run_cli(args, dir_); }

    // Starts `isingmf <args>` (a shell command line: redirections allowed) in the test's
    // directory, without waiting; the child's pid. SIGINT is reset to its default first: a
    // runner started with it ignored (`&` in a script) would pass that on, and the tool
    // rightly keeps an ignored SIGINT ignored.
    pid_t start(const std::string& args) const {
        const pid_t child = fork();
        if (child == 0) {
            if (chdir(dir_.path().c_str()) != 0) _exit(127);
            std::signal(SIGINT, SIG_DFL);
            const std::string command = "exec '" ISINGMF_CLI_PATH "' " + args;
            execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        return child;
    }

    // Polls every millisecond until done() holds or the child `pid` has ended (not reaped),
    // for at most 120 s.
    template <class Done>
    static void wait_until(pid_t pid, Done done) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            siginfo_t info{};
            if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid == pid)
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    const test::TempDir dir_{"isingmf_ensemble_cli"};
};

TEST_F(EnsembleCli, SampleKIsTheSweepWithItsSeed) {
    ASSERT_EQ(run("ensemble " + kModel + " --out e.h5").status, 0);
    // Seeds 3 .. 8; compare every per-temperature dataset of /mean_field, /upper_bound,
    // /exact and /comparison, bit for bit, for three samples.
    for (const int k : {0, 2, 5}) {
        const std::string sweep = "s" + std::to_string(k) + ".h5";
        ASSERT_EQ(run("sweep --size 4x4 --disorder pm --T 0.8,1.5,3 --bounds mf,upper --quiet "
                      "--seed " +
                      std::to_string(3 + k) + " --out " + sweep)
                      .status,
                  0);
        EXPECT_EQ(check("sample e.h5 " + sweep + " " + std::to_string(k)), "") << k;
    }
    // The checker can fail: sample 1 is not the sweep of seed 3.
    EXPECT_NE(check("sample e.h5 s0.h5 1"), "");
    EXPECT_FALSE(fs::exists(dir_.path() / ".e.h5.ensemble-checkpoint"))
        << "the checkpoint is removed once the file is written";
}

TEST_F(EnsembleCli, OneAndTwoThreadsGiveTheSameData) {
    ASSERT_EQ(run("ensemble " + kModel + " --threads 1 --out one.h5").status, 0);
    ASSERT_EQ(run("ensemble " + kModel + " --threads 2 --out two.h5").status, 0);
    EXPECT_EQ(check("same one.h5 two.h5"), "");
    ASSERT_EQ(run("ensemble " + kGrid + " --bounds mf,upper --seed 4 --out other.h5").status, 0);
    EXPECT_NE(check("same one.h5 other.h5"), "") << "the comparison can fail";
}

TEST_F(EnsembleCli, AveragesAreNumpysMeanAndStandardError) {
    ASSERT_EQ(
        run("ensemble " + kGrid + " --seed 3 --bounds mf,upper,structured,bethe --out e.h5").status,
        0);
    EXPECT_EQ(check("averages e.h5"), "");
}

TEST_F(EnsembleCli, InfoSummarisesAnEnsemble) {
    ASSERT_EQ(run("ensemble " + kModel + " --out e.h5").status, 0);
    const test::CliRun info = run("info e.h5");
    ASSERT_EQ(info.status, 0) << info.err;
    EXPECT_NE(info.out.find("(ensemble)"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("samples: 6 (seeds 3 to 8)"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("mean_field/ln_z"), std::string::npos) << info.out;
}

// info counts the runs (a sample at a temperature) each method converged in, as the file's
// /<group>/converged holds them; one sweep of mean field (--max-iter 1) leaves some out.
TEST_F(EnsembleCli, InfoCountsTheConvergedRuns) {
    for (const std::string& extra : {std::string(), std::string(" --max-iter 1")}) {
        SCOPED_TRACE(extra);
        ASSERT_EQ(run("ensemble " + kModel + extra + " --out e.h5 --force").status, 0);
        const test::CliRun info = run("info e.h5");
        ASSERT_EQ(info.status, 0) << info.err;
        std::ofstream(dir_.path() / "info.txt") << info.out;
        EXPECT_EQ(check("converged e.h5 info.txt"), "");
        EXPECT_EQ(info.out.find("mean_field 18 of 18") != std::string::npos, extra.empty())
            << info.out;
    }
    // The checker can fail: a count the file does not hold.
    std::ofstream(dir_.path() / "info.txt")
        << "converged (runs): mean_field 18 of 18, upper_bound 18 of 18\n";
    EXPECT_NE(check("converged e.h5 info.txt"), "");
}

// scripts/plot_ensemble.py: [ln Z]/N with error bars and the average gaps; a sweep file is
// refused (the image format check is plot_sweep.py's, tested in scripts_test).
TEST_F(EnsembleCli, PlotScriptDrawsTheAverages) {
    if (std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") != 0)
        GTEST_SKIP() << "no matplotlib";
    ASSERT_EQ(run("ensemble " + kModel + " --out e.h5").status, 0);
    ASSERT_EQ(run("sweep --size 4x4 --T 1 --quiet --out s.h5").status, 0);
    const auto plot = [&](const std::string& arguments) {
        const std::string command = "cd '" + dir_.path().string() + "' && /usr/bin/python3 '" +
                                    ISINGMF_SOURCE_DIR "/scripts/plot_ensemble.py' " + arguments +
                                    " >/dev/null 2>plot.err";
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    const auto plot_err = [&] {
        std::ifstream in(dir_.path() / "plot.err");
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    EXPECT_EQ(plot("e.h5 -o e.png"), 0);
    EXPECT_GT(fs::file_size(dir_.path() / "e.png"), 1000u);
    EXPECT_EQ(plot_err(), "") << "every sample converged: no warning";
    // Every average of the file is drawn with its values, legends clear of the curves.
    EXPECT_EQ(check("plot e.h5"), "");
    EXPECT_EQ(plot("s.h5 -o s.png"), 1);
    // One sweep of mean field: it does not converge everywhere; the plot says where.
    ASSERT_EQ(run("ensemble " + kModel + " --max-iter 1 --out short.h5").status, 0);
    EXPECT_EQ(plot("short.h5 -o short.png"), 0);
    const std::string warning = plot_err();
    EXPECT_EQ(warning.rfind("plot_ensemble.py: warning: not every sample converged: mean_field at "
                            "T = ",
                            0),
              0u)
        << warning;
    EXPECT_EQ(warning.find("upper_bound"), std::string::npos) << warning;
    EXPECT_EQ(std::count(warning.begin(), warning.end(), '\n'), 1) << warning;
    // The title names the model.
    const std::string title = "cd '" + dir_.path().string() +
                              "' && PYTHONPATH='" ISINGMF_SOURCE_DIR
                              "/scripts' /usr/bin/python3 -c 'import plot_ensemble; "
                              "print(plot_ensemble.figure(\"e.h5\")[0].axes[0].get_title())' "
                              ">title.txt 2>&1";
    ASSERT_EQ(std::system(title.c_str()), 0);
    std::ifstream in(dir_.path() / "title.txt");
    const std::string text(std::istreambuf_iterator<char>(in), {});
    EXPECT_NE(text.find("disorder=pm"), std::string::npos) << text;
    EXPECT_NE(text.find("6 samples"), std::string::npos) << text;
}

TEST_F(EnsembleCli, ExistingOutputAndLeftCheckpointRefused) {
    ASSERT_EQ(run("ensemble " + kModel + " --out e.h5").status, 0);
    const test::CliRun again = run("ensemble " + kModel + " --out e.h5");
    EXPECT_EQ(again.status, 1);
    EXPECT_NE(again.err.find("'e.h5' exists; use --force"), std::string::npos) << again.err;
    const test::CliRun finished = run("ensemble " + kModel + " --out e.h5 --resume");
    EXPECT_EQ(finished.status, 1);
    EXPECT_NE(finished.err.find("nothing to resume: 'e.h5' is a finished ensemble"),
              std::string::npos)
        << finished.err;
    EXPECT_EQ(run("ensemble " + kModel + " --out e.h5 --force").status, 0);
}

// The planar method leaves NaN where torus Pfaffians cancel (low T on a small torus), and the
// average over samples is NaN there: the ensemble says so, as the sweep does for its model.
// With seeds 1 .. 5 on a 3x3 +-J torus, T = 0.05 and 0.1 lose a sample's value, T = 1 none.
TEST_F(EnsembleCli, MissingPlanarValuesAreWarnedOf) {
    const std::string grid = "--size 3x3 --disorder pm --exact planar --bounds mf";
    const test::CliRun low = run("ensemble " + grid + " --T 0.05,0.1,1 --samples 5 --out e.h5");
    ASSERT_EQ(low.status, 0) << low.err;
    EXPECT_NE(low.err.find("warning: planar: some samples have no exact values at 2 "
                           "temperature(s), where the averages of /average/exact"),
              std::string::npos)
        << low.err;
    const test::CliRun sweep = run("sweep " + grid + " --T 0.05,0.1,1 --seed 2 --out s.h5");
    ASSERT_EQ(sweep.status, 0) << sweep.err;
    EXPECT_NE(sweep.err.find("warning: planar: no exact values at 2 temperature(s)"),
              std::string::npos)
        << sweep.err;
    const test::CliRun high = run("ensemble " + grid + " --T 1,2 --samples 5 --out f.h5");
    ASSERT_EQ(high.status, 0) << high.err;
    EXPECT_EQ(high.err.find("warning"), std::string::npos) << high.err;
}

// An output name the file system takes, but whose checkpoint name (21 bytes longer) it would
// not, is refused before the run with one line naming the limit; one byte shorter runs. (ext4,
// tmpfs and most file systems allow 255 bytes; elsewhere the limit the message names differs.)
TEST_F(EnsembleCli, OutputNameWithNoRoomForItsCheckpointRefused) {
    const long name_max = ::pathconf(dir_.path().c_str(), _PC_NAME_MAX);
    if (name_max != 255) GTEST_SKIP() << "file names here allow " << name_max << " bytes";
    const std::string longest(234 - 3, 'a');
    const test::CliRun refused = run("ensemble " + kGrid + " --out " + longest + "b.h5");
    EXPECT_EQ(refused.status, 2);
    EXPECT_NE(refused.err.find("too long for the checkpoint beside it"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("at most 234 bytes"), std::string::npos) << refused.err;
    EXPECT_LT(refused.err.size(), 300u) << "the name is capped in the message";
    EXPECT_TRUE(fs::is_empty(dir_.path())) << "nothing written";
    const test::CliRun fits = run("ensemble " + kGrid + " --out " + longest + ".h5 --quiet");
    EXPECT_EQ(fits.status, 0) << fits.err;
    EXPECT_TRUE(fs::exists(dir_.path() / (longest + ".h5")));
    // A path beyond PATH_MAX fails in the file system library (looking for the checkpoint):
    // one line with the path capped, not the library's message with 4 KB of path.
    std::string deep;
    for (int k = 0; k < 2100; ++k) deep += "x/";
    const test::CliRun too_deep = run("ensemble " + kGrid + " --resume --out " + deep + "e.h5");
    EXPECT_EQ(too_deep.status, 1);
    EXPECT_NE(too_deep.err.find("File name too long"), std::string::npos) << too_deep.err;
    EXPECT_LT(too_deep.err.size(), 200u) << too_deep.err;
}

// The number of finished samples in a checkpoint (0 while it does not exist yet).
std::size_t records_in(const fs::path& checkpoint) {
    try {
        return read_append_log(checkpoint).records.size();
    } catch (const Error&) {
        return 0;
    }
}

TEST_F(EnsembleCli, KilledRunResumedGivesTheUninterruptedData) {
    const std::string model =
        "--size 6x6 --disorder pm --T 0.5:3:0.5 --bounds mf --samples 40 --seed 9 --threads 1";
    ASSERT_EQ(run("ensemble " + model + " --out whole.h5").status, 0);

    const fs::path checkpoint = dir_.path() / ".part.h5.ensemble-checkpoint";
    // Starts `ensemble <model> --out part.h5 <tail>` and SIGKILLs it (a real kill: no handler
    // runs) once `records` samples are checkpointed; false when it finished first.
    const auto killed_after = [&](std::size_t records, const std::string& tail) {
        const pid_t child = start("ensemble " + model + " --out part.h5 " + tail);
        wait_until(child, [&] { return records_in(checkpoint) >= records; });
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        return WIFSIGNALED(status);
    };
    if (!killed_after(3, ">/dev/null 2>&1")) GTEST_SKIP() << "the run finished before the kill";
    ASSERT_FALSE(fs::exists(dir_.path() / "part.h5"));
    std::size_t done = records_in(checkpoint);
    ASSERT_GE(done, 3u);
    ASSERT_LT(done, 40u);

    // Other options are refused, naming the option; the checkpoint stays.
    const test::CliRun other = run("ensemble " + model + " --J 2 --out part.h5 --resume");
    EXPECT_EQ(other.status, 2);
    EXPECT_NE(other.err.find("other options: J was '1', now '2'"), std::string::npos) << other.err;
    // A fresh start over the checkpoint needs --force.
    const test::CliRun fresh = run("ensemble " + model + " --out part.h5");
    EXPECT_EQ(fresh.status, 1);
    EXPECT_NE(fresh.err.find("--resume"), std::string::npos) << fresh.err;

    // Resumed with stderr closed and killed again: the checkpoint opens on descriptor 2 unless
    // the tool keeps it taken, and "resuming: ..." then landed in it as a torn record that
    // the next resume dropped with every sample after it.
    if (killed_after(done + 3, "--resume >/dev/null 2>&-")) done = records_in(checkpoint);

    const test::CliRun resumed = run("ensemble " + model + " --out part.h5 --resume");
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_NE(resumed.err.find("resuming: " + std::to_string(done) + " of 40 samples done"),
              std::string::npos)
        << resumed.err;
    EXPECT_EQ(resumed.err.find("torn"), std::string::npos) << resumed.err;
    EXPECT_EQ(check("same whole.h5 part.h5"), "");
    EXPECT_FALSE(fs::exists(checkpoint));
}

// SIGINT before the first sample is checkpointed removes the checkpoint the run created (it
// would only block the next run); after it, the checkpoint stays for --resume.
TEST_F(EnsembleCli, InterruptedBeforeItsFirstSampleLeavesNoCheckpoint) {
    const fs::path checkpoint = dir_.path() / ".e.h5.ensemble-checkpoint";
    // Starts `ensemble <model> --out e.h5` and sends SIGINT once the checkpoint holds
    // `records` samples (0: once it exists); the signal that ended it, or 0 if it exited.
    const auto interrupted_at = [&](const std::string& model, std::size_t records) {
        const pid_t child = start("ensemble " + model + " --out e.h5 --threads 1 >/dev/null 2>&1");
        wait_until(child,
                   [&] { return fs::exists(checkpoint) && records_in(checkpoint) >= records; });
        kill(child, SIGINT);
        int status = 0;
        waitpid(child, &status, 0);
        return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    };
    // A 10x10 torus eliminated exactly: about 0.2 s per sample on one thread.
    const std::string slow = "--size 10x10 --disorder pm --T 1 --exact eliminate --bounds mf";
    if (interrupted_at(slow + " --samples 2", 0) != SIGINT)
        GTEST_SKIP() << "the run finished before the signal";
    ASSERT_FALSE(fs::exists(checkpoint));
    EXPECT_TRUE(fs::is_empty(dir_.path()));
    if (interrupted_at(slow + " --samples 30", 1) != SIGINT)
        GTEST_SKIP() << "the run finished before the signal";
    EXPECT_GE(records_in(checkpoint), 1u);
    EXPECT_FALSE(fs::exists(dir_.path() / "e.h5"));
}

// --help offers what an ensemble uses: not the model files it refuses (--lattice-file, --uai),
// nor --store-m (only "no" and "auto", which store nothing, are accepted) or --quiet (no table),
// which `sweep --help` offers and an ensemble still parses, so that they get their reasons.
TEST_F(EnsembleCli, HelpOffersOnlyWhatAnEnsembleUses) {
    const test::CliRun help = run("ensemble --help");
    ASSERT_EQ(help.status, 0) << help.err;
    const test::CliRun sweep = run("sweep --help");
    for (const std::string option : {"--lattice-file", "--uai", "--store-m", "--quiet"}) {
        EXPECT_EQ(help.out.find(option), std::string::npos) << option;
        EXPECT_NE(sweep.out.find(option), std::string::npos) << option;
    }
    for (const std::string option : {"--samples", "--resume", "--bounds", "--disorder", "--seed"})
        EXPECT_NE(help.out.find(option), std::string::npos) << option;
    EXPECT_EQ(run("ensemble --uai x.uai").err,
              "isingmf: error: --uai cannot be used by ensemble: its samples' disorder is drawn by "
              "the lattice generator (--lattice, --disorder, --random-field)\n");
}

// A run that ends early with samples in its checkpoint says where they are and how to finish:
// on SIGINT (it used to say nothing, and exit 130), and after the error of a failed write (a
// file-size limit standing in for a full disk).
TEST_F(EnsembleCli, EndedEarlyItSaysHowToResume) {
    const test::TempDir capture("isingmf_ensemble_err");
    const fs::path err = capture.path() / "stderr";
    const fs::path checkpoint = dir_.path() / ".e.h5.ensemble-checkpoint";
    const std::string note =
        "the finished samples are kept in '.e.h5.ensemble-checkpoint': run the same command "
        "with --resume to finish\n";
    const std::string model = "--size 10x10 --disorder pm --T 1 --exact eliminate --bounds mf";
    const pid_t child = start("ensemble " + model + " --samples 30 --out e.h5 --threads 1 2>'" +
                              err.string() + "'");
    wait_until(child, [&] { return fs::exists(checkpoint) && records_in(checkpoint) >= 1; });
    kill(child, SIGINT);
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFSIGNALED(status)) GTEST_SKIP() << "the run finished before the signal";
    EXPECT_EQ(test::read_file(err), "isingmf: interrupted; " + note);
    fs::remove(checkpoint);
    // About 6 KB a sample: a 40 KiB limit stops the checkpoint after a few of them.
    const test::CliRun full = test::run_cli_after(
        "ulimit -f 40;",
        "ensemble --size 8x8 --disorder pm --samples 50 --T 0.5:3:0.25 --threads 1 --out e.h5",
        dir_);
    EXPECT_EQ(full.status, 1);
    EXPECT_EQ(full.err,
              "isingmf: error: cannot write '.e.h5.ensemble-checkpoint': File too large; " + note);
    EXPECT_GE(records_in(checkpoint), 1u);
}

// Two signals back to back, as `timeout` sends them (to the process, then to its group): the
// second one came while the kernel had already restored the default action for the first
// (SA_RESETHAND) but not yet blocked it for the handler, and ended the run without the
// handler, leaving the empty checkpoint (in 6 to 8 of 10 runs under `timeout`; a test that
// sends the two signals itself hit that moment far less often).
TEST_F(EnsembleCli, TimeoutsTwoSignalsStillRemoveTheEmptyCheckpoint) {
    const fs::path checkpoint = dir_.path() / ".e.h5.ensemble-checkpoint";
    // About 2 s per sample on one thread: the signal at 0.3 s comes before the first.
    const std::string command = "cd '" + dir_.path().string() +
                                "' && timeout -s TERM 0.3 '" ISINGMF_CLI_PATH
                                "' ensemble --size 48x48 --disorder pm --T 0.5:3:0.1 "
                                "--exact none --samples 2 --threads 1 --out e.h5 >/dev/null 2>&1";
    for (int attempt = 0; attempt < 5; ++attempt) {
        const int status = std::system(command.c_str());
        ASSERT_TRUE(WIFEXITED(status));
        if (WEXITSTATUS(status) != 124) GTEST_SKIP() << "the run finished before the signal";
        ASSERT_FALSE(fs::exists(checkpoint)) << "attempt " << attempt;
        EXPECT_TRUE(fs::is_empty(dir_.path()));
    }
}

// The checkpoint of a run still going is refused with --resume and with --force, not only
// without them: its process holds the checkpoint's lock. Once that process is gone (SIGKILL),
// --resume finishes the run.
TEST_F(EnsembleCli, LiveRunsCheckpointIsLeftAlone) {
    const fs::path checkpoint = dir_.path() / ".e.h5.ensemble-checkpoint";
    // A 9x9 torus eliminated exactly: about 0.07 s per sample on one thread.
    const std::string model =
        "--size 9x9 --disorder pm --T 1 --exact eliminate --bounds mf --samples 20 --threads 1";
    const pid_t child = start("ensemble " + model + " --out e.h5 >/dev/null 2>&1");
    wait_until(child, [&] { return records_in(checkpoint) >= 1; });
    const std::string live = "is the checkpoint of a run of this output that is still going";
    for (const char* flag : {"--resume", "--force", ""}) {
        // A refusal takes milliseconds, against a second and more left to the first run.
        if (waitpid(child, nullptr, WNOHANG) == child)
            GTEST_SKIP() << "the first run finished before the test";
        const test::CliRun second = run("ensemble " + model + " --out e.h5 " + flag);
        EXPECT_EQ(second.status, 1) << flag;
        EXPECT_NE(second.err.find(live), std::string::npos) << flag << ": " << second.err;
    }
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    EXPECT_FALSE(fs::exists(dir_.path() / "e.h5"));
    const test::CliRun resumed = run("ensemble " + model + " --out e.h5 --resume");
    EXPECT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_TRUE(fs::exists(dir_.path() / "e.h5"));
    EXPECT_FALSE(fs::exists(checkpoint));
}

// A checkpoint whose header records a setting of a bound the run does not compute (as earlier
// versions wrote when --ub-tol was given without upper, which is refused now) resumes without
// that setting: such settings decide nothing. A setting of a computed bound still must match.
TEST_F(EnsembleCli, UnusedBoundSettingsOfAnOldCheckpointAreNotCompared) {
    const fs::path checkpoint = dir_.path() / ".e.h5.ensemble-checkpoint";
    const std::string model = "--size 4x4 --disorder pm --T 1,2 --bounds mf";
    // The header a run of these options writes, read from a run killed once it stands.
    const pid_t child = start("ensemble " + model + " --samples 3000 --out e.h5 >/dev/null 2>&1");
    wait_until(child, [&] { return fs::exists(checkpoint); });
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    ASSERT_TRUE(fs::exists(checkpoint));
    std::string header = read_append_log(checkpoint).header;
    const auto replace = [&](const std::string& from, const std::string& to) {
        const std::size_t at = header.find(from);
        ASSERT_NE(at, std::string::npos) << header;
        header.replace(at, from.size(), to);
    };
    replace("samples=3000", "samples=3");
    replace("ub_tolerance=1e-07", "ub_tolerance=1e-09");
    replace("bp_damping=0.5", "bp_damping=0.3");
    { const AppendLog log = AppendLog::create(checkpoint, header); }
    const test::CliRun resumed = run("ensemble " + model + " --samples 3 --out e.h5 --resume");
    EXPECT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_FALSE(fs::exists(checkpoint));
    // With upper computed, the tolerance decides the data and must match.
    replace("bounds=mf", "bounds=mf,upper");
    { const AppendLog log = AppendLog::create(dir_.path() / ".f.h5.ensemble-checkpoint", header); }
    const test::CliRun other =
        run("ensemble --size 4x4 --disorder pm --T 1,2 --samples 3 --bounds mf,upper "
            "--out f.h5 --resume");
    EXPECT_NE(other.status, 0);
    EXPECT_NE(other.err.find("ub_tolerance was '1e-09', now '1e-07'"), std::string::npos)
        << other.err;
}

// A FIFO in the checkpoint's place is refused at once, with or without --force or --resume,
// not opened and waited on for a writer (the runs are cut off after 20 s).
TEST_F(EnsembleCli, FifoInTheCheckpointsPlaceIsRefusedNotWaitedOn) {
    const fs::path checkpoint = dir_.path() / ".e.h5.ensemble-checkpoint";
    ASSERT_EQ(::mkfifo(checkpoint.c_str(), 0600), 0);
    for (const auto& [flag, message] :
         {std::pair{"", "is in the way of this run's checkpoint and cannot be read as one"},
          // Not "or start afresh with --force": --force does not replace a FIFO.
          std::pair{"", "it is not a regular file); remove it\n"},
          std::pair{"--resume", "it is not a regular file"},
          std::pair{"--force", "it is not a regular file but a FIFO"}}) {
        const test::CliRun refused =
            test::run_cli_after("timeout 20", "ensemble " + kModel + " --out e.h5 " + flag, dir_);
        EXPECT_EQ(refused.status, 1) << flag << ": " << refused.err;
        EXPECT_NE(refused.err.find(message), std::string::npos) << flag << ": " << refused.err;
    }
    EXPECT_TRUE(fs::is_fifo(checkpoint));
    EXPECT_FALSE(fs::exists(dir_.path() / "e.h5"));
}

TEST_F(EnsembleCli, ResumeOfAnotherModelsCheckpointRefused) {
    // A checkpoint left by a run of another lattice size, under the name this run would use.
    {
        const AppendLog log =
            AppendLog::create(dir_.path() / ".e.h5.ensemble-checkpoint",
                              "isingmf-ensemble-checkpoint 1\nlattice=square\nsize=8x8\n");
    }
    const test::CliRun resumed = run("ensemble " + kModel + " --out e.h5 --resume");
    EXPECT_EQ(resumed.status, 2);
    EXPECT_NE(resumed.err.find("other options: size was '8x8', now '4x4'"), std::string::npos)
        << resumed.err;
    // And a side file that is no checkpoint at all.
    test::write_file(dir_.path() / ".f.h5.ensemble-checkpoint", "junk");
    const test::CliRun junk = run("ensemble " + kModel + " --out f.h5 --resume");
    EXPECT_EQ(junk.status, 1);
    EXPECT_NE(junk.err.find("is not an isingmf checkpoint"), std::string::npos) << junk.err;
}

// A left checkpoint blocks a new run without --resume or --force, and the refusal says what
// it holds. One without a finished sample (a run stopped before its first, or one still
// running) used to be called "the finished samples of an interrupted run"; it is still
// refused, since its run may be going, and --resume finishes it.
TEST_F(EnsembleCli, LeftCheckpointRefusedSayingWhatItHolds) {
    const fs::path checkpoint = dir_.path() / ".e.h5.ensemble-checkpoint";
    { const AppendLog log = AppendLog::create(checkpoint, "isingmf-ensemble-checkpoint 1\n"); }
    const test::CliRun empty = run("ensemble " + kModel + " --out e.h5");
    EXPECT_EQ(empty.status, 1);
    EXPECT_NE(empty.err.find("is the checkpoint of another run of this output, with no finished "
                             "sample yet; finish it with --resume or start afresh with --force"),
              std::string::npos)
        << empty.err;
    EXPECT_TRUE(fs::exists(checkpoint));
    {
        AppendLog log = AppendLog::create(dir_.path() / ".f.h5.ensemble-checkpoint",
                                          "isingmf-ensemble-checkpoint 1\n");
        log.append("a sample");
        log.append("another");
    }
    const test::CliRun held = run("ensemble " + kModel + " --out f.h5");
    EXPECT_EQ(held.status, 1);
    EXPECT_NE(held.err.find("with 2 finished sample(s); finish it with --resume"),
              std::string::npos)
        << held.err;
    EXPECT_FALSE(fs::exists(dir_.path() / "e.h5"));
    EXPECT_FALSE(fs::exists(dir_.path() / "f.h5"));
}

// --resume refuses a checkpoint that is a symbolic link, as every writer refuses links:
// appending through it grew the file it pointed to, which the finished run then left behind.
TEST_F(EnsembleCli, ResumeThroughALinkedCheckpointRefused) {
    const fs::path real = dir_.path() / "elsewhere";
    { const AppendLog log = AppendLog::create(real, "isingmf-ensemble-checkpoint 1\n"); }
    const auto size = fs::file_size(real);
    fs::create_symlink(real, dir_.path() / ".e.h5.ensemble-checkpoint");
    const test::CliRun resumed = run("ensemble " + kModel + " --out e.h5 --resume");
    EXPECT_EQ(resumed.status, 1);
    EXPECT_NE(resumed.err.find("it is a symbolic link (links are not followed)"), std::string::npos)
        << resumed.err;
    EXPECT_EQ(fs::file_size(real), size);
    EXPECT_FALSE(fs::exists(dir_.path() / "e.h5"));
}

#ifdef ISINGMF_MPIEXEC
// mpirun -n 1, 2 and 3 (oversubscribed: CI has 2 cores; allowed as root, as CI may run)
// give the data of a single-process run, and with 2 and 3 ranks every rank takes part.
TEST_F(EnsembleCli, MpirunGivesTheSingleProcessData) {
    const std::string model =
        "--size 4x4 --disorder pm --T 0.8,1.5,3 --bounds mf,upper --samples 12 --seed 3 "
        "--threads 1";
    ASSERT_EQ(run("ensemble " + model + " --out alone.h5").status, 0);
    for (const int ranks : {1, 2, 3}) {
        const std::string out = "mpi" + std::to_string(ranks) + ".h5";
        const test::CliRun mpi = test::run_cli_after(
            "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
            "OMPI_MCA_rmaps_base_oversubscribe=1 " ISINGMF_MPIEXEC " --oversubscribe -n " +
                std::to_string(ranks),
            "ensemble " + model + " --out " + out, dir_);
        ASSERT_EQ(mpi.status, 0) << mpi.err;
        EXPECT_EQ(check("same alone.h5 " + out), "") << ranks;
        if (ranks > 1) {
            for (int r = 0; r < ranks; ++r) {
                const std::string said =
                    "rank " + std::to_string(r) + " of " + std::to_string(ranks) + " ran ";
                EXPECT_NE(mpi.err.find(said), std::string::npos) << mpi.err;
            }
        }
    }
}
#endif

}  // namespace
}  // namespace isingmf
