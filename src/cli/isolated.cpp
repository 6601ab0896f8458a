#include "isolated.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <system_error>
#include <thread>

#include "diagnostics.hpp"
#include "isingmf/io/detail/reader_child.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf::cli {
namespace {

[[noreturn]] void child(const std::function<int()>& body) {
    int status = 1;
    try {
        const int result = body();
        flush_stdout();  // what the child printed must reach the pipe, or the read failed
        status = result;
    } catch (const std::bad_alloc&) {
        print_diagnostic("isingmf: error: out of memory\n");
    } catch (const std::system_error& e) {
        // A reader that has gone (`| head`: EPIPE, SIGPIPE being ignored) took what it wanted.
        if (e.code().value() == EPIPE) {
            drop_stdout();
            status = 0;
        } else {
            print_error(system_error_message(e));
        }
    } catch (const std::exception& e) {
        print_error(e.what());
    }
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);
}

}  // namespace

int run_isolated(const std::function<int()>& body, const std::string& file, int timeout_seconds) {
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw IoError(fmt::format("cannot read '{}': cannot start a process ({})", file,
                                  std::strerror(errno)));
    }
    if (pid == 0) child(body);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    int status = 0;
    while (true) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) {
            throw IoError(fmt::format("cannot read '{}': {}", file, std::strerror(errno)));
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            throw detail::child_reader_timed_out(file, timeout_seconds);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFSIGNALED(status)) {
        const int signal_number = WTERMSIG(status);
        // A reader that stopped early (`| head`: SIGPIPE) or ^C ends this process as it ended
        // the child; only a crash is the file's fault.
        if (signal_number == SIGPIPE || signal_number == SIGINT || signal_number == SIGTERM ||
            signal_number == SIGHUP) {
            std::signal(signal_number, SIG_DFL);
            std::raise(signal_number);
        }
        throw detail::child_reader_killed(file, signal_number);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace isingmf::cli
