// `jointfact bench svd|joint|butterfly|io [SIZES...] [--reps N]`: the benchmarks of docs/performance.md
// "Performance". Each prints a readable table (one row per case, as it finishes) and then one JSON line
// per case ({"bench": ...}). Every figure comes with a reference measured in the same run (DGEMM rate,
// pdgesvd, sequential read, a pass over the matrix), because on a shared machine only ratios survive.
#include <memory>
#include <string>
#include <vector>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "bench/bench_settings.hpp"
#include "bench/butterfly_bench.hpp"
#include "bench/io_bench.hpp"
#include "bench/joint_bench.hpp"
#include "bench/svd_bench.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"

namespace jf::app {
namespace {

struct BenchCommandOptions {
  std::string kind;
  std::vector<std::string> sizes;
  std::string reference = "pdgesvd";
  bool no_exact = false;
  bench::BenchSettings settings;
  CommonOptions common;
};

std::vector<std::string> default_sizes(const std::string& kind) {
  if (kind == "butterfly") return {"1024", "4096"};
  return {"4000x3000"};
}

int run_bench(MPI_Comm comm, BenchCommandOptions& options) {
  // Parse every size before running anything: a typo in the last one should not cost minutes.
  std::vector<bench::MatrixSize> sizes;
  for (const auto& text : options.sizes.empty() ? default_sizes(options.kind) : options.sizes) {
    sizes.push_back(bench::MatrixSize::parse(text));
  }
  bench::BenchSettings settings = options.settings;
  settings.block = options.common.block;
  settings.grid = options.common.grid;
  settings.pdgesvd_reference = options.reference == "pdgesvd";
  settings.exact = !options.no_exact;
  GridPtr grid = make_grid_from(comm, options.common);
  bench::BenchPrinter out(comm);
  for (const auto& size : sizes) {
    if (options.kind == "svd") bench::run_svd_bench(grid, size, settings, out);
    if (options.kind == "joint") bench::run_joint_bench(grid, size, settings, out);
    if (options.kind == "butterfly") bench::run_butterfly_bench(grid, size, settings, out);
    if (options.kind == "io") bench::run_io_bench(grid, size, settings, out);
  }
  out.finish();
  return kExitOk;
}

}  // namespace

RegisteredCommand register_bench_command(CLI::App& app) {
  auto options = std::make_shared<BenchCommandOptions>();
  CLI::App* command =
      app.add_subcommand("bench",
                         "benchmarks with same-run references: svd (randomized vs DGEMM floor, exact, pdgesvd), joint "
                         "(iterations vs GEMM floor), butterfly (vs a pass per level), io (read_matrix vs a sequential "
                         "read); prints a table and one JSON line per case");
  command->add_option("kind", options->kind, "svd | joint | butterfly | io")
      ->required()
      ->check(CLI::IsMember({"svd", "joint", "butterfly", "io"}));
  command->add_option("sizes", options->sizes,
                      "problem sizes ROWSxCOLS or N (butterfly: N = 2^J); default 4000x3000, butterfly 1024 4096");
  command->add_option("--reps", options->settings.reps, "timed repetitions per case (best and median reported)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  command->add_option("--rank", options->settings.rank, "svd, joint: rank K")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--oversample", options->settings.oversample, "svd: P, the basis has K + P columns")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--power-iters", options->settings.power_iters, "svd: Q power iterations")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command
      ->add_option("--reference", options->reference,
                   "svd: pdgesvd (ScaLAPACK, timed once; minutes at 4000x3000) | none")
      ->check(CLI::IsMember({"pdgesvd", "none"}))
      ->capture_default_str();
  command->add_flag("--no-exact", options->no_exact, "svd: skip the exact (fast path) SVD");
  command->add_option("--iters", options->settings.iterations, "joint: alternating iterations per timed solve")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  command->add_option("--lambda", options->settings.lambda, "joint: penalty weight")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--tree", options->settings.tree, "butterfly: balanced | left-to-right")
      ->check(CLI::IsMember({"balanced", "left-to-right"}))
      ->capture_default_str();
  command
      ->add_option("--dir", options->settings.dir, "io, svd (SLEPc reference): directory for the temporary HDF5 file")
      ->capture_default_str();
  command->add_option("--dgemm-size", options->settings.dgemm_size, "N of the N^3 pdgemm that sets the DGEMM rate")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}))
      ->capture_default_str();
  command->add_option("--seed", options->settings.seed, "seed of the synthetic matrices")->capture_default_str();
  add_common_options(*command, options->common);
  command->footer(
      "Examples:"
      "\n  mpirun -np 4 jointfact bench svd 4000x3000 --rank 20"
      "\n  mpirun -np 2 jointfact bench butterfly 256 1024");
  return {command, [options](MPI_Comm comm) { return run_bench(comm, *options); }};
}

}  // namespace jf::app
