#pragma once
/// Models in the UAI inference-competition format (MARKOV networks), read and written.
///
/// A binary pairwise network with positive tables is exactly an Ising model plus a
/// constant. With spins s = 2a - 1 for a state a in {0, 1}:
///   2x2 table f(a, b):  ln f = c + h_a s_a + h_b s_b + J s_a s_b,
///     J = (ln f00 + ln f11 - ln f01 - ln f10) / 4,  h_a = (ln f10 + ln f11 - ln f00 - ln f01) / 4,
///     h_b = (ln f01 + ln f11 - ln f00 - ln f10) / 4, c = (ln f00 + ln f01 + ln f10 + ln f11) / 4;
///   unary table g(a):   h = (ln g1 - ln g0) / 2,  c = (ln g0 + ln g1) / 2;
///   constant table k:   c = ln k.
/// The model is H = E0 - sum J s s - sum h s with E0 = -(sum of all c), so that the file's
/// own distribution is the model at beta = 1 and ln Z_file = ln Z_model(1). Other
/// temperatures scale every -ln f by 1/T.
///
/// Table entries are listed with the last variable of the scope changing fastest.

#include <filesystem>
#include <string>
#include <string_view>

#include "isingmf/model/model.hpp"

namespace isingmf {

/// Reads a UAI MARKOV file whose variables are binary and whose factors have at most two
/// variables. Throws IoError when the file cannot be read and ParseError "FILE: reason"
/// naming the variable or factor at fault otherwise (not MARKOV, a non-binary variable, a
/// factor of three or more variables, a repeated or out-of-range variable, a wrong entry
/// count, a table entry that is not a finite positive number, a truncated file, text after
/// the last table). Description: {"lattice", "uai"}, {"file", path}. The file is read in
/// blocks as text (a control byte other than white space is refused at once); a token may be
/// at most 256 bytes long and there are at most 2^30 variables (kMaxModelSites).
Model read_uai(const std::filesystem::path& path);

/// read_uai on text in memory, named `source` in messages and in the description.
Model parse_uai(std::string_view text, const std::string& source);

/// Writes the model at inverse temperature beta (finite, >= 0) as a UAI MARKOV file, so that
/// the file's own distribution (its T = 1) is the model at T = 1/beta: read it back at T = 1,
/// since any other temperature scales it a second time. One
/// unary table per site, one 2x2 table per edge, the constant -beta E0 spread evenly over
/// the unary tables. Entries carry 17 significant digits, so reading the file back gives
/// the same ln Z to about 1e-12 relative. Writes to a temporary file beside `path` and
/// renames it into place (write_text_atomically: replacing an existing file only with
/// `overwrite`). Throws ModelError when an entry would leave the double range (|beta J|
/// beyond ~350), OutputExistsError for an existing file without `overwrite`, and IoError when
/// writing fails.
void write_uai(const Model& model, const std::filesystem::path& path, double beta = 1.0,
               bool overwrite = true);

}  // namespace isingmf
