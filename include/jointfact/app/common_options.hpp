#pragma once
// Options every subcommand takes: --grid, --block, --checkpoint-dir, --quiet.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "jointfact/dist/grid.hpp"

namespace jf::app {

struct CommonOptions {
  std::string grid;  // "PRxPC"; empty = near-square over all ranks
  int64_t block = 64;
  std::string checkpoint_dir;
  bool quiet = false;
};

void add_common_options(CLI::App& command, CommonOptions& options);

// The process grid the options ask for (InputError when it needs more ranks than are running).
GridPtr make_grid_from(MPI_Comm comm, const CommonOptions& options);

}  // namespace jf::app
