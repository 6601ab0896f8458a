#pragma once
/// Line and whitespace splitting shared by the line-oriented text readers of lattices/.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "isingmf/lattices/detail/text_input.hpp"

namespace isingmf::detail {

/// The whitespace-separated fields of `line` (spaces, tabs, CR, VT, FF), as views into it.
inline std::vector<std::string_view> split_fields(std::string_view line) {
    constexpr std::string_view kSpace = " \t\r\v\f";
    std::vector<std::string_view> fields;
    std::size_t pos = line.find_first_not_of(kSpace);
    while (pos != std::string_view::npos) {
        const std::size_t end = line.find_first_of(kSpace, pos);
        fields.push_back(
            line.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        pos = end == std::string_view::npos ? end : line.find_first_not_of(kSpace, end);
    }
    return fields;
}

/// Longer lines are not text these readers accept (a comment of a page is already generous).
inline constexpr std::size_t kMaxFieldLineLength = 65536;

/// Calls visit(line_number, fields) for each line of `input` (numbered from 1) that has fields
/// once everything from '#' on is dropped. Throws ParseError (from TextInput) on a line longer
/// than `max_length` or a byte that is not text.
template <class Visit>
void for_each_field_line(TextInput& input, Visit&& visit,
                         std::size_t max_length = kMaxFieldLineLength) {
    std::string text;
    std::size_t line_number = 0;
    while (input.next_line(text, max_length)) {
        ++line_number;
        std::string_view line = text;
        line = line.substr(0, line.find('#'));
        const std::vector<std::string_view> fields = split_fields(line);
        if (!fields.empty()) visit(line_number, fields);
    }
}

}  // namespace isingmf::detail
