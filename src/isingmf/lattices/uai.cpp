#include "isingmf/lattices/uai.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "isingmf/lattices/detail/text_input.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/checks.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {
namespace {

// No token of a UAI file is longer than a number with its exponent; a longer one means the
// file is not UAI text.
constexpr std::size_t kMaxTokenLength = 256;

// Whitespace-separated tokens with the line each starts on, for messages.
class Tokens {
public:
    explicit Tokens(detail::TextInput& input) : input_(input) {}

    // Next token, or an empty view at the end of the file.
    std::string_view next() {
        if (!input_.next_token(token_, kMaxTokenLength)) token_.clear();
        line_of_last_ = input_.line();
        return token_;
    }

    bool at_end() {
        if (!input_.next_token(token_, kMaxTokenLength)) return true;
        line_of_last_ = input_.line();
        return false;
    }

    // The last token read: the one at_end() found, or the number real() just read.
    std::string_view pending() const { return token_; }

    // A non-negative integer that names `what`; anything else is an error naming it.
    long long integer(const std::string& what) {
        const std::string_view tok = next();
        if (tok.empty()) fail(fmt::format("file ends where {} should be", what));
        long long value = 0;
        const auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), value);
        if (ec != std::errc() || end != tok.data() + tok.size() || value < 0) {
            fail(fmt::format("expected {} (a non-negative integer), found {}", what,
                             quote_token(tok)));
        }
        return value;
    }

    // A number, as a long double: a table entry beyond double's range (1e-400, 1e400) is a
    // positive finite number all the same, and its log an ordinary double. Beyond long
    // double's range it reads as 0 or inf, for the caller's checks to name.
    long double real(const std::string& what) {
        const std::string_view tok = next();
        if (tok.empty()) fail(fmt::format("file ends where {} should be", what));
        double value = 0.0;
        const auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), value);
        if ((ec != std::errc() && ec != std::errc::result_out_of_range) ||
            end != tok.data() + tok.size()) {
            fail(fmt::format("expected {} (a number), found {}", what, quote_token(tok)));
        }
        // A subnormal double keeps only some of the digits written (0.3e-320 reads as
        // 0.29998e-320): long double holds them all.
        if (ec == std::errc::result_out_of_range || (value != 0.0 && !std::isnormal(value)))
            return std::strtold(token_.c_str(), nullptr);
        return value;
    }

    [[noreturn]] void fail(const std::string& reason) const {
        throw ParseError(fmt::format("{}: {}", input_.where(line_of_last_), reason));
    }

private:
    detail::TextInput& input_;
    std::string token_;
    std::size_t line_of_last_ = 1;
};

// Whether a number's text spells infinity ("inf", "-Infinity"), not a number too large.
bool names_infinity(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) { return c == 'i' || c == 'I'; });
}

// Whether a number's text is a zero as written ("0", "-0.00e5"), not a number too small.
bool is_written_zero(std::string_view text) {
    const std::string_view mantissa = text.substr(0, text.find_first_of("eE"));
    return std::all_of(mantissa.begin(), mantissa.end(),
                       [](char c) { return c == '0' || c == '.' || c == '+' || c == '-'; });
}

// ln of a positive finite entry: std::log of the double where the entry is one (the
// common case, to the bit as always), else the long double's log.
double log_of_entry(long double value) {
    const auto as_double = static_cast<double>(value);
    if (std::isnormal(as_double) && static_cast<long double>(as_double) == value)
        return std::log(as_double);
    return static_cast<double>(std::log(value));
}

