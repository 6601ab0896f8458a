#include "isingmf/lattices/edge_list.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/random.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

const fs::path kLatticeDir = fs::path(ISINGMF_SOURCE_DIR) / "lattices";

class EdgeListFileTest : public ::testing::Test {
protected:
    const test::TempDir temp_{"isingmf_edge_list_test"};
    const fs::path dir_ = temp_.path();
};

using test::write_file;

void expect_same_model(const Model& expected, const Model& actual) {
    EXPECT_EQ(actual.num_sites(), expected.num_sites());
    EXPECT_EQ(actual.edges(), expected.edges());
    EXPECT_EQ(actual.couplings(), expected.couplings());
    EXPECT_EQ(actual.fields(), expected.fields());
    EXPECT_EQ(actual.energy_offset(), expected.energy_offset());
}

TEST(EdgeList, ParsesCommentsBlankLinesFieldsAndOffset) {
    const std::string text =
        "# a triangle with a tail\n"
        "\n"
        "   # indented comment\n"
        "N 4   # four sites\n"
        "0 1 1.0\n"
        "1\t2  -0.5   # tabs and spaces\r\n"
        "2 0 +2e-1\n"
        "h 3 0.25\n"
        "3 2 1.5#comment right after a number\n"
        "E0 -2.5\n";
    const Model model = parse_edge_list(text, "tail.txt");
    EXPECT_EQ(model.num_sites(), 4);
    const std::vector<Edge> edges = {{0, 1}, {1, 2}, {0, 2}, {2, 3}};  // stored with i < j
    EXPECT_EQ(model.edges(), edges);
    EXPECT_EQ(model.couplings(), (std::vector<double>{1.0, -0.5, 0.2, 1.5}));
    EXPECT_EQ(model.fields(), (std::vector<double>{0.0, 0.0, 0.0, 0.25}));
    EXPECT_EQ(model.energy_offset(), -2.5);
    EXPECT_EQ(model.describe("lattice"), "file");
    EXPECT_EQ(model.describe("file"), "tail.txt");
    // The file's numbers are the model's: no "J" or "h" in the description (which would read
    // as a uniform coupling and field), and no scale or shift where none was applied.
    EXPECT_EQ(model.description(), (Description{{"lattice", "file"}, {"file", "tail.txt"}}));
}

TEST(EdgeList, RepeatedEdgesAddTheirCouplings) {
    // (0,1) three times in both orders: one bond of strength 1 + 0.5 - 0.25, as Model adds them.
    const Model model = parse_edge_list("N 3\n0 1 1\n1 0 0.5\n1 2 2\n0 1 -0.25\n", "repeat.txt");
    ASSERT_EQ(model.num_edges(), 2u);
    EXPECT_EQ(model.edges()[0], (Edge{0, 1}));
    EXPECT_EQ(model.couplings()[0], 1.25);
    EXPECT_EQ(model.couplings()[1], 2.0);
}

TEST(EdgeList, ScalesCouplingsAndAddsAField) {
    const Model model = parse_edge_list("N 2\n0 1 1.5\nh 1 0.5\n", "s.txt", -2.0, 0.25);
    EXPECT_EQ(model.couplings()[0], -3.0);
    EXPECT_EQ(model.fields(), (std::vector<double>{0.25, 0.75}));
    EXPECT_EQ(
        model.description(),
        (Description{
            {"lattice", "file"}, {"file", "s.txt"}, {"J_scale", "-2"}, {"extra_field", "0.25"}}));
    // H(+,-) = -J s0 s1 - h0 s0 - h1 s1 = -(-3)(-1) - 0.25 + 0.75 by hand.
    const std::vector<signed char> spins = {1, -1};
    EXPECT_DOUBLE_EQ(model.energy(spins), -3.0 - 0.25 + 0.75);
}

TEST(EdgeList, SitesWithoutEdgesAreAllowed) {
    // An isolated site is a valid (if dull) model: it contributes ln(2 cosh(beta h)).
    const Model model = parse_edge_list("N 3\n0 1 1\n", "iso.txt");
    EXPECT_EQ(model.num_sites(), 3);
    EXPECT_EQ(model.num_edges(), 1u);
}

