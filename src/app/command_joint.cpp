// `jointfact joint`: loss-aware low-rank factorization (Zhang et al. 2025) of a matrix file for one of
// the task objectives rowsum | regression | gradient, in penalty, lossless or compact mode. Writes
// /joint/L, /joint/R, /joint/history and the loss / error attributes of the contract on /joint.
#include <chrono>
#include <memory>
#include <optional>

#include "app/command.hpp"
#include "app/common_options.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/small_vector.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/joint/external_loss.hpp"
#include "jointfact/joint/gradient_objective.hpp"
#include "jointfact/joint/joint_stage.hpp"
#include "jointfact/joint/measured_stage.hpp"
#include "jointfact/joint/regression_objective.hpp"
#include "jointfact/joint/rowsum_objective.hpp"
#include "jointfact/joint/sample_loss.hpp"

namespace jf::app {
namespace {

struct JointCommandOptions {
  std::string input, output, objective, mode = "penalty";
  std::string targets, samples, responses, gradient, curvature;
  std::string labels, bias, activation = "relu", evaluator, evaluations_dir;
  int64_t max_evals = 40;
  int64_t rank = 0;
  double lambda = 1.0, eps_rel = 0.01, smooth_l = 0, smooth_r = 0, tol = 1e-9, trust_radius = 0, loss_tol = 0;
  bool nonneg = false;
  int64_t max_iters = 500;
  CommonOptions common;
  CLI::Option* lambda_option = nullptr;
};

// An objective's data options must be given with it, and only with it.
void require_objective_data(const JointCommandOptions& o) {
  auto given = [](const std::string& value) { return !value.empty(); };
  auto refuse = [&](const std::string& value, const std::string& option, const std::string& owner) {
    if (given(value)) throw InputError(option + " is only used by --objective " + owner + " (not " + o.objective + ")");
  };
  if (o.objective == "rowsum" && !given(o.targets))
    throw InputError("--objective rowsum needs --targets FILE:DSET (length m)");
  if (o.objective == "regression" && (!given(o.samples) || !given(o.responses))) {
    throw InputError("--objective regression needs --samples FILE:DSET (s x n) and --responses FILE:DSET (s x m)");
  }
  if (o.objective == "gradient" && !given(o.gradient))
    throw InputError("--objective gradient needs --gradient FILE:DSET (m x n)");
  if ((o.objective == "classifier" || o.objective == "activation") && !given(o.samples)) {
    throw InputError("--objective " + o.objective + " needs --samples FILE:DSET (s x n)");
  }
  if (o.objective == "classifier" && !given(o.labels)) {
    throw InputError("--objective classifier needs --labels FILE:DSET (s)");
  }
  if (o.objective == "external" && !given(o.evaluator)) {
    throw InputError("--objective external needs --evaluator \"COMMAND\"");
  }
  if (o.objective != "rowsum") refuse(o.targets, "--targets", "rowsum");
  if (o.objective != "regression") refuse(o.responses, "--responses", "regression");
  if (o.objective == "rowsum" || o.objective == "gradient") {
    refuse(o.samples, "--samples", "regression, classifier, activation or external");
  }
  if (o.objective != "classifier") refuse(o.labels, "--labels", "classifier");
  if (o.objective != "classifier" && o.objective != "activation") refuse(o.bias, "--bias", "classifier or activation");
  if (o.objective != "external") refuse(o.evaluator, "--evaluator", "external");
  if (o.objective != "gradient") {
    refuse(o.gradient, "--gradient", "gradient");
    refuse(o.curvature, "--curvature", "gradient");
  }
}

void validate(const JointCommandOptions& o, const DatasetInfo& info) {
  require_objective_data(o);
  if (o.lambda < 0) throw InputError("--lambda must be >= 0 (got " + format_number("%g", o.lambda) + ")");
  if (o.eps_rel < 0) throw InputError("--eps-rel must be >= 0 (got " + format_number("%g", o.eps_rel) + ")");
  if (o.smooth_l < 0 || o.smooth_r < 0) throw InputError("--smooth-l and --smooth-r must be >= 0");
  if (o.max_iters < 1 || o.max_iters > 1000000000) throw InputError("--max-iters must be between 1 and 1e9");
  if (o.tol < 0) throw InputError("--tol must be >= 0 (got " + format_number("%g", o.tol) + ")");
  if (info.shape.size() != 2) throw InputError(info.dataset + " in '" + info.file + "' is not a 2-D matrix");
  const int64_t max_rank = std::min(info.shape[0], info.shape[1]);
  if (o.rank < 1 || o.rank > max_rank) {
    throw InputError("--rank " + std::to_string(o.rank) +
                     " must be between 1 and min(m, n) = " + std::to_string(max_rank) + " for " + info.dataset + " (" +
                     std::to_string(info.shape[0]) + " x " + std::to_string(info.shape[1]) + ")");
  }
}

std::vector<std::string> input_files(const JointCommandOptions& o) {
  std::vector<std::string> files{DatasetPath::parse(o.input).file};
  for (const std::string* path : {&o.targets, &o.samples, &o.responses, &o.gradient, &o.curvature, &o.labels, &o.bias})
    if (!path->empty()) files.push_back(DatasetPath::parse(*path).file);
  return files;
}

std::unique_ptr<joint::Objective> make_objective(const JointCommandOptions& o, const DistMatrix& w) {
  ReadOptions read;
  read.block = w.row_block();
  const GridPtr& grid = w.grid_ptr();
  if (o.objective == "rowsum") {
    return std::make_unique<joint::RowsumObjective>(read_vector(grid, DatasetPath::parse(o.targets), read), w.rows(),
                                                    w.cols());
  }
  if (o.objective == "regression") {
    return std::make_unique<joint::RegressionObjective>(read_matrix(grid, DatasetPath::parse(o.samples), read),
                                                        read_matrix(grid, DatasetPath::parse(o.responses), read),
                                                        w.rows(), w.cols());
  }
  std::optional<DistMatrix> curvature;
  if (!o.curvature.empty()) curvature = read_matrix(grid, DatasetPath::parse(o.curvature), read);
  return std::make_unique<joint::GradientObjective>(w, read_matrix(grid, DatasetPath::parse(o.gradient), read),
                                                    std::move(curvature));
}

bool is_measured(const JointCommandOptions& o) {
  return o.objective == "classifier" || o.objective == "activation" || o.objective == "external";
}

std::vector<double> small_vector_from(const GridPtr& grid, const std::string& path, bool integers) {
  if (path.empty()) return {};
  ReadOptions read;
  read.allow_integer = integers;
  return replicate_small_vector(read_vector(grid, DatasetPath::parse(path), read));
}

std::unique_ptr<joint::TaskLoss> make_task_loss(const JointCommandOptions& o, const DistMatrix& w,
                                                std::optional<DistMatrix>& samples) {
  ReadOptions read;
  read.block = w.row_block();
  const GridPtr& grid = w.grid_ptr();
  if (!o.samples.empty()) samples = read_matrix(grid, DatasetPath::parse(o.samples), read);
  if (o.objective == "external") {
    const std::string directory = o.evaluations_dir.empty() ? o.output + ".evaluations" : o.evaluations_dir;
    return std::make_unique<joint::ExternalLoss>(w, o.evaluator, directory);
  }
  std::vector<double> bias = small_vector_from(grid, o.bias, false);
  if (o.objective == "classifier") {
    return std::make_unique<joint::SampleLoss>(
        joint::SampleLoss::classifier(w, *samples, small_vector_from(grid, o.labels, true), std::move(bias)));
  }
  return std::make_unique<joint::SampleLoss>(
      joint::SampleLoss::activation(w, *samples, std::move(bias), joint::parse_activation(o.activation)));
}

joint::JointSettings settings_from(const JointCommandOptions& o) {
  joint::JointSettings settings;
  settings.rank = o.rank;
  settings.mode = joint::parse_mode(o.mode);
  // Penalty mode needs a lambda (default 1); the searches start from an automatic one unless given.
  const bool lambda_given = o.lambda_option->count() > 0;
  settings.lambda = lambda_given ? o.lambda : (settings.mode == joint::JointMode::Penalty ? 1.0 : 0.0);
  settings.eps_rel = o.eps_rel;
  settings.smooth_l = o.smooth_l;
  settings.smooth_r = o.smooth_r;
  settings.nonneg = o.nonneg;
  settings.max_iterations = static_cast<int>(o.max_iters);
  settings.tol = o.tol;
  settings.trust_radius = o.trust_radius;
  settings.loss_tol = o.loss_tol;
  settings.max_evaluations = static_cast<int>(std::min<int64_t>(o.max_evals, 1000000));
  if (o.max_evals < 2) throw InputError("--max-evals must be >= 2");
  return settings;
}

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
  validate(options, info);
  joint::JointSettings settings = settings_from(options);
  settings.progress = [comm](const std::string& line) { log_progress(comm, line); };
  require_writable_output(comm, options.output, input_files(options));
  log_progress(comm, "joint: reading " + info.file + ":" + info.dataset + " (" + std::to_string(info.shape[0]) + " x " +
                         std::to_string(info.shape[1]) + ") on grid " + grid->describe());
  ReadOptions read;
  read.block = options.common.block;
  require_input_fits(comm, *grid, info.shape, options.common.block);
  const DistMatrix w = read_matrix(grid, info, read);
  joint::JointOutcome outcome;
  if (is_measured(options)) {
    std::optional<DistMatrix> samples;
    const std::unique_ptr<joint::TaskLoss> loss = make_task_loss(options, w, samples);
    outcome = joint::run_joint_measured(w, *loss, settings, samples ? &*samples : nullptr);
  } else {
    const std::unique_ptr<joint::Objective> objective = make_objective(options, w);
    outcome = joint::run_joint(w, *objective, settings);
  }
  OutputFile out(comm, options.output);
  joint::write_joint_outcome(out, outcome, settings);
  out.set_attribute("/joint", "input", info.file + ":" + info.dataset);
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
  command->add_option("--rank", options->rank, "rank K of the factors (compact mode: the largest K tried)")->required();
  command
      ->add_option("--objective", options->objective,
                   "task objective f: rowsum | regression | gradient | classifier | activation | external")
      ->required()
      ->check(CLI::IsMember({"rowsum", "regression", "gradient", "classifier", "activation", "external"}));
  command->add_option("--targets", options->targets, "rowsum: targets t (length m), f(X) = (1/m) ||X 1 - t||^2");
  command->add_option(
      "--samples", options->samples,
      "regression / classifier / activation (external: optional, for the whitened start): samples Xs (s x n)");
  command->add_option("--responses", options->responses,
                      "regression: responses Y (s x m), f(X) = (1/s) ||Xs X^T - Y||_F^2");
  command->add_option("--labels", options->labels,
                      "classifier: integer labels (s) in [0, m); the loss is the mean "
                      "softmax cross-entropy of Xs X^T + b");
  command->add_option("--bias", options->bias, "classifier / activation: the layer's bias b (m), optional");
  command
      ->add_option("--activation", options->activation,
                   "activation: relu | gelu | tanh | identity; the loss is "
                   "mean (act(Xs X^T + b) - act(Xs W^T + b))^2")
      ->check(CLI::IsMember({"relu", "gelu", "tanh", "identity"}))
      ->capture_default_str();
  command->add_option("--evaluator", options->evaluator,
                      "external: shell command run once per evaluation with an HDF5 file (/L, /R) appended; it writes "
                      "/loss, /gradient (m,n) [and /curvature] into that file and exits 0");
  command->add_option("--evaluations-dir", options->evaluations_dir,
                      "external: where evaluation files are kept and reused by a rerun (default OUTPUT.evaluations)");
  command
      ->add_option("--max-evals", options->max_evals,
                   "classifier / activation / external: loss evaluations per trust-region solve")
      ->capture_default_str();
  command->add_option("--gradient", options->gradient, "gradient: G (m x n), f(X) = <G, X - W> + 1/2 sum H (X - W)^2");
  command->add_option("--curvature", options->curvature, "gradient: diagonal curvature H >= 0 (m x n), optional");
  command->add_option("--smooth-l", options->smooth_l, "weight of ||D2 L||_F^2 (second differences down L's columns)")
      ->capture_default_str();
  command->add_option("--smooth-r", options->smooth_r, "weight of ||D2 R||_F^2")->capture_default_str();
  command->add_flag("--nonneg", options->nonneg, "constrain L >= 0 and R >= 0");
  command
      ->add_option("--mode", options->mode,
                   "penalty (fixed lambda) | lossless (min f with ||W - L R^T||_F <= (1 + eps_rel) ||W - W_k||_F) | "
                   "compact (smallest k whose lossless optimum has f <= f(W))")
      ->check(CLI::IsMember({"penalty", "lossless", "compact"}))
      ->capture_default_str();
  options->lambda_option = command->add_option(
      "--lambda", options->lambda, "penalty weight (penalty mode, default 1; lossless/compact: the first one tried)");
  command->add_option("--eps-rel", options->eps_rel, "lossless / compact: allowed relative growth of the error")
      ->capture_default_str();
  command->add_option("--max-iters", options->max_iters, "alternating iterations per penalty solve")
      ->capture_default_str();
  command->add_option("--tol", options->tol, "stop when both factors change by at most this (relative) in an iteration")
      ->capture_default_str();
  command
      ->add_option("--trust-radius", options->trust_radius,
                   "gradient: keep ||W - L R^T||_F within this radius, where the model is trusted (0: estimated "
                   "from the curvature)")
      ->capture_default_str();
  command
      ->add_option("--loss-tol", options->loss_tol,
                   "compact: a rank qualifies when its task loss is at most f(W) + this (absolute)")
      ->capture_default_str();
  add_common_options(*command, options->common);
  command->footer(
      "Example:"
      "\n  mpirun -np 4 jointfact joint --input W.h5:/W --output joint.h5 --rank 6 --objective rowsum"
      " --targets W.h5:/targets --mode lossless --eps-rel 0.01");
  return {command, [options](MPI_Comm comm) { return run_joint_command(comm, *options); }};
}

}  // namespace jf::app
