// Model files as text: the readers read in blocks, refuse what is not text at its first
// offending byte and bound lines and tokens, so endless or binary input ends at once.

#include "isingmf/lattices/detail/text_input.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <thread>

#include "isingmf/lattices/edge_list.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/util/error.hpp"
#include "support/error_of.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;
using detail::TextInput;

template <class F>
std::string parse_error_of(F f) {
    return test::error_of<ParseError>(f);
}

TEST(TextInput, LinesWithoutTheirEndsAndTokensWithTheirLine) {
    TextInput input("one\r\ntwo\n\nlast", "mem");
    std::string line;
    ASSERT_TRUE(input.next_line(line, 100));
    EXPECT_EQ(line, "one");
    ASSERT_TRUE(input.next_line(line, 100));
    EXPECT_EQ(line, "two");
    ASSERT_TRUE(input.next_line(line, 100));
    EXPECT_EQ(line, "");
    ASSERT_TRUE(input.next_line(line, 100));
    EXPECT_EQ(line, "last");
    EXPECT_FALSE(input.next_line(line, 100));

    TextInput tokens("  a\tbb\n\n ccc ", "mem", TextInput::Style::word);
    std::string token;
    ASSERT_TRUE(tokens.next_token(token, 10));
    EXPECT_EQ(token, "a");
    EXPECT_EQ(tokens.line(), 1u);
    ASSERT_TRUE(tokens.next_token(token, 10));
    EXPECT_EQ(token, "bb");
    ASSERT_TRUE(tokens.next_token(token, 10));
    EXPECT_EQ(token, "ccc");
    EXPECT_EQ(tokens.line(), 3u);
    EXPECT_FALSE(tokens.next_token(token, 10));
    EXPECT_EQ(tokens.where(3), "mem: line 3");
}

TEST(TextInput, LimitsAndBinaryBytesAreParseErrors) {
    std::string out;
    const std::string long_line = "short\n" + std::string(11, 'x') + "\n";
    const std::string long_token = "ok " + std::string(11, 'y');
    const std::string nul("ab\ncd\0ef", 8);
    EXPECT_EQ(parse_error_of([&] {
                  TextInput input(long_line, "mem");
                  while (input.next_line(out, 10)) {
                  }
              }),
              "mem:2: line longer than 10 bytes");
    EXPECT_EQ(parse_error_of([&] {
                  TextInput input(long_token, "mem", TextInput::Style::word);
                  while (input.next_token(out, 10)) {
                  }
              }),
              "mem: line 1: a token longer than 10 bytes");
    EXPECT_EQ(parse_error_of([&] {
                  TextInput input(nul, "mem");
                  while (input.next_line(out, 10)) {
                  }
              }),
              "mem:2: not a text file (byte 0x00 at column 3)");
    // UTF-8 (bytes >= 0x80) is text: comments may carry names.
    TextInput utf8("# Jos\xc3\xa9\n", "mem");
    ASSERT_TRUE(utf8.next_line(out, 100));
    EXPECT_EQ(out, "# Jos\xc3\xa9");
}

// Endless devices end at their first byte instead of being read forever.
// "DEVICE<sep>LINE: not a text file (byte 0x" with LINE any number (1 for /dev/zero).
bool refused_as_binary(const std::string& message, const std::string& device,
                       const std::string& separator, bool first_line) {
    const std::string head = device + separator;
    if (message.rfind(head, 0) != 0) return false;
    std::size_t pos = head.size();
    const std::size_t digits = message.find_first_not_of("0123456789", pos);
    if (digits == pos || digits == std::string::npos) return false;
    if (first_line && message.substr(pos, digits - pos) != "1") return false;
    return message.compare(digits, 26, ": not a text file (byte 0x") == 0;
}

TEST(ModelReaders, EndlessOrRandomDevicesAreRefusedAtOnce) {
    // /dev/zero fails at its first byte. /dev/urandom fails at its first control byte, which
    // may follow a random line feed (about 1 run in 30), so its line number is not fixed.
    for (const std::string device : {"/dev/zero", "/dev/urandom"}) {
        SCOPED_TRACE(device);
        const bool first = device == "/dev/zero";
        const std::string edges = parse_error_of([&] { read_edge_list(device); });
        EXPECT_TRUE(refused_as_binary(edges, device, ":", first)) << edges;
        const std::string uai = parse_error_of([&] { read_uai(device); });
        EXPECT_TRUE(refused_as_binary(uai, device, ": line ", first)) << uai;
    }
}

TEST(ModelReaders, NulBytesAndHugeTokensInFiles) {
    const test::TempDir dir("isingmf_text_input");
    test::write_file(dir.path() / "nul.txt", std::string("N 2\n0 1 1\0\n", 12));
    EXPECT_EQ(parse_error_of([&] { read_edge_list(dir.path() / "nul.txt"); }),
              (dir.path() / "nul.txt").string() + ":2: not a text file (byte 0x00 at column 6)");
    test::write_file(dir.path() / "long.txt", "N 2\n" + std::string(100000, '1') + "\n");
    EXPECT_EQ(parse_error_of([&] { read_edge_list(dir.path() / "long.txt"); }),
              (dir.path() / "long.txt").string() + ":2: line longer than 65536 bytes");
    test::write_file(dir.path() / "long.uai", "MARKOV " + std::string(1000, '2'));
    EXPECT_EQ(parse_error_of([&] { read_uai(dir.path() / "long.uai"); }),
              (dir.path() / "long.uai").string() + ": line 1: a token longer than 256 bytes");
    // The UAI cap of variables is the model's.
    test::write_file(dir.path() / "many.uai", "MARKOV\n1073741825\n");
    EXPECT_NE(parse_error_of([&] {
                  read_uai(dir.path() / "many.uai");
              }).find("the number of variables must be between 1 and 2^30 = 1073741824"),
              std::string::npos);
}

// Not only regular files: a pipe (as from `--lattice-file <(generate)`) is read as it comes.
TEST(ModelReaders, ReadFromAPipe) {
    const test::TempDir dir("isingmf_text_input");
    const fs::path fifo = dir.path() / "model.fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] { test::write_file(fifo, "N 3\n0 1 1.5\n1 2 -1\nh 2 0.25\n"); });
    const Model model = read_edge_list(fifo);
    writer.join();
    EXPECT_EQ(model.num_sites(), 3);
    EXPECT_EQ(model.couplings(), (std::vector<double>{1.5, -1.0}));
    EXPECT_EQ(model.fields(), (std::vector<double>{0.0, 0.0, 0.25}));
}

}  // namespace
}  // namespace isingmf
