#pragma once
/// Little-endian binary encoding of integers, doubles (bit for bit) and strings, for the
/// checkpoint records (util/append_log, io's sample records). Internal.

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "isingmf/util/error.hpp"

namespace isingmf::detail {

/// Appends encoded values to a string.
class ByteWriter {
public:
    void u8(std::uint8_t value) { out_.push_back(static_cast<char>(value)); }
    void u32(std::uint32_t value) { put(value, 4); }
    void u64(std::uint64_t value) { put(value, 8); }
    void i64(std::int64_t value) { u64(static_cast<std::uint64_t>(value)); }
    void f64(double value) { u64(std::bit_cast<std::uint64_t>(value)); }
    /// Length (u64) and bytes.
    void text(std::string_view value) {
        u64(value.size());
        out_.append(value);
    }
    const std::string& bytes() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void put(std::uint64_t value, int width) {
        for (int k = 0; k < width; ++k)
            out_.push_back(static_cast<char>((value >> (8 * k)) & 0xff));
    }
    std::string out_;
};

/// Reads values back in the order written; running past the end throws IoError naming
/// `what` (the record being decoded).
class ByteReader {
public:
    ByteReader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}
    std::uint8_t u8() { return static_cast<std::uint8_t>(get(1)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(get(4)); }
    std::uint64_t u64() { return get(8); }
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    double f64() { return std::bit_cast<double>(u64()); }
    std::string text() {
        const std::uint64_t size = u64();
        need(size);
        std::string value(bytes_.substr(at_, size));
        at_ += size;
        return value;
    }
    /// Checks that a count of items of at least `min_bytes` each can be held by what is left
    /// (so that a damaged count cannot ask for a huge allocation); returns it.
    std::uint64_t count(std::uint64_t min_bytes) {
        const std::uint64_t n = u64();
        if (min_bytes > 0 && n > (bytes_.size() - at_) / min_bytes) damaged();
        return n;
    }
    bool done() const { return at_ == bytes_.size(); }
    [[noreturn]] void damaged() const { throw IoError(fmt_damaged()); }

private:
    std::string fmt_damaged() const { return what_ + ": damaged record"; }
    void need(std::uint64_t size) const {
        if (size > bytes_.size() - at_) damaged();
    }
    std::uint64_t get(int width) {
        need(static_cast<std::uint64_t>(width));
        std::uint64_t value = 0;
        for (int k = 0; k < width; ++k) {
            value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[at_++]))
                     << (8 * k);
        }
        return value;
    }
    std::string_view bytes_;
    std::size_t at_ = 0;
    std::string what_;
};

}  // namespace isingmf::detail
