// `jointfact joint`: loss-aware low-rank factorization (Zhang et al. 2025) of a matrix file for one of
// the task objectives rowsum | regression | gradient, in penalty, lossless or compact mode. Writes
// /joint/L, /joint/R, /joint/history and the loss / error attributes on /joint.
#include <chrono>
#include <memory>
#include <optional>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "app/joint_stage_definition.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"

namespace jf::app {
namespace {

struct JointCommandOptions {
  std::string input, output;
  JointStageSettings settings;
  CommonOptions common;
};

void print_summary(MPI_Comm comm, const joint::JointOutcome& outcome, const std::string& output) {
  print_result(comm, "objective:          " + outcome.objective + " (" + outcome.mode + " mode, rank " +
                         std::to_string(outcome.rank) + ")");
  print_result(comm, "loss_original:      " + format_number("%.10g", outcome.loss_original) + "  (f(W))");
  print_result(comm, "loss_svd:           " + format_number("%.10g", outcome.loss_svd) + "  (f(W_k))");
  print_result(comm, "loss_joint:         " + format_number("%.10g", outcome.loss_joint) + "  (f(L R^T))" +
                         (outcome.loss_kind == "predicted" ? ", predicted by the gradient model, not measured" : ""));
  if (outcome.loss_kind == "predicted") {
    print_result(comm, "trust_radius:       " + format_number("%.6g", outcome.trust_radius) +
                           (outcome.within_trust_radius ? "  (answer within it)" : "  (answer OUTSIDE it)"));
  }
  print_result(comm, "recon_error_svd:    " + format_number("%.10g", outcome.recon_error_svd) + "  (||W - W_k||_F)");
  print_result(comm,
               "recon_error_joint:  " + format_number("%.10g", outcome.recon_error_joint) + "  (||W - L R^T||_F)");
  if (outcome.mode != "penalty") {
    print_result(comm, "recon_bound:        " + format_number("%.10g", outcome.recon_bound) +
                           (outcome.feasible ? "  (met)" : "  (NOT met: no feasible factorization found)"));
  }
  if (outcome.mode == "compact" && !outcome.compact_found) {
    print_result(comm, "compact:            no k <= the given rank reaches f(W) + loss_tol; reporting the largest");
  }
  if (outcome.mode == "compact" && outcome.compact_found && outcome.loss_kind == "predicted") {
    print_result(comm, "compact:            f*(k) <= f(W) is predicted by the model, not measured");
  }
  if (outcome.evaluations >= 0) {
    print_result(comm, "start:              " + outcome.start_kind + " (measured loss " +
                           format_number("%.10g", outcome.loss_start) + ")");
    print_result(comm,
                 "evaluations:        " + std::to_string(outcome.evaluations) + "  (loss measured, not predicted)");
  }
  print_result(comm, "lambda:             " + format_number("%.6g", outcome.lambda));
  print_result(comm, "iterations:         " + std::to_string(outcome.iterations));
  print_result(comm, "output:             " + output);
}

int run_joint_command(MPI_Comm comm, const JointCommandOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const DatasetInfo info = inspect_dataset(comm, DatasetPath::parse(options.input), 2);
  GridPtr grid = make_grid_from(comm, options.common, info.shape);
  validate_joint_settings(options.settings, cli_setting_name);
  if (info.shape.size() != 2) throw InputError(info.dataset + " in '" + info.file + "' is not a 2-D matrix");
  require_joint_rank(options.settings, cli_setting_name, info.shape[0], info.shape[1], info.dataset);
  joint::JointSettings settings = joint_library_settings(options.settings);
  settings.progress = [comm](const std::string& line) { log_progress(comm, line); };
  std::vector<std::string> inputs = joint_input_files(options.settings);
  inputs.insert(inputs.begin(), DatasetPath::parse(options.input).file);
  require_writable_output(comm, options.output, inputs);
  log_progress(comm, "joint: reading " + info.file + ":" + info.dataset + " (" + std::to_string(info.shape[0]) + " x " +
                         std::to_string(info.shape[1]) + ") on grid " + grid->describe());
  ReadOptions read;
  read.block = options.common.block;
  require_input_fits(comm, *grid, info.shape, options.common.block);
  const DistMatrix w = read_matrix(grid, info, read);
  const std::string evaluations_dir =
      options.settings.evaluations_dir.empty() ? options.output + ".evaluations" : options.settings.evaluations_dir;
  const JointTask task = read_joint_task(options.settings, w, std::nullopt, evaluations_dir);
  const joint::JointOutcome outcome = run_joint_task(w, task, settings);
  OutputFile out(comm, options.output);
  write_joint_result(out, outcome, settings, info.file + ":" + info.dataset);
  out.commit();
  const double seconds = seconds_since(start);
  log_progress(comm, "joint: done in " + format_number("%.2f", seconds) + " s, wrote " + options.output);
  print_summary(comm, outcome, options.output);
  return 0;
}

}  // namespace

RegisteredCommand register_joint_command(CLI::App& app) {
  auto options = std::make_shared<JointCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "joint",
      "loss-aware low-rank factorization W ~ L R^T (Zhang et al. 2025): minimise ||W - L R^T||_F^2 + "
      "lambda f(L R^T) [+ smoothness, L, R >= 0]; writes /joint/L (m,k), /joint/R (n,k), /joint/history "
      "and the loss / error attributes on /joint");
  add_input_option(*command, options->input);
  add_output_option(*command, options->output, "an input");
  bind_joint_cli(*command, options->settings);
  add_common_options(*command, options->common);
  command->footer(
      "Example:"
      "\n  mpirun -np 4 jointfact joint --input W.h5:/W --output joint.h5 --rank 6 --objective rowsum"
      " --targets W.h5:/targets --mode lossless --eps-rel 0.01");
  return {command, [options](MPI_Comm comm) { return run_joint_command(comm, *options); }};
}

}  // namespace jf::app
