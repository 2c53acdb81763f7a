// `jointfact fsmf`: fixed-support factorization A ~ X Y^T with supp(X) in S_X and supp(Y) in S_Y,
// written to /fsmf/X (m,r), /fsmf/Y (n,r) with rel_error and optimal attributes on /fsmf.
#include <chrono>
#include <memory>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"
#include "jointfact/sparse/fsmf_output.hpp"
#include "jointfact/sparse/support_io.hpp"

namespace jf::app {
namespace {

struct FsmfCommandOptions {
  std::string input;
  std::string support_x;
  std::string support_y;
  std::string output;
  int refine_iters = 100;
  CommonOptions common;
};

void print_summary(MPI_Comm comm, const sparse::FsmfResult& result, const std::string& output) {
  print_result(comm, "shape:      X " + std::to_string(result.x.rows()) + " x " + std::to_string(result.x.cols()) +
                         ", Y " + std::to_string(result.y.rows()) + " x " + std::to_string(result.y.cols()));
  print_result(comm, std::string("optimal:    ") +
                         (result.optimal ? "yes (classes of supports pairwise disjoint)"
                                         : "not guaranteed (overlapping supports: greedy + refinement)"));
  print_result(comm, "greedy:     " + format_number("%.6e", result.greedy_rel_error));
  if (!result.optimal)
    print_result(comm, "refined:    " + format_number("%.6e", result.rel_error) + " after " +
                           std::to_string(result.refine_history.size()) + " sweeps");
  print_result(comm, "rel_error:  " + format_number("%.6e", result.rel_error) + "  (||A - X Y^T||_F / ||A||_F)");
  print_result(comm, "output:     " + output);
}

int run_fsmf(MPI_Comm comm, const FsmfCommandOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const DatasetInfo info = inspect_dataset(comm, DatasetPath::parse(options.input), 2);
  GridPtr grid = make_grid_from(comm, options.common, info.shape);
  const DatasetInfo sx_info = inspect_dataset(comm, DatasetPath::parse(options.support_x), 2);
  const DatasetInfo sy_info = inspect_dataset(comm, DatasetPath::parse(options.support_y), 2);
  const std::string input_name = info.file + ":" + info.dataset;
  if (info.shape.size() != 2) throw InputError(input_name + " is not a 2-D matrix");
  if (options.refine_iters < 0) throw InputError("--refine-iters must be >= 0");
  sparse::require_support_shapes(info.shape[0], info.shape[1], sx_info, sy_info);
  require_writable_output(comm, options.output, {info.file, sx_info.file, sy_info.file});

  log_progress(comm, "fsmf: reading " + input_name);
  ReadOptions read;
  read.block = options.common.block;
  require_input_fits(comm, *grid, info.shape, options.common.block);
  DistMatrix a = read_matrix(grid, info, read);
  const sparse::SupportMatrix sx = sparse::read_support(grid, sx_info, "--support-x");
  const sparse::SupportMatrix sy = sparse::read_support(grid, sy_info, "--support-y");
  log_progress(comm, "fsmf: " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) +
                         ", r = " + std::to_string(sx.cols()) + ", grid " + grid->describe());

  sparse::FsmfOptions fsmf_options;
  fsmf_options.refine_iters = options.refine_iters;
  ProgressMeter meter(comm, "fsmf: refinement sweep", options.refine_iters);
  sparse::SparseProgress progress;
  progress.message = [comm](const std::string& text) { log_progress(comm, text); };
  progress.step = [&meter](long done, long total, const std::string& detail) {
    meter.update(done, detail, done == total);
  };
  const auto factor_start = std::chrono::steady_clock::now();
  const sparse::FsmfResult result = sparse::fsmf_factorize_distributed(a, sx, sy, fsmf_options, progress);
  log_progress(comm, "fsmf: factored in " + format_number("%.2f", seconds_since(factor_start)) + " s");
  a = DistMatrix();

  OutputFile out(comm, options.output);
  sparse::write_fsmf(out, grid, result, options.common.block);
  out.set_attribute("/fsmf", "input", input_name);
  out.commit();
  log_progress(comm, "fsmf: done in " + format_number("%.2f", seconds_since(start)) + " s, wrote " + options.output);
  print_summary(comm, result, options.output);
  return 0;
}

}  // namespace

RegisteredCommand register_fsmf_command(CLI::App& app) {
  auto options = std::make_shared<FsmfCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "fsmf",
      "fixed-support factorization A ~ X Y^T, X zero off S_X (m x r), Y zero off S_Y (n x r); writes "
      "/fsmf/X, /fsmf/Y with rel_error and optimal attributes on /fsmf");
  add_input_option(*command, options->input);
  command->add_option("--support-x", options->support_x, "FILE[:DSET]: m x r 0/1 mask (uint8, bool or float)")
      ->required();
  command->add_option("--support-y", options->support_y, "FILE[:DSET]: n x r 0/1 mask (uint8, bool or float)")
      ->required();
  add_output_option(*command, options->output, "an input");
  command
      ->add_option("--refine-iters", options->refine_iters,
                   "at most N alternating least-squares sweeps when supports overlap")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  add_common_options(*command, options->common);
  command->footer(
      "Example:"
      "\n  mpirun -np 4 jointfact fsmf --input W.h5 --support-x SX.h5 --support-y SY.h5"
      " --output factors.h5");
  return {command, [options](MPI_Comm comm) { return run_fsmf(comm, *options); }};
}

}  // namespace jf::app
