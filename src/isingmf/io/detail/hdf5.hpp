#pragma once
/// A thin RAII wrapper over the HDF5 C API, internal to io/: only io/*.cpp include this
/// header, so hdf5.h stays out of the library's public interface.
///
/// Every HDF5 call is checked; a failure throws IoError naming the file and object
/// ("run.h5:/mean_field/m") and, when HDF5 gives one, the innermost reason from its error
/// stack in words (a system error such as "No space left on device", or the short text of
/// HDF5's error code), never HDF5's internal description. Handles close their identifier on
/// destruction. HDF5 itself (serial build) is not thread-safe: use these from one thread at a time.

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace isingmf::detail::h5 {

/// The process-wide lock QuietErrors holds (recursive).
std::recursive_mutex& library_lock();

/// Set in a child forked while this thread held library_lock(): the child's one thread needs
/// no lock, and could not take the copy of one held by its parent's thread (glibc's mutexes
/// know their owner by a thread id the child does not have).
void skip_library_lock_in_this_child();

/// Turns off HDF5's printing of its error stack to stderr (library code never prints) and
/// restores the previous setting on destruction. Create one per public io/ entry point, before
/// any handle: it also holds, until destroyed, the process-wide lock that keeps HDF5 (a serial
/// build, not thread-safe) to one thread at a time, since Python threads and OpenMP tasks may
/// read and write files at once.
class QuietErrors {
public:
    QuietErrors();
    ~QuietErrors();
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;

private:
    std::unique_lock<std::recursive_mutex> lock_;
    H5E_auto2_t saved_func_ = nullptr;
    void* saved_data_ = nullptr;
    bool saved_ = false;
};

/// Owns one HDF5 identifier (file, group, dataset, attribute, dataspace, type or property
/// list) and closes it with the matching H5?close. `where` names it in error messages.
class Handle {
public:
    using Closer = herr_t (*)(hid_t);

    Handle() = default;
    /// Takes ownership of `id`; throws IoError mentioning `what` and `where` when id < 0
    /// (the failed call's result is passed straight in).
    Handle(hid_t id, Closer closer, std::string where, const char* what);
    ~Handle();
    Handle(Handle&& other) noexcept;
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    hid_t id() const { return id_; }
    const std::string& where() const { return where_; }

    /// Closes now and throws IoError if HDF5 reports a failure. Files are closed this way,
    /// because a failed close can mean data that never reached the disk.
    void close();

private:
    void release() noexcept;

    hid_t id_ = H5I_INVALID_HID;
    Closer closer_ = nullptr;
    std::string where_;
};

/// HDF5 files, groups, datasets and attributes open in this process: 0 whenever no io/
/// call is running, error paths included (every handle closes what it opened).
long open_object_count();

/// Throws IoError("<where>: <what> (<innermost HDF5 reason>)") when status < 0.
void check(herr_t status, const std::string& where, const char* what);

/// True when `path` is an HDF5 file; false for any other readable file. Throws IoError
/// when the file cannot be opened at all.
bool is_hdf5_file(const std::filesystem::path& path);

/// Creates a new file, failing if it exists. The root group keeps attributes in
/// creation order so that they read back in the order written. `label` names the file in
/// error messages (default: the path), e.g. the target of a temporary file.
Handle create_file(const std::filesystem::path& path, std::string label = {});

/// Creates a file held in memory (HDF5's core driver, no backing store); `label` names it
/// in error messages. Nothing touches the disk, the file `label` may name included, until
/// the caller writes file_image().
Handle create_file_in_memory(const std::string& label);

/// The bytes of a file (flushed first), as they would be on disk.
std::string file_image(const Handle& file);

/// Opens an existing file read-only.
Handle open_file_read(const std::filesystem::path& path);

/// Flushes the whole file to the operating system.
void flush(const Handle& file);

/// Creates a group (attributes kept in creation order) / opens an existing one.
Handle create_group(const Handle& parent, const std::string& name);
Handle open_group(const Handle& parent, const std::string& name);

/// "file.h5:/group/name", where `name` stands under `parent`: files are named by their path,
/// everything inside by its HDF5 path.
std::string child_where(const Handle& parent, const std::string& name);

/// True when `parent` has a link called `name` (a group or dataset).
bool has_link(const Handle& parent, const std::string& name);
/// True when `object` has an attribute called `name`.
bool has_attribute(const Handle& object, const std::string& name);

/// Names of a group's links (groups and datasets), in name order.
std::vector<std::string> link_names(const Handle& group);

/// Attribute names in creation order when the object tracks it, else in name order.
std::vector<std::string> attribute_names(const Handle& object);

/// Scalar attributes: strings are variable-length UTF-8, numbers little-endian 64-bit.
void write_string_attribute(const Handle& object, const std::string& name,
                            const std::string& value);
void write_double_attribute(const Handle& object, const std::string& name, double value);
void write_int_attribute(const Handle& object, const std::string& name, std::int64_t value);

/// True when the attribute holds a string (fixed or variable length).
bool is_string_attribute(const Handle& object, const std::string& name);
/// Reads a scalar attribute; strings may be fixed or variable length, numbers any
/// integer or float type HDF5 can convert. Throws IoError when absent or of another kind.
std::string read_string_attribute(const Handle& object, const std::string& name);
double read_double_attribute(const Handle& object, const std::string& name);
/// An integer attribute; one that a signed 64-bit integer cannot hold (an unsigned value beyond
/// 2^63 - 1) is refused with its value, not clamped.
std::int64_t read_int_attribute(const Handle& object, const std::string& name);
/// read_int_attribute of a value that must lie in [lo, hi]: IoError naming it otherwise.
std::int64_t read_int_attribute_in(const Handle& object, const std::string& name, std::int64_t lo,
                                   std::int64_t hi);

/// 1-D datasets (contiguous); the returned handle is for adding attributes.
Handle write_doubles(const Handle& parent, const std::string& name, std::span<const double> values);
Handle write_int32s(const Handle& parent, const std::string& name,
                    std::span<const std::int32_t> values);
Handle write_uint8s(const Handle& parent, const std::string& name,
                    std::span<const std::uint8_t> values);
Handle write_strings(const Handle& parent, const std::string& name,
                     std::span<const std::string> values);
Handle write_uint64s(const Handle& parent, const std::string& name,
                     std::span<const std::uint64_t> values);

/// A dataset of any rank >= 1: `values` row-major with extents `dims` (their product must
/// be values.size()). With `compress` it is chunked (about 256 KiB per chunk, the last
/// extents whole where they fit), byte-shuffled and deflate-compressed, unless it is empty.
Handle write_double_array(const Handle& parent, const std::string& name,
                          std::span<const double> values, std::span<const std::size_t> dims,
                          bool compress = false);
Handle write_int32_array(const Handle& parent, const std::string& name,
                         std::span<const std::int32_t> values, std::span<const std::size_t> dims,
                         bool compress = false);
Handle write_uint8_array(const Handle& parent, const std::string& name,
                         std::span<const std::uint8_t> values, std::span<const std::size_t> dims,
                         bool compress = false);
Handle write_string_array(const Handle& parent, const std::string& name,
                          std::span<const std::string> values, std::span<const std::size_t> dims,
                          bool compress = false);

/// Reads a 1-D dataset, converting the stored type; throws IoError when absent or not 1-D.
std::vector<double> read_doubles(const Handle& parent, const std::string& name);
std::vector<std::int32_t> read_int32s(const Handle& parent, const std::string& name);
std::vector<std::uint8_t> read_uint8s(const Handle& parent, const std::string& name);
std::vector<std::uint64_t> read_uint64s(const Handle& parent, const std::string& name);
std::vector<std::string> read_strings(const Handle& parent, const std::string& name);

/// A 2-D dataset read back row-major.
struct Matrix {
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::vector<double> values;
};
Matrix read_double_matrix(const Handle& parent, const std::string& name);

}  // namespace isingmf::detail::h5
