// isingmf.Model: built from arrays, lattice generators, edge-list and UAI files; its edges,
// couplings and fields as read-only NumPy views of the model's own storage.

#include "isingmf/model/model.hpp"

#include <fmt/format.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "bindings.hpp"
#include "interruptible.hpp"
#include "isingmf/lattices/couplings.hpp"
#include "isingmf/lattices/edge_list.hpp"
#include "isingmf/lattices/generated_model.hpp"
#include "isingmf/lattices/lattice.hpp"
#include "isingmf/lattices/uai.hpp"
#include "isingmf/util/atomic_file.hpp"
#include "isingmf/util/error.hpp"

namespace isingmf::python {
namespace {

// edges() is viewed as an E x 2 int32 array in place.
static_assert(sizeof(Edge) == 2 * sizeof(int) && offsetof(Edge, j) == sizeof(int));

// The E x 2 `array` of integers as edges, each site checked against 0..num_sites-1.
template <class Index>
std::vector<Edge> checked_edges(const py::array& array, int num_sites) {
    const auto pairs = py::array_t<Index, py::array::c_style | py::array::forcecast>::ensure(array);
    const Index* ij = pairs.data();
    std::vector<Edge> out(static_cast<std::size_t>(pairs.shape(0)));
    const auto outside = [&](Index site) {
        if constexpr (std::is_signed_v<Index>) {
            if (site < 0) return true;
        }
        return static_cast<unsigned long long>(site) >= static_cast<unsigned long long>(num_sites);
    };
    for (std::size_t e = 0; e < out.size(); ++e) {
        const Index i = ij[2 * e];
        const Index j = ij[2 * e + 1];
        // Model says the same of an index in int range; beyond it the cast would wrap.
        if (outside(i) || outside(j)) {
            throw ModelError(
                fmt::format("edge ({}, {}) has a site outside 0..{}", i, j, num_sites - 1));
        }
        out[e] = {static_cast<int>(i), static_cast<int>(j)};
    }
    return out;
}

std::vector<Edge> edges_argument(py::handle edges, int num_sites) {
    const py::array array = py::array::ensure(edges);
    if (!array) throw ModelError("edges must be an E x 2 array of site indices");
    if (array.size() == 0) return {};
    const char kind = array.dtype().kind();
    if (kind != 'i' && kind != 'u') {
        throw ModelError(fmt::format("edges must be integers, got dtype {}",
                                     py::str(array.dtype()).cast<std::string>()));
    }
    if (array.ndim() != 2 || array.shape(1) != 2) {
        std::string shape;
        for (py::ssize_t d = 0; d < array.ndim(); ++d)
            shape += fmt::format("{}{}", d == 0 ? "" : ", ", array.shape(d));
        throw ModelError(fmt::format("edges must have shape (E, 2), got ({})", shape));
    }
    // Unsigned arrays are read as unsigned: 2**64 - 1 is named as itself, not as -1.
    return kind == 'u' ? checked_edges<unsigned long long>(array, num_sites)
                       : checked_edges<long long>(array, num_sites);
}

// Runs write() without the GIL. The library's OutputExistsError says only "'PATH' exists";
// how to ask for the replacement is the front end's business, here the force keyword.
template <class Write>
void write_model_file(const Write& write) {
    try {
        py::gil_scoped_release release;
        write();
    } catch (const OutputExistsError& e) {
        throw IoError(fmt::format("{}; pass force=True to replace it", e.what()));
    }
}

// n as a 64-bit integer: a count past int (2**40) gets the site cap's message, not pybind's
// generic "incompatible constructor arguments".
std::shared_ptr<Model> model_from_arrays(long long num_sites, py::object edges, py::object J,
                                         py::object h, double E0) {
    check_num_sites(num_sites);  // before any per-site array is allocated
    const auto n = static_cast<int>(num_sites);
    std::vector<Edge> pairs = edges_argument(edges, n);
    std::vector<double> couplings = doubles_argument(J, pairs.size(), "J", "edges");
    std::vector<double> fields =
        h.is_none() ? std::vector<double>(static_cast<std::size_t>(n), 0.0)
                    : doubles_argument(h, static_cast<std::size_t>(n), "h", "sites");
    const DefaultTeam team;
    py::gil_scoped_release release;
    return std::make_shared<Model>(n, pairs, couplings, std::move(fields), E0);
}

// The command line's --size: "4x4" as typed, or extents as numbers.
std::vector<int> size_argument(py::handle size, std::string& text) {
    if (py::isinstance<py::str>(size)) {
        text = size.cast<std::string>();
        return parse_size(text);
    }
    std::vector<int> extents;
    try {
        if (py::isinstance<py::int_>(size)) {
            extents.push_back(size.cast<int>());
        } else {
            for (py::handle extent : size) extents.push_back(extent.cast<int>());
        }
    } catch (const py::cast_error&) {
        throw ModelError(
            fmt::format("size {} is not one or more integer extents like (64, 64), "
                        "64 or \"64x64\"",
                        py::repr(size).cast<std::string>()));
    }
    for (std::size_t k = 0; k < extents.size(); ++k)
        text += fmt::format("{}{}", k == 0 ? "" : "x", extents[k]);
    return extents;
}

}  // namespace

// Same checks as the command line's --lattice ... --seed options (src/cli/model_options.cpp),
// with the argument names of Python.
GeneratedModelSpec generated_model_argument(const std::string& kind, py::handle size,
                                            const std::optional<std::string>& boundary, double J,
                                            double h, const std::string& disorder,
                                            double random_field, std::optional<double> J0,
                                            std::uint64_t seed) {
    GeneratedModelSpec spec;
    spec.lattice.kind = parse_lattice_kind(kind);
    spec.lattice.size = size_argument(size, spec.size_text);
    const bool complete = spec.lattice.kind == LatticeKind::complete;
    if (complete && boundary) throw ModelError("boundary has no meaning for a complete graph");
    spec.lattice.boundary = boundary ? parse_boundary(*boundary) : Boundary::periodic;
    CouplingSpec& couplings = spec.couplings;
    couplings.disorder = parse_disorder(disorder);
    if (couplings.disorder == Disorder::sk && !complete)
        throw ModelError("disorder 'sk' needs lattice 'complete'");
    if (J0 && couplings.disorder != Disorder::sk)
        throw ModelError("J0 is only used with disorder 'sk'");
    couplings.J = J;
    couplings.h = h;
    couplings.random_field = random_field;
    couplings.J0 = J0.value_or(0.0);
    couplings.seed = seed;
    return spec;
}

namespace {

// The model the command line builds from the same options (the same description too).
std::shared_ptr<Model> lattice(const std::string& kind, py::object size,
                               const std::optional<std::string>& boundary, double J, double h,
                               const std::string& disorder, double random_field,
                               std::optional<double> J0, SeedArgument seed) {
    const GeneratedModelSpec spec = generated_model_argument(kind, size, boundary, J, h, disorder,
                                                             random_field, J0, seed.value);
    const DefaultTeam team;
    py::gil_scoped_release release;
    return std::make_shared<Model>(build_generated_model(spec));
}

py::dict description_dict(const Description& description) {
    py::dict out;
    for (const auto& [key, value] : description) out[py::str(key)] = value;
    return out;
}

py::object lattice_dict(const Model& model) {
    if (!model.lattice()) return py::none();
    const LatticeSpec& spec = *model.lattice();
    py::dict out;
    out["kind"] = to_string(spec.kind);
    out["size"] = py::tuple(py::cast(spec.size));
    out["boundary"] = to_string(spec.boundary);
    return out;
}

std::string model_repr(const Model& model) {
    const std::string kind = model.describe("lattice");
    return fmt::format("<isingmf.Model: {} sites, {} edges{}{}>", model.num_sites(),
                       model.num_edges(), kind.empty() ? "" : ", ", kind.empty() ? "" : kind);
}

// Pickling (multiprocessing, copy.deepcopy). The state holds what a constructor needs to
// build the same model to the bit: a generated lattice by its spec and its two weights, not its
// arrays (a 4096^2 ferromagnet pickles in a few hundred bytes); uniform weights as the two
// numbers; any other model by its arrays. The first entry is the state's layout version.
constexpr int kModelStateVersion = 1;

py::object lattice_state(const Model& model) {
    if (!model.lattice()) return py::none();
    const LatticeSpec& spec = *model.lattice();
    return py::make_tuple(to_string(spec.kind), py::tuple(py::cast(spec.size)),
                          to_string(spec.boundary));
}

// An object, not a tuple: pybind11 gives __setstate__ the type __getstate__ returns, and
// __setstate__ must take anything to refuse a non-tuple in our words.
py::object model_state(const Model& model) {
    py::object edges = py::none();
    if (model.lattice_bonds() == nullptr) {
        const std::vector<Edge>& list = model.edges();
        py::array_t<int> array({static_cast<py::ssize_t>(list.size()), py::ssize_t{2}});
        std::copy_n(&list.data()->i, 2 * list.size(), array.mutable_data());
        edges = std::move(array);
    }
    const std::optional<double> coupling =
        model.num_edges() == 0 ? std::optional<double>(0.0) : model.shared_coupling();
    py::object J = coupling ? py::object(py::float_(*coupling)) : copy(model.couplings());
    py::object h =
        model.shared_field() ? py::object(py::float_(*model.shared_field())) : copy(model.fields());
    return py::make_tuple(kModelStateVersion, model.num_sites(), std::move(edges), std::move(J),
                          std::move(h), model.energy_offset(), py::cast(model.description()),
                          lattice_state(model));
}

std::optional<LatticeSpec> lattice_from_state(py::handle state) {
    if (state.is_none()) return std::nullopt;
    const auto fields = state.cast<std::tuple<std::string, std::vector<int>, std::string>>();
    return LatticeSpec{parse_lattice_kind(std::get<0>(fields)), std::get<1>(fields),
                       parse_boundary(std::get<2>(fields))};
}

// The model model_state describes; the constructors check it as they check any input, so a
// state edited by hand gets their errors. A state that is not one at all gets one line.
std::shared_ptr<Model> model_from_state(const py::object& object) {
    const auto not_a_state = [&] {
        return ModelError(fmt::format("not an isingmf.Model pickle state of version {}: {:.80}",
                                      kModelStateVersion, py::repr(object).cast<std::string>()));
    };
    if (!py::isinstance<py::tuple>(object)) throw not_a_state();
    const auto state = object.cast<py::tuple>();
    if (state.size() != 8 || !py::isinstance<py::int_>(state[0]) ||
        state[0].cast<long long>() != kModelStateVersion) {
        throw not_a_state();
    }
    long long num_sites = 0;
    double E0 = 0.0;
    Description description;
    std::optional<LatticeSpec> lattice;
    try {
        num_sites = state[1].cast<long long>();
        E0 = state[5].cast<double>();
        description = state[6].cast<Description>();
        lattice = lattice_from_state(state[7]);
    } catch (const py::cast_error&) {
        throw not_a_state();
    }
    check_num_sites(num_sites);
    const auto n = static_cast<int>(num_sites);
    const py::handle edges = state[2];
    const py::handle J = state[3];
    const py::handle h = state[4];
    const bool uniform = py::isinstance<py::float_>(J) && py::isinstance<py::float_>(h);
    if (edges.is_none()) {
        if (!lattice || !uniform) throw not_a_state();
        const UniformWeights weights{J.cast<double>(), h.cast<double>()};
        const DefaultTeam team;
        py::gil_scoped_release release;
        return std::make_shared<Model>(
            Model::of_lattice(*lattice, weights, E0, std::move(description)));
    }
    std::vector<Edge> pairs = edges_argument(edges, n);
    if (uniform) {
        const UniformWeights weights{J.cast<double>(), h.cast<double>()};
        const DefaultTeam team;
        py::gil_scoped_release release;
        return std::make_shared<Model>(Model::with_uniform_weights(
            n, std::move(pairs), weights, E0, std::move(description), std::move(lattice)));
    }
    std::vector<double> couplings = doubles_argument(J, pairs.size(), "J", "edges");
    std::vector<double> fields = doubles_argument(h, static_cast<std::size_t>(n), "h", "sites");
    const DefaultTeam team;
    py::gil_scoped_release release;
    return std::make_shared<Model>(n, std::move(pairs), std::move(couplings), std::move(fields), E0,
                                   std::move(description), std::move(lattice));
}

constexpr const char* kModelDoc = R"doc(An Ising model, validated and immutable:

