#include "jointfact/app/common_options.hpp"

#include "jointfact/app/console.hpp"
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

GridPtr make_grid_from(MPI_Comm comm, const CommonOptions& options) {
  set_quiet(options.quiet);
  GridShape shape;
  try {
    if (!options.grid.empty()) shape = GridShape::parse(options.grid);
  } catch (const InputError& error) {
    throw InputError(std::string("--grid: ") + error.what());  // every rank parses the same text
  }
  return make_grid(comm, shape);
}

}  // namespace jf::app
