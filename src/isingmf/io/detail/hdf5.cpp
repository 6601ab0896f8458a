#include "isingmf/io/detail/hdf5.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "isingmf/util/error.hpp"

namespace isingmf::detail::h5 {
namespace {

// HDF5's error stack describes failures in its own terms ("truncated file: eof = 1000,
// sblock->base_addr = 0, ..."), over several lines. Users get the reason in words: the
// system error when the innermost entry carries an errno, else the short text of its minor
// error code ("file has been truncated", "address overflow").
struct Reason {
    std::string text;
};

herr_t take_innermost(unsigned n, const H5E_error2_t* entry, void* client) {
    if (n != 0 || entry == nullptr) return 0;
    try {
        std::string& reason = static_cast<Reason*>(client)->text;
        const std::string desc = entry->desc != nullptr ? entry->desc : "";
        const std::size_t at = desc.find("errno = ");
        if (at != std::string::npos) {
            const int error = std::atoi(desc.c_str() + at + 8);
            if (error > 0) {
                reason = std::strerror(error);
                return 0;
            }
        }
        char message[160] = {};
        H5E_type_t type{};
        if (H5Eget_msg(entry->min_num, &type, message, sizeof message) > 0) {
            reason = message;
            if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
        }
    } catch (...) {
        return -1;  // exceptions must not cross the C library
    }
    return 0;
}

std::string hdf5_reason() {
    Reason reason;
    // Walking the stack does not clear it and cannot usefully fail; an empty reason is fine.
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &reason);
    return reason.text;
}

[[noreturn]] void fail(const std::string& where, const char* what) {
    const std::string reason = hdf5_reason();
    if (reason.empty()) throw IoError(fmt::format("{}: {}", where, what));
    throw IoError(fmt::format("{}: {} ({})", where, what, reason));
}

void check_tri(htri_t status, const std::string& where, const char* what) {
    if (status < 0) fail(where, what);
}

Handle scalar_space(const std::string& where) {
    return Handle(H5Screate(H5S_SCALAR), H5Sclose, where, "cannot create a scalar dataspace");
}

Handle simple_space(std::span<const hsize_t> dims, const std::string& where) {
    return Handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
                  where, "cannot create a dataspace");
}

// Variable-length UTF-8 strings: what h5py writes for Python str and reads back as str.
Handle vlen_string_type(const std::string& where) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose, where, "cannot create a string type");
    check(H5Tset_size(type.id(), H5T_VARIABLE), where, "cannot create a string type");
    check(H5Tset_cset(type.id(), H5T_CSET_UTF8), where, "cannot create a string type");
    return type;
}