    H(s) = E0 - sum_e J_e s_i s_j - sum_i h_i s_i,   s_i = +-1,
    Z(beta) = sum_s exp(-beta H(s)),   k_B = 1, T = 1/beta.

J_e > 0 is ferromagnetic; each edge e = (i, j) is stored once with i < j. Repeated edges
given to the constructor are one bond whose couplings add (in the order of first
appearance); a self-loop, a site outside 0..n-1 or a non-finite number is refused with
isingmf.ModelError (a ValueError).

Model(n, edges, J, h=None, E0=0.0)
    n      number of sites
    edges  E x 2 integer array-like of site pairs (0-based)
    J      E couplings, or one number for every edge
    h      n fields, one number for every site, or None (all zero)
    E0     the spin-independent energy offset

Other constructors: isingmf.lattice(...), isingmf.read_edge_list(path),
isingmf.read_uai(path), Model.from_sparse(J, h, E0), Model.from_networkx(G, ...).

Arrays: `edges` (E x 2 int32), `J` (E), `h` (n) are read-only views of the model's own
storage (no copy; np.array(model.J) gives a writable copy). They keep the model alive.

Models pickle (multiprocessing, copy.deepcopy) and come back equal to the bit, with their
description and lattice; a generated uniform lattice pickles as its spec, not its arrays.)doc";

}  // namespace

