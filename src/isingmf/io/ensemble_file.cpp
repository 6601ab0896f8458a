#include "isingmf/io/ensemble_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

#include "isingmf/io/detail/hdf5.hpp"
#include "isingmf/io/detail/result_groups.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/detail/bytes.hpp"
#include "isingmf/util/error.hpp"

// The layout written here is documented in README.md ("Ensemble files"); keep the two in step.

namespace isingmf {
namespace {

namespace h5 = detail::h5;
namespace fs = std::filesystem;
using detail::AttributeValue;
using detail::DatasetValues;
using detail::ResultDataset;
using detail::ResultGroup;

constexpr const char* kFormat = "isingmf-ensemble";
constexpr std::int64_t kFormatVersion = 1;
constexpr std::uint64_t kSampleMagic = 0x31656c706d617345;  // "Esample1"
// What a decoded count may claim before the record is called damaged.
constexpr std::uint64_t kMaxItems = std::uint64_t{1} << 32;

// One sample decoded.
struct Sample {
    std::size_t index = 0;
    std::uint64_t seed = 0;
    std::string exact_note;
    std::string upper_note;
    std::vector<double> T;
    std::vector<double> beta;
    std::vector<ResultGroup> groups;
};

void encode_values(detail::ByteWriter& out, const DatasetValues& values) {
    out.u8(static_cast<std::uint8_t>(values.index()));
    std::visit(
        [&](const auto& v) {
            using Value = typename std::decay_t<decltype(v)>::value_type;
            out.u64(v.size());
            for (const auto& x : v) {
                if constexpr (std::is_same_v<Value, double>) {
                    out.f64(x);
                } else if constexpr (std::is_same_v<Value, std::int32_t>) {
                    out.u32(static_cast<std::uint32_t>(x));
                } else if constexpr (std::is_same_v<Value, std::uint8_t>) {
                    out.u8(x);
                } else {
                    out.text(x);
                }
            }
        },
        values);
}

DatasetValues decode_values(detail::ByteReader& in) {
    const std::uint8_t kind = in.u8();
    const auto read = [&](auto value_of, std::uint64_t min_bytes) {
        using Value = decltype(value_of());
        std::vector<Value> v(static_cast<std::size_t>(in.count(min_bytes)));
        for (auto& x : v) x = value_of();
        return v;
    };
    switch (kind) {
        case 0:
            return read([&] { return in.f64(); }, 8);
        case 1:
            return read([&] { return static_cast<std::int32_t>(in.u32()); }, 4);
        case 2:
            return read([&] { return in.u8(); }, 1);
        case 3:
            return read([&] { return in.text(); }, 8);
        default:
            in.damaged();
    }
}

void encode_attribute(detail::ByteWriter& out, const AttributeValue& value) {
    out.u8(static_cast<std::uint8_t>(value.index()));
    if (const auto* text = std::get_if<std::string>(&value)) {
        out.text(*text);
    } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        out.i64(*integer);
    } else {
        out.f64(std::get<double>(value));
    }
}

AttributeValue decode_attribute(detail::ByteReader& in) {
    switch (in.u8()) {
        case 0:
            return in.text();
        case 1:
            return in.i64();
        case 2:
            return in.f64();
        default:
            in.damaged();
    }
}

Sample decode_sample(std::string_view bytes) {
    detail::ByteReader in(bytes, "ensemble sample");
    if (in.u64() != kSampleMagic) in.damaged();
    Sample sample;
    const std::uint64_t index = in.u64();
    if (index > kMaxItems) in.damaged();
    sample.index = static_cast<std::size_t>(index);
    sample.seed = in.u64();
    sample.exact_note = in.text();
    sample.upper_note = in.text();
    for (std::vector<double>* values : {&sample.T, &sample.beta}) {
        values->resize(static_cast<std::size_t>(in.count(8)));
        for (double& x : *values) x = in.f64();
    }
    sample.groups.resize(static_cast<std::size_t>(in.count(8)));
    for (ResultGroup& group : sample.groups) {
        group.name = in.text();
        group.attributes.resize(static_cast<std::size_t>(in.count(9)));
        for (auto& [name, value] : group.attributes) {
            name = in.text();
            value = decode_attribute(in);
        }
        group.datasets.resize(static_cast<std::size_t>(in.count(8)));
        for (ResultDataset& dataset : group.datasets) {
            dataset.name = in.text();
            dataset.shape.resize(static_cast<std::size_t>(in.count(8)));
            for (std::size_t& extent : dataset.shape) extent = static_cast<std::size_t>(in.u64());
            dataset.per_temperature = in.u8() != 0;
            dataset.compress = in.u8() != 0;
            dataset.units = in.text();
            dataset.description = in.text();
            dataset.values = decode_values(in);
            if (detail::value_count(dataset.values) != detail::value_count(dataset.shape))
                in.damaged();
        }
    }
    if (!in.done()) in.damaged();
    return sample;
}

bool numeric(const DatasetValues& values) {
    return !std::holds_alternative<std::vector<std::string>>(values);
}

// Every sample must hold the groups and datasets of sample 0, of the same types and shapes.
void check_alike(const fs::path& path, const std::vector<Sample>& samples) {
    const Sample& first = samples.front();
    const auto same_bits = [](const std::vector<double>& a, const std::vector<double>& b) {
        return a.size() == b.size() &&
               std::equal(a.begin(), a.end(), b.begin(), [](double x, double y) {
                   return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y);
               });
    };
    for (const Sample& sample : samples) {
        bool alike = sample.groups.size() == first.groups.size() && same_bits(sample.T, first.T) &&
                     same_bits(sample.beta, first.beta);
        for (std::size_t g = 0; alike && g < first.groups.size(); ++g) {
            const ResultGroup& a = first.groups[g];
            const ResultGroup& b = sample.groups[g];
            alike = a.name == b.name && a.datasets.size() == b.datasets.size();
            for (std::size_t d = 0; alike && d < a.datasets.size(); ++d) {
                alike = a.datasets[d].name == b.datasets[d].name &&
                        a.datasets[d].shape == b.datasets[d].shape &&
                        a.datasets[d].values.index() == b.datasets[d].values.index() &&
                        a.datasets[d].per_temperature == b.datasets[d].per_temperature;
            }
        }
        if (!alike) {
            throw IoError(fmt::format(
                "cannot write '{}': sample {} has other results than sample {} (temperatures, "
                "groups or datasets differ)",
                path.string(), sample.index, first.index));
        }
    }
}

