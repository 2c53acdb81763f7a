// `jointfact butterfly`: the hierarchical butterfly factorization A ~ F1 F2 ... FJ of a square
// N x N matrix (N = 2^J), written as CSR groups /butterfly/F1 ... /butterfly/FJ.
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
#include "jointfact/sparse/distributed_butterfly.hpp"

namespace jf::app {
namespace {

struct ButterflyCommandOptions {
  std::string input;
  std::string output;
  ButterflyStageSettings settings;
  CommonOptions common;
};

void print_summary(MPI_Comm comm, const sparse::ButterflyFactorization& result, int64_t n, const std::string& output) {
  int64_t max_nnz = 0;
  for (const auto& f : result.factors) max_nnz = std::max(max_nnz, f.nnz());
  print_result(comm,
               "N:          " + std::to_string(n) + " (J = " + std::to_string(result.factors.size()) + " factors)");
  print_result(comm, "tree:       " + sparse::butterfly_tree_name(result.tree));
  print_result(comm,
               "nonzeros:   " + std::to_string(max_nnz) + " per factor at most (2N = " + std::to_string(2 * n) + ")");
  print_result(comm, "rel_error:  " + format_number("%.3e", result.rel_error) + "  (||A - F1 ... FJ||_F / ||A||_F)");
  print_result(comm, "output:     " + output);
}

int run_butterfly(MPI_Comm comm, const ButterflyCommandOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const DatasetInfo info = inspect_dataset(comm, DatasetPath::parse(options.input), 2);
  GridPtr grid = make_grid_from(comm, options.common, info.shape);
  const std::string input_name = info.file + ":" + info.dataset;
  if (info.shape.size() != 2) throw InputError(input_name + " is not a 2-D matrix");
  sparse::require_butterfly_shape(info.shape[0], info.shape[1], input_name);
  validate_butterfly_settings(options.settings, cli_setting_name);
  require_writable_output(comm, options.output, {info.file});

  log_progress(comm, "butterfly: reading " + input_name);
  ReadOptions read;
  read.block = options.common.block;
  require_input_fits(comm, *grid, info.shape, options.common.block);
  DistMatrix a = read_matrix(grid, info, read);
  log_progress(comm, "butterfly: " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) + ", tree " +
                         options.settings.tree + ", grid " + grid->describe() + ", block " +
                         std::to_string(a.row_block()));
  const auto factor_start = std::chrono::steady_clock::now();
  const sparse::ButterflyFactorization result = sparse::butterfly_factorize_distributed(
      a, butterfly_library_tree(options.settings), [comm](const std::string& line) { log_progress(comm, line); });
  log_progress(comm, "butterfly: factored in " + format_number("%.2f", seconds_since(factor_start)) + " s");
  const int64_t n = a.rows();
  a = DistMatrix();  // not needed while writing

  OutputFile out(comm, options.output);
  write_butterfly_result(out, result, input_name);
  out.commit();
  log_progress(comm,
               "butterfly: done in " + format_number("%.2f", seconds_since(start)) + " s, wrote " + options.output);
  print_summary(comm, result, n, options.output);
  return 0;
}

}  // namespace

RegisteredCommand register_butterfly_command(CLI::App& app) {
  auto options = std::make_shared<ButterflyCommandOptions>();
  CLI::App* command =
      app.add_subcommand("butterfly",
                         "hierarchical butterfly factorization A ~ F1 F2 ... FJ of a square N x N matrix, N = 2^J; "
                         "writes CSR groups /butterfly/F1 ... /butterfly/FJ with rel_error and tree attributes");
  add_input_option(*command, options->input);
  add_output_option(*command, options->output, "the input");
  bind_butterfly_cli(*command, options->settings);
  add_common_options(*command, options->common);
  command->footer(
      "Examples:"
      "\n  jointfact generate --kind butterfly --shape 1024,1024 --output B.h5"
      "\n  mpirun -np 4 jointfact butterfly --input B.h5 --output factors.h5");
  return {command, [options](MPI_Comm comm) { return run_butterfly(comm, *options); }};
}

}  // namespace jf::app
