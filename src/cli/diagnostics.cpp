#include "diagnostics.hpp"

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
        throw IoError(fmt::format("cannot write to standard output ({})",
                                  error != 0 ? std::strerror(error) : "write error"));
    }
}

}  // namespace isingmf::cli
