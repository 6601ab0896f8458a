#pragma once
/// Running out of memory as an error, not a kill.
///
/// Linux lets a process map more memory than the machine has (overcommit) and, once the pages
/// are touched, the out-of-memory killer ends it with SIGKILL: no message, exit status 137.
/// With its address space capped at the memory the machine has free for it, an allocation that
/// cannot be backed fails instead (std::bad_alloc), and the tool says so in one line.

#include <cstdint>

namespace isingmf::cli {

/// Lowers this process's RLIMIT_AS to the memory it can still use at start, MemAvailable (free
/// memory and the caches the kernel can reclaim) plus SwapFree of /proc/meminfo (the
/// address space the executable, its libraries, thread stacks and malloc's arenas take beyond
/// their resident pages then come out of it: 85 MB on 2 threads, measured), never raising a
/// lower limit already set. A cgroup's own limit is not read. Not in sanitizer builds, whose
/// shadow memory reserves terabytes of address space. Returns the cap in bytes, or 0 where
/// none was set.
std::uint64_t cap_address_space_at_available_memory();

}  // namespace isingmf::cli
