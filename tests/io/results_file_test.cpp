#include "isingmf/io/results_file.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>

#include "isingmf/io/detail/hdf5.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/error.hpp"
#include "support/temp_dir.hpp"

namespace isingmf {
namespace {

namespace fs = std::filesystem;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// N = 4, a power of two: the file stores energy and entropy per spin, and x / 4 * 4 == x
// exactly in binary floating point, so every value must come back bit for bit.
constexpr int kSites = 4;

class ResultsFileTest : public ::testing::Test {
protected:
    std::size_t entries_in_dir() const { return temp_.entry_count(); }

    const test::TempDir temp_{"isingmf_results_test"};
    const fs::path dir_ = temp_.path();
};

using test::read_file;
using test::write_file;

// Model and solver keys deliberately not in alphabetical order: they must come back in the
// order written.
RunRecord make_record() {
    RunRecord record;
    record.program_version = "0.1.0";
    record.command_line = "isingmf sweep --lattice square --size 2x2 -o run.h5";
    record.created = "2024-05-01T12:00:00Z";
    record.model = {
        {"lattice", "square"}, {"size", "2x2"}, {"boundary", "open"}, {"J", "1"}, {"h", "0"},
        {"disorder", "none"},  {"seed", "7"}};
    record.num_sites = kSites;
    record.num_edges = 4;
    record.energy_offset = -0.25;
    record.solver = {{"tolerance", "1e-10"}, {"max_iterations", "10000"}, {"exact", "enumerate"}};
    record.store_m = true;
    return record;
}

// Three temperatures, beta = 0 (T = inf) first. The numbers are arbitrary but distinct, so
// a swapped column or row would show; this test checks storage, not physics.
SweepResult make_sweep(bool with_exact) {
    SweepResult sweep;
    const double betas[3] = {0.0, 0.5, 2.0};
    for (int k = 0; k < 3; ++k) {
        SweepPoint point;
        point.beta = betas[k];
        point.T = betas[k] == 0.0 ? kInf : 1.0 / betas[k];
        MeanFieldResult& mf = point.mean_field.emplace();
        mf.ln_z = 2.7725887222397811 + 0.1 * k;
        mf.energy = -1.5 * k;
        mf.entropy = 2.5 - 0.3 * k;
        mf.m = {0.1 * k, -0.2 * k, 0.3 * k, 1.0 / 3.0};
        mf.magnetization = (mf.m[0] + mf.m[1] + mf.m[2] + mf.m[3]) / kSites;
        mf.iterations = 10 + k;
        mf.converged = k != 1;
        mf.residual = 1e-12 * (k + 1);
        mf.start = k == 0 ? "up" : (k == 1 ? "random:3" : "warm");
        if (k == 1) mf.cut = {"paramagnet", "random:0", "warm"};
        if (k == 2) mf.cut = {"warm"};
        sweep.points.push_back(point);
    }
    if (with_exact) {
        sweep.exact_method = "enumerate";
        sweep.points[0].exact = ExactResult{2.9, -0.5, 0.0, 0.0, 0.375, 1.0};
        // Point 1 has no exact result (written as NaN, read back as nullopt).
        sweep.points[2].exact = ExactResult{3.3, -1.75, 0.8, 0.25, kNaN, 2.5};
    } else {
        sweep.exact_method = "none";
        sweep.exact_note = "no exact method for 4 sites? (test note)";
    }
    return sweep;
}

void expect_same_mean_field(const SweepResult& expected, const SweepResult& actual, bool with_m) {
    ASSERT_EQ(actual.points.size(), expected.points.size());
    for (std::size_t k = 0; k < expected.points.size(); ++k) {
        SCOPED_TRACE("temperature " + std::to_string(k));
        const SweepPoint& e = expected.points[k];
        const SweepPoint& a = actual.points[k];
        EXPECT_EQ(a.T, e.T);  // includes +inf at beta = 0
        EXPECT_EQ(a.beta, e.beta);
        EXPECT_EQ(a.mean_field->ln_z, e.mean_field->ln_z);
        EXPECT_EQ(a.mean_field->energy, e.mean_field->energy);
        EXPECT_EQ(a.mean_field->entropy, e.mean_field->entropy);
        EXPECT_EQ(a.mean_field->magnetization, e.mean_field->magnetization);
        EXPECT_EQ(a.mean_field->residual, e.mean_field->residual);
        EXPECT_EQ(a.mean_field->iterations, e.mean_field->iterations);
        EXPECT_EQ(a.mean_field->converged, e.mean_field->converged);
        EXPECT_EQ(a.mean_field->start, e.mean_field->start);
        EXPECT_EQ(a.mean_field->cut, e.mean_field->cut);
        if (with_m) {
            EXPECT_EQ(a.mean_field->m, e.mean_field->m);
        } else {
            EXPECT_TRUE(a.mean_field->m.empty());
        }
    }
}

TEST_F(ResultsFileTest, RoundTripWithoutExact) {
    const fs::path path = dir_ / "run.h5";
    const RunRecord record = make_record();
    const SweepResult sweep = make_sweep(false);
    write_results(path, record, sweep, false);

    const ResultsFile file = read_results(path);
    EXPECT_EQ(file.record.program_version, record.program_version);
    EXPECT_EQ(file.record.command_line, record.command_line);
    EXPECT_EQ(file.record.created, record.created);
    EXPECT_EQ(file.record.model, record.model);
    EXPECT_EQ(file.record.num_sites, record.num_sites);
    EXPECT_EQ(file.record.num_edges, record.num_edges);
    EXPECT_EQ(file.record.energy_offset, record.energy_offset);
    EXPECT_EQ(file.record.solver, record.solver);
    EXPECT_TRUE(file.record.store_m);
    EXPECT_EQ(file.sweep.exact_method, "none");
    EXPECT_EQ(file.sweep.exact_note, sweep.exact_note);
    expect_same_mean_field(sweep, file.sweep, true);
    for (const SweepPoint& point : file.sweep.points) EXPECT_FALSE(point.exact.has_value());
    // Only the final file is left: the temporary was renamed, not copied.
    EXPECT_EQ(entries_in_dir(), 1u);
}

TEST_F(ResultsFileTest, RoundTripWithBoundsAndNoMeanField) {
    // Upper bound and Bethe estimate at every temperature, no mean field: no /mean_field, the
    // decomposition shared by all points, the note kept.
    SweepResult sweep = make_sweep(true);
    for (std::size_t k = 0; k < sweep.points.size(); ++k) {
        SweepPoint& p = sweep.points[k];
        p.mean_field.reset();
        UpperBoundResult& u = p.upper.emplace();
        u.ln_z = 3.5 + 0.25 * static_cast<double>(k);
        u.iterations = 7 * static_cast<int>(k);
        u.converged = k != 2;
        u.disagreement = 1e-5 * static_cast<double>(k);
        u.beta = p.beta;
        u.kind = DecompositionKind::strips;
        u.width = 3;
        u.num_pieces = 9;
        u.weights = {0.25, 0.25, 0.5};
        u.description = "test strips";
        BetheResult& b = p.bethe.emplace();
        b.ln_z = 3.0 - 0.125 * static_cast<double>(k);
        b.iterations = 40 + static_cast<int>(k);
        b.converged = k != 1;
        b.residual = 1e-3 * static_cast<double>(k);
        b.schedule = BpSchedule::parallel;
        b.damping = 0.25;
        b.start = k == 0 ? "zero" : "warm";
    }
    sweep.upper_note = "";
    RunRecord record = make_record();
    record.store_m = false;
    const fs::path path = dir_ / "bounds.h5";
    write_results(path, record, sweep, false);
    const ResultsFile file = read_results(path);
    ASSERT_EQ(file.sweep.points.size(), sweep.points.size());
    EXPECT_FALSE(file.record.store_m);
    for (std::size_t k = 0; k < sweep.points.size(); ++k) {
        SCOPED_TRACE("temperature " + std::to_string(k));
        const SweepPoint& e = sweep.points[k];
        const SweepPoint& a = file.sweep.points[k];
        EXPECT_FALSE(a.mean_field.has_value());
        ASSERT_TRUE(a.upper.has_value());
        ASSERT_TRUE(a.bethe.has_value());
        EXPECT_EQ(a.upper->ln_z, e.upper->ln_z);
        EXPECT_EQ(a.upper->iterations, e.upper->iterations);
        EXPECT_EQ(a.upper->converged, e.upper->converged);
        EXPECT_EQ(a.upper->disagreement, e.upper->disagreement);
        EXPECT_EQ(a.upper->beta, e.beta);
        EXPECT_EQ(a.upper->kind, DecompositionKind::strips);
        EXPECT_EQ(a.upper->width, 3);
        EXPECT_EQ(a.upper->num_pieces, 9);
        EXPECT_EQ(a.upper->weights, e.upper->weights);
        EXPECT_EQ(a.upper->description, "test strips");
        EXPECT_EQ(a.bethe->ln_z, e.bethe->ln_z);
        EXPECT_EQ(a.bethe->iterations, e.bethe->iterations);
        EXPECT_EQ(a.bethe->converged, e.bethe->converged);
        EXPECT_EQ(a.bethe->residual, e.bethe->residual);
        EXPECT_EQ(a.bethe->schedule, BpSchedule::parallel);
        EXPECT_EQ(a.bethe->damping, 0.25);
        EXPECT_EQ(a.bethe->start, e.bethe->start);
        EXPECT_EQ(a.exact.has_value(), e.exact.has_value());
    }
    // A result present at some temperatures only is refused before any file is made.
    SweepResult ragged = sweep;
    ragged.points[1].bethe.reset();
    EXPECT_THROW(write_results(dir_ / "ragged.h5", record, ragged, false), IoError);
    EXPECT_FALSE(fs::exists(dir_ / "ragged.h5"));
}

TEST_F(ResultsFileTest, RoundTripWithStructuredMeanField) {
    // Structured mean field beside naive mean field, with m stored for both, and alone
    // (then m is stored for it only); the cluster description is shared by all points.
    SweepResult sweep = make_sweep(true);
    for (std::size_t k = 0; k < sweep.points.size(); ++k) {
        const auto x = static_cast<double>(k);
        StructuredMeanFieldResult& s = sweep.points[k].structured.emplace();
        s.ln_z = 2.875 + 0.125 * x;
        s.energy = -1.75 * x;
        s.entropy = 2.25 - 0.5 * x;
        s.m = {0.5 - 0.25 * x, 0.125, -0.75 * x, 0.25};
        s.magnetization = (s.m[0] + s.m[1] + s.m[2] + s.m[3]) / kSites;
        s.iterations = 3 + static_cast<int>(k);
        s.converged = k != 2;
        s.residual = 1e-11 * (x + 1.0);
        s.start = k == 0 ? "naive" : "warm";
        s.cluster_kind = ClusterKind::strips;
        s.cluster_width = 2;
        s.num_clusters = 2;
        s.clusters = "test strips of 2 rows";
    }
    for (const bool with_mf : {true, false}) {
        SCOPED_TRACE(with_mf ? "with mean field" : "alone");
        SweepResult written = sweep;
        if (!with_mf)
            for (SweepPoint& p : written.points) p.mean_field.reset();
        const fs::path path = dir_ / (with_mf ? "both.h5" : "alone.h5");
        write_results(path, make_record(), written, false);
        const ResultsFile file = read_results(path);
        EXPECT_TRUE(file.record.store_m);
        if (with_mf) expect_same_mean_field(written, file.sweep, true);
        for (std::size_t k = 0; k < written.points.size(); ++k) {
            const StructuredMeanFieldResult& e = *written.points[k].structured;
            ASSERT_TRUE(file.sweep.points[k].structured.has_value());
            const StructuredMeanFieldResult& a = *file.sweep.points[k].structured;
            EXPECT_EQ(file.sweep.points[k].mean_field.has_value(), with_mf);
            EXPECT_EQ(a.ln_z, e.ln_z);
            EXPECT_EQ(a.energy, e.energy);
            EXPECT_EQ(a.entropy, e.entropy);
            EXPECT_EQ(a.magnetization, e.magnetization);
            EXPECT_EQ(a.m, e.m);
            EXPECT_EQ(a.iterations, e.iterations);
            EXPECT_EQ(a.converged, e.converged);
            EXPECT_EQ(a.residual, e.residual);
            EXPECT_EQ(a.start, e.start);
            EXPECT_EQ(a.cluster_kind, ClusterKind::strips);
            EXPECT_EQ(a.cluster_width, 2);
            EXPECT_EQ(a.num_clusters, 2);
            EXPECT_EQ(a.clusters, "test strips of 2 rows");
        }
    }
    // Stored m must be there for every group present.
    SweepResult short_m = sweep;
    short_m.points[1].structured->m.pop_back();
    EXPECT_THROW(write_results(dir_ / "short.h5", make_record(), short_m, false), IoError);
    SweepResult ragged = sweep;
    ragged.points[2].structured.reset();
    EXPECT_THROW(write_results(dir_ / "ragged.h5", make_record(), ragged, false), IoError);
    EXPECT_FALSE(fs::exists(dir_ / "short.h5") || fs::exists(dir_ / "ragged.h5"));
}

TEST_F(ResultsFileTest, RoundTripWithExactKeepsNaNAndMissingPoints) {
    const fs::path path = dir_ / "run.h5";
    const SweepResult sweep = make_sweep(true);
    write_results(path, make_record(), sweep, false);

    const ResultsFile file = read_results(path);
    EXPECT_EQ(file.sweep.exact_method, "enumerate");
    expect_same_mean_field(sweep, file.sweep, true);
    ASSERT_TRUE(file.sweep.points[0].exact.has_value());
    EXPECT_FALSE(file.sweep.points[1].exact.has_value());
    ASSERT_TRUE(file.sweep.points[2].exact.has_value());
    for (std::size_t k : {0u, 2u}) {
        const ExactResult& e = *sweep.points[k].exact;
        const ExactResult& a = *file.sweep.points[k].exact;
        EXPECT_EQ(a.ln_z, e.ln_z);
        EXPECT_EQ(a.energy_per_spin, e.energy_per_spin);
        EXPECT_EQ(a.specific_heat_per_spin, e.specific_heat_per_spin);
        EXPECT_EQ(a.magnetization, e.magnetization);
        EXPECT_EQ(a.susceptibility, e.susceptibility);
    }
    EXPECT_EQ(file.sweep.points[0].exact->magnetization_abs, 0.375);
    EXPECT_TRUE(std::isnan(file.sweep.points[2].exact->magnetization_abs));
}

TEST_F(ResultsFileTest, MagnetizationsAreOptional) {
    const fs::path path = dir_ / "run.h5";
    const SweepResult sweep = make_sweep(true);
    write_results(path, make_record(), sweep, false);
    const ResultsFile without_m = read_results(path, false);
    EXPECT_TRUE(without_m.record.store_m);  // stored, just not read
    expect_same_mean_field(sweep, without_m.sweep, false);

    const fs::path no_m_path = dir_ / "no_m.h5";
    RunRecord record = make_record();
    record.store_m = false;
    SweepResult no_m = sweep;
    for (SweepPoint& point : no_m.points)
        point.mean_field->m.clear();  // not needed when not stored
    write_results(no_m_path, record, no_m, false);
    const ResultsFile file = read_results(no_m_path, true);
    EXPECT_FALSE(file.record.store_m);
    expect_same_mean_field(no_m, file.sweep, false);
}

TEST_F(ResultsFileTest, EmptySweepRoundTrips) {
    const fs::path path = dir_ / "empty.h5";
    SweepResult sweep;
    write_results(path, make_record(), sweep, false);
    const ResultsFile file = read_results(path);
    EXPECT_TRUE(file.sweep.points.empty());
    EXPECT_EQ(file.sweep.exact_method, "none");
}

TEST_F(ResultsFileTest, ExistingFileIsKeptWithoutOverwrite) {
    const fs::path path = dir_ / "run.h5";
    write_file(path, "precious results\n");
    try {
        write_results(path, make_record(), make_sweep(true), false);
        FAIL() << "expected OutputExistsError";
    } catch (const OutputExistsError& e) {
        // The library says what is wrong; naming a flag (--force) is the CLI's business.
        const std::string message = e.what();
        EXPECT_EQ(message, "'" + path.string() + "' exists");
    }
    EXPECT_EQ(read_file(path), "precious results\n");
    EXPECT_EQ(entries_in_dir(), 1u);  // no temporary file left beside it
}

TEST_F(ResultsFileTest, OverwriteReplacesTheFile) {
    const fs::path path = dir_ / "run.h5";
    write_file(path, "old\n");
    const SweepResult sweep = make_sweep(true);
    write_results(path, make_record(), sweep, true);
    EXPECT_EQ(read_results(path).sweep.exact_method, "enumerate");

    // And again over an existing results file.
    write_results(path, make_record(), make_sweep(false), true);
    EXPECT_EQ(read_results(path).sweep.exact_method, "none");
    EXPECT_EQ(entries_in_dir(), 1u);
}

TEST_F(ResultsFileTest, MissingDirectoryThrowsAndLeavesNothing) {
    const fs::path path = dir_ / "missing" / "run.h5";
    try {
        write_results(path, make_record(), make_sweep(true), false);
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
    EXPECT_EQ(entries_in_dir(), 0u);
}

TEST_F(ResultsFileTest, DirectoryAsTargetThrows) {
    EXPECT_THROW(write_results(dir_, make_record(), make_sweep(true), true), IoError);
}

TEST_F(ResultsFileTest, InvalidRecordsThrowBeforeAnyFileIsMade) {
    const fs::path path = dir_ / "run.h5";
    const SweepResult sweep = make_sweep(true);

    RunRecord reserved = make_record();
    reserved.model.emplace_back("num_sites", "4");  // clashes with a fixed root attribute
    EXPECT_THROW(write_results(path, reserved, sweep, false), IoError);

    RunRecord repeated = make_record();
    repeated.model.emplace_back("lattice", "chain");
    EXPECT_THROW(write_results(path, repeated, sweep, false), IoError);

    RunRecord repeated_solver = make_record();
    repeated_solver.solver.emplace_back("tolerance", "1e-8");
    EXPECT_THROW(write_results(path, repeated_solver, sweep, false), IoError);

    RunRecord empty_key = make_record();
    empty_key.solver.emplace_back("", "x");
    EXPECT_THROW(write_results(path, empty_key, sweep, false), IoError);

    RunRecord no_sites = make_record();
    no_sites.num_sites = 0;
    EXPECT_THROW(write_results(path, no_sites, sweep, false), IoError);

    SweepResult short_m = sweep;
    short_m.points[1].mean_field->m.pop_back();  // 3 values for 4 sites
    EXPECT_THROW(write_results(path, make_record(), short_m, false), IoError);

    EXPECT_EQ(entries_in_dir(), 0u);
}

TEST_F(ResultsFileTest, ReadingATextFileThrowsNamingIt) {
    const fs::path path = dir_ / "notes.h5";
    write_file(path, "this is not HDF5\n");
    try {
        read_results(path);
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
}

TEST_F(ResultsFileTest, ReadingAMissingFileThrows) {
    EXPECT_THROW(read_results(dir_ / "absent.h5"), IoError);
}

TEST_F(ResultsFileTest, ReadingATruncatedFileThrowsNamingIt) {
    // The HDF5 signature survives, the rest does not: HDF5 itself must fail, and the
    // wrapper must turn that into an IoError naming the file.
    const fs::path path = dir_ / "run.h5";
    write_results(path, make_record(), make_sweep(true), false);
    const std::string bytes = read_file(path);
    write_file(path, bytes.substr(0, 600));
    try {
        read_results(path);
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
}

TEST_F(ResultsFileTest, ReadingAnotherHdf5FileThrows) {
    // A plain HDF5 file without the isingmf format attribute, made with h5py:
    //   h5py.File(p, "w").create_dataset("x", data=[1.0, 2.0])
    const fs::path path =
        fs::path(ISINGMF_SOURCE_DIR) / "tests" / "io" / "data" / "other_format.hdf5";
    ASSERT_TRUE(fs::exists(path)) << path;
    try {
        read_results(path);
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path.string()), std::string::npos) << message;
        EXPECT_NE(message.find("not an isingmf results file"), std::string::npos) << message;
    }
}

// String datasets convert through a buffer sized to their values (at least 4 KiB, at most
// 1 MiB): one string, a few, and many (70000, whose buffer is the 1 MiB cap), including empty
// and long ones, come back as written.
TEST_F(ResultsFileTest, StringArraysOfAnySizeRoundTrip) {
    const detail::h5::Handle file = detail::h5::create_file_in_memory("strings");
    for (const std::size_t count : {std::size_t{1}, std::size_t{3}, std::size_t{70000}}) {
        std::vector<std::string> values(count);
        for (std::size_t k = 0; k < count; ++k)
            values[k] = k % 7 == 3 ? std::string() : std::string(k % 300, 'a') + std::to_string(k);
        const std::string name = "s" + std::to_string(count);
        const std::size_t dims[1] = {count};
        detail::h5::write_string_array(file, name, values, dims);
        EXPECT_EQ(detail::h5::read_strings(file, name), values);
    }
}

// A file written elsewhere may store numbers in a type wider than any isingmf writes (here
// integers padded to up to 100000 bytes): the read's conversion buffer makes room for one
// value of the file's type, as HDF5's default buffer would (HDF5 1.10 grows only that one).
TEST_F(ResultsFileTest, WideNumericTypesAreRead) {
    namespace h5 = detail::h5;
    for (const std::size_t width : {std::size_t{64}, std::size_t{8192}, std::size_t{100000}}) {
        SCOPED_TRACE(width);
        const h5::Handle file = h5::create_file_in_memory("wide");
        const h5::Handle type(H5Tcopy(H5T_STD_I64LE), H5Tclose, "wide", "cannot copy type");
        ASSERT_GE(H5Tset_size(type.id(), width), 0);
        const hsize_t dims[1] = {3};
        const h5::Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose, "wide",
                               "cannot create space");
        const h5::Handle dataset(H5Dcreate2(file.id(), "x", type.id(), space.id(), H5P_DEFAULT,
                                            H5P_DEFAULT, H5P_DEFAULT),
                                 H5Dclose, "wide", "cannot create dataset");
        // Each value little-endian in its first 8 bytes, the rest zero padding.
        const std::int64_t values[3] = {7, -2, 1 << 20};
        std::vector<unsigned char> raw(3 * width, 0);
        for (std::size_t k = 0; k < 3; ++k) std::memcpy(&raw[k * width], &values[k], 8);
        ASSERT_GE(H5Dwrite(dataset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), 0);
        EXPECT_EQ(h5::read_doubles(file, "x"), (std::vector<double>{7.0, -2.0, 1048576.0}));
        EXPECT_EQ(h5::read_int32s(file, "x"), (std::vector<std::int32_t>{7, -2, 1048576}));
    }
}

// Found by fuzzing (scripts/fuzz.sh, on a format-1 file): /exact/magnetization declaring 2^48
// values made the reader ask for 2 PB before HDF5 could say that the data is not there. The
// corpus file has the same damage in format 2 (tests/fuzz/corpus/README.md).
TEST_F(ResultsFileTest, ADeclaredExtentTheFileDoesNotHoldIsRefusedBeforeAllocating) {
    const fs::path path =
        fs::path(ISINGMF_SOURCE_DIR) / "tests/fuzz/corpus/results/huge_extent.hdf5";
    try {
        read_results(path);
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(":/exact/magnetization: damaged file (the dataset "
                                             "declares 281474976710658 values of 8 bytes, the file "
                                             "stores 0 bytes of them)"),
                  std::string::npos)
            << e.what();
    }
}

// Found by fuzzing (format 1): chunks larger than their dataset made HDF5 1.10 read past its
// own buffers; isingmf never writes such chunks, and the reader refuses them.
TEST_F(ResultsFileTest, ChunksLargerThanTheDatasetAreRefused) {
    const fs::path path =
        fs::path(ISINGMF_SOURCE_DIR) / "tests/fuzz/corpus/results/chunk_larger_than_dataset.hdf5";
    try {
        read_results(path, true);
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find(
                      ":/mean_field/m: damaged file (chunks of 2x65533 for a dataset of 2x4)"),
                  std::string::npos)
            << e.what();
    }
}