// The reader proper, for a file or text in memory.
Model parse_uai_input(detail::TextInput& input) {
    Tokens tok(input);

    const std::string_view kind = tok.next();
    if (kind.empty()) tok.fail("empty file (expected a UAI MARKOV model)");
    if (kind != "MARKOV") {
        tok.fail(fmt::format("{} models are not supported (expected MARKOV: a Markov network)",
                             quote_token(kind)));
    }
    const long long num_vars = tok.integer("the number of variables");
    if (num_vars < 1 || num_vars > kMaxModelSites) {
        tok.fail(fmt::format("the number of variables must be between 1 and 2^30 = {}, got {}",
                             kMaxModelSites, num_vars));
    }
    const auto n = static_cast<std::size_t>(num_vars);
    for (std::size_t v = 0; v < n; ++v) {
        const long long card = tok.integer(fmt::format("the cardinality of variable {}", v));
        if (card != 2) {
            tok.fail(fmt::format(
                "variable {} has cardinality {}; only binary variables are supported", v, card));
        }
    }
    const long long num_factors = tok.integer("the number of factors");

    // A header that declares more factors than the file lists makes the first table look
    // like one more scope: say so where that is a likely reading of the mistake.
    const auto count_hint = [&](long long f) {
        return f == 0 ? std::string()
                      : fmt::format(
                            "; or the header's {} factors are more than the scopes listed, "
                            "and this is the first table",
                            num_factors);
    };
    std::vector<std::vector<int>> scopes;
    for (long long f = 0; f < num_factors; ++f) {
        const long long arity = tok.integer(fmt::format("the number of variables of factor {}", f));
        if (arity > 2) {
            tok.fail(fmt::format(
                "factor {} has {} variables, but only factors of at most 2 variables are "
                "supported{}",
                f, arity, count_hint(f)));
        }
        std::vector<int> scope;
        for (long long k = 0; k < arity; ++k) {
            const long long var = tok.integer(fmt::format("variable {} of factor {}", k, f));
            if (var >= num_vars) {
                tok.fail(fmt::format("factor {} names variable {}, outside 0..{}{}", f, var,
                                     num_vars - 1, count_hint(f)));
            }
            if (!scope.empty() && scope[0] == var)
                tok.fail(fmt::format("factor {} names variable {} twice", f, var));
            scope.push_back(static_cast<int>(var));
        }
        scopes.push_back(std::move(scope));
    }

    std::vector<double> fields(n, 0.0);
    std::vector<Edge> edges;
    std::vector<double> couplings;
    double constant = 0.0;  // sum of the c's: ln Z_file = constant + ln Z_Ising(beta = 1)
    for (std::size_t f = 0; f < scopes.size(); ++f) {
        const std::vector<int>& scope = scopes[f];
        const long long expected = 1LL << scope.size();
        const long long count =
            tok.integer(fmt::format("the number of table entries of factor {}", f));
        if (count != expected) {
            tok.fail(
                fmt::format("factor {} has {} table entries, expected {} for {} binary variable(s)",
                            f, count, expected, scope.size()));
        }
        double ln[4] = {};
        for (long long e = 0; e < count; ++e) {
            const long double value = tok.real(fmt::format("entry {} of factor {}", e, f));
            const std::string_view text = tok.pending();
            // Beyond long double's range (about 1e-4951 to 1e4932) a number reads as 0 or inf.
            if (std::isinf(value) && !names_infinity(text)) {
                tok.fail(
                    fmt::format("factor {} entry {} is {}, beyond the largest long double "
                                "(about 1.2e4932); entries must be finite",
                                f, e, text));
            }
            if (value == 0.0L && !is_written_zero(text)) {
                tok.fail(
                    fmt::format("factor {} entry {} is {}, below the smallest long double "
                                "(about 3.6e-4951), so it reads as 0; entries must be "
                                "positive",
                                f, e, text));
            }
            if (!std::isfinite(value))
                tok.fail(
                    fmt::format("factor {} entry {} is {}; entries must be finite", f, e, text));
            if (value <= 0.0L) {
                tok.fail(fmt::format(
                    "factor {} entry {} is {}; entries must be positive (a zero is a hard "
                    "constraint, which an Ising model cannot express)",
                    f, e, text));
            }
            ln[e] = log_of_entry(value);
        }
        if (scope.empty()) {
            constant += ln[0];
        } else if (scope.size() == 1) {
            fields[static_cast<std::size_t>(scope[0])] += (ln[1] - ln[0]) / 2.0;
            constant += (ln[0] + ln[1]) / 2.0;
        } else {  // entries f00, f01, f10, f11: the second variable changes fastest
            edges.push_back({scope[0], scope[1]});
            couplings.push_back((ln[0] + ln[3] - ln[1] - ln[2]) / 4.0);
            fields[static_cast<std::size_t>(scope[0])] += (ln[2] + ln[3] - ln[0] - ln[1]) / 4.0;
            fields[static_cast<std::size_t>(scope[1])] += (ln[1] + ln[3] - ln[0] - ln[2]) / 4.0;
            constant += (ln[0] + ln[1] + ln[2] + ln[3]) / 4.0;
        }
    }
    if (!tok.at_end()) {
        tok.fail(fmt::format(
            "unexpected {} after the table of the last factor (the header declares {} factors)",
            quote_token(tok.pending()), num_factors));
    }
    return Model(static_cast<int>(num_vars), std::move(edges), std::move(couplings),
                 std::move(fields), -constant, {{"lattice", "uai"}, {"file", input.source()}});
}

}  // namespace

