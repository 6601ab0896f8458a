#pragma once
/// The processes that share an ensemble's samples: this process alone, or the ranks of an
/// MPI job (`mpirun -n P isingmf ensemble ...`, when built with ISINGMF_MPI). Samples are
/// handed out dynamically from one counter (an MPI window on rank 0, MPI_Fetch_and_op), so
/// that ranks that get slow samples simply take fewer; rank 0 prepares the output and the
/// checkpoint, gathers every rank's finished samples and writes the one file.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace isingmf::cli {

class SampleTeam {
public:
    virtual ~SampleTeam() = default;
    /// This process's rank (0 writes the file) and the number of processes.
    virtual int rank() const = 0;
    virtual int size() const = 0;
    /// Collective: true on every rank when rank 0's `ok` is true (rank 0 checks the output
    /// and the checkpoint; the others wait for its word instead of hanging).
    virtual bool follow_root(bool ok) = 0;
    /// Collective: rank 0's `values` on every rank.
    virtual void broadcast(std::vector<std::uint64_t>& values) = 0;
    /// Starts handing out positions 0 .. count-1 (collective).
    virtual void start(std::size_t count) = 0;
    /// The next position not yet handed to any process, or nullopt when all are. Called by
    /// one thread of the process at a time.
    virtual std::optional<std::size_t> next() = 0;
    /// Collective: on rank 0, every rank's `mine` (rank 0's first); elsewhere empty.
    virtual std::vector<std::string> gather(std::vector<std::string> mine) = 0;
    /// Ends the job with status 1 after an error on this rank (the others cannot finish
    /// without it); alone, does nothing (the error propagates as usual).
    virtual void abort_on_error() = 0;
};

/// True when this process was started by an MPI launcher (mpirun sets OMPI_COMM_WORLD_SIZE,
/// PMI_SIZE or PMIX_RANK) and the tool was built with MPI.
bool launched_by_mpi();

/// The MPI ranks (MPI initialised here, finalised by the destructor) when launched_by_mpi(),
/// else this process alone.
std::unique_ptr<SampleTeam> make_sample_team();

}  // namespace isingmf::cli
