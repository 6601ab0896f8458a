// libFuzzer target: the UAI reader (parse_uai). Built with
// -DISINGMF_BUILD_FUZZERS=ON and clang; run by scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static_cast<void>(
        isingmf::fuzz::uai(std::string_view(reinterpret_cast<const char*>(data), size)));
    return 0;
}