// Keeps attributes in the order written, so descriptions read back in their order.
Handle ordered_group_plist(hid_t plist_class, const std::string& where) {
    Handle plist(H5Pcreate(plist_class), H5Pclose, where, "cannot create a property list");
    check(H5Pset_attr_creation_order(plist.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          where, "cannot track attribute order");
    // Attributes stay in the object header up to kCompactAttributes; HDF5's default moves a
    // group with more than 8 into "dense" storage (a fractal heap and two B-trees), which
    // the root's and /parameters' 18-20 descriptions would otherwise pay for on every write.
    // Readers see the same attributes in the same order either way.
    constexpr unsigned kCompactAttributes = 64;
    check(H5Pset_attr_phase_change(plist.id(), kCompactAttributes, kCompactAttributes - 1), where,
          "cannot keep attributes compact");
    return plist;
}

// Fixed-length strings (as numpy.bytes_ writes them) carry padding after the text.
std::string unpad(std::string raw, hid_t type) {
    raw.erase(std::find(raw.begin(), raw.end(), '\0'), raw.end());
    if (H5Tget_strpad(type) == H5T_STR_SPACEPAD) {
        while (!raw.empty() && raw.back() == ' ') raw.pop_back();
    }
    return raw;
}

Handle open_attribute(const Handle& object, const std::string& name) {
    const std::string where = fmt::format("{}@{}", object.where(), name);
    if (!has_attribute(object, name)) throw IoError(fmt::format("{}: attribute missing", where));
    return Handle(H5Aopen(object.id(), name.c_str(), H5P_DEFAULT), H5Aclose, where,
                  "cannot open attribute");
}

void write_numeric_attribute(const Handle& object, const std::string& name, hid_t file_type,
                             hid_t mem_type, const void* value) {
    const std::string where = fmt::format("{}@{}", object.where(), name);
    const Handle space = scalar_space(where);
    const Handle attribute(
        H5Acreate2(object.id(), name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose, where, "cannot create attribute");
    check(H5Awrite(attribute.id(), mem_type, value), where, "cannot write attribute");
}

// A number stored as a single element of an integer or float type; HDF5 converts it to
// `mem_type` on reading. Floats are refused for integer reads, since that would truncate.
void read_numeric_attribute(const Handle& object, const std::string& name, hid_t mem_type,
                            bool integer_only, void* value) {
    const Handle attribute = open_attribute(object, name);
    const std::string& where = attribute.where();
    const Handle type(H5Aget_type(attribute.id()), H5Tclose, where, "cannot read attribute type");
    const H5T_class_t type_class = H5Tget_class(type.id());
    if (type_class != H5T_INTEGER && (integer_only || type_class != H5T_FLOAT)) {
        throw IoError(fmt::format("{}: expected {} attribute", where,
                                  integer_only ? "an integer" : "a numeric"));
    }
    const Handle space(H5Aget_space(attribute.id()), H5Sclose, where,
                       "cannot read attribute shape");
    if (H5Sget_simple_extent_npoints(space.id()) != 1) {
        throw IoError(fmt::format("{}: expected a single value", where));
    }
    check(H5Aread(attribute.id(), mem_type, value), where, "cannot read attribute");
}

// Chunks of about 256 KiB for compressed datasets: the last extent whole where it fits (one
// temperature's m), then as many of the preceding entries as fit.
constexpr std::size_t kChunkValues = 32768;

// A transfer property list whose type-conversion buffer holds `count` values of `width` bytes,
// at least 4 KiB and at most HDF5's default of 1 MiB (but always one value). With the default,
// a conversion (variable-length strings) allocates and zeroes two buffers of 1 MiB however few
// the values: on fresh pages each time, that was most of the cost of writing a results file.
// kConversionWidth covers both sides of every type this file writes (a variable-length string
// takes 16 bytes on disk); reads also make room for the file's own type (read_plist).
constexpr std::size_t kConversionWidth = 32;

Handle transfer_plist(std::size_t count, std::size_t width, const std::string& where) {
    constexpr std::size_t kMin = 4096;
    constexpr std::size_t kMax = std::size_t{1} << 20;
    const std::size_t wanted = count > kMax / width ? kMax : count * width;
    const std::size_t bytes = std::max(width, std::clamp(wanted, kMin, kMax));
    Handle dxpl(H5Pcreate(H5P_DATASET_XFER), H5Pclose, where, "cannot create a property list");
    check(H5Pset_buffer(dxpl.id(), bytes, nullptr, nullptr), where,
          "cannot size the conversion buffer");
    return dxpl;
}

Handle write_nd(const Handle& parent, const std::string& name, hid_t file_type, hid_t mem_type,
                const void* data, std::size_t size, std::span<const std::size_t> extents,
                bool compress) {
    const std::string where = child_where(parent, name);
    std::vector<hsize_t> dims(extents.begin(), extents.end());
    std::size_t count = 1;
    for (const std::size_t extent : extents) count *= extent;
    if (dims.empty() || count != size) {
        throw IoError(fmt::format("{}: {} values for a dataset of {}", where, size,
                                  fmt::join(extents, " x ")));
    }
    const Handle space = simple_space(dims, where);
    // Property lists only where they differ from the defaults: creating one copies every
    // property of its class, and a results file has some 25 datasets.
    // Chunks cannot be empty: an empty dataset stays contiguous.
    const bool chunked = compress && size > 0;
    const Handle dcpl = chunked ? Handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, where,
                                         "cannot create a property list")
                                : Handle();
    if (chunked) {
        const htri_t deflate = H5Zfilter_avail(H5Z_FILTER_DEFLATE);
        check_tri(deflate, where, "cannot query the deflate filter");
        if (deflate == 0)
            throw IoError(fmt::format("{}: this HDF5 library has no deflate filter", where));
        std::vector<hsize_t> chunk(dims.size());
        std::size_t budget = kChunkValues;
        for (std::size_t d = dims.size(); d-- > 0;) {
            const std::size_t extent = static_cast<std::size_t>(dims[d]);
            const std::size_t take = std::clamp<std::size_t>(budget, 1, extent);
            chunk[d] = static_cast<hsize_t>(take);
            budget = std::max<std::size_t>(1, budget / take);
        }
        check(H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()), where,
              "cannot set chunking");
        // Shuffling the bytes of doubles first lets deflate find the shared exponent bytes.
        check(H5Pset_shuffle(dcpl.id()), where, "cannot set the shuffle filter");
        check(H5Pset_deflate(dcpl.id(), 4), where, "cannot set the deflate filter");
    }
    Handle dataset(H5Dcreate2(parent.id(), name.c_str(), file_type, space.id(), H5P_DEFAULT,
                              chunked ? dcpl.id() : H5P_DEFAULT, H5P_DEFAULT),
                   H5Dclose, where, "cannot create dataset");
    // An empty dataset has nothing to write, and some HDF5 versions refuse a null buffer.
    if (size > 0) {
        // Only a conversion (variable-length strings) allocates the transfer buffer; numbers
        // are written as they are held.
        const htri_t converts = H5Tis_variable_str(mem_type);
        check_tri(converts, where, "cannot read the dataset's type");
        const Handle dxpl = converts > 0 ? transfer_plist(size, kConversionWidth, where) : Handle();
        check(H5Dwrite(dataset.id(), mem_type, H5S_ALL, H5S_ALL,
                       converts > 0 ? dxpl.id() : H5P_DEFAULT, data),
              where, "cannot write dataset");
    }
    return dataset;
}