// A file edited after it was written (h5py, h5edit): what the reader refuses names the file
// and the place. An external link would have been followed into any file (a FIFO blocked the
// reader; a results file showed its data as this one's); an unknown name in an enum attribute
// was reported without either ("unknown BP schedule 'bogus'").
TEST_F(ResultsFileTest, EditedFilesAreRefusedNamingThePlace) {
    namespace h5 = detail::h5;
    SweepResult sweep = make_sweep(false);
    for (SweepPoint& p : sweep.points) {
        BetheResult& b = p.bethe.emplace();
        b.beta = p.beta;
        b.start = "zero";
        UpperBoundResult& u = p.upper.emplace();
        u.beta = p.beta;
        u.kind = DecompositionKind::strips;
        u.width = 3;
        u.num_pieces = 2;
        u.weights = {0.5, 0.5};
    }
    const fs::path original = dir_ / "original.h5";
    write_results(original, make_record(), sweep, false);
    const auto edited = [&](const std::string& name, const auto& edit) {
        const fs::path path = dir_ / name;
        fs::copy_file(original, path);
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        EXPECT_GE(file, 0);
        edit(file);
        H5Fclose(file);
        return path;
    };
    const auto refusal = [](const fs::path& path) {
        try {
            read_results(path);
        } catch (const IoError& e) {
            return std::string(e.what());
        }
        return std::string("read");
    };
    const fs::path linked = edited("linked.h5", [&](hid_t file) {
        EXPECT_GE(H5Ldelete(file, "T", H5P_DEFAULT), 0);
        EXPECT_GE(H5Lcreate_external(original.c_str(), "T", file, "T", H5P_DEFAULT, H5P_DEFAULT),
                  0);
    });
    EXPECT_EQ(refusal(linked),
              linked.string() + ":/T: a link into another file, which isingmf does not follow");
    const fs::path renamed = edited("renamed.h5", [](hid_t file) {
        const hid_t bethe = H5Gopen2(file, "bethe", H5P_DEFAULT);
        EXPECT_GE(H5Adelete(bethe, "schedule"), 0);
        const h5::Handle group(bethe, H5Gclose, "bethe", "cannot open group");
        h5::write_string_attribute(group, "schedule", "bogus");
    });
    EXPECT_EQ(refusal(renamed), renamed.string() +
                                    ":/bethe@schedule: unknown BP schedule 'bogus' (expected "
                                    "sequential or parallel)");
    // Integers that do not fit: HDF5 would clamp 2^64 - 1 to 2^63 - 1 and a cast would make
    // a width of 2^32 + 3 into 3.
    const auto replace_int = [](hid_t file, const char* group_name, const char* name, hid_t type,
                                const void* value) {
        const hid_t group = H5Gopen2(file, group_name, H5P_DEFAULT);
        EXPECT_GE(H5Adelete(group, name), 0);
        const hid_t space = H5Screate(H5S_SCALAR);
        const hid_t attribute = H5Acreate2(group, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        EXPECT_GE(H5Awrite(attribute, type, value), 0);
        H5Aclose(attribute);
        H5Sclose(space);
        H5Gclose(group);
    };
    const std::uint64_t beyond = std::numeric_limits<std::uint64_t>::max();
    const fs::path version = edited("version.h5", [&](hid_t file) {
        replace_int(file, "/", "format_version", H5T_NATIVE_UINT64, &beyond);
    });
    EXPECT_EQ(refusal(version), version.string() +
                                    ":/@format_version: 18446744073709551615 is beyond the "
                                    "largest integer isingmf reads, 2^63 - 1");
    const std::int64_t wide = (std::int64_t{1} << 32) + 3;
    const fs::path width = edited("width.h5", [&](hid_t file) {
        replace_int(file, "upper_bound", "width", H5T_NATIVE_INT64, &wide);
    });
    EXPECT_EQ(refusal(width),
              width.string() + ":/upper_bound@width: 4294967299 is out of range (0 to 2147483647)");
    EXPECT_EQ(refusal(original), "read");
}

// Every error path closes what it opened: no HDF5 object stays open after a failed read
// (damaged files from the fuzzing corpus) or a failed write, so nothing is left for HDF5 to
// flush or close at exit.
TEST_F(ResultsFileTest, NoHdf5ObjectStaysOpenAfterAFailure) {
    const fs::path corpus = fs::path(ISINGMF_SOURCE_DIR) / "tests/fuzz/corpus/results";
    for (const char* name :
         {"huge_extent.hdf5", "truncated.hdf5", "other_format.hdf5", "chain4.hdf5", "no_exact.hdf5",
          "bounds.hdf5", "chunk_larger_than_dataset.hdf5"}) {
        SCOPED_TRACE(name);
        try {
            read_results(corpus / name, true);
        } catch (const IoError&) {
        }
        EXPECT_EQ(detail::h5::open_object_count(), 0);
    }
    const fs::path path = dir_ / "run.h5";
    write_results(path, make_record(), make_sweep(true), false);
    EXPECT_THROW(write_results(path, make_record(), make_sweep(true), false), OutputExistsError);
    EXPECT_EQ(detail::h5::open_object_count(), 0);
}

}  // namespace
}  // namespace isingmf
