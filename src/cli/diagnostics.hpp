#pragma once
/// The tool's two streams. stderr carries messages for the user, best effort: a stderr that
/// cannot be written (closed, a full device) loses them but never changes a run's outcome or
/// exit status. stdout carries results (tables, summaries): output lost there (a full device)
/// is an error, except to a reader that has gone (`| head` took what it wanted, a pager was
/// quit: EPIPE, SIGPIPE being ignored), which is not asking for more; stdout then goes to
/// /dev/null and the run goes on (a sweep still writes its results file).

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>

#include "isingmf/util/error.hpp"

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
/// be written (a full device), so that lost results give a non-zero exit; a reader that has
/// gone is not an error (above).
void flush_stdout();

/// Whether stdout is a pipe or socket whose reader has gone; `error` is the errno of the
/// failed write, if known (else 0).
bool stdout_reader_gone(int error);

/// Points stdout at /dev/null and clears its error, so that later output is dropped quietly.
void drop_stdout();

/// The IoError for a failed write to stdout, naming it (fmt's own says "cannot write to
/// file", which reads as the results file).
IoError stdout_write_error(int error);

/// The message of a system_error that ends a run: stdout_write_error's when stdout has failed
/// (fmt's own "cannot write to file" from a print to it), else its own.
std::string system_error_message(const std::system_error& error);

/// print(stdout), then flush_stdout(): a reader that has gone while it printed (fmt's
/// system_error with EPIPE) drops stdout instead of ending the run; any other failed write is
/// stdout_write_error.
template <class Print>
void print_to_stdout(Print&& print) {
    try {
        print(stdout);
    } catch (const std::system_error& e) {
        if (e.code().value() != EPIPE) throw stdout_write_error(e.code().value());
        drop_stdout();
        return;
    }
    flush_stdout();
}

}  // namespace isingmf::cli
