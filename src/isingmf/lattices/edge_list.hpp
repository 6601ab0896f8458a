#pragma once
/// Edge-list lattice files: any graph with any couplings, as plain text.
///
///   # comment lines and blank lines are ignored; '#' starts a comment anywhere on a line
///   N 16          first non-comment line: the number of sites
///   0 1 1.0       edge lines: i j J   (0-based sites, i != j, J a finite real)
///   h 3 0.5       optional field lines: h i value   (at most one per site; others 0)
///   E0 -2.5       optional, at most once: the energy offset E0 (default 0)
///
/// The model is H(s) = E0 - sum_(ij) J_ij s_i s_j - sum_i h_i s_i (see model/model.hpp), so
/// J > 0 is ferromagnetic. Fields are whitespace separated (spaces, tabs; CRLF line ends
/// are fine). An edge listed more than once, in either order, is one bond whose couplings
/// add. Numbers are anything std::from_chars reads (decimal, exponent, optional leading
/// '+'); "inf" and "nan" are refused. Malformed input throws ParseError "FILE:LINE: reason".
///
/// Limits: N <= 2^30 (kMaxModelSites); lines of at most 64 KiB; text only (a NUL or another
/// control byte other than white space is refused at once). Memory grows with the lines read,
/// not with the declared N: per-site arrays are allocated only when the model is built.

#include <filesystem>
#include <string>
#include <string_view>

#include "isingmf/model/model.hpp"

namespace isingmf {

/// Parses edge-list text. `source` names it in error messages ("FILE:LINE: reason") and in
/// the description. Every J is multiplied by `J_scale` and `extra_field` is added to every
/// site's field. The description is {lattice=file, file=<source>}, with J_scale=<J_scale> and
/// extra_field=<extra_field> where they are not 1 and 0. Throws ParseError on malformed text,
/// ModelError on a non-finite J_scale or extra_field.
Model parse_edge_list(std::string_view text, const std::string& source, double J_scale = 1.0,
                      double extra_field = 0.0);

/// Reads an edge-list file (see above). Throws IoError when the file cannot be read and
/// ParseError "PATH:LINE: reason" when it is malformed.
Model read_edge_list(const std::filesystem::path& path, double J_scale = 1.0,
                     double extra_field = 0.0);

/// Writes `model` so that read_edge_list gives it back exactly: shortest round-trip
/// decimals, edges in the model's order, h lines for nonzero fields only, an E0 line when
/// E0 != 0. `comment` (may span lines) and the model's description go first as '#' lines.
/// Written as write_uai writes (replacing an existing file only with `overwrite`); throws
/// OutputExistsError for an existing file without `overwrite`, and IoError when the file
/// cannot be written.
void write_edge_list(const Model& model, const std::filesystem::path& path,
                     const std::string& comment = {}, bool overwrite = true);

}  // namespace isingmf
