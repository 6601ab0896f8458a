#include "output_file.hpp"

#include <fmt/format.h>

#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf::cli {

void prepare_output(const std::filesystem::path& path, bool force) {
    for (const std::filesystem::path& stale : remove_stale_temporaries(path)) {
        fmt::print(stderr, "isingmf: removed {}, left by a process that no longer runs\n",
                   printable(stale.string()));
    }
    check_output_file(path, force);
}

}  // namespace isingmf::cli
