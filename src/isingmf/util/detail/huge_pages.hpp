#pragma once
/// Storage for the large arrays that the mean-field sweep streams front to back (the plan's graph
/// copy and the magnetizations). Blocks of 2 MiB or more are mapped from the kernel at a 2 MiB
/// boundary (not through malloc: see map_aligned) and advised as transparent huge pages before
/// they are first touched (Linux with THP in "madvise" mode, as on Debian), so a stream costs
/// one TLB entry per 2 MiB instead of one per 4 KiB and the software prefetches of the sweep do
/// not stall on page walks. Elsewhere the advice is simply ignored.
///
/// A large block is first touched when it is allocated, by all threads (first_touch.hpp), so
/// that the kernel's zeroing of its 2 MiB pages is spread over them. Unlike std::allocator,
/// elements constructed without arguments are default-initialised (indeterminate for double and
/// int): the owner fills them, in parallel where it is large, as it reads them.

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "isingmf/util/detail/first_touch.hpp"

// A block mapped here has none of malloc's guard zones: under AddressSanitizer the rounding up
// to 2 MiB past its end is poisoned instead, so that a read beyond the block is reported.
#if defined(__SANITIZE_ADDRESS__)
#define ISINGMF_HUGE_PAGES_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ISINGMF_HUGE_PAGES_ASAN 1
#endif
#endif
#ifdef ISINGMF_HUGE_PAGES_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace isingmf {

template <class T>
class HugePageAllocator {
public:
    using value_type = T;

    HugePageAllocator() = default;
    template <class U>
    explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}

    T* allocate(std::size_t n) {
        // Room for rounding up to 2 MiB and for map_aligned's spare 2 MiB.
        if (n > (static_cast<std::size_t>(-1) - 2 * kHugePage) / sizeof(T))
            throw std::bad_array_new_length();
        const std::size_t bytes = n * sizeof(T);
        if (!huge(n)) return static_cast<T*>(::operator new(bytes));
        void* p = map_aligned(rounded(n));
        ::madvise(p, rounded(n), MADV_HUGEPAGE);  // advice only: on failure, ordinary pages
        detail::touch_pages(p, bytes);
#ifdef ISINGMF_HUGE_PAGES_ASAN
        ASAN_POISON_MEMORY_REGION(static_cast<char*>(p) + bytes, rounded(n) - bytes);
#endif
        return static_cast<T*>(p);
    }

    void deallocate(T* p, std::size_t n) noexcept {
        if (!huge(n)) {
            ::operator delete(p);
        } else {
            // Unpoisoned before it goes: a later mapping may reuse the addresses.
#ifdef ISINGMF_HUGE_PAGES_ASAN
            ASAN_UNPOISON_MEMORY_REGION(p, rounded(n));
#endif
            ::munmap(p, rounded(n));
        }
    }

    template <class U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }

    template <class U, class... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }

    template <class U>
    bool operator==(const HugePageAllocator<U>& /*other*/) const noexcept {
        return true;
    }

private:
    static constexpr std::size_t kHugePage = std::size_t{2} << 20;

    // Whether a block of n elements is allocated (and so must be freed) as huge-page aligned.
    static bool huge(std::size_t n) { return n * sizeof(T) >= kHugePage; }
    static std::size_t rounded(std::size_t n) {
        return (n * sizeof(T) + kHugePage - 1) / kHugePage * kHugePage;
    }

    // `bytes` (a multiple of 2 MiB) mapped straight from the kernel at a 2 MiB boundary, and
    // unmapped when freed. Not through malloc: a large block malloc frees raises its threshold
    // for mapping blocks, so that later ones come from its heap, where the huge-page advice
    // would stay on memory reused for small objects and every touch there would then make a
    // whole 2 MiB resident (a 512^2 glass run peaked at 116 MB instead of 40).
    static void* map_aligned(std::size_t bytes) {
        void* p = ::mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        const auto start = reinterpret_cast<std::uintptr_t>(p);
        const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
        // The spare 2 MiB before and after the aligned block go back at once.
        if (aligned > start) ::munmap(p, aligned - start);
        const std::uintptr_t tail = start + bytes + kHugePage - (aligned + bytes);
        if (tail > 0) ::munmap(reinterpret_cast<void*>(aligned + bytes), tail);
        return reinterpret_cast<void*>(aligned);
    }
};

/// A std::vector whose large buffers sit on transparent huge pages where the system allows.
template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace isingmf
