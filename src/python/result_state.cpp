#include "result_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "isingmf/bounds/bethe.hpp"
#include "isingmf/bounds/upper_bound.hpp"
#include "isingmf/clusters/piece.hpp"
#include "isingmf/meanfield/structured_mean_field.hpp"
#include "isingmf/util/detail/bytes.hpp"

namespace isingmf::python {
namespace {

// The layout of the bytes; a change of any field list below needs a new version.
constexpr int kResultStateVersion = 1;

template <class R, class T>
concept Is = std::same_as<std::remove_const_t<R>, T>;

// Each result's fields, in the order they are encoded, for the Encoder and the Decoder alike
// (R is const for encoding), so that the two cannot disagree.
template <class Io, Is<MeanFieldResult> R>
void fields(Io& io, R& r) {
    io(r.ln_z, r.energy, r.entropy, r.magnetization, r.m, r.iterations, r.converged, r.residual,
       r.start, r.cut, r.total_sweeps, r.method, r.omega, r.extrapolations);
}

template <class Io, Is<StructuredMeanFieldResult> R>
void fields(Io& io, R& r) {
    io(r.ln_z, r.energy, r.entropy, r.magnetization, r.m, r.cluster_kind, r.cluster_width,
       r.num_clusters, r.colours, r.clusters, r.iterations, r.converged, r.residual, r.start,
       r.omega);
}

template <class Io, Is<UpperBoundResult> R>
void fields(Io& io, R& r) {
    io(r.ln_z, r.iterations, r.converged, r.disagreement, r.evaluations, r.beta, r.kind, r.width,
       r.num_pieces, r.weights, r.description, r.split, r.trace);
}

template <class Io, Is<BetheResult> R>
void fields(Io& io, R& r) {
    io(r.ln_z, r.iterations, r.converged, r.residual, r.m, r.messages, r.beta, r.schedule,
       r.damping, r.start);
}

template <class Io, Is<ExactResult> R>
void fields(Io& io, R& r) {
    io(r.ln_z, r.energy_per_spin, r.specific_heat_per_spin, r.magnetization, r.magnetization_abs,
       r.susceptibility);
}

template <class Io, Is<SweepPoint> R>
void fields(Io& io, R& r) {
    io(r.T, r.beta, r.mean_field, r.upper, r.bethe, r.structured, r.exact);
}

template <class Io, Is<SweepResult> R>
void fields(Io& io, R& r) {
    io(r.points, r.exact_method, r.exact_note, r.upper_note);
}

template <class Io, Is<RunRecord> R>
void fields(Io& io, R& r) {
    io(r.program_version, r.command_line, r.created, r.model, r.num_sites, r.num_edges,
       r.energy_offset, r.solver, r.store_m);
}

template <class Io, Is<SweepRun> R>
void fields(Io& io, R& r) {
    io(r.sweep, r.num_sites, r.record);
}

template <class Io, Is<ExactSeries> R>
void fields(Io& io, R& r) {
    io(r.T, r.beta, r.points, r.method, r.note);
}

// Enumerations travel as their names, read back by their parsers: an unknown name is damage.
std::string enum_text(MeanFieldMethod value) { return to_string(value); }
std::string enum_text(DecompositionKind value) { return to_string(value); }
std::string enum_text(BpSchedule value) { return to_string(value); }
std::string enum_text(ClusterKind value) { return to_string(value); }
void parse_enum(std::string_view text, MeanFieldMethod& value) {
    value = parse_mean_field_method(text);
}
void parse_enum(std::string_view text, DecompositionKind& value) {
    value = parse_decomposition_kind(text);
}
void parse_enum(std::string_view text, BpSchedule& value) { value = parse_bp_schedule(text); }
void parse_enum(std::string_view text, ClusterKind& value) { value = parse_cluster_kind(text); }

class Encoder {
public:
    template <class... Values>
    void operator()(const Values&... values) {
        (put(values), ...);
    }
    std::string take() { return out_.take(); }

private:
    void put(double value) { out_.f64(value); }
    void put(int value) { out_.i64(value); }
    void put(long long value) { out_.i64(value); }
    void put(unsigned long value) { out_.u64(value); }
    void put(bool value) { out_.u8(value ? 1 : 0); }
    void put(const std::string& value) { out_.text(value); }
    template <class E>
    requires std::is_enum_v<E>
    void put(E value) { out_.text(enum_text(value)); }
    template <class A, class B>
    void put(const std::pair<A, B>& pair) {
        put(pair.first);
        put(pair.second);
    }
    template <class T>
    void put(const std::optional<T>& value) {
        out_.u8(value ? 1 : 0);
        if (value) put(*value);
    }
    template <class T>
    void put(const std::vector<T>& values) {
        out_.u64(values.size());
        for (const T& value : values) put(value);
    }
    template <class T>
    requires std::is_class_v<T>
    void put(const T& value) { fields(*this, value); }

