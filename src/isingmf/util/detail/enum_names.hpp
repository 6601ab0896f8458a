#pragma once
/// One table of names per enum, read both ways: to_string and parsing share it, and the
/// parse error lists exactly the names the table holds.

#include <fmt/format.h>

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf::detail {

/// The names of an enum's values, in the order they are listed to users.
template <class Enum, std::size_t N>
using EnumNames = std::array<std::pair<Enum, std::string_view>, N>;

/// The name of `value`; "?" for a value the table lacks (a bug, never user input).
template <class Enum, std::size_t N>
std::string enum_name(const EnumNames<Enum, N>& names, Enum value) {
    for (const auto& [v, name] : names) {
        if (v == value) return std::string(name);
    }
    return "?";
}

/// The value named `text`; throws ParseError "unknown <what> 'text' (expected a, b or c)".
template <class Enum, std::size_t N>
Enum parse_enum(const EnumNames<Enum, N>& names, std::string_view text, std::string_view what) {
    for (const auto& [v, name] : names) {
        if (name == text) return v;
    }
    std::string expected;
    for (std::size_t k = 0; k < N; ++k) {
        if (k > 0) expected += k + 1 == N ? " or " : ", ";
        expected += names[k].second;
    }
    throw ParseError(fmt::format("unknown {} {} (expected {})", what, quote_token(text), expected));
}

}  // namespace isingmf::detail
