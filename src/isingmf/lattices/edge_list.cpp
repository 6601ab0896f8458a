#include "isingmf/lattices/edge_list.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "isingmf/lattices/detail/text_fields.hpp"
#include "isingmf/lattices/detail/text_input.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {
namespace {

/// Parses one file; keeps the position for error messages.
class EdgeListParser {
public:
    explicit EdgeListParser(const std::string& source) : source_(source) {}

    [[noreturn]] void fail(const std::string& reason) const {
        throw ParseError(fmt::format("{}:{}: {}", source_, line_, reason));
    }

    // A site index: an integer in 0..N-1 (N known once the N line is read).
    int site(std::string_view token) const {
        int index = 0;
        const std::string wrong = detail::parse_site_index(token, num_sites_, index);
        if (!wrong.empty()) fail(wrong);
        return index;
    }

    double number(std::string_view token, const char* what) const {
        // from_chars refuses a leading '+', which people write for couplings.
        std::string_view digits = token;
        if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-' && digits[1] != '+') {
            digits.remove_prefix(1);
        }
        double value = 0.0;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (error == std::errc::result_out_of_range)
            fail(fmt::format("{} {} is out of range", what, quote_token(token)));
        if (error != std::errc() || end != digits.data() + digits.size()) {
            fail(fmt::format("{} {} is not a number", what, quote_token(token)));
        }
        if (!std::isfinite(value))
            fail(fmt::format("{} {} is not finite", what, quote_token(token)));
        return value;
    }

    void sites_line(const std::vector<std::string_view>& fields) {
        if (fields[0] != "N") {
            fail(fmt::format("expected 'N <number of sites>' before anything else, found {}",
                             quote_token(fields[0])));
        }
        if (fields.size() != 2)
            fail(fmt::format("expected 'N <number of sites>', found {} fields", fields.size()));
        long long value = 0;
        const std::string_view token = fields[1];
        const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
        if (error != std::errc() || end != token.data() + token.size() || value < 1) {
            fail(fmt::format("number of sites {} is not a positive integer", quote_token(token)));
        }
        // Nothing is allocated from N here: per-site storage waits for the model, and the
        // cap is the one every model has.
        if (value > kMaxModelSites) {
            fail(fmt::format("number of sites {} is too large (a model has at most 2^30 = {})",
                             value, kMaxModelSites));
        }
        num_sites_ = static_cast<int>(value);
        sites_line_ = line_;
    }

    void field_line(const std::vector<std::string_view>& fields) {
        if (fields.size() != 3)
            fail(fmt::format("expected 'h <site> <value>', found {} fields", fields.size()));
        const int i = site(fields[1]);
        const double value = number(fields[2], "field");
        const auto [first, inserted] = field_line_.emplace(i, line_);
        if (!inserted)
            fail(fmt::format("second field for site {} (first on line {})", i, first->second));
        field_values_.emplace_back(i, value);
    }

    void offset_line(const std::vector<std::string_view>& fields) {
        if (fields.size() != 2)
            fail(fmt::format("expected 'E0 <value>', found {} fields", fields.size()));
        if (offset_line_ != 0) fail(fmt::format("second E0 line (first on line {})", offset_line_));
        energy_offset_ = number(fields[1], "energy offset");
        offset_line_ = line_;
    }

    void edge_line(const std::vector<std::string_view>& fields) {
        if (fields.size() != 3)
            fail(fmt::format("expected 'i j J', found {} fields", fields.size()));
        const int i = site(fields[0]);
        const int j = site(fields[1]);
        if (i == j) fail(fmt::format("self-loop on site {}", i));
        edges_.push_back({i, j});
        couplings_.push_back(number(fields[2], "coupling"));
    }

