// The MPI ranks of an ensemble (sample_team.hpp), built as a module of its own that the tool
// loads only when mpirun started it: a run without MPI then does not load Open MPI and the
// libraries it pulls in (a quarter of a 100-spin run's start-up).
#include <fmt/format.h>
#include <mpi.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../sample_team.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf::cli {
namespace {

void check_mpi(int status, const char* what) {
    if (status != MPI_SUCCESS) throw Error(fmt::format("MPI: {} failed (error {})", what, status));
}

class MpiTeam final : public SampleTeam {
public:
    MpiTeam() {
        int provided = 0;
        // Samples are handed out inside an OpenMP critical section: one thread at a time.
        check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided),
                  "MPI_Init_thread");
        if (provided < MPI_THREAD_SERIALIZED) {
            MPI_Finalize();
            throw Error("MPI: the library does not allow MPI calls from more than one thread");
        }
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    ~MpiTeam() override {
        if (window_ != MPI_WIN_NULL) {
            MPI_Win_unlock_all(window_);
            MPI_Win_free(&window_);
        }
        MPI_Finalize();
    }
    MpiTeam(const MpiTeam&) = delete;
    MpiTeam& operator=(const MpiTeam&) = delete;

    int rank() const override { return rank_; }
    int size() const override { return size_; }

    bool follow_root(bool ok) override {
        int flag = ok ? 1 : 0;
        check_mpi(MPI_Bcast(&flag, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
        return flag != 0;
    }

    void broadcast(std::vector<std::uint64_t>& values) override {
        std::uint64_t count = values.size();
        check_mpi(MPI_Bcast(&count, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
        values.resize(static_cast<std::size_t>(count));
        // In pieces, since MPI counts are int.
        constexpr std::size_t kPiece = std::size_t{1} << 28;
        for (std::size_t at = 0; at < values.size(); at += kPiece) {
            const auto n = static_cast<int>(std::min(kPiece, values.size() - at));
            check_mpi(MPI_Bcast(values.data() + at, n, MPI_UINT64_T, 0, MPI_COMM_WORLD),
                      "MPI_Bcast");
        }
    }

    void start(std::size_t count) override {
        count_ = count;
        // The counter lives in rank 0's window; every rank, rank 0 included, takes the next
        // position with an atomic fetch-and-add, so no rank is set aside to hand out work.
        void* base = nullptr;
        const MPI_Aint bytes = rank_ == 0 ? static_cast<MPI_Aint>(sizeof(std::uint64_t)) : 0;
        check_mpi(MPI_Win_allocate(bytes, sizeof(std::uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                                   &base, &window_),
                  "MPI_Win_allocate");
        if (rank_ == 0) *static_cast<std::uint64_t*>(base) = 0;
        check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
        check_mpi(MPI_Win_lock_all(0, window_), "MPI_Win_lock_all");
    }

    std::optional<std::size_t> next() override {
        if (exhausted_) return std::nullopt;
        const std::uint64_t one = 1;
        std::uint64_t position = 0;
        check_mpi(MPI_Fetch_and_op(&one, &position, MPI_UINT64_T, 0, 0, MPI_SUM, window_),
                  "MPI_Fetch_and_op");
        check_mpi(MPI_Win_flush(0, window_), "MPI_Win_flush");
        if (position >= count_) {
            exhausted_ = true;
            return std::nullopt;
        }
        return static_cast<std::size_t>(position);
    }

    std::vector<std::string> gather(std::vector<std::string> mine) override {
        if (rank_ != 0) {
            std::uint64_t count = mine.size();
            check_mpi(MPI_Send(&count, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD), "MPI_Send");
            for (const std::string& item : mine) {
                if (item.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
                    throw Error("MPI: a sample record over 2 GiB");
                check_mpi(MPI_Send(item.data(), static_cast<int>(item.size()), MPI_BYTE, 0, 1,
                                   MPI_COMM_WORLD),
                          "MPI_Send");
            }
            return {};
        }
        std::vector<std::string> all = std::move(mine);
        for (int source = 1; source < size_; ++source) {
            std::uint64_t count = 0;
            check_mpi(
                MPI_Recv(&count, 1, MPI_UINT64_T, source, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                "MPI_Recv");
            for (std::uint64_t k = 0; k < count; ++k) {
                MPI_Status status;
                check_mpi(MPI_Probe(source, 1, MPI_COMM_WORLD, &status), "MPI_Probe");
                int bytes = 0;
                check_mpi(MPI_Get_count(&status, MPI_BYTE, &bytes), "MPI_Get_count");
                std::string item(static_cast<std::size_t>(bytes), '\0');
                check_mpi(MPI_Recv(item.data(), bytes, MPI_BYTE, source, 1, MPI_COMM_WORLD,
                                   MPI_STATUS_IGNORE),
                          "MPI_Recv");
                all.push_back(std::move(item));
            }
        }
        return all;
    }

    void abort_on_error() override {
        if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, 1);
    }

private:
    int rank_ = 0;
    int size_ = 1;
    MPI_Win window_ = MPI_WIN_NULL;
    std::size_t count_ = 0;
    bool exhausted_ = false;
};

}  // namespace
}  // namespace isingmf::cli

/// The loader's entry point (sample_team.cpp looks it up by this name): a new team of the
/// ranks, MPI initialised; throws isingmf::Error when MPI cannot be started as needed.
extern "C" [[gnu::visibility("default")]] isingmf::cli::SampleTeam* isingmf_new_mpi_team() {
    return new isingmf::cli::MpiTeam();
}
