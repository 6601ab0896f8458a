#include "memory_cap.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace isingmf::cli {
namespace {

// The value of a "Name:   123 kB" line of /proc/meminfo, in bytes.
std::optional<std::uint64_t> meminfo_bytes(std::string_view meminfo, std::string_view name) {
    std::size_t at = 0;
    while (at < meminfo.size()) {
        const std::size_t end = std::min(meminfo.find('\n', at), meminfo.size());
        std::string_view line = meminfo.substr(at, end - at);
        at = end + 1;
        if (line.substr(0, name.size()) != name || line.substr(name.size(), 1) != ":") continue;
        line.remove_prefix(name.size() + 1);
        while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        std::uint64_t kib = 0;
        const auto [rest, error] = std::from_chars(line.data(), line.data() + line.size(), kib);
        if (error != std::errc() || std::string_view(rest, line.data() + line.size()) != " kB")
            return std::nullopt;
        if (kib > (UINT64_MAX >> 10)) return std::nullopt;
        return kib << 10;
    }
    return std::nullopt;
}

// MemAvailable plus SwapFree, in bytes; nullopt without them.
std::optional<std::uint64_t> available_memory(std::string_view meminfo) {
    const std::optional<std::uint64_t> memory = meminfo_bytes(meminfo, "MemAvailable");
    const std::optional<std::uint64_t> swap = meminfo_bytes(meminfo, "SwapFree");
    if (!memory || !swap || *swap > UINT64_MAX - *memory) return std::nullopt;
    return *memory + *swap;
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizerBuild = true;  // its shadow memory reserves terabytes of address space
#else
constexpr bool kSanitizerBuild = false;
#endif

std::uint64_t cap_address_space_at_available_memory() {
    if (kSanitizerBuild) return 0;
    std::ifstream file("/proc/meminfo");
    const std::string meminfo((std::istreambuf_iterator<char>(file)),
                              std::istreambuf_iterator<char>());
    const std::optional<std::uint64_t> cap = available_memory(meminfo);
    if (!cap || *cap == 0) return 0;
    rlimit limit{};
    if (::getrlimit(RLIMIT_AS, &limit) != 0) return 0;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur <= *cap) return 0;
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < *cap) return 0;
    limit.rlim_cur = static_cast<rlim_t>(*cap);
    return ::setrlimit(RLIMIT_AS, &limit) == 0 ? *cap : 0;
}

}  // namespace isingmf::cli