std::string write_contents(const fs::path& path, const EnsembleRecord& record,
                           const std::vector<Sample>& samples) {
    const std::size_t K = samples.size();
    const Sample& first = samples.front();
    h5::Handle file = h5::create_file_in_memory(path.string());
    {
        const h5::Handle root = h5::open_group(file, "/");
        detail::write_run_header(root, record.run, kFormat, kFormatVersion, first.exact_note,
                                 first.upper_note, first.T, first.beta);
        {
            const h5::Handle seed = h5::write_uint64s(root, "seed", record.seeds);
            h5::write_string_attribute(seed, "units", "dimensionless");
            h5::write_string_attribute(
                seed, "description",
                fmt::format("seed of each sample's couplings, fields and random starts: seed + k "
                            "for sample k [K], K = {} samples",
                            K));
        }
        // Attributes and fixed datasets are sample 0's (the same lattice gives the same
        // decomposition, clusters and exact method); per-temperature datasets are stacked, and
        // the numeric columns among them averaged.
        std::vector<ResultGroup> averages;
        for (std::size_t g = 0; g < first.groups.size(); ++g) {
            ResultGroup group = first.groups[g];
            ResultGroup average{group.name, {}, {}};
            for (std::size_t d = 0; d < group.datasets.size(); ++d) {
                ResultDataset& dataset = group.datasets[d];
                if (!dataset.per_temperature) continue;
                dataset.values = detail::stack_dataset(
                    K, [&](std::size_t k) -> const auto& { return samples[k].groups; }, g, d);
                if (dataset.shape.size() == 1 && numeric(dataset.values))
                    detail::add_average_columns(average, group.name, dataset, dataset.values, K);
                dataset.shape.insert(dataset.shape.begin(), K);
                dataset.description += fmt::format(" [K x n_T]: row k is sample k, K = {}", K);
            }
            detail::write_group(root, group);
            if (!average.datasets.empty()) averages.push_back(std::move(average));
        }
        const h5::Handle average = h5::create_group(root, "average");
        for (const ResultGroup& group : averages) detail::write_group(average, group);
    }
    std::string image = h5::file_image(file);
    file.close();
    return image;
}

}  // namespace

std::string encode_sample(std::size_t index, std::uint64_t seed, const RunRecord& record,
                          const SweepResult& sweep) {
    RunRecord without_m = record;
    without_m.store_m = false;
    detail::ByteWriter out;
    out.u64(kSampleMagic);
    out.u64(index);
    out.u64(seed);
    out.text(sweep.exact_note);
    out.text(sweep.upper_note);
    for (const bool temperature : {true, false}) {
        out.u64(sweep.points.size());
        for (const SweepPoint& point : sweep.points) out.f64(temperature ? point.T : point.beta);
    }
    const std::vector<ResultGroup> groups = detail::sweep_groups(without_m, sweep);
    out.u64(groups.size());
    for (const ResultGroup& group : groups) {
        out.text(group.name);
        out.u64(group.attributes.size());
        for (const auto& [name, value] : group.attributes) {
            out.text(name);
            encode_attribute(out, value);
        }
        out.u64(group.datasets.size());
        for (const ResultDataset& dataset : group.datasets) {
            out.text(dataset.name);
            out.u64(dataset.shape.size());
            for (const std::size_t extent : dataset.shape) out.u64(extent);
            out.u8(dataset.per_temperature ? 1 : 0);
            out.u8(dataset.compress ? 1 : 0);
            out.text(dataset.units);
            out.text(dataset.description);
            encode_values(out, dataset.values);
        }
    }
    return out.take();
}

