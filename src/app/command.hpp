#pragma once
// Each subcommand lives in its own file and registers itself: it adds a CLI11 subcommand and returns
// the function that runs it once the command line is parsed (on every rank, collectively).
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

#include "app/console.hpp"

namespace jf::app {

using CommandRunner = std::function<int(MPI_Comm)>;

struct RegisteredCommand {
  CLI::App* subcommand;
  CommandRunner run;
};

RegisteredCommand register_info_command(CLI::App& app);
RegisteredCommand register_generate_command(CLI::App& app);
RegisteredCommand register_svd_command(CLI::App& app);
RegisteredCommand register_joint_command(CLI::App& app);
RegisteredCommand register_fsmf_command(CLI::App& app);
RegisteredCommand register_butterfly_command(CLI::App& app);
RegisteredCommand register_run_command(CLI::App& app);
RegisteredCommand register_bench_command(CLI::App& app);

// All subcommands, in the order --help lists them.
std::vector<RegisteredCommand> register_all_commands(CLI::App& app);

}  // namespace jf::app