Handle write_1d(const Handle& parent, const std::string& name, hid_t file_type, hid_t mem_type,
                const void* data, std::size_t size) {
    const std::size_t dims[1] = {size};
    return write_nd(parent, name, file_type, mem_type, data, size, dims, false);
}

Handle write_string_nd(const Handle& parent, const std::string& name,
                       std::span<const std::string> values, std::span<const std::size_t> dims,
                       bool compress) {
    const Handle type = vlen_string_type(child_where(parent, name));
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& value : values) pointers.push_back(value.c_str());
    return write_nd(parent, name, type.id(), type.id(), pointers.data(), pointers.size(), dims,
                    compress);
}

struct OpenedDataset {
    Handle dataset;
    Handle space;
    Handle type;  // the file's type of the values
    std::vector<hsize_t> dims;
};

// A damaged file can declare any extent: nothing is allocated for more values than the bytes
// the file stores for the dataset can hold. Unfiltered data takes its full size on disk;
// filtered (deflate-compressed) data at least 1/1032 of it, deflate's largest ratio.
constexpr double kMaxCompression = 1032.0;

void check_backed(const OpenedDataset& opened) {
    const std::string& where = opened.dataset.where();
    double values = 1.0;
    for (const hsize_t extent : opened.dims) values *= static_cast<double>(extent);
    if (values == 0.0) return;
    const std::size_t width = H5Tget_size(opened.type.id());
    if (width == 0) fail(where, "cannot read dataset type");
    const Handle dcpl(H5Dget_create_plist(opened.dataset.id()), H5Pclose, where,
                      "cannot read dataset properties");
    const int filters = H5Pget_nfilters(dcpl.id());
    if (filters < 0) fail(where, "cannot read dataset properties");
    // isingmf writes chunks no larger than the dataset; HDF5 1.10 reads past its buffers when
    // a damaged file declares larger ones (found by fuzzing).
    if (H5Pget_layout(dcpl.id()) == H5D_CHUNKED) {
        std::vector<hsize_t> chunk(opened.dims.size(), 0);
        if (H5Pget_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()) !=
            static_cast<int>(chunk.size())) {
            throw IoError(fmt::format("{}: damaged file (chunks of another rank)", where));
        }
        for (std::size_t k = 0; k < chunk.size(); ++k) {
            if (chunk[k] == 0 || chunk[k] > opened.dims[k]) {
                throw IoError(fmt::format("{}: damaged file (chunks of {} for a dataset of {})",
                                          where, fmt::join(chunk, "x"),
                                          fmt::join(opened.dims, "x")));
            }
        }
    }
    const auto stored = static_cast<double>(H5Dget_storage_size(opened.dataset.id()));
    if (values * static_cast<double>(width) > (filters > 0 ? kMaxCompression : 1.0) * stored) {
        throw IoError(fmt::format(
            "{}: damaged file (the dataset declares {} values of {} bytes, the file stores {} "
            "bytes of them)",
            where, values, width, stored));
    }
}