Model read_uai(const std::filesystem::path& path) {
    detail::TextInput input(path, detail::TextInput::Style::word);
    return parse_uai_input(input);
}

Model parse_uai(std::string_view text, const std::string& source) {
    detail::TextInput input(text, source, detail::TextInput::Style::word);
    return parse_uai_input(input);
}

void write_uai(const Model& model, const std::filesystem::path& path, double beta, bool overwrite) {
    check_beta(beta);
    const int n = model.num_sites();
    // The constant exp(-beta E0) may be far outside the double range as one number, so it
    // is spread over the N unary tables.
    const double c = -beta * model.energy_offset() / static_cast<double>(n);

    const auto entry = [&](double log_value, const std::string& what) {
        const double value = std::exp(log_value);
        if (!(value >= std::numeric_limits<double>::min()) || !std::isfinite(value)) {
            throw ModelError(fmt::format(
                "cannot write {} at beta = {}: a table entry of {} is exp({}), outside the "
                "double range",
                path.string(), beta, what, log_value));
        }
        return value;
    };

    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out), "MARKOV\n{}\n", n);
    for (int i = 0; i < n; ++i) fmt::format_to(std::back_inserter(out), "{}2", i == 0 ? "" : " ");
    fmt::format_to(std::back_inserter(out), "\n{}\n",
                   static_cast<std::size_t>(n) + model.num_edges());
    for (int i = 0; i < n; ++i) fmt::format_to(std::back_inserter(out), "1 {}\n", i);
    for (const Edge& e : model.edges())
        fmt::format_to(std::back_inserter(out), "2 {} {}\n", e.i, e.j);
    for (int i = 0; i < n; ++i) {
        const double bh = beta * model.fields()[static_cast<std::size_t>(i)];
        const std::string what = fmt::format("site {}", i);
        fmt::format_to(std::back_inserter(out), "\n2\n{:.17g} {:.17g}\n", entry(c - bh, what),
                       entry(c + bh, what));
    }
    for (std::size_t e = 0; e < model.num_edges(); ++e) {
        const double bj = beta * model.couplings()[e];
        const std::string what =
            fmt::format("edge ({}, {})", model.edges()[e].i, model.edges()[e].j);
        const double same = entry(bj, what);
        const double differ = entry(-bj, what);
        fmt::format_to(std::back_inserter(out), "\n4\n{:.17g} {:.17g}\n{:.17g} {:.17g}\n", same,
                       differ, differ, same);
    }

    write_text_atomically(path, std::string_view(out.data(), out.size()), overwrite);
}

}  // namespace isingmf
