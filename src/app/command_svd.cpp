// `jointfact svd`: the truncated SVD stage on a matrix file, written to /svd/U, /svd/S, /svd/V with the
// quality figures as attributes on /svd.
#include <chrono>
#include <memory>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "app/svd_out_of_core.hpp"
#include "app/svd_stage_definition.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::app {
namespace {

struct SvdCommandOptions {
  std::string input;
  std::string output;
  SvdStageSettings settings;
  CommonOptions common;
};

// Checks that need the dataset's shape, before the matrix is read.
void validate(const SvdCommandOptions& options, const DatasetInfo& info) {
  const int64_t rank = options.settings.rank;
  if (options.settings.rank_given && info.shape.size() == 2) {
    const int64_t max_rank = std::min(info.shape[0], info.shape[1]);
    if (rank < 1 || rank > max_rank) {
      throw InputError("--rank " + std::to_string(rank) +
                       " must be between 1 and min(m, n) = " + std::to_string(max_rank) + " for " + info.dataset +
                       " (" + std::to_string(info.shape[0]) + " x " + std::to_string(info.shape[1]) + ")");
    }
  }
  validate_svd_settings(options.settings, cli_setting_name);
}

void print_summary(MPI_Comm comm, const svd::TruncatedSvd& result, const std::string& output) {
  std::string top;
  for (size_t i = 0; i < std::min<size_t>(5, result.s.size()); ++i)
    top += (i ? " " : "") + format_number("%.10g", result.s[i]);
  if (result.s.size() > 5) top += " ...";
  print_result(comm, "k:               " + std::to_string(result.s.size()));
  print_result(comm, "singular values: " + top);
  print_result(comm,
               "residual:        " + format_number("%.3e", result.quality.residual) + "  (||A V - U S||_F / ||A||_F)");
  print_result(comm,
               "orthogonality:   " +
                   format_number("%.3e", std::max(result.quality.orthogonality_u, result.quality.orthogonality_v)) +
                   "  (max |U^T U - I|, |V^T V - I|)");
  print_result(comm, "tail energy:     " + format_number("%.3e", result.quality.tail_energy) +
                         "  (estimated ||A - U S V^T||_F / ||A||_F)");
  print_result(comm, "output:          " + output);
}

svd::SvdOptions library_options(const SvdCommandOptions& options, MPI_Comm comm) {
  svd::SvdOptions svd_options = svd_library_options(options.settings);
  svd_options.progress = [comm](const std::string& message) { log_progress(comm, "svd: " + message); };
  return svd_options;
}

std::string describe_task(const svd::SvdOptions& svd_options, const std::string& method, const DistMatrix& a) {
  const std::string target = svd_options.tol > 0 ? "to tolerance " + format_number("%g", svd_options.tol)
                                                 : "rank " + std::to_string(svd_options.rank);
  const std::string how = svd_options.residual_tol > 0
                              ? "converged (residual tolerance " + format_number("%g", svd_options.residual_tol) + ")"
                              : method;
  return how + " " + target + " of a " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) +
         " matrix on grid " + a.grid().describe() + ", block " + std::to_string(a.row_block());
}

// A streamed from its file; checkpoints after every pass, so a stop signal ends the next pass with exit 75,
// as in `run`.
int run_out_of_core(MPI_Comm comm, const SvdCommandOptions& options, const DatasetInfo& info, const GridPtr& grid) {
  install_stop_handlers();
  std::string checkpoint_dir = options.common.checkpoint_dir;
  if (checkpoint_dir.empty()) checkpoint_dir = options.output + ".ckpt";
  const GridPtr ooc_grid = options.common.grid.empty() ? out_of_core_default_grid(comm) : grid;
  const svd::SvdOptions svd_options = library_options(options, comm);
  const CheckpointStore store(comm, checkpoint_dir);
  OutOfCoreReport report;
  svd::TruncatedSvd result;
  try {
    const svd::OutOfCoreCheckpoint checkpoint(comm, store, info, svd_options);
    result = factor_out_of_core(comm, ooc_grid, options.common.block, info, options.settings, svd_options, checkpoint,
                                report);
  } catch (...) {
    store.remove_if_unused();  // stopped before the first pass's checkpoint: no empty directory left behind
    throw;
  }
  store.remove_if_unused();  // the result is complete and its checkpoint removed: nor after success
  OutputFile out(comm, options.output);
  write_svd_result(out, result, options.settings, info.file + ":" + info.dataset);
  write_out_of_core_report(out, report);
  out.commit();
  print_summary(comm, result, options.output);
  return 0;
}

int run_svd(MPI_Comm comm, const SvdCommandOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const DatasetInfo info = inspect_dataset(comm, DatasetPath::parse(options.input), 2);
  GridPtr grid = make_grid_from(comm, options.common, info.shape);
  validate(options, info);
  require_writable_output(comm, options.output, {info.file});
  if (choose_out_of_core(comm, *grid, options.common.block, options.settings, info)) {
    return run_out_of_core(comm, options, info, grid);
  }
  log_progress(comm, "svd: reading " + info.file + ":" + info.dataset);
  ReadOptions read;
  read.block = options.common.block;
  require_input_fits(comm, *grid, info.shape, options.common.block,
                     svd_stage_memory(*grid, info.shape[0], info.shape[1], options.common.block, options.settings));
  DistMatrix a = read_matrix(grid, info, read);
  const svd::SvdOptions svd_options = library_options(options, comm);
  log_progress(comm, "svd: " + describe_task(svd_options, options.settings.method, a));
  const auto factor_start = std::chrono::steady_clock::now();
  const svd::TruncatedSvd result = svd::truncated_svd(a, svd_options);
  log_progress(comm, "svd: factored in " + format_number("%.2f", seconds_since(factor_start)) + " s (k = " +
                         std::to_string(result.s.size()) + ", basis " + std::to_string(result.basis_columns) + ")");
  a = DistMatrix();  // the input is no longer needed while writing
  OutputFile out(comm, options.output);
  write_svd_result(out, result, options.settings, info.file + ":" + info.dataset);
  out.commit();
  log_progress(comm, "svd: done in " + format_number("%.2f", seconds_since(start)) + " s, wrote " + options.output);
  print_summary(comm, result, options.output);
  return 0;
}

}  // namespace

RegisteredCommand register_svd_command(CLI::App& app) {
  auto options = std::make_shared<SvdCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "svd",
      "truncated SVD A ~ U diag(S) V^T of rank K (or to a relative tolerance E); writes /svd/U (m,k), "
      "/svd/S (k,), /svd/V (n,k) with quality attributes on /svd");
  add_input_option(*command, options->input);
  add_output_option(*command, options->output, "the input");
  bind_svd_cli(*command, options->settings);
  add_common_options(*command, options->common);
  command->footer(
      "Examples:"
      "\n  mpirun -np 4 jointfact svd --input W.h5 --output svd.h5 --rank 20"
      "\n  mpirun -np 4 jointfact svd --input W.h5:/W --output svd.h5 --tol 1e-3 --method exact"
      "\n  mpirun -np 4 jointfact svd --input big.h5:/A --output svd.h5 --rank 20 --out-of-core --panel-mb 256");
  return {command, [options](MPI_Comm comm) { return run_svd(comm, *options); }};
}

}  // namespace jf::app
