#include "diagnostics.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf::cli {

void print_error(const std::string& message, const std::string& origin) noexcept {
    try {
        print_diagnostic("isingmf: error{}: {}\n", origin, shorten_long_words(printable(message)));
    } catch (...) {  // out of memory while shortening: the message is lost, not the run
    }
}

void flush_stdout() {
    errno = 0;
    // ferror as well: an earlier write may have failed and been cleared from the buffer.
    if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
        const int error = errno;
        if (stdout_reader_gone(error)) {
            drop_stdout();
            return;
        }
        throw stdout_write_error(error);
    }
}

IoError stdout_write_error(int error) {
    return IoError(fmt::format("cannot write to standard output ({})",
                               error != 0 ? std::strerror(error) : "write error"));
}

std::string system_error_message(const std::system_error& error) {
    if (std::ferror(stdout) != 0) return stdout_write_error(error.code().value()).what();
    return error.what();
}

bool stdout_reader_gone(int error) {
    if (error == EPIPE) return true;
    // The failed write's errno may be gone (an earlier buffered write): a pipe whose reader
    // has closed it polls as an error.
    pollfd p{STDOUT_FILENO, POLLOUT, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

void drop_stdout() {
    std::fflush(stdout);  // what is left in the buffer cannot reach the reader
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
        ::dup2(null, STDOUT_FILENO);
        ::close(null);
    }
    std::clearerr(stdout);
}

}  // namespace isingmf::cli
