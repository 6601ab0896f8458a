#pragma once
// What the fuzz targets do with one input, shared with the regular test that replays the
// kept corpus (fuzz_corpus_test.cpp), so that every input a fuzzer found interesting, and
// every crash it found, is checked on each build. An input may be refused with an
// isingmf::Error; anything else (a crash, a sanitizer report, another exception) is a bug.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "isingmf/io/results_file.hpp"
#include "isingmf/lattices/edge_list.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf::fuzz {

/// The declared N of an edge list, when its first data line is "N <digits>"; else 0.
inline std::uint64_t declared_sites(std::string_view text) {
    // The reader skips a UTF-8 byte-order mark at the start (detail::TextInput): so must this,
    // or "\xef\xbb\xbfN 217846431" passes the size guard below and the fuzzer times out
    // filling 1.7 GB of fields under AddressSanitizer.
    if (text.starts_with("\xef\xbb\xbf")) text.remove_prefix(3);
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        line = line.substr(0, line.find('#'));
        const std::size_t first = line.find_first_not_of(" \t\r\v\f");
        if (first == std::string_view::npos) continue;
        line.remove_prefix(first);
        if (line.size() < 2 || line[0] != 'N') return 0;
        std::uint64_t n = 0;
        for (const char c : line.substr(1)) {
            if (c >= '0' && c <= '9') {
                n = n * 10 + static_cast<std::uint64_t>(c - '0');
                if (n > (std::uint64_t{1} << 40)) return n;
            } else if (n > 0) {
                break;
            }
        }
        return n;
    }
    return 0;
}

/// Parses an edge list; true when it gives a model. A model of N sites needs per-site arrays once
/// the file is read (the documented cost of N, up to 2^30); inputs that declare more than 2^20
/// sites are skipped so that the fuzzer's memory limit finds real bugs, not that cost.
inline bool edge_list(std::string_view text) {
    if (declared_sites(text) > (std::uint64_t{1} << 20)) return false;
    try {
        const Model model = parse_edge_list(text, "fuzz.txt");
        if (model.num_sites() < 1) __builtin_trap();
        return true;
    } catch (const Error&) {
        return false;
    }
}

/// Parses a UAI file; true when it gives a model. Memory grows only with the tokens read, so
/// nothing is skipped.
inline bool uai(std::string_view text) {
    try {
        const Model model = parse_uai(text, "fuzz.uai");
        if (model.num_sites() < 1) __builtin_trap();
        return true;
    } catch (const Error&) {
        return false;
    }
}

/// True when `bytes` hold a global heap collection ("GCOL", version 1) whose object list
/// HDF5 1.10 mishandles: a free-space entry (index 0) of size 0 makes its decoder
/// (H5HG__cache_heap_deserialize) step by 0 bytes forever, and an object larger than what is
/// left of its collection makes H5HG_read copy past the collection's end (a crash). Both are
/// HDF5's bugs, not isingmf's (later HDF5 releases check these sizes); `isingmf info`
/// contains them by reading in a child process with a time limit (tests/cli/
/// hardening_test.cpp), and the fuzzer skips such inputs so that it looks for isingmf's
/// bugs. Further HDF5 bug classes go here the same way, each with a regular test of the CLI
/// on the input that showed it.
inline bool damaged_global_heap(std::string_view bytes) {
    const auto u64 = [&](std::size_t at) {
        std::uint64_t value = 0;
        for (std::size_t k = 0; k < 8; ++k)
            value |= std::uint64_t{static_cast<unsigned char>(bytes[at + k])} << (8 * k);
        return value;
    };
    for (std::size_t at = bytes.find("GCOL\x01"); at != std::string_view::npos;
         at = bytes.find("GCOL\x01", at + 1)) {
        if (at + 16 > bytes.size()) break;
        const std::uint64_t size = u64(at + 8);
        if (size < 16 || size > bytes.size() - at) continue;  // no collection that fits the file
        std::size_t p = at + 16;
        const std::size_t end = at + static_cast<std::size_t>(size);
        while (p + 16 <= end) {
            const unsigned index =
                static_cast<unsigned char>(bytes[p]) |
                (static_cast<unsigned>(static_cast<unsigned char>(bytes[p + 1])) << 8);
            const std::uint64_t object = u64(p + 8);
            if (object > end - p) return true;  // runs past the collection
            const std::uint64_t step = index > 0 ? 16 + (object + 7) / 8 * 8 : object;
            if (step == 0) return true;  // a walk that never ends
            if (step > end - p) break;
            p += static_cast<std::size_t>(step);
        }
    }
    return false;
}

/// A scratch file of this process for results(), removed at exit. (HDF5 resolves the real
/// path of what it opens, so a memfd's /proc/self/fd path cannot stand in for a file.)
inline const std::string& scratch_file() {
    // Never destroyed, so that the exit handler that removes the file can still read it.
    static const std::string* const path = [] {
        auto* name = new std::string((std::filesystem::temp_directory_path() /
                                      ("isingmf_fuzz_" + std::to_string(::getpid()) + ".h5"))
                                         .string());
        std::atexit([] { ::unlink(scratch_file().c_str()); });
        return name;
    }();
    return *path;
}

/// Reads bytes as a results file (what `isingmf info` does); true when they are one.
inline bool results(std::string_view bytes) {
    if (damaged_global_heap(bytes)) return false;
    const std::string& path = scratch_file();
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n <= 0) break;
        written += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (written != bytes.size()) return false;
    try {
        return read_results(path, true).record.num_sites >= 1;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace isingmf::fuzz
