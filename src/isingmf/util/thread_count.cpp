#include "isingmf/util/thread_count.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "isingmf/util/error.hpp"

namespace isingmf {

void check_threads(int threads) {
    if (threads < 0 || threads > kMaxThreads) {
        throw ModelError(
            fmt::format("thread count must be between 0 and {}, got {}", kMaxThreads, threads));
    }
    // Only the variable is the user's request; a larger machine is capped by the guard.
    const char* variable = threads == 0 ? std::getenv("OMP_NUM_THREADS") : nullptr;
    if (variable == nullptr) return;
    // Its first level's count as written: libgomp reads a number past 2^32 wrapped, so its own
    // count could say another number, or a small one.
    std::string_view first(variable);
    first = first.substr(0, first.find(','));
    while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
    std::uint64_t asked = 0;
    const auto [end, error] = std::from_chars(first.data(), first.data() + first.size(), asked);
    const std::string_view digits(first.data(), static_cast<std::size_t>(end - first.data()));
    const auto refuse = [](const std::string& count) {
        throw ModelError(fmt::format(
            "OMP_NUM_THREADS asks for {} threads, more than the {} allowed", count, kMaxThreads));
    };
    if (error == std::errc::result_out_of_range || (error == std::errc() && asked > kMaxThreads))
        refuse(digits.size() <= 24 ? std::string(digits)
                                   : std::string(digits.substr(0, 24)) + "...");
    if (error != std::errc() && omp_get_max_threads() > kMaxThreads)
        refuse(std::to_string(omp_get_max_threads()));
}

// omp_set_num_threads sets the calling thread's own nthreads-var, so guards on different
// threads (two Python threads solving at once) do not disturb each other.
ThreadCountGuard::ThreadCountGuard(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) {
        omp_set_num_threads(threads);
    } else if (saved_ > kMaxThreads) {
        omp_set_num_threads(kMaxThreads);
    }
}

ThreadCountGuard::~ThreadCountGuard() { omp_set_num_threads(saved_); }

}  // namespace isingmf