OpenedDataset open_dataset(const Handle& parent, const std::string& name, int rank) {
    const std::string where = child_where(parent, name);
    if (!has_link(parent, name)) throw IoError(fmt::format("{}: dataset missing", where));
    OpenedDataset out{Handle(H5Dopen2(parent.id(), name.c_str(), H5P_DEFAULT), H5Dclose, where,
                             "cannot open dataset"),
                      {},
                      {},
                      {}};
    out.space =
        Handle(H5Dget_space(out.dataset.id()), H5Sclose, where, "cannot read dataset shape");
    out.type = Handle(H5Dget_type(out.dataset.id()), H5Tclose, where, "cannot read dataset type");
    const int ndims = H5Sget_simple_extent_ndims(out.space.id());
    if (ndims < 0) fail(where, "cannot read dataset shape");
    if (ndims != rank) {
        throw IoError(fmt::format("{}: expected a {}-D dataset, found {}-D", where, rank, ndims));
    }
    out.dims.assign(static_cast<std::size_t>(rank), 0);
    check(H5Sget_simple_extent_dims(out.space.id(), out.dims.data(), nullptr), where,
          "cannot read dataset shape");
    check_backed(out);
    return out;
}

H5T_class_t dataset_class(const OpenedDataset& opened) { return H5Tget_class(opened.type.id()); }

// The transfer list of a read: HDF5 1.10 grows a buffer it was given to one value only when it
// has the default size, and a file written elsewhere (or damaged) may store values wider than
// any this file writes.
Handle read_plist(const OpenedDataset& opened, std::size_t count) {
    const std::size_t file_width = H5Tget_size(opened.type.id());  // 0 on failure: HDF5 says
    return transfer_plist(count, std::max(file_width, kConversionWidth), opened.dataset.where());
}

template <class T>
std::vector<T> read_numeric_1d(const Handle& parent, const std::string& name, hid_t mem_type) {
    const OpenedDataset opened = open_dataset(parent, name, 1);
    const H5T_class_t type_class = dataset_class(opened);
    if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) {
        throw IoError(fmt::format("{}: expected a numeric dataset", opened.dataset.where()));
    }
    std::vector<T> values(static_cast<std::size_t>(opened.dims[0]));
    if (!values.empty()) {
        const Handle dxpl = read_plist(opened, values.size());
        check(H5Dread(opened.dataset.id(), mem_type, H5S_ALL, H5S_ALL, dxpl.id(), values.data()),
              opened.dataset.where(), "cannot read dataset");
    }
    return values;
}

}  // namespace

namespace {
bool g_lock_skipped = false;  // only ever set in a forked child
}  // namespace

std::recursive_mutex& library_lock() {
    static std::recursive_mutex lock;
    return lock;
}

void skip_library_lock_in_this_child() { g_lock_skipped = true; }

QuietErrors::QuietErrors()
    : lock_(g_lock_skipped ? std::unique_lock<std::recursive_mutex>()
                           : std::unique_lock<std::recursive_mutex>(library_lock())) {
    // If the current setting cannot be read, turn printing off anyway and restore nothing.
    saved_ = H5Eget_auto2(H5E_DEFAULT, &saved_func_, &saved_data_) >= 0;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() {
    if (saved_) H5Eset_auto2(H5E_DEFAULT, saved_func_, saved_data_);
}

Handle::Handle(hid_t id, Closer closer, std::string where, const char* what)
    : id_(id), closer_(closer), where_(std::move(where)) {
    if (id_ < 0) fail(where_, what);
}

Handle::~Handle() { release(); }

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)),
      closer_(other.closer_),
      where_(std::move(other.where_)) {}

Handle& Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        release();
        id_ = std::exchange(other.id_, H5I_INVALID_HID);
        closer_ = other.closer_;
        where_ = std::move(other.where_);
    }
    return *this;
}

void Handle::release() noexcept {
    // A destructor cannot report; callers that care about the close use close().
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = H5I_INVALID_HID;
}

