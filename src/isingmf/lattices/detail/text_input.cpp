#include "isingmf/lattices/detail/text_input.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "isingmf/util/error.hpp"
#include "isingmf/util/interrupt.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf::detail {
namespace {

constexpr std::size_t kBlock = std::size_t{1} << 16;

bool is_space(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

bool is_text(unsigned char c) { return c >= 0x20 ? c != 0x7f : is_space(c); }

namespace {

[[noreturn]] void cannot_read(const std::filesystem::path& path, const std::string& reason) {
    throw IoError(fmt::format("cannot read '{}': {}", path.string(), reason));
}

}  // namespace

std::string parse_site_index(std::string_view token, int num_sites, int& index) {
    long long value = 0;
    const char* const last = token.data() + token.size();
    const auto [end, error] = std::from_chars(token.data(), last, value);
    if (end != last || (error != std::errc() && error != std::errc::result_out_of_range))
        return fmt::format("site {} is not an integer", quote_token(token));
    if (error == std::errc::result_out_of_range)
        return fmt::format("site {} is out of range 0..{}", quote_token(token), num_sites - 1);
    if (value < 0 || value >= num_sites)
        return fmt::format("site {} is out of range 0..{}", value, num_sites - 1);
    index = static_cast<int>(value);
    return {};
}

TextInput::TextInput(const std::filesystem::path& path, Style style)
    : source_(path.string()), style_(style) {
    // A FIFO blocks here until a writer opens it: a signal ends the wait only when the front
    // end asked for that (request_interrupt), otherwise the open is retried.
    check_interrupt();  // a request already made would not end a wait that starts later
    do {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd_ < 0 && errno == EINTR && !interrupt_requested());
    if (fd_ < 0 && errno == EINTR) check_interrupt();
    if (fd_ < 0) cannot_read(path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd_);
        fd_ = -1;
        cannot_read(path, "it is a directory");
    }
    buffer_.resize(kBlock);
}

TextInput::TextInput(std::string_view text, std::string source, Style style)
    : source_(std::move(source)), style_(style), memory_(text), end_(text.size()), eof_(true) {
    check_block(text);
}

TextInput::~TextInput() {
    if (fd_ >= 0) ::close(fd_);
}

bool TextInput::fill() {
    if (eof_) return false;
    ssize_t n = 0;
    do {
        n = ::read(fd_, buffer_.data(), buffer_.size());
    } while (n < 0 && errno == EINTR && !interrupt_requested());
    if (n < 0 && errno == EINTR) check_interrupt();
    if (n < 0) cannot_read(source_, std::strerror(errno));
    pos_ = 0;
    end_ = static_cast<std::size_t>(n);
    eof_ = n == 0;
    check_block(std::string_view(buffer_.data(), end_));
    return n > 0;
}

// A whole block is checked as it arrives, so that binary input is called binary even when
// its first line would already fail to parse (an HDF5 file starts "\x89HDF\r\n\x1a\n").
void TextInput::check_block(std::string_view block) const {
    const auto bad = std::find_if(block.begin(), block.end(),
                                  [](char c) { return !is_text(static_cast<unsigned char>(c)); });
    if (bad == block.end()) return;
    std::size_t line = line_;
    std::size_t column = column_;
    for (auto it = block.begin(); it != bad; ++it) {
        if (*it == '\n') {
            ++line;
            column = 0;
        } else {
            ++column;
        }
    }
    throw ParseError(fmt::format("{}: not a text file (byte 0x{:02x} at column {})", where(line),
                                 static_cast<unsigned char>(*bad), column + 1));
}

int TextInput::peek() {
    if (pos_ == end_ && !fill()) return -1;
    if (!started_) {
        // Editors on Windows start UTF-8 files with a byte-order mark; it is not part of the
        // text (a first read shorter than the mark, from a pipe, leaves it to the parser).
        started_ = true;
        const std::string_view first =
            fd_ >= 0 ? std::string_view(buffer_.data(), end_) : memory_.substr(0, end_);
        if (first.starts_with("\xef\xbb\xbf")) pos_ += 3;
        if (pos_ == end_ && !fill()) return -1;
    }
    return static_cast<unsigned char>(fd_ >= 0 ? buffer_[pos_] : memory_[pos_]);
}

int TextInput::get() {
    const int c = peek();
    if (c < 0) return c;
    ++pos_;
    if (c == '\n') {
        ++line_;
        column_ = 0;
    } else {
        ++column_;
    }
    return c;
}

std::string TextInput::where(std::size_t line) const {
    return style_ == Style::colon ? fmt::format("{}:{}", source_, line)
                                  : fmt::format("{}: line {}", source_, line);
}

bool TextInput::next_line(std::string& out, std::size_t max_length) {
    out.clear();
    int c = get();
    if (c < 0) return false;
    const std::size_t line = line_;
    while (c >= 0 && c != '\n') {
        if (out.size() == max_length) {
            throw ParseError(fmt::format("{}: line longer than {} bytes", where(line), max_length));
        }
        out.push_back(static_cast<char>(c));
        c = get();
    }
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
}

bool TextInput::next_token(std::string& out, std::size_t max_length) {
    out.clear();
    int c = peek();
    while (c >= 0 && is_space(c)) {
        get();
        c = peek();
    }
    if (c < 0) return false;
    while (c >= 0 && !is_space(c)) {
        if (out.size() == max_length) {
            throw ParseError(
                fmt::format("{}: a token longer than {} bytes", where(line_), max_length));
        }
        out.push_back(static_cast<char>(get()));
        c = peek();
    }
    return true;
}

}  // namespace isingmf::detail
