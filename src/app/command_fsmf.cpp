// `jointfact fsmf`: fixed-support factorization A ~ X Y^T with supp(X) in S_X and supp(Y) in S_Y,
// written to /fsmf/X (m,r), /fsmf/Y (n,r) with rel_error and optimal attributes on /fsmf.
#include <chrono>
#include <memory>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "app/sparse_stage_definition.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"

namespace jf::app {
namespace {

struct FsmfCommandOptions {
  std::string input;
  std::string output;
  FsmfStageSettings settings;
  CommonOptions common;
};

void print_summary(MPI_Comm comm, const sparse::DistributedFsmfResult& result, const std::string& output) {
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
  const std::string input_name = info.file + ":" + info.dataset;
  if (info.shape.size() != 2) throw InputError(input_name + " is not a 2-D matrix");
  validate_fsmf_settings(options.settings, cli_setting_name);
  const FsmfSupportFiles supports =
      inspect_fsmf_supports(comm, options.settings, info.shape[0], info.shape[1], cli_setting_name);
  require_writable_output(comm, options.output, {info.file, supports.x.file, supports.y.file});

  log_progress(comm, "fsmf: reading " + input_name);
  ReadOptions read;
  read.block = options.common.block;
  require_input_fits(comm, *grid, info.shape, options.common.block);
  DistMatrix a = read_matrix(grid, info, read);
  const FsmfSupports support = read_fsmf_supports(a, supports, cli_setting_name);
  log_progress(comm, "fsmf: " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) +
                         ", r = " + std::to_string(support.x.cols()) + ", grid " + grid->describe());

  const auto factor_start = std::chrono::steady_clock::now();
  const sparse::DistributedFsmfResult result =
      sparse::fsmf_factorize_distributed(a, support.x, support.y, fsmf_library_options(options.settings),
                                         [comm](const std::string& line) { log_progress(comm, line); });
  log_progress(comm, "fsmf: factored in " + format_number("%.2f", seconds_since(factor_start)) + " s");
  a = DistMatrix();

  OutputFile out(comm, options.output);
  write_fsmf_result(out, result, input_name);
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
  add_output_option(*command, options->output, "an input");
  bind_fsmf_cli(*command, options->settings);
  add_common_options(*command, options->common);
  command->footer(
      "Example:"
      "\n  mpirun -np 4 jointfact fsmf --input W.h5 --support-x SX.h5 --support-y SY.h5"
      " --output factors.h5");
  return {command, [options](MPI_Comm comm) { return run_fsmf(comm, *options); }};
}

}  // namespace jf::app
