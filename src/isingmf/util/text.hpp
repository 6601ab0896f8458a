#pragma once
/// Text that goes into error messages. A message is one line that names what is at fault;
/// the user's own tokens (an option value, a word read from a file) are quoted, escaped and
/// capped, so that a 10 MB token or a run of binary bytes cannot flood the terminal or
/// break the line.

#include <cstddef>
#include <string>
#include <string_view>

namespace isingmf {

/// The most characters of a user's token that a message repeats.
inline constexpr std::size_t kMaxEchoedToken = 60;

/// `text` with every byte that would not print as itself on one line escaped: control bytes
/// as \n, \r, \t or \xNN, DEL and bytes that are not part of valid UTF-8 as \xNN; valid
/// UTF-8 (accented names, symbols) is kept. Nothing is cut.
std::string printable(std::string_view text);

/// `'token'` for a message: printable(token) cut after kMaxEchoedToken characters (code
/// points of the original), with "..." marking the cut.
std::string quote_token(std::string_view token);

/// Every '...' segment of `message` longer than kMaxEchoedToken characters cut as
/// quote_token would, for messages built by other libraries (Boost.Program_options).
std::string cap_quoted_tokens(std::string_view message);

/// The longest run of characters without a space that a shown message keeps whole.
inline constexpr std::size_t kMaxWordInMessage = 120;

/// `message` (printable() already) with every run of characters without a space longer than
/// kMaxWordInMessage shortened in the middle to its first 40 and last 77 characters around
/// "...": a path the user gave, up to 128 KiB long as an argument, cannot flood the terminal,
/// and its beginning and its file name still show. Messages name files by their paths, quoted
/// or not, in many places; words of the messages' own text are far shorter.
std::string shorten_long_words(std::string_view message);

}  // namespace isingmf
