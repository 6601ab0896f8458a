#include "isingmf/lattices/uai.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "isingmf/exact/eliminate.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

fs::path shared_file(const std::string& name) { return fs::path(ISINGMF_UAI_GRIDS_DIR) / name; }

// A fresh temporary directory per test, removed afterwards.
class UaiTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() / fmt_name(info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write(const std::string& name, const std::string& text) const {
        const fs::path path = dir_ / name;
        std::ofstream(path) << text;
        return path;
    }

    static std::string fmt_name(const std::string& test) {
        return fmt::format("isingmf_uai_test_{}_{}", test, ::getpid());
    }

    fs::path dir_;
};

double ln_z(const Model& model, double beta = 1.0) {
    return eliminate_exact(model, std::vector<double>{beta})[0].ln_z;
}

// ln Z of a UAI network by summing its product of tables over all 2^N states: an oracle
// that does not go through the Ising conversion. Tables are (scope, entries), last
// variable fastest.
double brute_ln_z(int n,
                  const std::vector<std::pair<std::vector<int>, std::vector<double>>>& factors) {
    double z = 0.0;
    for (unsigned s = 0; s < (1U << n); ++s) {
        double w = 1.0;
        for (const auto& [scope, table] : factors) {
            std::size_t idx = 0;
            for (int v : scope) idx = 2 * idx + ((s >> v) & 1U);
            w *= table[idx];
        }
        z += w;
    }
    return std::log(z);
}

TEST_F(UaiTest, GridInstancesGiveThePublishedLnZ) {
    // Exact ln Z from tests/data/uai2014-grids/README.md (6-decimal values from
    // exact elimination, agreeing with the published log10 Z); tolerance 1e-6 relative
    // as that README prescribes.
    const std::vector<std::pair<std::string, double>> cases{{"Grids_11.uai", 390.077166},
                                                            {"Grids_12.uai", 697.881206},
                                                            {"Grids_13.uai", 767.500738},
                                                            {"Grids_14.uai", 1146.142775}};
    for (const auto& [name, expected] : cases) {
        const Model model = read_uai(shared_file(name));
        EXPECT_EQ(model.num_sites(), 100) << name;
        EXPECT_EQ(model.describe("lattice"), "uai");
        EXPECT_EQ(model.describe("file"), shared_file(name).string());
        EXPECT_NEAR(ln_z(model), expected, 1e-6 * expected) << name;
    }
    // Structure column of the README: Grids_12 is an open 10x10 grid, the others tori.
    EXPECT_EQ(read_uai(shared_file("Grids_12.uai")).num_edges(), 180u);
    EXPECT_EQ(read_uai(shared_file("Grids_11.uai")).num_edges(), 200u);
}

TEST_F(UaiTest, ConversionMatchesTheTablesExactly) {
    // Asymmetric tables, a constant factor, two unaries on one variable, a pair listed in
    // both orders: ln Z of the converted model equals the direct sum over the tables.
    const std::vector<std::pair<std::vector<int>, std::vector<double>>> factors{
        {{0}, {0.3, 1.7}},
        {{0, 1}, {2.0, 0.5, 0.25, 3.0}},
        {{2, 1}, {1.5, 0.2, 0.9, 4.0}},
        {{1, 2}, {0.7, 1.1, 2.2, 0.4}},
        {{2}, {5.0, 0.1}},
        {{2}, {0.6, 0.6}},
        {{}, {3.5}},
        {{3, 0}, {1.0, 2.0, 3.0, 4.0}},
    };
    std::string text = fmt::format("MARKOV\n4\n2 2 2 2\n{}\n", factors.size());
    for (const auto& [scope, table] : factors)
        text += fmt::format("{} {}\n", scope.size(), fmt::join(scope, " "));
    for (const auto& [scope, table] : factors)
        text += fmt::format("\n{}\n{}\n", table.size(), fmt::join(table, " "));
    const Model model = read_uai(write("mixed.uai", text));
    // Both are exact; 1e-12 covers rounding in a handful of logs and exps.
    EXPECT_NEAR(ln_z(model), brute_ln_z(4, factors), 1e-12);
}

