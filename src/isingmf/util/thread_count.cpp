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

namespace {

[[noreturn]] void refuse(const std::string& count, int depth) {
    throw ModelError(fmt::format(
        "OMP_NUM_THREADS asks for {} threads{}, more than the {} allowed", count,
        depth > 1 ? fmt::format(" at nesting level {}", depth) : std::string(), kMaxThreads));
}

// One level of OMP_NUM_THREADS as written (libgomp reads a number past 2^32 wrapped, so its
// own count could say another number, or a small one): throws beyond kMaxThreads. Returns
// whether the level was a number at all.
bool check_level(std::string_view level, int depth) {
    while (!level.empty() && level.front() == ' ') level.remove_prefix(1);
    std::uint64_t asked = 0;
    const auto [end, error] = std::from_chars(level.data(), level.data() + level.size(), asked);
    const std::string_view digits(level.data(), static_cast<std::size_t>(end - level.data()));
    if (error == std::errc::result_out_of_range || (error == std::errc() && asked > kMaxThreads)) {
        refuse(
            digits.size() <= 24 ? std::string(digits) : std::string(digits.substr(0, 24)) + "...",
            depth);
    }
    return error == std::errc();
}

}  // namespace

void check_threads(int threads) {
    if (threads < 0 || threads > kMaxThreads) {
        throw ModelError(
            fmt::format("thread count must be between 0 and {}, got {}", kMaxThreads, threads));
    }
    const char* variable = std::getenv("OMP_NUM_THREADS");
    if (variable == nullptr) return;
    // The first level is the request of threads = 0 alone: a count given replaces it (a larger
    // machine is capped by the guard). Later levels size nested regions, where a list turns
    // nesting on: nothing replaces those, so they are checked whatever `threads` is.
    std::string_view rest(variable);
    for (int depth = 1;; ++depth) {
        const std::string_view level = rest.substr(0, rest.find(','));
        if (depth > 1) {
            check_level(level, depth);
        } else if (threads == 0 && !check_level(level, depth) &&
                   omp_get_max_threads() > kMaxThreads) {
            refuse(std::to_string(omp_get_max_threads()), depth);  // "+100000": libgomp's count
        }
        if (level.size() == rest.size()) break;
        rest.remove_prefix(level.size() + 1);
    }
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
