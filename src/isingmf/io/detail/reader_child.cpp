#include "isingmf/io/detail/reader_child.hpp"

#include <fmt/format.h>

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>

#include "isingmf/util/text.hpp"

namespace isingmf::detail {

int read_timeout_seconds() {
    constexpr int kDefault = 60;
    const char* text = std::getenv("ISINGMF_READ_TIMEOUT");
    if (text == nullptr) return kDefault;
    constexpr int kMost = 86400;
    int value = 0;
    const std::string_view given(text);
    const auto [end, error] = std::from_chars(given.data(), given.data() + given.size(), value);
    // A typo ("5s", "") would otherwise wait the default: refused, as a bad option would be.
    if (error != std::errc() || end != given.data() + given.size() || value < 1 || value > kMost) {
        throw ModelError(
            fmt::format("ISINGMF_READ_TIMEOUT={} is not a whole number of seconds from 1 to {}",
                        quote_token(given), kMost));
    }
    return value;
}

IoError child_reader_killed(const std::string& file, int signal_number) {
    const bool crash = signal_number == SIGSEGV || signal_number == SIGBUS ||
                       signal_number == SIGABRT || signal_number == SIGFPE ||
                       signal_number == SIGILL || signal_number == SIGTRAP ||
                       signal_number == SIGSYS;
    if (crash) {
        return IoError(fmt::format(
            "cannot read '{}': the HDF5 library crashed reading it ({}): the file is damaged", file,
            strsignal(signal_number)));
    }
    return IoError(fmt::format("cannot read '{}': the process reading it was killed ({})", file,
                               strsignal(signal_number)));
}

IoError child_reader_timed_out(const std::string& file, int seconds) {
    return IoError(fmt::format(
        "cannot read '{}': the HDF5 library did not finish reading it in {} s (a damaged file it "
        "loops on?)",
        file, seconds));
}

}  // namespace isingmf::detail