TEST_F(UaiTest, EntriesBeyondTheRangeOfDoublesKeepTheirLogarithms) {
    // Every table of a factor times c multiplies Z by c: ln Z moves by ln c exactly, whatever c
    // is. With c = 1e-400 or 1e400 the entries are outside double's range (they used to read as
    // 0 and inf and be refused); 0.3e-320 as a subnormal double kept 3 of its digits.
    const std::string scopes = "MARKOV\n3\n2 2 2\n3\n1 0\n2 0 1\n2 1 2\n";
    const auto file = [&](const std::string& name, const std::string& scale) {
        const auto entry = [&](const char* mantissa) { return std::string(mantissa) + scale; };
        return write(
            name,
            scopes + fmt::format("\n2\n{} {}\n\n4\n{} {} {} {}\n\n4\n{} {} {} {}\n", entry("0.3"),
                                 entry("1.7"), entry("2"), entry("0.5"), entry("0.25"), entry("3"),
                                 entry("1.5"), entry("0.2"), entry("0.9"), entry("4")));
    };
    const double plain = ln_z(read_uai(file("plain.uai", "")));
    const double ln10 = std::log(10.0);
    // Three factors, each scaled: ln Z moves by 3 ln c. The tolerance is rounding in logs of
    // size ~1e3 (a few ulp of 2800).
    EXPECT_NEAR(ln_z(read_uai(file("tiny.uai", "e-400"))), plain - 3 * 400 * ln10, 1e-11);
    EXPECT_NEAR(ln_z(read_uai(file("huge.uai", "e400"))), plain + 3 * 400 * ln10, 1e-11);
    EXPECT_NEAR(ln_z(read_uai(file("subnormal.uai", "e-320"))), plain - 3 * 320 * ln10, 1e-11);
    EXPECT_NEAR(ln_z(read_uai(file("extreme.uai", "e-4000"))), plain - 3 * 4000 * ln10, 1e-10);
}

TEST_F(UaiTest, ExportThenImportGivesTheSameLnZ) {
    // Random fields, Gaussian couplings and a nonzero offset, at two temperatures: the file
    // at beta is the model at beta, so its ln Z at (file) beta = 1 is the model's at beta.
    // 1e-10: entries carry 17 digits, each log loses ~1e-16.
    const Model grid = build_model(
        make_lattice({LatticeKind::square, {6, 5}, Boundary::open}),
        {.J = 1.0, .h = 0.1, .disorder = Disorder::gauss, .random_field = 0.7, .seed = 3});
    const Model model(grid.num_sites(), grid.edges(), grid.couplings(), grid.fields(), -4.5,
                      grid.description());
    for (double beta : {0.0, 0.3, 1.0, 2.7}) {
        const fs::path path = dir_ / "out.uai";
        write_uai(model, path, beta);
        const Model back = read_uai(path);
        EXPECT_EQ(back.num_sites(), model.num_sites());
        EXPECT_EQ(back.num_edges(), model.num_edges());
        const double want = ln_z(model, beta);
        EXPECT_NEAR(ln_z(back), want, 1e-10 * std::max(1.0, std::abs(want))) << beta;
        EXPECT_FALSE(fs::exists(dir_ / "out.uai.tmp"));
    }
    // Re-importing a shared instance and exporting it again round-trips too.
    const Model grids = read_uai(shared_file("Grids_13.uai"));
    write_uai(grids, dir_ / "g13.uai");
    EXPECT_NEAR(ln_z(read_uai(dir_ / "g13.uai")), ln_z(grids), 1e-10 * ln_z(grids));
}

TEST_F(UaiTest, WriteReplacesAnExistingFileAndRefusesWhatItCannotWrite) {
    const Model model(2, {{0, 1}}, {1.0}, {0.0, 0.5});
    const fs::path path = write("old.uai", "garbage");
    write_uai(model, path);
    EXPECT_NEAR(ln_z(read_uai(path)), ln_z(model), 1e-12);
    // exp(+-800) is outside the double range.
    EXPECT_THROW(write_uai(Model(2, {{0, 1}}, {800.0}, {0.0, 0.0}), dir_ / "big.uai"), ModelError);
    EXPECT_THROW(write_uai(model, dir_ / "x.uai", -1.0), ModelError);
    EXPECT_THROW(write_uai(model, dir_ / "no" / "such" / "dir.uai"), IoError);
    EXPECT_FALSE(fs::exists(dir_ / "big.uai"));
}

TEST_F(UaiTest, MissingFileIsAnIoError) { EXPECT_THROW(read_uai(dir_ / "absent.uai"), IoError); }

struct Malformed {
    std::string name;
    std::string text;
    std::string reason;  // must appear in the message
};