    Model parse(detail::TextInput& input, double J_scale, double extra_field) {
        detail::for_each_field_line(
            input, [&](std::size_t line, const std::vector<std::string_view>& fields) {
                line_ = line;
                if (num_sites_ == 0) {
                    sites_line(fields);
                } else if (fields[0] == "N") {
                    fail(fmt::format("second 'N' line (first on line {})", sites_line_));
                } else if (fields[0] == "h") {
                    field_line(fields);
                } else if (fields[0] == "E0") {
                    offset_line(fields);
                } else {
                    edge_line(fields);
                }
            });
        if (num_sites_ == 0) {
            throw ParseError(
                fmt::format("{}: no 'N <number of sites>' line (empty file?)", source_));
        }
        for (double& J : couplings_) J *= J_scale;
        std::vector<double> site_fields(static_cast<std::size_t>(num_sites_), extra_field);
        for (const auto& [i, h] : field_values_) site_fields[static_cast<std::size_t>(i)] += h;
        // The file's numbers are the model's: its description names the file, and the
        // scale and shift only where they change them (not as "J" and "h", which would read as
        // the model's coupling and field).
        Description description = {{"lattice", "file"}, {"file", source_}};
        if (J_scale != 1.0) description.emplace_back("J_scale", fmt::format("{}", J_scale));
        if (extra_field != 0.0)
            description.emplace_back("extra_field", fmt::format("{}", extra_field));
        // What can still go wrong after the line checks is overflow to infinity: a scaled
        // value (Model refuses it) or the sum of a repeated edge (Model adds without checking).
        std::optional<Model> model;
        try {
            model.emplace(num_sites_, edges_, couplings_, std::move(site_fields), energy_offset_,
                          std::move(description));
        } catch (const ModelError& e) {
            throw ParseError(fmt::format("{}: {}", source_, e.what()));
        }
        for (std::size_t e = 0; e < model->num_edges(); ++e) {
            if (!std::isfinite(model->couplings()[e])) {
                throw ParseError(fmt::format(
                    "{}: coupling of edge ({}, {}) is not finite after adding its repeats", source_,
                    model->edges()[e].i, model->edges()[e].j));
            }
        }
        return std::move(*model);
    }

private:
    const std::string& source_;
    std::size_t line_ = 0;
    int num_sites_ = 0;
    std::size_t sites_line_ = 0;
    std::vector<Edge> edges_;
    std::vector<double> couplings_;
    // Only the sites that have an h line, so that memory follows the file, not N.
    std::vector<std::pair<int, double>> field_values_;
    std::unordered_map<int, std::size_t> field_line_;  // line of each site's h line
    double energy_offset_ = 0.0;
    std::size_t offset_line_ = 0;
};

// One '#' line per line of `text`, so a comment can never end up as data.
// `what` names the text in the errors: a comment that read_edge_list would refuse is refused
// here, before anything is written.
void append_comment(std::string& out, std::string_view text, std::string_view what) {
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = text.substr(start, end - start);
        for (std::size_t k = 0; k < line.size(); ++k) {
            if (!detail::is_text(static_cast<unsigned char>(line[k]))) {
                throw ModelError(fmt::format(
                    "{} has byte 0x{:02x}, which an edge-list file cannot hold (not text)", what,
                    static_cast<unsigned char>(line[k])));
            }
        }
        if (line.size() + 2 > detail::kMaxFieldLineLength) {
            throw ModelError(
                fmt::format("{} has a line of {} bytes; an edge-list line holds at most {}", what,
                            line.size() + 2, detail::kMaxFieldLineLength));
        }
        out += line.empty() ? "#\n" : fmt::format("# {}\n", line);
        start = end + 1;
    }
}

}  // namespace

Model parse_edge_list(std::string_view text, const std::string& source, double J_scale,
                      double extra_field) {
    if (!std::isfinite(J_scale) || !std::isfinite(extra_field)) {
        throw ModelError(fmt::format("coupling scale {} and extra field {} must be finite", J_scale,
                                     extra_field));
    }
    detail::TextInput input(text, source);
    return EdgeListParser(source).parse(input, J_scale, extra_field);
}

Model read_edge_list(const std::filesystem::path& path, double J_scale, double extra_field) {
    if (!std::isfinite(J_scale) || !std::isfinite(extra_field)) {
        throw ModelError(fmt::format("coupling scale {} and extra field {} must be finite", J_scale,
                                     extra_field));
    }
    detail::TextInput input(path);
    return EdgeListParser(input.source()).parse(input, J_scale, extra_field);
}

void write_edge_list(const Model& model, const std::filesystem::path& path,
                     const std::string& comment, bool overwrite) {
    std::string out;
    if (!comment.empty()) append_comment(out, comment, "the comment");
    if (!model.description().empty()) {
        std::string line = "description:";
        for (const auto& [key, value] : model.description())
            line += fmt::format(" {}={}", key, value);
        append_comment(out, line, "the model's description");
    }
    out += fmt::format("N {}\n", model.num_sites());
    // fmt's "{}" prints the shortest decimal that reads back to the same double.
    for (std::size_t e = 0; e < model.num_edges(); ++e) {
        out +=
            fmt::format("{} {} {}\n", model.edges()[e].i, model.edges()[e].j, model.couplings()[e]);
    }
    for (int i = 0; i < model.num_sites(); ++i) {
        const double h = model.fields()[static_cast<std::size_t>(i)];
        if (h != 0.0) out += fmt::format("h {} {}\n", i, h);
    }
    if (model.energy_offset() != 0.0) out += fmt::format("E0 {}\n", model.energy_offset());

    write_text_atomically(path, out, overwrite);
}

}  // namespace isingmf