TEST(EdgeList, AByteOrderMarkAtTheStartIsSkipped) {
    // Editors on Windows start UTF-8 files with EF BB BF; it is not part of the text.
    const Model model = parse_edge_list("\xef\xbb\xbfN 2\n0 1 1.5\n", "bom.txt");
    EXPECT_EQ(model.num_sites(), 2);
    EXPECT_EQ(model.couplings(), std::vector<double>{1.5});
    // Elsewhere the same bytes are text like any other UTF-8 (here a token that is no site).
    EXPECT_THROW(parse_edge_list("N 2\n\xef\xbb\xbf"
                                 "0 1 1.5\n",
                                 "bom.txt"),
                 ParseError);
}

TEST(EdgeList, RejectsNonFiniteScaleOrField) {
    EXPECT_THROW(parse_edge_list("N 2\n0 1 1\n", "x.txt", std::nan(""), 0.0), ModelError);
    EXPECT_THROW(parse_edge_list("N 2\n0 1 1\n", "x.txt", 1.0, HUGE_VAL), ModelError);
}

/// One malformed input: the message must start with "bad.txt:<line>: " (or "bad.txt: " when
/// there is no line to blame) and contain `fragment`.
struct BadInput {
    const char* name;
    const char* text;
    int line;  // 0: the whole file is at fault
    const char* fragment;
};

class EdgeListErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(EdgeListErrors, NameFileLineAndReason) {
    const BadInput& bad = GetParam();
    try {
        parse_edge_list(bad.text, "bad.txt");
        FAIL() << "expected ParseError";
    } catch (const ParseError& e) {
        const std::string message = e.what();
        const std::string prefix =
            bad.line > 0 ? "bad.txt:" + std::to_string(bad.line) + ": " : "bad.txt: ";
        EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
        EXPECT_NE(message.find(bad.fragment), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << "one-line message";
    }
}

INSTANTIATE_TEST_SUITE_P(
    EdgeList, EdgeListErrors,
    ::testing::Values(
        BadInput{"empty", "", 0, "no 'N"},
        BadInput{"only_comments", "# nothing\n\n  # here\n", 0, "no 'N"},
        BadInput{"missing_N", "# edges first\n0 1 1.0\n", 2, "expected 'N"},
        BadInput{"N_zero", "N 0\n", 1, "not a positive integer"},
        BadInput{"N_negative", "N -3\n", 1, "not a positive integer"},
        BadInput{"N_fraction", "N 2.5\n", 1, "not a positive integer"},
        BadInput{"N_word", "N four\n", 1, "not a positive integer"},
        BadInput{"N_huge", "N 99999999999\n", 1, "too large"},
        BadInput{"N_alone", "N\n", 1, "found 1 fields"},
        BadInput{"N_trailing", "N 4 5\n", 1, "found 3 fields"},
        BadInput{"N_twice", "N 4\n0 1 1\nN 4\n", 3, "first on line 1"},
        BadInput{"site_out_of_range", "N 4\n0 4 1\n", 2, "site 4 is out of range 0..3"},
        BadInput{"site_negative", "N 4\n-1 2 1\n", 2, "site -1 is out of range"},
        BadInput{"site_fraction", "N 4\n0 1.5 1\n", 2, "site '1.5' is not an integer"},
        BadInput{"site_huge", "N 4\n0 99999999999999999999 1\n", 2,
                 "site '99999999999999999999' is out of range 0..3"},
        BadInput{"site_word", "N 4\nzero 1 1\n", 2, "site 'zero' is not an integer"},
        BadInput{"self_loop", "# c\n\nN 4\n# x\n2 2 1\n", 5, "self-loop on site 2"},
        BadInput{"J_word", "N 4\n0 1 strong\n", 2, "coupling 'strong' is not a number"},
        BadInput{"J_garbage", "N 4\n0 1 1.0x\n", 2, "coupling '1.0x' is not a number"},
        BadInput{"trailing_field", "N 4\n0 1 1.0 7\n", 2, "expected 'i j J', found 4 fields"},
        BadInput{"missing_J", "N 4\n0 1 1\n1 2\n", 3, "expected 'i j J', found 2 fields"},
        BadInput{"J_inf", "N 4\n0 1 inf\n", 2, "coupling 'inf' is not finite"},
        BadInput{"J_nan", "N 4\n0 1 nan\n", 2, "coupling 'nan' is not finite"},
        BadInput{"J_overflow", "N 4\n0 1 1e400\n", 2, "coupling '1e400' is out of range"},
        BadInput{"J_double_sign", "N 4\n0 1 +-1\n", 2, "not a number"},
        BadInput{"field_twice", "N 4\nh 1 0.5\n0 1 1\nh 1 0.2\n", 4,
                 "second field for site 1 (first on line 2)"},
        BadInput{"field_site", "N 4\nh 4 0.5\n", 2, "site 4 is out of range"},
        BadInput{"field_value", "N 4\nh 1 big\n", 2, "field 'big' is not a number"},
        BadInput{"field_inf", "N 4\nh 1 -inf\n", 2, "field '-inf' is not finite"},
        BadInput{"field_short", "N 4\nh 1\n", 2, "expected 'h <site> <value>'"},
        BadInput{"offset_twice", "N 4\nE0 1\nE0 2\n", 3, "second E0 line (first on line 2)"},
        BadInput{"offset_nan", "N 4\nE0 nan\n", 2, "energy offset 'nan' is not finite"},
        BadInput{"offset_short", "N 4\nE0\n", 2, "expected 'E0 <value>'"},
        // Each J is finite, their sum is not.
        BadInput{"sum_overflows", "N 2\n0 1 1e308\n1 0 1e308\n", 0, "not finite"},
        // The cap of generated lattices, 2^30 sites, holds for files too.
        BadInput{"N_beyond_cap", "N 1073741825\n", 1,
                 "number of sites 1073741825 is too large (a model has at most 2^30 = "
                 "1073741824)"},
        // N at the cap allocates nothing before the data backs it: the error comes at once.
        BadInput{"N_at_cap_then_error", "N 1073741824\n0 1 oops\n", 2,
                 "coupling 'oops' is not a number"},
        BadInput{"control_byte", "N 4\n0 1 \x01\n", 2, "not a text file (byte 0x01 at column 5)"},
        BadInput{"escape_sequence", "N 4\n\x1b[31m 1 1\n", 2, "not a text file (byte 0x1b"},
        BadInput{"latin1_token", "N 4\n0 1 caf\xe9\n", 2, "coupling 'caf\\xe9' is not a number"},
        BadInput{
            "long_token",
            "N 4\n0 1 "
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
            "xxxxxxxxxxxxxxxxxxxxxxxxxx\n",
            2,
            "coupling 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a "
            "number"}),
    [](const ::testing::TestParamInfo<BadInput>& param_info) {
        return std::string(param_info.param.name);
    });

TEST_F(EdgeListFileTest, ErrorsNameThePath) {
    const fs::path path = dir_ / "bad.txt";
    write_file(path, "N 3\n0 1 1\n0 3 1\n");
    try {
        read_edge_list(path);
        FAIL() << "expected ParseError";
    } catch (const ParseError& e) {
        EXPECT_EQ(std::string(e.what()).rfind(path.string() + ":3: ", 0), 0u) << e.what();
    }
}

TEST_F(EdgeListFileTest, MissingFileOrDirectoryIsAnIoError) {
    EXPECT_THROW(read_edge_list(dir_ / "absent.txt"), IoError);
    EXPECT_THROW(read_edge_list(dir_), IoError);
    EXPECT_THROW(write_edge_list(parse_edge_list("N 1\n", "one"), dir_ / "missing" / "out.txt"),
                 IoError);
}

TEST_F(EdgeListFileTest, WriteThenReadGivesTheSameModel) {
    // Gaussian couplings and fields have full 53-bit mantissas: any loss in the decimal
    // text would show as an inexact coupling. A repeated bond checks the writer sees sums.
    Rng rng(42);
    std::vector<Edge> edges;
    std::vector<double> couplings;
    for (int i = 0; i < 7; ++i) {
        for (int j = i + 1; j < 7; j += 2) {
            edges.push_back({j, i});
            couplings.push_back(rng.normal() * 1e-3);
        }
    }
    edges.push_back({0, 1});
    couplings.push_back(1e-300);
    std::vector<double> fields(7);
    for (double& h : fields) h = rng.normal();
    fields[3] = 0.0;  // written as no h line, read back as 0
    const Model model(7, edges, couplings, fields, -1.0 / 3.0, {{"lattice", "test"}});

    const fs::path path = dir_ / "model.txt";
    write_edge_list(model, path, "first line\n\nthird line");
    const Model back = read_edge_list(path);
    expect_same_model(model, back);
    EXPECT_EQ(back.describe("file"), path.string());

    // And a second trip gives the same text.
    const fs::path again = dir_ / "again.txt";
    write_edge_list(back, again, "first line\n\nthird line");
    expect_same_model(model, read_edge_list(again));
}

TEST_F(EdgeListFileTest, CommentsCannotBreakTheFile) {
    // A comment or description value with a newline must stay a comment.
    const Model model(2, {{0, 1}}, {1.0}, {0.0, 0.0}, 0.0, {{"note", "two\nN 5"}});
    const fs::path path = dir_ / "c.txt";
    write_edge_list(model, path, "N 9\n0 1 5");
    expect_same_model(model, read_edge_list(path));
}

// What the reader refuses (a byte that is not text, a line over 64 KiB) is refused before
// anything is written: the file would be one that read_edge_list cannot read.
TEST_F(EdgeListFileTest, CommentsTheReaderWouldRefuseAreNotWritten) {
    const Model model(2, {{0, 1}}, {1.0}, {0.0, 0.0});
    const fs::path path = dir_ / "refused.txt";
    EXPECT_THROW(write_edge_list(model, path, std::string("a\0b", 3)), ModelError);
    EXPECT_THROW(write_edge_list(model, path, "bell \a"), ModelError);
    EXPECT_THROW(write_edge_list(model, path, std::string(65535, 'x')), ModelError);
    const Model described(2, {{0, 1}}, {1.0}, {0.0, 0.0}, 0.0, {{"note", "a\x7f"}});
    EXPECT_THROW(write_edge_list(described, path), ModelError);
    EXPECT_FALSE(fs::exists(path));
    // The longest line the reader takes ("# " and 65534 bytes) is written and read back.
    write_edge_list(model, path, std::string(65534, 'x'));
    expect_same_model(model, read_edge_list(path));
}

/// The committed instances load and match the generator calls their headers name. The SK
/// couplings come from Box-Muller through libm's log and cos, which may differ in the last
/// bit between platforms, hence a 4-ulp comparison there; +-J and uniform couplings are exact.
TEST(CommittedLattices, PlusMinusJ4x4Periodic) {
    const Model model = read_edge_list(kLatticeDir / "pm_4x4_periodic.txt");
    CouplingSpec spec;
    spec.disorder = Disorder::pm;
    spec.seed = 1;
    const Model expected =
        build_model(make_lattice({LatticeKind::square, {4, 4}, Boundary::periodic}), spec);
    EXPECT_EQ(model.num_sites(), 16);
    EXPECT_EQ(model.num_edges(), 32u);  // 2 bonds per site on the torus
    expect_same_model(expected, model);
    for (double J : model.couplings()) EXPECT_EQ(std::abs(J), 1.0);
}

TEST(CommittedLattices, SherringtonKirkpatrick16) {
    const Model model = read_edge_list(kLatticeDir / "sk_16.txt");
    CouplingSpec spec;
    spec.disorder = Disorder::sk;
    spec.seed = 1;
    const Model expected =
        build_model(make_lattice({LatticeKind::complete, {16}, Boundary::periodic}), spec);
    EXPECT_EQ(model.num_sites(), 16);
    EXPECT_EQ(model.num_edges(), 120u);  // 16 * 15 / 2 pairs
    EXPECT_EQ(model.edges(), expected.edges());
    ASSERT_EQ(model.couplings().size(), expected.couplings().size());
    for (std::size_t e = 0; e < model.couplings().size(); ++e) {
        EXPECT_DOUBLE_EQ(model.couplings()[e], expected.couplings()[e]) << "edge " << e;
    }
    EXPECT_EQ(model.fields(), expected.fields());
}

TEST(CommittedLattices, Triangular3x4Periodic) {
    const Model model = read_edge_list(kLatticeDir / "triangular_3x4_periodic.txt");
    const Model expected =
        build_model(make_lattice({LatticeKind::triangular, {3, 4}, Boundary::periodic}), {});
    EXPECT_EQ(model.num_sites(), 12);
    EXPECT_EQ(model.num_edges(), 36u);  // coordination 6: 3 bonds per site
    EXPECT_EQ(model.max_degree(), 6);
    expect_same_model(expected, model);
}

}  // namespace
}  // namespace isingmf
