#pragma once
/// The HDF5 results file: the only code that knows its layout. The schema is documented
/// in README.md ("HDF5 results").

#include <filesystem>
#include <string>

#include "isingmf/model/model.hpp"
#include "isingmf/sweep/sweep.hpp"

namespace isingmf {

/// Everything a results file says about how it was made.
struct RunRecord {
    std::string program_version;
    std::string command_line;
    std::string created;  ///< ISO 8601 UTC time
    Description model;    ///< lattice, size, boundary, J, h, disorder, seed, ...
    int num_sites = 0;
    std::size_t num_edges = 0;
    double energy_offset = 0.0;
    Description solver;  ///< mean-field and exact options, as text
    /// write /mean_field/m and /structured_mean_field/m [n_T x N] (for the groups present)
    bool store_m = true;
};

/// Builds the file in memory and writes it through a temporary file beside `path` that is
/// renamed into place (write_text_atomically), so no half-written file is ever left. `path`
/// gets the one output check first (check_output_target, then creating the temporary is the
/// probe of check_output_file). Throws OutputExistsError if `path`
/// exists and !overwrite, IoError "cannot write 'PATH': reason" when it cannot be written
/// (a full disk: "No space left on device"), and IoError on any HDF5 failure; the temporary
/// file is removed in every case.
void write_results(const std::filesystem::path& path, const RunRecord& record,
                   const SweepResult& sweep, bool overwrite);

/// A results file read back (m only when `with_m`).
struct ResultsFile {
    RunRecord record;
    SweepResult sweep;
};

/// Reads a file written by write_results; throws IoError when it is not one (a directory or
/// device, not HDF5, damaged, another layout). No value is allocated beyond what the file
/// stores. HDF5 1.10 itself can crash or loop on some damaged files (bugs of the library,
/// found by fuzzing); `isingmf info` therefore calls this in a child process.
ResultsFile read_results(const std::filesystem::path& path, bool with_m = true);

}  // namespace isingmf
