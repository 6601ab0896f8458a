// isingmf: mean-field lower bounds on ln Z of Ising models, checked against exact ln Z.
// The only place that turns errors into exit codes: 0 success, 1 runtime error, 2 usage error.

#include <fcntl.h>
#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <new>
#include <string>
#include <system_error>
#include <vector>

#include "commands.hpp"
#include "diagnostics.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"
#include "isingmf/util/version.hpp"
#include "memory_cap.hpp"
#include "signals.hpp"
#include "usage_error.hpp"

namespace {

constexpr const char* kUsage = R"(usage: isingmf <command> [options]

commands:
  sweep    mean-field bound and exact ln Z over a temperature grid, written to HDF5
  ensemble the sweep on K disorder samples with averages (mpirun -n P for many machines)
  info     summarize a results file or an ensemble file
  export   write a model as a UAI or edge-list file

isingmf <command> --help (or isingmf help <command>) shows a command's options;
isingmf --version the version.
)";

// Shell-quotes one argument for the recorded command line.
std::string quoted(const std::string& arg) {
    if (!arg.empty() && arg.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;!#~") == std::string::npos)
        return arg;
    std::string out = "'";
    for (char c : arg) {
        if (c == '\'') {
            out.append("'\\''");
        } else {
            out.push_back(c);
        }
    }
    out.push_back('\'');
    return out;
}

int run(int argc, char** argv) {
    const std::vector<std::string> all(argv, argv + argc);
    if (all.size() < 2) throw isingmf::cli::UsageError("no command given; try isingmf --help");
    const bool asks_help = all[1] == "--help" || all[1] == "-h" || all[1] == "help";
    // `isingmf help sweep` is `isingmf sweep --help`; anything more after --help or --version
    // is refused, so that a typo such as `--version sweep` does not pass unseen.
    if ((asks_help && all.size() > 3) || (all[1] == "--version" && all.size() > 2)) {
        throw isingmf::cli::UsageError(fmt::format("{} takes {} (found {})", all[1],
                                                   asks_help ? "at most a command" : "no arguments",
                                                   isingmf::quote_token(all[asks_help ? 3 : 2])));
    }
    const std::string command = asks_help && all.size() == 3 ? all[2] : all[1];
    if (asks_help &&
        (all.size() == 2 || command == "help" || command == "--help" || command == "-h")) {
        fmt::print("{}", kUsage);
        return 0;
    }
    if (!asks_help && command == "--version") {
        fmt::print("isingmf {}\n", isingmf::kVersion);
        return 0;
    }
    std::string command_line = "isingmf";
    for (std::size_t k = 1; k < all.size(); ++k) {
        command_line.push_back(' ');
        command_line.append(quoted(all[k]));
    }
    // Commands set their team before they build anything: sweep and ensemble their --threads
    // (OMP_NUM_THREADS only for --threads 0), export OpenMP's default; each refuses an absurd
    // OMP_NUM_THREADS where it is what sizes a team (isingmf::check_threads). No nested
    // parallel regions but those an ensemble asks for, whatever OMP_NUM_THREADS=2,64 or
    // OMP_MAX_ACTIVE_LEVELS say: their teams would multiply past --threads.
    omp_set_max_active_levels(1);
    const std::vector<std::string> args =
        asks_help ? std::vector<std::string>{"--help"}
                  : std::vector<std::string>(all.begin() + 2, all.end());
    if (command == "sweep") return isingmf::cli::sweep_command(args, command_line);
    if (command == "ensemble") return isingmf::cli::ensemble_command(args, command_line);
    if (command == "info") return isingmf::cli::info_command(args);
    if (command == "export") return isingmf::cli::export_command(args);
    throw isingmf::cli::UsageError(
        fmt::format("unknown command {}; try isingmf --help", isingmf::quote_token(command)));
}

}  // namespace

// With ISINGMF_RUSAGE set, one line on stderr at exit with the process's peak resident memory
// and CPU times, for benchmark scripts that have no GNU time (bench/whole_run.sh).
struct ResourceReport {
    ~ResourceReport() {
        if (std::getenv("ISINGMF_RUSAGE") == nullptr) return;
        rusage usage{};
        if (getrusage(RUSAGE_SELF, &usage) != 0) return;
        const auto seconds = [](const timeval& t) {
            return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
        };
        isingmf::cli::print_diagnostic("isingmf: rusage maxrss_kib={} user_s={:.3f} sys_s={:.3f}\n",
                                       usage.ru_maxrss, seconds(usage.ru_utime),
                                       seconds(usage.ru_stime));
    }
};

namespace {

// A descriptor 0, 1 or 2 that the caller closed (`2>&-`) would be reused by the first file the
// run opens, and messages meant for stderr would land in it (an ensemble's checkpoint):
// each closed one is opened on /dev/null first.
void reserve_standard_descriptors() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        const int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (opened >= 0 && opened != fd) ::close(opened);  // fd was taken meanwhile
    }
}

}  // namespace

int main(int argc, char** argv) {
    using isingmf::cli::print_error;
    reserve_standard_descriptors();
    isingmf::cli::install_signal_handlers();
    const std::uint64_t memory = isingmf::cli::cap_address_space_at_available_memory();
    const ResourceReport report;
    try {
        const int status = run(argc, argv);
        isingmf::cli::flush_stdout();  // a table or summary lost on a full device is a failed run
        return status;
    } catch (const isingmf::cli::UsageError& e) {
        print_error(e.what());
        return 2;
    } catch (const isingmf::OutputExistsError& e) {
        // The library says only that the file exists; how to replace it is the tool's business.
        print_error(fmt::format("{}; use --force to overwrite it", e.what()));
        return 1;
    } catch (const std::filesystem::filesystem_error& e) {
        // what() repeats whole paths, however long: the paths capped, then the reason.
        std::string where = isingmf::quote_token(e.path1().string());
        if (!e.path2().empty()) where += " -> " + isingmf::quote_token(e.path2().string());
        print_error(e.path1().empty() ? e.code().message()
                                      : fmt::format("{}: {}", where, e.code().message()));
        return 1;
    } catch (const std::bad_alloc&) {
        // what() is only "std::bad_alloc", which does not tell a user what happened.
        constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
        const std::string machine =
            memory > 0 ? fmt::format("the {:.1f} GiB of memory and swap this machine had free",
                                     static_cast<double>(memory) / kGiB)
                       : std::string("this machine");
        print_error(fmt::format(
            "out of memory (the model or the temperature grid is too large for {})", machine));
        return 1;
    } catch (const std::system_error& e) {
        // A summary (info) whose reader has gone (`| head`): it took what it wanted.
        if (e.code().value() == EPIPE) return 0;
        print_error(isingmf::cli::system_error_message(e));
        return 1;
    } catch (const std::exception& e) {
        print_error(e.what());
        return 1;
    }
}
