#pragma once
/// Whitespace splitting shared by the line-oriented text readers of lattices/.

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

}  // namespace isingmf::detail
