#pragma once
/// Line and whitespace splitting shared by the line-oriented text readers of lattices/.

#include <cstddef>
#include <string_view>
#include <vector>

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

/// Calls visit(line_number, fields) for each line of `text` (numbered from 1, split at '\n')
/// that has fields once everything from '#' on is dropped.
template <class Visit>
void for_each_field_line(std::string_view text, Visit&& visit) {
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        ++line_number;
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        line = line.substr(0, line.find('#'));
        const std::vector<std::string_view> fields = split_fields(line);
        if (!fields.empty()) visit(line_number, fields);
    }
}

}  // namespace isingmf::detail