TEST_F(UaiTest, MalformedFilesAreRefusedWithTheReason) {
    const std::string good_tables = "\n2\n 1 2\n\n4\n 1 2 3 4\n";
    const std::vector<Malformed> cases{
        {"empty", "", "empty file"},
        {"bayes", "BAYES\n2\n2 2\n0\n", "'BAYES' models are not supported"},
        {"nvars_text", "MARKOV\ntwo\n", "expected the number of variables"},
        {"nvars_zero", "MARKOV\n0\n0\n", "number of variables must be"},
        {"ternary_var", "MARKOV\n2\n2 3\n0\n", "variable 1 has cardinality 3"},
        {"arity3", "MARKOV\n3\n2 2 2\n1\n3 0 1 2\n8\n1 1 1 1 1 1 1 1\n",
         "factor 0 has 3 variables"},
        {"out_of_range", "MARKOV\n2\n2 2\n2\n1 0\n2 0 2\n" + good_tables,
         "factor 1 names variable 2, outside 0..1"},
        {"repeated", "MARKOV\n2\n2 2\n2\n1 0\n2 1 1\n" + good_tables,
         "factor 1 names variable 1 twice"},
        {"entry_count", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 2\n\n3\n 1 2 3\n",
         "factor 1 has 3 table entries, expected 4"},
        {"zero_entry", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 2\n\n4\n 1 0 3 4\n",
         "factor 1 entry 1 is 0"},
        {"negative_entry",
         "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n -1 2\n" + std::string("\n4\n 1 2 3 4\n"),
         "factor 0 entry 0 is -1"},
        {"inf_entry", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 2\n\n4\n 1 2 inf 4\n",
         "factor 1 entry 2 is inf"},
        {"overflow_entry", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 2\n\n4\n 1 2 1e99999 4\n",
         "factor 1 entry 2 is 1e99999, beyond the largest long double"},
        {"underflow_entry", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 2\n\n4\n 1 2 -3.5e-99999 4\n",
         "factor 1 entry 2 is -3.5e-99999, below the smallest long double"},
        {"written_zero", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 2\n\n4\n 1 2 0.00e-7 4\n",
         "factor 1 entry 2 is 0.00e-7; entries must be positive (a zero is a hard"},
        {"nan_entry", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 nan\n\n4\n 1 2 3 4\n",
         "factor 0 entry 1 is nan; entries must be finite"},
        {"text_entry",
         "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 two\n" + std::string("\n4\n 1 2 3 4\n"),
         "expected entry 1 of factor 0"},
        {"truncated_table", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n\n2\n 1 2\n\n4\n 1 2",
         "file ends where entry 2 of factor 1"},
        {"truncated_scopes", "MARKOV\n2\n2 2\n3\n1 0\n2 0 1\n",
         "file ends where the number of variables of factor 2"},
        // The header promises 3 factors but only 2 scopes follow: the first table is read
        // as factor 2's scope, and it names a variable that does not exist.
        {"too_many_factors", "MARKOV\n2\n2 2\n3\n1 0\n2 0 1\n" + good_tables,
         "factor 2 names variable 2, outside 0..1; or the header's 3 factors are more than the "
         "scopes listed, and this is the first table"},
        // The same mistake where the first table holds 4 entries: read as a 4-variable scope.
        {"factor_count", "MARKOV\n2\n2 2\n2\n2 0 1\n4\n1 1 1 1\n",
         "factor 1 has 4 variables, but only factors of at most 2 variables are supported; or "
         "the header's 2 factors are more than the scopes listed, and this is the first table"},
        // A genuine 3-variable factor as the first scope gets no such hint.
        {"arity3_first", "MARKOV\n3\n2 2 2\n1\n3 0 1 2\n", "are supported"},
        {"binary", std::string("MARKOV\n2\n2 \x02\n", 12), "line 3: not a text file (byte 0x02"},
        {"trailing", "MARKOV\n2\n2 2\n2\n1 0\n2 0 1\n" + good_tables + "7\n",
         "unexpected '7' after the table"},
        {"too_few_cards", "MARKOV\n3\n2 2\n1\n1 0\n2\n 1 2\n", "variable 2 has cardinality 1"},
    };
    for (const Malformed& c : cases) {
        const fs::path path = write(c.name + ".uai", c.text);
        try {
            read_uai(path);
            ADD_FAILURE() << c.name << ": accepted";
        } catch (const ParseError& e) {
            const std::string msg = e.what();
            EXPECT_EQ(msg.rfind(path.string() + ": ", 0), 0u) << c.name << ": " << msg;
            EXPECT_NE(msg.find(c.reason), std::string::npos) << c.name << ": " << msg;
        }
    }
}

}  // namespace
}  // namespace isingmf
