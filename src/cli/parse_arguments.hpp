#pragma once
/// Boost.Program_options parsing shared by the subcommands: any parse error is a usage error.

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "usage_error.hpp"

namespace isingmf::cli {

/// Parses a subcommand's arguments; an unknown option, a missing or malformed value throws
/// UsageError with Boost's one-line message.
inline boost::program_options::variables_map parse_arguments(
    const std::vector<std::string>& args,
    const boost::program_options::options_description& options,
    const boost::program_options::positional_options_description& positional = {}) {
    namespace po = boost::program_options;
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    return vm;
}

}  // namespace isingmf::cli
