#pragma once
/// The subcommands of the isingmf tool. Each takes its own arguments (after the subcommand
/// name) and the full command line for the record, and returns the exit status.

#include <string>
#include <vector>

namespace isingmf::cli {

int sweep_command(const std::vector<std::string>& args, const std::string& command_line);
int ensemble_command(const std::vector<std::string>& args, const std::string& command_line);
int info_command(const std::vector<std::string>& args);
int export_command(const std::vector<std::string>& args);

}  // namespace isingmf::cli
