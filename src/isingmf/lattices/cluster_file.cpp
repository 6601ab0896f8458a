#include "isingmf/lattices/cluster_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

#include "isingmf/lattices/detail/text_fields.hpp"
#include "isingmf/util/error.hpp"
#include "isingmf/util/text.hpp"

namespace isingmf {

namespace {

// The longest line a cluster file may hold: one cluster of every site, each written as
// "1073741823 ", and a comment, so that no cluster is too long to be given (a 20000-site
// chain was, at the 64 KiB of other text files). It grows with the model, as its arrays do.
std::size_t longest_cluster_line(int num_sites) {
    return detail::kMaxFieldLineLength + 11 * static_cast<std::size_t>(std::max(num_sites, 0));
}

std::vector<std::vector<int>> parse_clusters(detail::TextInput& input, int num_sites) {
    const std::string& source = input.source();
    std::vector<std::vector<int>> clusters;
    std::vector<std::size_t> line_of(static_cast<std::size_t>(std::max(num_sites, 0)), 0);
    detail::for_each_field_line(
        input,
        [&](std::size_t line_number, const std::vector<std::string_view>& fields) {
            auto fail = [&](const std::string& reason) {
                throw ParseError(fmt::format("{}:{}: {}", source, line_number, reason));
            };
            std::vector<int> cluster;
            cluster.reserve(fields.size());
            for (std::string_view token : fields) {
                int value = 0;
                const std::string wrong = detail::parse_site_index(token, num_sites, value);
                if (!wrong.empty()) fail(wrong);
                std::size_t& seen = line_of[static_cast<std::size_t>(value)];
                if (seen != 0)
                    fail(seen == line_number
                             ? fmt::format("site {} is listed twice in this cluster", value)
                             : fmt::format("site {} is already in the cluster on line {}", value,
                                           seen));
                seen = line_number;
                cluster.push_back(static_cast<int>(value));
            }
            clusters.push_back(std::move(cluster));
        },
        longest_cluster_line(num_sites));
    for (std::size_t i = 0; i < line_of.size(); ++i) {
        if (line_of[i] == 0)
            throw ParseError(fmt::format("{}: site {} is in no cluster (the model has {} sites)",
                                         source, i, num_sites));
    }
    return clusters;
}

}  // namespace

std::vector<std::vector<int>> parse_cluster_file(std::string_view text, const std::string& source,
                                                 int num_sites) {
    detail::TextInput input(text, source);
    return parse_clusters(input, num_sites);
}

std::vector<std::vector<int>> read_cluster_file(const std::filesystem::path& path, int num_sites) {
    detail::TextInput input(path);
    return parse_clusters(input, num_sites);
}

}  // namespace isingmf
