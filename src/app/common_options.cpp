#include "app/common_options.hpp"

#include <cstdio>

#include "app/console.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"

namespace jf::app {

void add_common_options(CLI::App& command, CommonOptions& options) {
  command.add_option("--grid", options.grid, "process grid PRxPC (default: near-square over all ranks)");
  command.add_option("--block", options.block, "block size of the block-cyclic distribution")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  command.add_option("--checkpoint-dir", options.checkpoint_dir, "where checkpoints go (default OUT.h5.ckpt)");
  command.add_flag("--quiet", options.quiet, "no progress lines, only results and errors");
}

void add_input_option(CLI::App& command, std::string& input) {
  command.add_option("--input", input, "FILE[:DSET] (DSET defaults to the file's only 2-D dataset)")->required();
}

void add_output_option(CLI::App& command, std::string& output, const std::string& never) {
  command.add_option("--output", output, "OUT.h5 to write (replaced atomically; never " + never + ")")->required();
}

GridPtr make_grid_from(MPI_Comm comm, const CommonOptions& options, const std::vector<int64_t>& input_shape) {
  set_quiet(options.quiet);
  const std::string warning = small_block_warning(options.block);
  if (!warning.empty() && comm_rank(comm) == 0) std::fprintf(stderr, "jointfact: warning: --%s\n", warning.c_str());
  GridShape shape;
  try {
    if (!options.grid.empty()) shape = GridShape::parse(options.grid);
  } catch (const InputError& error) {
    throw InputError(std::string("--grid: ") + error.what());  // every rank parses the same text
  }
  if (!shape.is_auto() || input_shape.empty()) return make_grid(comm, shape);
  const int64_t cols = input_shape.size() > 1 ? input_shape[1] : 1;
  return make_grid(comm, GridShape::for_matrix(comm_size(comm), input_shape[0], cols, options.block));
}

}  // namespace jf::app
