#pragma once
/// The tool's two streams. stderr carries messages for the user, best effort: a stderr that
/// cannot be written (closed, a full device) loses them but never changes a run's outcome or
/// exit status. stdout carries results (tables, summaries): output lost there is an error.

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <utility>

namespace isingmf::cli {

/// Formats a message and writes it to stderr; never throws, whatever happens to the write.
template <class... Args>
void print_diagnostic(fmt::format_string<Args...> format, Args&&... args) noexcept {
    try {
        const std::string text = fmt::format(format, std::forward<Args>(args)...);
        std::fputs(text.c_str(), stderr);  // a failed write is not reported: to whom?
    } catch (...) {  // out of memory while formatting: the message is lost, not the run
    }
}

/// Writes "isingmf: error: MESSAGE" as one line on stderr (print_diagnostic): control bytes
/// escaped and very long paths shortened in the middle (printable, shorten_long_words).
/// `origin` goes between "error" and the colon, as " (rank 3)".
void print_error(const std::string& message, const std::string& origin = "") noexcept;

/// Flushes stdout and throws IoError naming the cause when anything printed there could not
/// be written (a full device, a closed pipe), so that lost results give a non-zero exit.
void flush_stdout();

}  // namespace isingmf::cli