    detail::ByteWriter out_;
};

class Decoder {
public:
    Decoder(std::string_view bytes, std::string what) : in_(bytes, std::move(what)) {}
    template <class... Values>
    void operator()(Values&... values) {
        (get(values), ...);
    }
    void finish() const {
        if (!in_.done()) in_.damaged();
    }
    [[noreturn]] void damaged() const { in_.damaged(); }

private:
    void get(double& value) { value = in_.f64(); }
    void get(int& value) {
        const std::int64_t v = in_.i64();
        if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
            in_.damaged();
        value = static_cast<int>(v);
    }
    void get(long long& value) { value = in_.i64(); }
    void get(unsigned long& value) { value = in_.u64(); }
    void get(bool& value) {
        const std::uint8_t v = in_.u8();
        if (v > 1) in_.damaged();
        value = v == 1;
    }
    // Python reads every string of a result as str: one that is not UTF-8 is damage.
    void get(std::string& value) {
        value = in_.text();
        PyObject* text =
            PyUnicode_DecodeUTF8(value.data(), static_cast<Py_ssize_t>(value.size()), "strict");
        if (text == nullptr) {
            PyErr_Clear();
            in_.damaged();
        }
        Py_DECREF(text);
    }
    template <class E>
    requires std::is_enum_v<E>
    void get(E& value) {
        const std::string text = in_.text();
        try {
            parse_enum(text, value);
        } catch (const ParseError&) {
            in_.damaged();
        }
    }
    template <class A, class B>
    void get(std::pair<A, B>& pair) {
        get(pair.first);
        get(pair.second);
    }
    template <class T>
    void get(std::optional<T>& value) {
        const std::uint8_t present = in_.u8();
        if (present > 1) in_.damaged();
        value.reset();
        if (present == 1) get(value.emplace());
    }
    template <class T>
    void get(std::vector<T>& values) {
        // Every encoded element takes at least one byte, so a damaged count cannot ask for
        // more than the bytes left; and elements are made only as they are decoded, so that
        // a count of a million one-byte points cannot build a million full-size points first.
        const auto count = static_cast<std::size_t>(in_.count(1));
        values.clear();
        values.reserve(std::min<std::size_t>(count, 1024));
        for (std::size_t k = 0; k < count; ++k) get(values.emplace_back());
    }
    template <class T>
    requires std::is_class_v<T>
    void get(T& value) { fields(*this, value); }

    detail::ByteReader in_;
};

// The sweep's readers take a group present at the first temperature as present at all (the
// file's rule): a state that breaks it is damaged.
void check_groups(const SweepResult& sweep, const Decoder& decoder) {
    if (sweep.points.empty()) return;
    const SweepPoint& front = sweep.points.front();
    for (const SweepPoint& p : sweep.points) {
        if (p.mean_field.has_value() != front.mean_field.has_value() ||
            p.upper.has_value() != front.upper.has_value() ||
            p.bethe.has_value() != front.bethe.has_value() ||
            p.structured.has_value() != front.structured.has_value()) {
            decoder.damaged();
        }
    }
}

template <class T>
void check(const T& /*value*/, const Decoder& /*decoder*/) {}
void check(const SweepRun& run, const Decoder& decoder) {
    if (run.num_sites < 0) decoder.damaged();
    check_groups(run.sweep, decoder);
}
void check(const ExactSeries& series, const Decoder& decoder) {
    if (series.beta.size() != series.T.size() || series.points.size() != series.T.size())
        decoder.damaged();
}

}  // namespace

template <class T>
py::tuple result_state(const T& value) {
    Encoder encoder;
    encoder(value);
    return py::make_tuple(kResultStateVersion, py::bytes(encoder.take()));
}

std::string not_a_state(std::string_view type_name, int version) {
    return fmt::format("not an {} pickle state of version {}", type_name, version);
}

py::tuple versioned_state(const py::object& state, std::size_t size, int version,
                          const std::string& what) {
    if (!py::isinstance<py::tuple>(state)) throw IoError(what);
    auto tuple = state.cast<py::tuple>();
    if (tuple.size() != size || !py::isinstance<py::int_>(tuple[0]) ||
        !py::object(tuple[0]).equal(py::int_(version)))
        throw IoError(what);
    return tuple;
}

template <class T>
T result_from_state(const py::object& state, const char* type_name) {
    const std::string what = not_a_state(type_name, kResultStateVersion);
    const py::tuple tuple = versioned_state(state, 2, kResultStateVersion, what);
    if (!py::isinstance<py::bytes>(tuple[1])) throw IoError(what);
    const auto bytes = tuple[1].cast<std::string>();
    Decoder decoder(bytes, what);
    T value{};
    decoder(value);
    decoder.finish();
    check(value, decoder);
    return value;
}

#define ISINGMF_RESULT_STATE(T)                         \
    template py::tuple result_state<T>(const T& value); \
    template T result_from_state<T>(const py::object& state, const char* type_name);
ISINGMF_RESULT_STATE(MeanFieldResult)
ISINGMF_RESULT_STATE(StructuredMeanFieldResult)
ISINGMF_RESULT_STATE(UpperBoundResult)
ISINGMF_RESULT_STATE(BetheResult)
ISINGMF_RESULT_STATE(ExactResult)
ISINGMF_RESULT_STATE(SweepPoint)
ISINGMF_RESULT_STATE(SweepRun)
ISINGMF_RESULT_STATE(ExactSeries)
ISINGMF_RESULT_STATE(std::vector<std::uint64_t>)
#undef ISINGMF_RESULT_STATE

void give_every_pickle_protocol(py::module_& module) {
    const py::object newobj = py::module_::import("copyreg").attr("__newobj__");
    for (const auto item : module.attr("__dict__").cast<py::dict>()) {
        const py::handle cls = item.second;
        if (!py::isinstance<py::type>(cls) || !py::hasattr(cls, "__setstate__")) continue;
        py::setattr(cls, "__reduce__",
                    py::cpp_function(
                        [newobj](const py::object& self) {
                            return py::make_tuple(newobj, py::make_tuple(py::type::of(self)),
                                                  self.attr("__getstate__")());
                        },
                        py::name("__reduce__"), py::is_method(cls),
                        "pickling: cls.__new__(cls), then __setstate__(state)"));
    }
}

}  // namespace isingmf::python
