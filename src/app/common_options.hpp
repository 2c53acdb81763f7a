#pragma once
// Options every subcommand takes (--grid, --block, --checkpoint-dir, --quiet) and the --input / --output
// pair that the factorization commands share.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/distributed/grid.hpp"

namespace jf::app {

struct CommonOptions {
  std::string grid;  // "PRxPC"; empty = near-square over all ranks
  int64_t block = DistMatrix::kDefaultBlock;
  std::string checkpoint_dir;
  bool quiet = false;
};

void add_common_options(CLI::App& command, CommonOptions& options);

// The required --input FILE[:DSET] of the commands that read one matrix.
void add_input_option(CLI::App& command, std::string& input);
// The required --output OUT.h5 of the commands that write factors; `never` names what it may not be
// ("the input" or, for commands that read several files, "an input").
void add_output_option(CLI::App& command, std::string& output, const std::string& never);

// The process grid the options ask for (InputError when it needs more ranks than are running); without
// --grid, the one that suits an input of `input_shape` (rows, cols) when given. Warns on a tiny --block.
GridPtr make_grid_from(MPI_Comm comm, const CommonOptions& options, const std::vector<int64_t>& input_shape = {});

}  // namespace jf::app
