#pragma once
/// Cluster files: a partition of a model's sites into clusters for structured mean field
/// (`isingmf sweep --clusters FILE`), as plain text.
///
///   # comment lines and blank lines are ignored; '#' starts a comment anywhere on a line
///   0 1 2 3       one cluster per line: its sites (0-based), whitespace separated
///   4 5 6 7
///
/// Every site of the model appears in exactly one cluster. Each cluster is solved exactly,
/// visiting its sites in the order listed, with tables over the visited sites that still have
/// unvisited neighbours in the cluster; list a strip column by column (a chain in order) to
/// keep those tables small. Malformed input throws ParseError "FILE:LINE: reason".

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace isingmf {

/// Parses cluster-file text for a model of `num_sites` sites: the clusters in file order,
/// each its sites in line order. `source` names the text in messages. Throws ParseError on a
/// token that is not a site index, a site out of range 0..num_sites-1 or listed twice (naming
/// both lines), or a site no line lists.
std::vector<std::vector<int>> parse_cluster_file(std::string_view text, const std::string& source,
                                                 int num_sites);

/// Reads a cluster file (see above). Throws IoError when it cannot be read, ParseError as
/// parse_cluster_file.
std::vector<std::vector<int>> read_cluster_file(const std::filesystem::path& path, int num_sites);

}  // namespace isingmf
