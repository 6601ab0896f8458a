#include "isingmf/util/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace isingmf {
namespace {

TEST(Text, PrintableEscapesControlBytesAndBrokenUtf8Only) {
    EXPECT_EQ(printable("plain text, 1.5e-3"), "plain text, 1.5e-3");
    EXPECT_EQ(printable("two\nlines\r\tend"), "two\\nlines\\r\\tend");
    EXPECT_EQ(printable(std::string("nul\0byte", 8)), "nul\\x00byte");
    EXPECT_EQ(printable("del\x7f"), "del\\x7f");
    // Valid UTF-8 stays: e acute (2 bytes), the euro sign (3), a musical symbol (4).
    EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e"),
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e");
    // A stray continuation byte, a cut-off sequence, an overlong '/' and a surrogate do not.
    EXPECT_EQ(printable("\x80"), "\\x80");
    EXPECT_EQ(printable("\xc3"), "\\xc3");
    EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
    EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
}

// Built with append rather than "'" + std::string: GCC 12 raises a false -Wrestrict on that
// at -O3 with the sanitizers.
std::string in_quotes(const std::string& inner) {
    return std::string("'").append(inner).append("'");
}

TEST(Text, QuoteTokenCapsLongTokens) {
    EXPECT_EQ(quote_token("kagome"), "'kagome'");
    EXPECT_EQ(quote_token(""), "''");
    const std::string exact(kMaxEchoedToken, 'a');
    EXPECT_EQ(quote_token(exact), in_quotes(exact));
    const std::string huge(10'000'000, 'x');
    EXPECT_EQ(quote_token(huge), in_quotes(std::string(kMaxEchoedToken, 'x').append("...")));
    // The cap counts characters of the input, escapes count as one.
    const std::string binary(100, '\0');
    std::string expected = "'";
    for (std::size_t k = 0; k < kMaxEchoedToken; ++k) expected += "\\x00";
    EXPECT_EQ(quote_token(binary), expected + "...'");
}

TEST(Text, CapQuotedTokensInForeignMessages) {
    const std::string huge(5000, 'y');
    const std::string message =
        std::string("unrecognised option ").append(in_quotes(huge)).append(" for 'sweep'");
    EXPECT_EQ(cap_quoted_tokens(message),
              std::string("unrecognised option ")
                  .append(in_quotes(std::string(kMaxEchoedToken, 'y').append("...")))
                  .append(" for 'sweep'"));
    EXPECT_EQ(cap_quoted_tokens("no quotes here"), "no quotes here");
    EXPECT_EQ(cap_quoted_tokens("an 'unclosed quote"), "an 'unclosed quote");
}

// Long runs without a space (paths) keep their first 40 and last 77 characters, counted in
// code points so that a multi-byte character is never cut; shorter words and spaces stay.
TEST(Text, ShortenLongWordsKeepsBothEnds) {
    std::string path = "/";
    for (int k = 0; k < 100; ++k) path.append("d").append(std::to_string(k)).append("/");
    path.append("file.h5");
    const std::string word_of_path = std::string("'").append(path).append("':");
    const std::string shown = shorten_long_words(
        std::string("cannot read ").append(word_of_path).append(" No such file"));
    EXPECT_EQ(shown, std::string("cannot read ")
                         .append(word_of_path.substr(0, 40))
                         .append("...")
                         .append(word_of_path.substr(word_of_path.size() - 77))
                         .append(" No such file"))
        << shown;
    const std::string word(kMaxWordInMessage, 'w');
    const std::string spaced = std::string("a ").append(word).append("  b");
    EXPECT_EQ(shorten_long_words(spaced), spaced);
    std::string accents;
    for (int k = 0; k < 200; ++k) accents += "\xc3\xa9";  // U+00E9, two bytes each
    const std::string e_acute = "\xc3\xa9";
    std::string head;
    std::string tail;
    for (int k = 0; k < 40; ++k) head += e_acute;
    for (int k = 0; k < 77; ++k) tail += e_acute;
    EXPECT_EQ(shorten_long_words(accents), head.append("...").append(tail));
    EXPECT_EQ(shorten_long_words(""), "");
}

}  // namespace
}  // namespace isingmf
