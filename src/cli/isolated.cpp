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
#include <thread>

#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf::cli {
namespace {

constexpr int kDefaultReadTimeout = 60;

[[noreturn]] void child(const std::function<int()>& body) {
    int status = 1;
    try {
        status = body();
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "isingmf: error: out of memory\n");
    } catch (const std::exception& e) {
        fmt::print(stderr, "isingmf: error: {}\n", printable(e.what()));
    }
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(status);
}

}  // namespace

int read_timeout_seconds() {
    const char* text = std::getenv("ISINGMF_READ_TIMEOUT");
    if (text == nullptr) return kDefaultReadTimeout;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return end != text && *end == '\0' && value >= 1 && value <= 86400 ? static_cast<int>(value)
                                                                       : kDefaultReadTimeout;
}

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
            throw IoError(fmt::format(
                "cannot read '{}': the HDF5 library did not finish reading it in {} s (a damaged "
                "file it loops on?)",
                file, timeout_seconds));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (WIFSIGNALED(status)) {
        throw IoError(
            fmt::format("cannot read '{}': the HDF5 library crashed reading it ({}): the file is "
                        "damaged",
                        file, strsignal(WTERMSIG(status))));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace isingmf::cli