void bind_model(py::module_& module) {
    py::class_<Model, std::shared_ptr<Model>>(module, "Model", kModelDoc)
        .def(py::init(&model_from_arrays), py::arg("n"), py::arg("edges"), py::arg("J"),
             py::arg("h") = py::none(), py::arg("E0") = 0.0)
        .def_property_readonly("n", &Model::num_sites, "number of sites N")
        .def_property_readonly("num_sites", &Model::num_sites, "number of sites N")
        .def_property_readonly("num_edges", &Model::num_edges, "number of distinct bonds E")
        .def_property_readonly(
            "edges",
            [](py::object self) {
                const Model& model = self.cast<const Model&>();
                py::array_t<int> array(
                    {static_cast<py::ssize_t>(model.num_edges()), py::ssize_t{2}},
                    {static_cast<py::ssize_t>(sizeof(Edge)), static_cast<py::ssize_t>(sizeof(int))},
                    &model.edges().data()->i, self);
                make_readonly(array);
                return array;
            },
            "E x 2 int32 array of bonds (i < j), a read-only view")
        .def_property_readonly(
            "J",
            [](py::object self) {
                const auto& J = self.cast<const Model&>().couplings();
                return view(J.data(), J.size(), self);
            },
            "couplings J_e of the bonds in `edges` (J > 0 ferromagnetic), a read-only view")
        .def_property_readonly(
            "h",
            [](py::object self) {
                const auto& h = self.cast<const Model&>().fields();
                return view(h.data(), h.size(), self);
            },
            "fields h_i (H contains -h_i s_i), a read-only view")
        .def_property_readonly("E0", &Model::energy_offset, "energy offset E0 of H")
        .def_property_readonly(
            "description", [](const Model& model) { return description_dict(model.description()); },
            "how the model was made (lattice, size, seed, file, ...), as a dict of strings")
        .def_property_readonly("lattice", &lattice_dict,
                               "the lattice the model was generated on ({kind, size, boundary}) "
                               "or None")
        .def(
            "energy",
            [](const Model& model, py::object spins) {
                const std::vector<double> s = doubles_argument(
                    spins, static_cast<std::size_t>(model.num_sites()), "spins", "sites");
                std::vector<signed char> signs(s.size());
                for (std::size_t i = 0; i < s.size(); ++i) {
                    if (std::isnan(s[i]))  // has no sign: not silently +1
                        throw ModelError(fmt::format("spin {} is NaN", i));
                    signs[i] = s[i] < 0.0 ? -1 : 1;
                }
                return model.energy(signs);
            },
            py::arg("spins"),
            "H(s) for a configuration s of +-1 values (read by their sign; 0 counts as +1, NaN "
            "is refused)")
        .def(
            "to_uai",
            [](const Model& model, const std::filesystem::path& path, double beta, bool force) {
                // As `isingmf export`: at beta = 0 the tables would hold nothing of the model.
                if (!(beta > 0.0) || !std::isfinite(beta)) {
                    throw ModelError(
                        fmt::format("beta must be finite and > 0 for a UAI file (its tables hold "
                                    "exp(-beta H)), got {}",
                                    beta));
                }
                write_model_file([&] { write_uai(model, path, beta, force); });
            },
            py::arg("path"), py::arg("beta") = 1.0, py::kw_only(), py::arg("force") = false,
            R"doc(Writes the model at inverse temperature beta as a UAI MARKOV file: one unary
table per site, one 2x2 table per edge, so that ln Z of the file is ln Z(beta) of the model
(to ~1e-12 relative). beta must be finite and > 0 (ModelError), as for `isingmf export`.
The file appears whole or not at all (written beside it, synced, renamed). An existing file
is replaced only with force=True, as `isingmf export --force`.
Raises isingmf.IoError (an OSError) when the file exists without force or cannot be
written.)doc")
        .def(
            "to_edge_list",
            [](const Model& model, const std::filesystem::path& path, const std::string& comment,
               bool force) {
                write_model_file([&] { write_edge_list(model, path, comment, force); });
            },
            py::arg("path"), py::arg("comment") = "", py::kw_only(), py::arg("force") = false,
            R"doc(Writes the model as an edge-list file (lattices/README.md) that read_edge_list
gives back exactly; whole or not at all, as to_uai. An existing file is replaced only with
force=True. Raises isingmf.IoError (an OSError) when the file exists without force or cannot
be written.)doc")
        .def(py::pickle(&model_state, &model_from_state))
        .def("__repr__", &model_repr);

    module.def("lattice", &lattice, py::arg("kind") = "square", py::arg("size") = "4x4",
               py::arg("boundary") = py::none(), py::arg("J") = 1.0, py::arg("h") = 0.0,
               py::arg("disorder") = "none", py::arg("random_field") = 0.0,
               py::arg("J0") = py::none(), py::arg("seed") = 1,
               R"doc(A lattice model, exactly as the command line builds it from
--lattice KIND --size SIZE --boundary B --J J --h H --disorder D --random-field S --J0 J0 --seed SEED.

kind      chain, square, triangular, honeycomb, cubic or complete
size      "64x64" or (64, 64) or 16: one extent per dimension (honeycomb counts cells of 2 sites)
boundary  "periodic" (default) or "open"; not allowed for complete graphs
J, h      coupling (J > 0 ferromagnetic; the scale of random bonds) and uniform field
disorder  "none" (J_e = J), "pm" (J_e = +-J), "gauss" (J_e ~ N(0, J^2)),
          "sk" (J_e ~ N(J0/N, J^2/N), complete graph only, with J0)
random_field  h_i = h + random_field * N(0, 1)
seed      bonds and fields: the same model for the same seed on every run

Sites are numbered x fastest (i = x + Lx*y on a square lattice). Returns a Model whose
`description` holds the same keys the command line writes into its results file.)doc");

    module.def(
        "read_edge_list",
        [](const std::filesystem::path& path) {
            // A FIFO waits for its writer: without the GIL, and stopped by Ctrl-C.
            return interruptible([&] {
                const DefaultTeam team;
                return std::make_shared<Model>(read_edge_list(path));
            });
        },
        py::arg("path"),
        R"doc(Reads an edge-list file (lattices/README.md): a line "N n", edge lines "i j J",
optional "h i value" and "E0 value" lines, '#' comments. Raises isingmf.IoError (OSError)
when the file cannot be read, isingmf.ParseError (ValueError) "FILE:LINE: reason" when it
is malformed.)doc");

    module.def(
        "read_uai",
        [](const std::filesystem::path& path) {
            return interruptible([&] {
                const DefaultTeam team;
                return std::make_shared<Model>(read_uai(path));
            });
        },
        py::arg("path"),
        R"doc(Reads a UAI MARKOV file with binary variables and factors of one or two
variables, exactly (spin s = 2a - 1): for a 2x2 table f,
    J = (ln f00 + ln f11 - ln f01 - ln f10)/4,  h_a = (ln f10 + ln f11 - ln f00 - ln f01)/4,
and the constants go into E0, so ln Z of the file is ln Z of the model at beta = 1.
Raises isingmf.IoError (OSError) when unreadable, isingmf.ParseError (ValueError) naming
the variable or factor at fault otherwise.)doc");
}

}  // namespace isingmf::python