void Handle::close() {
    if (id_ < 0) return;
    const herr_t status = closer_(id_);
    id_ = H5I_INVALID_HID;
    check(status, where_, "cannot close");
}

void check(herr_t status, const std::string& where, const char* what) {
    if (status < 0) fail(where, what);
}

long open_object_count() { return static_cast<long>(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL)); }

bool is_hdf5_file(const std::filesystem::path& path) {
    const htri_t result = H5Fis_hdf5(path.c_str());
    check_tri(result, path.string(), "cannot open file");
    return result > 0;
}

Handle create_file(const std::filesystem::path& path, std::string label) {
    const std::string where = label.empty() ? path.string() : std::move(label);
    const Handle fcpl = ordered_group_plist(H5P_FILE_CREATE, where);
    // EXCL: a file that appeared meanwhile is never clobbered.
    return Handle(H5Fcreate(path.c_str(), H5F_ACC_EXCL, fcpl.id(), H5P_DEFAULT), H5Fclose, where,
                  "cannot create file");
}

Handle create_file_in_memory(const std::string& label) {
    const Handle fcpl = ordered_group_plist(H5P_FILE_CREATE, label);
    const Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, label, "cannot create a property list");
    // The core driver without a backing store keeps the file in memory: HDF5 itself never
    // writes to disk, so a full disk cannot fail inside it (HDF5 1.10 crashes at exit after
    // a file close that failed to flush); the image is written out by the caller.
    // Grown 64 KiB at a time: a small results file is 16-25 KB, and HDF5 zeroes each new
    // increment (1 MiB was an eighth of the instructions of writing one); large images grow
    // by realloc, which moves pages without copying them.
    constexpr std::size_t kIncrement = std::size_t{64} << 10;
    check(H5Pset_fapl_core(fapl.id(), kIncrement, 0), label, "cannot set up an in-memory file");
    // HDF5's name for it is one no file can have (nothing can be created in /proc/self/fdinfo),
    // unique in the process: before creating, H5Fcreate opens a file of that name through the
    // driver to see whether it is open already, and the core driver then reads the whole of
    // it into memory. Under the target's name that read the file about to be replaced: 1.5 GB
    // of memory and 5 s for `--force` over a 1.5 GB file.
    static std::atomic<unsigned long> files{0};
    const std::string name = fmt::format("/proc/self/fdinfo/isingmf-in-memory-{}", ++files);
    return Handle(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id()), H5Fclose, label,
                  "cannot create file");
}

std::string file_image(const Handle& file) {
    flush(file);
    const ssize_t size = H5Fget_file_image(file.id(), nullptr, 0);
    if (size < 0) fail(file.where(), "cannot take the file image");
    std::string image(static_cast<std::size_t>(size), '\0');
    if (H5Fget_file_image(file.id(), image.data(), image.size()) != size)
        fail(file.where(), "cannot take the file image");
    return image;
}

Handle open_file_read(const std::filesystem::path& path) {
    return Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, path.string(),
                  "damaged or unreadable HDF5 file");
}

void flush(const Handle& file) {
    check(H5Fflush(file.id(), H5F_SCOPE_GLOBAL), file.where(), "cannot flush file");
}

Handle create_group(const Handle& parent, const std::string& name) {
    const std::string where = child_where(parent, name);
    const Handle gcpl = ordered_group_plist(H5P_GROUP_CREATE, where);
    return Handle(H5Gcreate2(parent.id(), name.c_str(), H5P_DEFAULT, gcpl.id(), H5P_DEFAULT),
                  H5Gclose, where, "cannot create group");
}

Handle open_group(const Handle& parent, const std::string& name) {
    const std::string where = name == "/" ? parent.where() + ":/" : child_where(parent, name);
    if (name != "/" && !has_link(parent, name))
        throw IoError(fmt::format("{}: group missing", where));
    return Handle(H5Gopen2(parent.id(), name.c_str(), H5P_DEFAULT), H5Gclose, where,
                  "cannot open group");
}

std::string child_where(const Handle& parent, const std::string& name) {
    if (H5Iget_type(parent.id()) == H5I_FILE) return fmt::format("{}:/{}", parent.where(), name);
    const std::string& base = parent.where();
    if (!base.empty() && base.back() == '/') return base + name;
    return fmt::format("{}/{}", base, name);
}

