#pragma once
/// Text input for the model readers (edge lists, UAI), bounded by what it has read: a file
/// is read in blocks of 64 KiB, never whole, so that memory grows only with the lines and
/// tokens the parser keeps. Each block is checked as it arrives and input that is not text is
/// refused at its first offending byte, before the parser sees that block, so that /dev/zero,
/// /dev/urandom or a binary file end at once with one line instead of being read to the end
/// (or forever) or reported as a syntax error.
///
/// Text is any bytes except NUL and the other ASCII control characters; tab, line feed,
/// vertical tab, form feed and carriage return are white space. Bytes >= 0x80 (UTF-8 in
/// comments) are accepted; a UTF-8 byte-order mark at the start is skipped.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace isingmf::detail {

/// Whether TextInput accepts byte `c`: printable ASCII or UTF-8 bytes, and white space (no
/// NUL, other control bytes or DEL).
bool is_text(unsigned char c);

/// Reads `token` as a site index in 0..num_sites-1 into `index`. Returns "" or what is wrong:
/// "site 'x' is not an integer", "site 5 is out of range 0..1" (a number too large for any
/// integer type too).
std::string parse_site_index(std::string_view token, int num_sites, int& index);

class TextInput {
public:
    /// How messages place the line: "SOURCE:LINE: reason" (edge lists) or
    /// "SOURCE: line LINE: reason" (UAI).
    enum class Style { colon, word };

    /// Reads the file at `path` (a regular file, a pipe or a device such as /dev/stdin).
    /// Throws IoError "cannot read 'PATH': reason" when it cannot be opened or read (a
    /// directory, a missing file, an I/O error).
    explicit TextInput(const std::filesystem::path& path, Style style = Style::colon);
    /// Reads `text` (not copied: it must outlive the input), named `source` in messages.
    TextInput(std::string_view text, std::string source, Style style = Style::colon);
    ~TextInput();
    TextInput(const TextInput&) = delete;
    TextInput& operator=(const TextInput&) = delete;

    /// The name used in messages (the path or `source`).
    const std::string& source() const { return source_; }
    /// The line of the last character read, from 1.
    std::size_t line() const { return line_; }
    /// "SOURCE:LINE" or "SOURCE: line LINE" for `line`, as the style says.
    std::string where(std::size_t line) const;

    /// The next line without its line feed (or "\r\n"); false at the end of the input.
    /// Throws ParseError "<where>: ..." for a line longer than `max_length` bytes or a byte
    /// that is not text.
    bool next_line(std::string& out, std::size_t max_length);

    /// The next white-space separated token; false at the end of the input. `line()` is then
    /// the token's line. Throws ParseError "<where>: ..." for a token longer than
    /// `max_length` bytes or a byte that is not text.
    bool next_token(std::string& out, std::size_t max_length);

private:
    int get();   // next byte (0..255) or -1 at the end
    int peek();  // the same without consuming it
    bool fill();
    // Throws ParseError at the first byte of `block` that is not text; `block` starts at
    // line_, column_.
    void check_block(std::string_view block) const;

    std::string source_;
    Style style_;
    int fd_ = -1;
    std::vector<char> buffer_;
    std::string_view memory_;  // the text of the in-memory form
    std::size_t pos_ = 0;      // in buffer_ or memory_
    std::size_t end_ = 0;
    bool eof_ = false;
    bool started_ = false;  // the start was checked for a byte-order mark
    std::size_t line_ = 1;
    std::size_t column_ = 0;
};

}  // namespace isingmf::detail
