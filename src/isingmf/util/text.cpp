#include "isingmf/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace isingmf {
namespace {

// Length of the valid UTF-8 sequence starting at text[pos] (1 to 4), or 0 when the bytes
// there are not one (a stray continuation byte, an overlong form, a surrogate, a cut-off
// sequence): those are shown as \xNN.
std::size_t utf8_length(std::string_view text, std::size_t pos) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[pos + k]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    unsigned char low = 0x80;  // bounds of the second byte, narrower for some leads
    unsigned char high = 0xbf;
    if (lead < 0x80) return 1;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) low = 0xa0;   // overlong
        if (lead == 0xed) high = 0x9f;  // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) low = 0x90;   // overlong
        if (lead == 0xf4) high = 0x8f;  // beyond U+10FFFF
    } else {
        return 0;
    }
    if (pos + length > text.size()) return 0;
    if (byte(1) < low || byte(1) > high) return 0;
    for (std::size_t k = 2; k < length; ++k) {
        if (byte(k) < 0x80 || byte(k) > 0xbf) return 0;
    }
    return length;
}

void append_escaped(std::string& out, unsigned char c) {
    switch (c) {
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += fmt::format("\\x{:02x}", c);
    }
}

// printable() of the first `max_chars` characters of `text`; `cut` says whether more followed.
std::string printable_prefix(std::string_view text, std::size_t max_chars, bool& cut) {
    std::string out;
    std::size_t chars = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (chars == max_chars) {
            cut = true;
            return out;
        }
        const auto c = static_cast<unsigned char>(text[pos]);
        const std::size_t length = utf8_length(text, pos);
        if (length == 0 || c < 0x20 || c == 0x7f) {
            append_escaped(out, c);
            pos += 1;
        } else {
            out.append(text.substr(pos, length));
            pos += length;
        }
        ++chars;
    }
    cut = false;
    return out;
}

}  // namespace

std::string printable(std::string_view text) {
    bool cut = false;
    return printable_prefix(text, text.size(), cut);
}

std::string quote_token(std::string_view token) {
    bool cut = false;
    std::string out = "'";
    out += printable_prefix(token, kMaxEchoedToken, cut);
    if (cut) out += "...";
    out += "'";
    return out;
}

std::string cap_quoted_tokens(std::string_view message) {
    std::string out;
    std::size_t pos = 0;
    while (pos < message.size()) {
        const std::size_t open = message.find('\'', pos);
        const std::size_t close =
            open == std::string_view::npos ? open : message.find('\'', open + 1);
        if (close == std::string_view::npos) {
            out.append(message.substr(pos));
            break;
        }
        out.append(message.substr(pos, open - pos));
        bool cut = false;
        const std::string_view inner = message.substr(open + 1, close - open - 1);
        // Kept as it is (no escaping): the whole message is made printable where it is shown.
        std::string shown = printable_prefix(inner, kMaxEchoedToken, cut);
        out += '\'';
        out += cut ? shown + "..." : std::string(inner);
        out += '\'';
        pos = close + 1;
    }
    return out;
}

std::string shorten_long_words(std::string_view message) {
    constexpr std::size_t kHead = 40;
    constexpr std::size_t kTail = kMaxWordInMessage - kHead - 3;
    // Characters are code points: every byte but UTF-8's continuation bytes starts one.
    const auto starts_char = [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; };
    std::string out;
    std::size_t pos = 0;
    while (pos < message.size()) {
        const std::size_t end = std::min(message.find(' ', pos), message.size());
        const std::string_view word = message.substr(pos, end - pos);
        std::vector<std::size_t> starts;  // byte offset of each character of the word
        for (std::size_t k = 0; k < word.size(); ++k)
            if (starts_char(word[k])) starts.push_back(k);
        if (starts.size() <= kMaxWordInMessage) {
            out.append(word);
        } else {
            out.append(word.substr(0, starts[kHead]));
            out += "...";
            out.append(word.substr(starts[starts.size() - kTail]));
        }
        if (end < message.size()) out += ' ';
        pos = end + 1;
    }
    return out;
}

}  // namespace isingmf