bool has_link(const Handle& parent, const std::string& name) {
    const std::string where = child_where(parent, name);
    const htri_t result = H5Lexists(parent.id(), name.c_str(), H5P_DEFAULT);
    check_tri(result, where, "cannot look up link");
    if (result == 0) return false;
    // An external link would be followed into another file (any path: a FIFO blocks the
    // reader), showing that file's data as this one's: refused.
    H5L_info_t info{};
    check(H5Lget_info(parent.id(), name.c_str(), &info, H5P_DEFAULT), where, "cannot look up link");
    if (info.type == H5L_TYPE_EXTERNAL)
        throw IoError(
            fmt::format("{}: a link into another file, which isingmf does not follow", where));
    return true;
}

bool has_attribute(const Handle& object, const std::string& name) {
    const htri_t result = H5Aexists(object.id(), name.c_str());
    check_tri(result, fmt::format("{}@{}", object.where(), name), "cannot look up attribute");
    return result > 0;
}

// By index rather than H5Literate, whose callback type changed between HDF5 1.10 and 1.12.
std::vector<std::string> link_names(const Handle& group) {
    H5G_info_t info{};
    check(H5Gget_info(group.id(), &info), group.where(), "cannot list the group");
    std::vector<std::string> names;
    for (hsize_t k = 0; k < info.nlinks; ++k) {
        const ssize_t size = H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, k,
                                                nullptr, 0, H5P_DEFAULT);
        if (size < 0) fail(group.where(), "cannot list the group");
        std::string name(static_cast<std::size_t>(size) + 1, '\0');
        if (H5Lget_name_by_idx(group.id(), ".", H5_INDEX_NAME, H5_ITER_INC, k, name.data(),
                               name.size(), H5P_DEFAULT) < 0) {
            fail(group.where(), "cannot list the group");
        }
        name.resize(static_cast<std::size_t>(size));
        names.push_back(std::move(name));
    }
    return names;
}

std::vector<std::string> attribute_names(const Handle& object) {
    H5_index_t index = H5_INDEX_NAME;
    const H5I_type_t kind = H5Iget_type(object.id());
    if (kind == H5I_GROUP || kind == H5I_DATASET) {
        const Handle plist(
            kind == H5I_GROUP ? H5Gget_create_plist(object.id()) : H5Dget_create_plist(object.id()),
            H5Pclose, object.where(), "cannot read creation properties");
        unsigned flags = 0;
        check(H5Pget_attr_creation_order(plist.id(), &flags), object.where(),
              "cannot read creation properties");
        if ((flags & H5P_CRT_ORDER_INDEXED) != 0) index = H5_INDEX_CRT_ORDER;
    }
    std::vector<std::string> names;
    const auto collect = [](hid_t, const char* name, const H5A_info_t*, void* client) -> herr_t {
        try {
            static_cast<std::vector<std::string>*>(client)->emplace_back(name);
            return 0;
        } catch (...) {
            return -1;  // exceptions must not cross the C library
        }
    };
    check(H5Aiterate2(object.id(), index, H5_ITER_INC, nullptr, collect, &names), object.where(),
          "cannot list attributes");
    return names;
}

