#include "isingmf/io/checked_read.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>
#include <string>

#include "isingmf/io/detail/hdf5.hpp"
#include "isingmf/io/detail/reader_child.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"

namespace isingmf {
namespace {

// The child: read the file, send back what failed (nothing when it did not) and exit without
// running the parent's exit handlers or flushing its buffers.
[[noreturn]] void read_in_child(int out, const std::filesystem::path& path, bool with_m) {
    // A crash ends the child at once, without the parent's handlers (Python's faulthandler
    // would print the interpreter's traceback for it).
    for (const int crash : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) std::signal(crash, SIG_DFL);
    std::string message;
    int status = 0;
    try {
        (void)read_results(path, with_m);
    } catch (const std::exception& e) {
        message = e.what();
        status = 1;
    } catch (...) {
        status = 1;
    }
    (void)detail::write_all(out, message);
    ::_exit(status);
}

}  // namespace

ResultsFile read_results_checked(const std::filesystem::path& path, bool with_m,
                                 int timeout_seconds) {
    const std::string where = path.string();
    if (timeout_seconds <= 0) timeout_seconds = detail::read_timeout_seconds();
    {
        // Held across fork, so that no other thread of this process is inside HDF5 (or holds
        // its lock) when the child starts; the child, alone, goes without it.
        const std::lock_guard hdf5(detail::h5::library_lock());
        int pipe_ends[2];
        if (::pipe2(pipe_ends, O_CLOEXEC) != 0)
            throw IoError(fmt::format("cannot read '{}': {}", where, std::strerror(errno)));
        const pid_t pid = ::fork();
        if (pid < 0) {
            const int error = errno;
            ::close(pipe_ends[0]);
            ::close(pipe_ends[1]);
            throw IoError(fmt::format("cannot read '{}': cannot start a process ({})", where,
                                      std::strerror(error)));
        }
        if (pid == 0) {
            ::close(pipe_ends[0]);
            detail::h5::skip_library_lock_in_this_child();
            read_in_child(pipe_ends[1], path, with_m);
        }
        ::close(pipe_ends[1]);
        // The child's message, until it closes its end (by exiting) or the time is up.
        std::string message;
        bool timed_out = false;
        bool interrupted = false;
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now())
                                  .count();
            if (left <= 0) {
                timed_out = true;
                break;
            }
            if (interrupt_requested()) {  // a signal makes the poll below return at once
                interrupted = true;
                break;
            }
            pollfd readable{pipe_ends[0], POLLIN, 0};
            const int ready =
                ::poll(&readable, 1, static_cast<int>(std::min<long long>(left, 1000)));
            if (ready < 0 && errno != EINTR) break;
            if (ready <= 0) continue;
            char buffer[4096];
            const ssize_t got = ::read(pipe_ends[0], buffer, sizeof buffer);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) break;  // the child is gone
            message.append(buffer, static_cast<std::size_t>(got));
        }
        ::close(pipe_ends[0]);
        if (timed_out || interrupted) ::kill(pid, SIGKILL);
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (interrupted) throw Interrupted("interrupted");
        if (timed_out) throw detail::child_reader_timed_out(where, timeout_seconds);
        if (WIFSIGNALED(status)) throw detail::child_reader_killed(where, WTERMSIG(status));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            throw IoError(message.empty() ? fmt::format("cannot read '{}'", where) : message);
        }
    }
    return read_results(path, with_m);
}

}  // namespace isingmf
