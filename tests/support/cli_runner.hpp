#pragma once
// Runs the isingmf executable as a user would, from a shell, capturing exit status, stdout
// and stderr. The path of the built executable comes from CMake (ISINGMF_CLI_PATH).

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

namespace isingmf::test {

struct CliRun {
    int status = -1;
    std::string out;
    std::string err;
};

/// Runs `isingmf <args>` (args shell-quoted as needed) with `dir` as working directory,
/// with the shell text `prefix` put before the executable in a subshell: "ulimit -f 64;" (a
/// limit that applies to it), "VAR=value" or "setpriv ... " (a wrapper). The captured output
/// goes through files outside `dir`, so `dir` holds only what the program wrote.
inline CliRun run_cli_after(const std::string& prefix, const std::string& args,
                            const TempDir& dir) {
    const TempDir capture("isingmf_cli_capture");
    const auto out = capture.path() / "stdout";
    const auto err = capture.path() / "stderr";
    const std::string command = "cd '" + dir.path().string() + "' && (" + prefix + " '" +
                                ISINGMF_CLI_PATH "' " + args + ") >'" + out.string() + "' 2>'" +
                                err.string() + "' </dev/null";
    const int raw = std::system(command.c_str());
    CliRun run;
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.out = read_file(out);
    run.err = read_file(err);
    return run;
}

/// Runs `isingmf <args>` in `dir` as above, with nothing before it.
inline CliRun run_cli(const std::string& args, const TempDir& dir) {
    return run_cli_after("", args, dir);
}

/// Runs `isingmf <args>` in `dir` on a pseudo-terminal (util-linux `script`), as a user at
/// a terminal would; stdout and stderr both arrive in `out`.
inline CliRun run_cli_on_terminal(const std::string& args, const TempDir& dir) {
    const TempDir capture("isingmf_cli_capture");
    const auto out = capture.path() / "typescript";
    const std::string inner = "'" ISINGMF_CLI_PATH "' " + args;
    const std::string command = "cd '" + dir.path().string() + "' && script -qec \"" + inner +
                                "\" '" + out.string() + "' </dev/null >/dev/null 2>&1";
    const int raw = std::system(command.c_str());
    CliRun run;
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.out = read_file(out);
    return run;
}

}  // namespace isingmf::test
