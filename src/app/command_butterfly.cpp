// `jointfact butterfly`: the hierarchical butterfly factorization A ~ F1 F2 ... FJ of a square
// N x N matrix (N = 2^J), written as CSR groups /butterfly/F1 ... /butterfly/FJ.
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
#include "jointfact/sparse/butterfly_output.hpp"
#include "jointfact/sparse/distributed_butterfly.hpp"

namespace jf::app {
namespace {

struct ButterflyCommandOptions {
  std::string input;
  std::string output;
  std::string tree = "balanced";
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
  const sparse::ButterflyTree tree = sparse::parse_butterfly_tree(options.tree);
  require_writable_output(comm, options.output, {info.file});

  log_progress(comm, "butterfly: reading " + input_name);
  ReadOptions read;
  read.block = options.common.block;
  require_input_fits(comm, *grid, info.shape, options.common.block);
  DistMatrix a = read_matrix(grid, info, read);
  log_progress(comm, "butterfly: " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) + ", tree " +
                         options.tree + ", grid " + grid->describe() + ", block " + std::to_string(a.row_block()));
  int log2n = 0;
  while ((int64_t{1} << log2n) < a.rows()) ++log2n;
  ProgressMeter meter(comm, "butterfly: round", static_cast<long>(sparse::butterfly_split_rounds(log2n, tree).size()));
  sparse::SparseProgress progress;
  progress.message = [comm](const std::string& text) { log_progress(comm, "butterfly: " + text); };
  progress.step = [&meter](long done, long total, const std::string& detail) {
    meter.update(done, detail, done == total);
  };
  const auto factor_start = std::chrono::steady_clock::now();
  const sparse::ButterflyFactorization result = sparse::butterfly_factorize_distributed(a, tree, progress);
  log_progress(comm, "butterfly: factored in " + format_number("%.2f", seconds_since(factor_start)) + " s");
  const int64_t n = a.rows();
  a = DistMatrix();  // not needed while writing

  OutputFile out(comm, options.output);
  sparse::write_butterfly(out, result);
  out.set_attribute("/butterfly", "input", input_name);
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
  command->add_option("--tree", options->tree, "balanced | left-to-right: the order in which factors are split off")
      ->check(CLI::IsMember({"balanced", "left-to-right"}))
      ->capture_default_str();
  add_common_options(*command, options->common);
  command->footer(
      "Examples:"
      "\n  jointfact generate --kind butterfly --shape 1024,1024 --output B.h5"
      "\n  mpirun -np 4 jointfact butterfly --input B.h5 --output factors.h5");
  return {command, [options](MPI_Comm comm) { return run_butterfly(comm, *options); }};
}

}  // namespace jf::app
