// `jointfact generate`: synthetic test matrices (low-rank + noise with the demo's targets, Hadamard,
// random butterfly products), identical for any number of ranks, grid or block size.
#include <memory>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/io/output_file.hpp"

namespace jf::app {
namespace {

struct GenerateOptions {
  std::string kind;
  std::string output;
  std::vector<int64_t> shape;
  int64_t rank = 10;
  double noise = 0.5;
  uint64_t seed = 1;
  CommonOptions common;
};

void validate(GenerateOptions& options, int64_t& m, int64_t& n) {
  if (options.shape.empty())
    options.shape = options.kind == "lowrank" ? std::vector<int64_t>{1000, 500} : std::vector<int64_t>{1024, 1024};
  if (options.shape.size() != 2 || options.shape[0] < 1 || options.shape[1] < 1) {
    throw InputError("--shape must be two positive sizes M,N");
  }
  m = options.shape[0];
  n = options.shape[1];
  if (options.kind != "lowrank") {
    int levels = 0;
    if (m != n || !is_power_of_two(n, levels) || n < 2) {
      throw InputError("--kind " + options.kind + " needs a square power-of-two shape N,N with N >= 2 (got " +
                       std::to_string(m) + "," + std::to_string(n) + ")");
    }
  } else if (options.rank < 1 || options.rank > std::min(m, n)) {
    throw InputError("--rank " + std::to_string(options.rank) +
                     " must be between 1 and min(M, N) = " + std::to_string(std::min(m, n)));
  }
}

int run_generate(MPI_Comm comm, GenerateOptions& options) {
  int64_t m = 0, n = 0;
  validate(options, m, n);
  GridPtr grid = make_grid_from(comm, options.common);
  require_input_fits(comm, *grid, {m, n}, options.common.block);
  DatasetPath target = DatasetPath::parse(options.output);
  if (target.dataset.empty()) target.dataset = "/W";
  OutputFile out(comm, target.file);
  log_progress(comm, "generating " + options.kind + " " + std::to_string(m) + " x " + std::to_string(n) + " on grid " +
                         grid->describe());
  const int64_t block = options.common.block;
  if (options.kind == "lowrank") {
    const LowRankProblem problem = make_lowrank(grid, m, n, options.rank, options.noise, options.seed, block);
    out.write_matrix(target.dataset, problem.w);
    out.write_vector("/targets", problem.targets);
    out.set_attribute(target.dataset, "rank", options.rank);
    out.set_attribute(target.dataset, "noise", options.noise);
  } else if (options.kind == "hadamard") {
    out.write_matrix(target.dataset, make_hadamard(grid, n, block));
  } else {
    out.write_matrix(target.dataset, make_butterfly_product(grid, n, options.seed, block));
  }
  out.set_attribute(target.dataset, "kind", options.kind);
  out.set_attribute(target.dataset, "seed", static_cast<int64_t>(options.seed));
  out.commit();
  log_progress(comm, "wrote " + target.str());
  return 0;
}

}  // namespace

RegisteredCommand register_generate_command(CLI::App& app) {
  auto options = std::make_shared<GenerateOptions>();
  CLI::App* command = app.add_subcommand(
      "generate",
      "write a synthetic matrix: lowrank (U V^T + noise, plus /targets = row sums of U V^T + 0.1 noise), "
      "hadamard (Sylvester, N = 2^J) or butterfly (product of J random butterfly factors)");
  command->add_option("--kind", options->kind, "lowrank | hadamard | butterfly")
      ->required()
      ->check(CLI::IsMember({"lowrank", "hadamard", "butterfly"}));
  command->add_option("--output", options->output, "FILE[:DSET] to write (DSET default /W; the file is replaced)")
      ->required();
  command->add_option("--shape", options->shape, "M,N (default 1000,500 for lowrank, 1024,1024 otherwise)")
      ->delimiter(',')
      ->expected(2);
  command->add_option("--rank", options->rank, "rank K of the low-rank part")->capture_default_str();
  command->add_option("--noise", options->noise, "standard deviation S of the added Gaussian noise")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--seed", options->seed, "random seed (same seed = same matrix on any grid)")
      ->capture_default_str();
  add_common_options(*command, options->common);
  command->footer(
      "Example:"
      "\n  mpirun -np 4 jointfact generate --kind lowrank --shape 4000,3000 --rank 20 --output W.h5");
  return {command, [options](MPI_Comm comm) { return run_generate(comm, *options); }};
}

}  // namespace jf::app