void write_string_attribute(const Handle& object, const std::string& name,
                            const std::string& value) {
    const std::string where = fmt::format("{}@{}", object.where(), name);
    const Handle type = vlen_string_type(where);
    const Handle space = scalar_space(where);
    const Handle attribute(
        H5Acreate2(object.id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose, where, "cannot create attribute");
    const char* text = value.c_str();
    check(H5Awrite(attribute.id(), type.id(), &text), where, "cannot write attribute");
}

void write_double_attribute(const Handle& object, const std::string& name, double value) {
    write_numeric_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void write_int_attribute(const Handle& object, const std::string& name, std::int64_t value) {
    write_numeric_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

bool is_string_attribute(const Handle& object, const std::string& name) {
    const Handle attribute = open_attribute(object, name);
    const Handle type(H5Aget_type(attribute.id()), H5Tclose, attribute.where(),
                      "cannot read attribute type");
    return H5Tget_class(type.id()) == H5T_STRING;
}

std::string read_string_attribute(const Handle& object, const std::string& name) {
    const Handle attribute = open_attribute(object, name);
    const std::string& where = attribute.where();
    const Handle type(H5Aget_type(attribute.id()), H5Tclose, where, "cannot read attribute type");
    if (H5Tget_class(type.id()) != H5T_STRING)
        throw IoError(fmt::format("{}: expected a string attribute", where));
    const Handle space(H5Aget_space(attribute.id()), H5Sclose, where,
                       "cannot read attribute shape");
    if (H5Sget_simple_extent_npoints(space.id()) != 1) {
        throw IoError(fmt::format("{}: expected a single string", where));
    }
    const htri_t variable = H5Tis_variable_str(type.id());
    check_tri(variable, where, "cannot read attribute type");
    if (variable > 0) {
        const Handle memory_type = vlen_string_type(where);
        char* text = nullptr;
        check(H5Aread(attribute.id(), memory_type.id(), &text), where, "cannot read attribute");
        std::string value = text != nullptr ? text : "";
        H5free_memory(text);
        return value;
    }
    const std::size_t size = H5Tget_size(type.id());
    if (size == 0) fail(where, "cannot read attribute type");
    // As for datasets: no more bytes than the file stores for the attribute.
    if (size > H5Aget_storage_size(attribute.id())) {
        throw IoError(fmt::format("{}: damaged file (a string of {} bytes, the file stores {})",
                                  where, size, H5Aget_storage_size(attribute.id())));
    }
    std::string value(size, '\0');
    check(H5Aread(attribute.id(), type.id(), value.data()), where, "cannot read attribute");
    return unpad(std::move(value), type.id());
}

double read_double_attribute(const Handle& object, const std::string& name) {
    double value = 0.0;
    read_numeric_attribute(object, name, H5T_NATIVE_DOUBLE, false, &value);
    return value;
}

std::int64_t read_int_attribute(const Handle& object, const std::string& name) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t value = 0;
    read_numeric_attribute(object, name, H5T_NATIVE_INT64, true, &value);
    if (value == kMax) {
        // HDF5 clamps a value the memory type cannot hold: read it again as unsigned to tell
        // 2^63 - 1 from a larger one.
        std::uint64_t stored = 0;
        read_numeric_attribute(object, name, H5T_NATIVE_UINT64, true, &stored);
        if (stored > static_cast<std::uint64_t>(kMax)) {
            throw IoError(
                fmt::format("{}@{}: {} is beyond the largest integer isingmf reads, "
                            "2^63 - 1",
                            object.where(), name, stored));
        }
    }
    return value;
}

std::int64_t read_int_attribute_in(const Handle& object, const std::string& name, std::int64_t lo,
                                   std::int64_t hi) {
    const std::int64_t value = read_int_attribute(object, name);
    if (value < lo || value > hi) {
        throw IoError(fmt::format("{}@{}: {} is out of range ({} to {})", object.where(), name,
                                  value, lo, hi));
    }
    return value;
}

Handle write_doubles(const Handle& parent, const std::string& name,
                     std::span<const double> values) {
    return write_1d(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), values.size());
}

Handle write_int32s(const Handle& parent, const std::string& name,
                    std::span<const std::int32_t> values) {
    return write_1d(parent, name, H5T_STD_I32LE, H5T_NATIVE_INT32, values.data(), values.size());
}

Handle write_uint64s(const Handle& parent, const std::string& name,
                     std::span<const std::uint64_t> values) {
    return write_1d(parent, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, values.data(), values.size());
}

Handle write_uint8s(const Handle& parent, const std::string& name,
                    std::span<const std::uint8_t> values) {
    return write_1d(parent, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.data(), values.size());
}

Handle write_strings(const Handle& parent, const std::string& name,
                     std::span<const std::string> values) {
    const std::size_t dims[1] = {values.size()};
    return write_string_nd(parent, name, values, dims, false);
}

Handle write_double_array(const Handle& parent, const std::string& name,
                          std::span<const double> values, std::span<const std::size_t> dims,
                          bool compress) {
    return write_nd(parent, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data(), values.size(),
                    dims, compress);
}

Handle write_int32_array(const Handle& parent, const std::string& name,
                         std::span<const std::int32_t> values, std::span<const std::size_t> dims,
                         bool compress) {
    return write_nd(parent, name, H5T_STD_I32LE, H5T_NATIVE_INT32, values.data(), values.size(),
                    dims, compress);
}

Handle write_uint8_array(const Handle& parent, const std::string& name,
                         std::span<const std::uint8_t> values, std::span<const std::size_t> dims,
                         bool compress) {
    return write_nd(parent, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.data(), values.size(),
                    dims, compress);
}

Handle write_string_array(const Handle& parent, const std::string& name,
                          std::span<const std::string> values, std::span<const std::size_t> dims,
                          bool compress) {
    return write_string_nd(parent, name, values, dims, compress);
}

std::vector<double> read_doubles(const Handle& parent, const std::string& name) {
    return read_numeric_1d<double>(parent, name, H5T_NATIVE_DOUBLE);
}

std::vector<std::int32_t> read_int32s(const Handle& parent, const std::string& name) {
    return read_numeric_1d<std::int32_t>(parent, name, H5T_NATIVE_INT32);
}

std::vector<std::uint8_t> read_uint8s(const Handle& parent, const std::string& name) {
    return read_numeric_1d<std::uint8_t>(parent, name, H5T_NATIVE_UINT8);
}

std::vector<std::uint64_t> read_uint64s(const Handle& parent, const std::string& name) {
    return read_numeric_1d<std::uint64_t>(parent, name, H5T_NATIVE_UINT64);
}

std::vector<std::string> read_strings(const Handle& parent, const std::string& name) {
    const OpenedDataset opened = open_dataset(parent, name, 1);
    const std::string& where = opened.dataset.where();
    const Handle& type = opened.type;
    if (H5Tget_class(type.id()) != H5T_STRING)
        throw IoError(fmt::format("{}: expected a string dataset", where));
    const auto size = static_cast<std::size_t>(opened.dims[0]);
    std::vector<std::string> values;
    values.reserve(size);
    if (size == 0) return values;
    const htri_t variable = H5Tis_variable_str(type.id());
    check_tri(variable, where, "cannot read dataset type");
    if (variable > 0) {
        const Handle memory_type = vlen_string_type(where);
        std::vector<char*> texts(size, nullptr);
        const Handle dxpl = read_plist(opened, size);
        check(H5Dread(opened.dataset.id(), memory_type.id(), H5S_ALL, H5S_ALL, dxpl.id(),
                      texts.data()),
              where, "cannot read dataset");
        for (const char* text : texts) values.emplace_back(text != nullptr ? text : "");
#if H5_VERSION_GE(1, 12, 0)
        check(H5Treclaim(memory_type.id(), opened.space.id(), H5P_DEFAULT, texts.data()), where,
              "cannot free strings");
#else
        check(H5Dvlen_reclaim(memory_type.id(), opened.space.id(), H5P_DEFAULT, texts.data()),
              where, "cannot free strings");
#endif
        return values;
    }
    const std::size_t width = H5Tget_size(type.id());
    if (width == 0) fail(where, "cannot read dataset type");
    std::string buffer(size * width, '\0');
    const Handle dxpl = read_plist(opened, size);
    check(H5Dread(opened.dataset.id(), type.id(), H5S_ALL, H5S_ALL, dxpl.id(), buffer.data()),
          where, "cannot read dataset");
    for (std::size_t k = 0; k < size; ++k)
        values.push_back(unpad(buffer.substr(k * width, width), type.id()));
    return values;
}

Matrix read_double_matrix(const Handle& parent, const std::string& name) {
    const OpenedDataset opened = open_dataset(parent, name, 2);
    if (const H5T_class_t type_class = dataset_class(opened);
        type_class != H5T_FLOAT && type_class != H5T_INTEGER) {
        throw IoError(fmt::format("{}: expected a numeric dataset", opened.dataset.where()));
    }
    Matrix matrix{
        static_cast<std::size_t>(opened.dims[0]), static_cast<std::size_t>(opened.dims[1]), {}};
    matrix.values.resize(matrix.rows * matrix.cols);
    if (!matrix.values.empty()) {
        const Handle dxpl = read_plist(opened, matrix.values.size());
        check(H5Dread(opened.dataset.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, dxpl.id(),
                      matrix.values.data()),
              opened.dataset.where(), "cannot read dataset");
    }
    return matrix;
}

}  // namespace isingmf::detail::h5
