#include "isingmf/io/detail/reader_child.hpp"

#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <cstring>

namespace isingmf::detail {

int read_timeout_seconds() {
    constexpr int kDefault = 60;
    const char* text = std::getenv("ISINGMF_READ_TIMEOUT");
    if (text == nullptr) return kDefault;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return end != text && *end == '\0' && value >= 1 && value <= 86400 ? static_cast<int>(value)
                                                                       : kDefault;
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
