#include <fmt/format.h>

#include "isingmf/version.hpp"

int main() {
    fmt::print("isingmf {}\n", isingmf::kVersion);
    return 0;
}
