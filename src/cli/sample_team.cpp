#include "sample_team.hpp"

#include <cstdlib>
#include <utility>

#ifdef ISINGMF_HAVE_MPI
#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <system_error>

#include "isingmf/util/error.hpp"
#endif

namespace isingmf::cli {
namespace {

class LocalTeam final : public SampleTeam {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    bool follow_root(bool ok) override { return ok; }
    void broadcast(std::vector<std::uint64_t>&) override {}
    void start(std::size_t count) override {
        count_ = count;
        handed_ = 0;
    }
    std::optional<std::size_t> next() override {
        if (handed_ == count_) return std::nullopt;
        return handed_++;
    }
    std::vector<std::string> gather(std::vector<std::string> mine) override { return mine; }
    void abort_on_error() override {}

private:
    std::size_t count_ = 0;
    std::size_t handed_ = 0;
};

#ifdef ISINGMF_HAVE_MPI

// The MPI team lives in a module of its own (cli/mpi/mpi_team.cpp), loaded here on first use
// and never unloaded. It is looked for by absolute path, beside the executable (the build
// folder, a bench/bundle.sh copy) and then in the installed lib folder beside bin/, so that no
// other copy on LD_LIBRARY_PATH (another version, with another SampleTeam) is loaded instead,
// and so that a build with a static core library, whose tool has no run path, finds it too.
std::unique_ptr<SampleTeam> load_mpi_team() {
    std::error_code error;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) throw Error(fmt::format("cannot find this program's folder: {}", error.message()));
    const std::filesystem::path folder = exe.parent_path();
    const std::filesystem::path candidates[] = {
        folder / ISINGMF_MPI_MODULE,
        folder / ISINGMF_MPI_MODULE_FROM_BIN / ISINGMF_MPI_MODULE,
    };
    const auto found = std::find_if(std::begin(candidates), std::end(candidates),
                                    [](const auto& path) { return std::filesystem::exists(path); });
    if (found == std::end(candidates)) {
        throw Error(fmt::format("started by mpirun, but the MPI module is in neither {} nor {}",
                                candidates[0].string(), candidates[1].lexically_normal().string()));
    }
    void* module = ::dlopen(found->c_str(), RTLD_NOW | RTLD_LOCAL);
    if (module == nullptr) {
        const char* why = ::dlerror();
        throw Error(fmt::format("started by mpirun, but the MPI module could not be loaded: {}",
                                why != nullptr ? why : found->string()));
    }
    using Factory = SampleTeam* (*)();
    auto* factory = reinterpret_cast<Factory>(::dlsym(module, "isingmf_new_mpi_team"));
    if (factory == nullptr)
        throw Error(fmt::format("the MPI module {} has no isingmf_new_mpi_team", found->string()));
    return std::unique_ptr<SampleTeam>(factory());
}

#endif

}  // namespace

bool launched_by_mpi() {
#ifdef ISINGMF_HAVE_MPI
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
        if (std::getenv(name) != nullptr) return true;
    }
#endif
    return false;
}

std::unique_ptr<SampleTeam> make_sample_team() {
#ifdef ISINGMF_HAVE_MPI
    if (launched_by_mpi()) return load_mpi_team();
#endif
    return std::make_unique<LocalTeam>();
}

}  // namespace isingmf::cli
