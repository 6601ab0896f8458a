#include "output_file.hpp"

#include <fmt/format.h>

#include <system_error>

#include "diagnostics.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/text.hpp"
#include "usage_error.hpp"

namespace isingmf::cli {

void prepare_output(const std::filesystem::path& path, bool force,
                    const std::vector<InputFile>& inputs) {
    for (const InputFile& input : inputs) {
        std::error_code error;  // either missing: they cannot be one file
        if (std::filesystem::equivalent(path, input.path, error)) {
            throw UsageError(
                fmt::format("the output '{}' is the input file of --{}; choose "
                            "another output file",
                            printable(path.string()), input.option));
        }
    }
    for (const std::filesystem::path& stale : remove_stale_temporaries(path)) {
        print_diagnostic("isingmf: removed {}, left by a process that no longer runs\n",
                         printable(stale.string()));
    }
    check_output_file(path, force);
}

}  // namespace isingmf::cli