std::size_t encoded_sample_index(std::string_view sample) {
    detail::ByteReader in(sample, "ensemble sample");
    if (in.u64() != kSampleMagic) in.damaged();
    const std::uint64_t index = in.u64();
    if (index > kMaxItems) in.damaged();
    return static_cast<std::size_t>(index);
}

void write_ensemble(const fs::path& path, const EnsembleRecord& record,
                    const std::vector<std::string>& encoded, bool overwrite) {
    check_output_target(path, overwrite);
    detail::check_record_keys(path, record.run);
    const std::size_t K = record.seeds.size();
    if (K == 0) throw IoError(fmt::format("cannot write '{}': no samples", path.string()));
    std::vector<Sample> samples(K);
    std::vector<bool> seen(K, false);
    for (const std::string& bytes : encoded) {
        Sample sample = decode_sample(bytes);
        if (sample.index >= K || seen[sample.index]) {
            throw IoError(fmt::format("cannot write '{}': sample {} {}", path.string(),
                                      sample.index,
                                      sample.index >= K ? "out of range" : "given twice"));
        }
        if (sample.seed != record.seeds[sample.index]) {
            throw IoError(fmt::format("cannot write '{}': sample {} has seed {}, expected {}",
                                      path.string(), sample.index, sample.seed,
                                      record.seeds[sample.index]));
        }
        seen[sample.index] = true;
        samples[sample.index] = std::move(sample);
    }
    const auto missing = std::find(seen.begin(), seen.end(), false);
    if (missing != seen.end()) {
        throw IoError(fmt::format("cannot write '{}': sample {} is missing", path.string(),
                                  missing - seen.begin()));
    }
    check_alike(path, samples);
    const h5::QuietErrors quiet;
    const std::string image = write_contents(path, record, samples);
    write_text_atomically(path, image, overwrite);
}

bool is_ensemble_file(const fs::path& path) {
    const h5::QuietErrors quiet;
    detail::check_input(path);
    if (!h5::is_hdf5_file(path)) return false;
    const h5::Handle file = h5::open_file_read(path);
    const h5::Handle root = h5::open_group(file, "/");
    return h5::has_attribute(root, "format") && h5::is_string_attribute(root, "format") &&
           h5::read_string_attribute(root, "format") == kFormat;
}

EnsembleSummary read_ensemble_summary(const fs::path& path) {
    if (!is_ensemble_file(path)) {
        throw IoError(fmt::format("'{}' is not an isingmf ensemble file (no format attribute '{}')",
                                  path.string(), kFormat));
    }
    const h5::QuietErrors quiet;
    const h5::Handle file = h5::open_file_read(path);
    const h5::Handle root = h5::open_group(file, "/");
    const std::int64_t version = h5::read_int_attribute(root, "format_version");
    if (version != kFormatVersion) {
        throw IoError(fmt::format("'{}' has format_version {}; this isingmf reads version {}",
                                  path.string(), version, kFormatVersion));
    }
    EnsembleSummary summary;
    summary.run = detail::read_run_record(root);
    summary.run.store_m = false;
    summary.seeds = h5::read_uint64s(root, "seed");
    summary.T = h5::read_doubles(root, "T");
    const std::size_t n_T = summary.T.size();
    for (const char* name :
         {"mean_field", "upper_bound", "bethe", "structured_mean_field", "exact", "comparison"}) {
        if (h5::has_link(root, name)) summary.groups.emplace_back(name);
    }
    const h5::Handle average = h5::open_group(root, "average");
    for (const std::string& group_name : h5::link_names(average)) {
        const h5::Handle group = h5::open_group(average, group_name);
        for (const std::string& name : h5::link_names(group)) {
            const std::string stderr_name = name + "_stderr";
            if (!h5::has_link(group, stderr_name)) continue;
            EnsembleAverage a{group_name, name, h5::read_doubles(group, name),
                              h5::read_doubles(group, stderr_name)};
            if (a.mean.size() != n_T || a.stderr_of_mean.size() != n_T) {
                throw IoError(
                    fmt::format("{}/{}: not one entry per temperature", group.where(), name));
            }
            summary.averages.push_back(std::move(a));
        }
    }
    return summary;
}

}  // namespace isingmf
