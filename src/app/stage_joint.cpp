// The joint stage of `jointfact run`: loss-aware factorization of the input for the configured task.
#include <memory>

#include "app/joint_checkpoint.hpp"
#include "app/pipeline_stages.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/small_vector.hpp"
#include "jointfact/io/attribute_reader.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/joint/external_loss.hpp"
#include "jointfact/joint/gradient_objective.hpp"
#include "jointfact/joint/joint_stage.hpp"
#include "jointfact/joint/measured_stage.hpp"
#include "jointfact/joint/regression_objective.hpp"
#include "jointfact/joint/rowsum_objective.hpp"
#include "jointfact/joint/sample_loss.hpp"
#include "jointfact/svd/replicated_matrix.hpp"

namespace jf::app {
namespace {

joint::JointSettings joint_settings_from(const RunConfig& config, const PipelineContext& context) {
  joint::JointSettings settings;
  settings.rank = config.get_int("joint", "rank").value_or(config.get_int("svd", "rank").value_or(0));
  const int64_t max_rank = std::min(context.input.rows(), context.input.cols());
  if (settings.rank < 1 || settings.rank > max_rank) {
    throw InputError("[joint] rank (default: [svd] rank) must be between 1 and min(m, n) = " +
                     std::to_string(max_rank));
  }
  settings.mode = joint::parse_mode(config.get_string("joint", "mode").value_or("penalty"));
  const auto lambda = config.get_float("joint", "lambda");
  settings.lambda = lambda.value_or(settings.mode == joint::JointMode::Penalty ? 1.0 : 0.0);
  settings.eps_rel = config.get_float("joint", "eps_rel").value_or(settings.eps_rel);
  settings.smooth_l = config.get_float("joint", "smooth_l").value_or(0.0);
  settings.smooth_r = config.get_float("joint", "smooth_r").value_or(0.0);
  settings.nonneg = config.get_bool("joint", "nonneg").value_or(false);
  settings.max_iterations = static_cast<int>(config.get_int("joint", "max_iters").value_or(settings.max_iterations));
  settings.tol = config.get_float("joint", "tol").value_or(settings.tol);
  settings.trust_radius = config.get_float("joint", "trust_radius").value_or(settings.trust_radius);
  settings.loss_tol = config.get_float("joint", "loss_tol").value_or(settings.loss_tol);
  if (settings.lambda < 0 || settings.eps_rel < 0 || settings.smooth_l < 0 || settings.smooth_r < 0 ||
      settings.tol < 0 || settings.max_iterations < 1) {
    throw InputError("[joint] lambda, eps_rel, smooth_l, smooth_r and tol must be >= 0 and max_iters >= 1");
  }
  return settings;
}

std::string required_path(const RunConfig& config, const std::string& key, const std::string& objective) {
  const auto path = config.get_string("joint", key);
  if (!path) throw InputError("[joint] objective = \"" + objective + "\" needs " + key + " = \"FILE:DSET\"");
  return *path;
}

std::unique_ptr<joint::Objective> objective_from(const RunConfig& config, const PipelineContext& context) {
  const std::string name = config.get_string("joint", "objective").value_or("");
  const DistMatrix& w = context.input;
  ReadOptions read;
  read.block = w.row_block();
  if (name == "rowsum") {
    const auto path = config.get_string("joint", "targets");
    if (!path && !context.generated_targets) {
      throw InputError("[joint] objective = \"rowsum\" needs targets = \"FILE:DSET\" (or a generated lowrank input)");
    }
    DistMatrix targets = path ? read_vector(context.grid, DatasetPath::parse(*path), read) : *context.generated_targets;
    if (targets.rows() != w.rows()) {
      throw InputError("[joint] targets have length " + std::to_string(targets.rows()) + " but the matrix has " +
                       std::to_string(w.rows()) + " rows");
    }
    return std::make_unique<joint::RowsumObjective>(std::move(targets), w.rows(), w.cols());
  }
  if (name == "regression") {
    return std::make_unique<joint::RegressionObjective>(
        read_matrix(context.grid, DatasetPath::parse(required_path(config, "samples", name)), read),
        read_matrix(context.grid, DatasetPath::parse(required_path(config, "responses", name)), read), w.rows(),
        w.cols());
  }
  if (name == "gradient") {
    std::optional<DistMatrix> curvature;
    if (auto path = config.get_string("joint", "curvature"))
      curvature = read_matrix(context.grid, DatasetPath::parse(*path), read);
    return std::make_unique<joint::GradientObjective>(
        w, read_matrix(context.grid, DatasetPath::parse(required_path(config, "gradient", name)), read),
        std::move(curvature));
  }
  throw InputError("[joint] objective must be rowsum, regression or gradient, not \"" + name + "\"");
}

bool is_measured(const std::string& name) { return name == "classifier" || name == "activation" || name == "external"; }

std::vector<double> replicated_from(const RunConfig& config, const PipelineContext& context, const std::string& key,
                                    bool integers) {
  const auto path = config.get_string("joint", key);
  if (!path) return {};
  ReadOptions read;
  read.allow_integer = integers;
  return replicate_small_vector(read_vector(context.grid, DatasetPath::parse(*path), read));
}

// classifier | activation | external: task losses measured at every step (measured_stage.hpp).
std::unique_ptr<joint::TaskLoss> task_loss_from(const RunConfig& config, const PipelineContext& context,
                                                std::optional<DistMatrix>& samples) {
  const std::string name = config.get_string("joint", "objective").value_or("");
  const DistMatrix& w = context.input;
  ReadOptions read;
  read.block = w.row_block();
  const auto samples_path = config.get_string("joint", "samples");
  if (samples_path) samples = read_matrix(context.grid, DatasetPath::parse(*samples_path), read);
  if (name == "external") {
    const auto command = config.get_string("joint", "evaluator");
    if (!command) throw InputError("[joint] objective = \"external\" needs evaluator = \"COMMAND\"");
    return std::make_unique<joint::ExternalLoss>(w, *command, context.store->directory() + "/joint-evaluations");
  }
  if (!samples) throw InputError("[joint] objective = \"" + name + "\" needs samples = \"FILE:DSET\"");
  std::vector<double> bias = replicated_from(config, context, "bias", false);
  if (name == "classifier") {
    required_path(config, "labels", name);
    return std::make_unique<joint::SampleLoss>(
        joint::SampleLoss::classifier(w, *samples, replicated_from(config, context, "labels", true), std::move(bias)));
  }
  const std::string activation = config.get_string("joint", "activation").value_or("relu");
  return std::make_unique<joint::SampleLoss>(
      joint::SampleLoss::activation(w, *samples, std::move(bias), joint::parse_activation(activation)));
}

nlohmann::json facts_of(const joint::JointOutcome& outcome) {
  nlohmann::json history = nlohmann::json::array();
  for (const auto& row : outcome.history) history.push_back({row.objective, row.task_loss, row.recon_error});
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& point : outcome.rank_curve) curve.push_back({point.rank, point.task_loss});
  return {{"objective", outcome.objective},
          {"mode", outcome.mode},
          {"rank", outcome.rank},
          {"loss_original", outcome.loss_original},
          {"loss_svd", outcome.loss_svd},
          {"loss_joint", outcome.loss_joint},
          {"recon_error_svd", outcome.recon_error_svd},
          {"recon_error_joint", outcome.recon_error_joint},
          {"lambda", outcome.lambda},
          {"iterations", outcome.iterations},
          {"history", history},
          {"history_segment", outcome.history_segment},
          {"rank_curve", curve}};
}

// The same facts, read back from a finished joint checkpoint (a resumed run still reports and plots them).
nlohmann::json facts_from_checkpoint(const PipelineContext& context, const std::string& path) {
  nlohmann::json facts;
  for (const char* name : {"loss_original", "loss_svd", "loss_joint", "recon_error_svd", "recon_error_joint", "lambda",
                           "iterations", "rank"}) {
    if (auto value = read_double_attribute(context.comm, path, "/joint", name)) facts[name] = *value;
  }
  for (const char* name : {"objective", "mode"}) {
    if (auto value = read_string_attribute(context.comm, path, "/joint", name)) facts[name] = *value;
  }
  const Eigen::MatrixXd history = svd::replicate_small(read_matrix(context.grid, DatasetPath{path, "/joint/history"}));
  facts["history"] = nlohmann::json::array();
  for (Eigen::Index i = 0; i < history.rows(); ++i)
    facts["history"].push_back({history(i, 0), history(i, 1), history(i, 2)});
  ReadOptions integers;
  integers.allow_integer = true;
  const std::vector<double> segment =
      replicate_small_vector(read_vector(context.grid, DatasetPath{path, "/joint/history_segment"}, integers));
  facts["history_segment"] = nlohmann::json::array();
  for (double value : segment) facts["history_segment"].push_back(static_cast<int64_t>(value));
  if (facts.value("mode", "") == "compact") {
    const Eigen::MatrixXd curve =
        svd::replicate_small(read_matrix(context.grid, DatasetPath{path, "/joint/rank_curve"}));
    facts["rank_curve"] = nlohmann::json::array();
    for (Eigen::Index i = 0; i < curve.rows(); ++i)
      facts["rank_curve"].push_back({static_cast<int64_t>(curve(i, 0)), curve(i, 1)});
  }
  return facts;
}

}  // namespace

JointStageResult run_joint_stage(PipelineContext& context, const SvdStageResult& svd) {
  JointStageResult result;
  const RunConfig& config = *context.config;
  if (!config.has_section("joint")) return result;
  result.ran = true;
  result.checkpoint_path = context.store->path_of("joint");
  joint::JointSettings settings = joint_settings_from(config, context);
  const std::string hash = stage_config_hash(config, "joint");
  const auto stamp = context.store->find("joint", hash, context.joint_fingerprint);
  if (stamp && stamp->complete) {
    result.facts = facts_from_checkpoint(context, result.checkpoint_path);
    log_progress(context.comm, "joint: resumed from checkpoint " + result.checkpoint_path);
    return result;
  }
  if (is_measured(config.get_string("joint", "objective").value_or(""))) {
    // Measured losses: a rerun reuses the evaluations kept in the checkpoint directory.
    settings.progress = [comm = context.comm](const std::string& line) { log_progress(comm, line); };
    settings.max_evaluations =
        static_cast<int>(config.get_int("joint", "max_evals").value_or(settings.max_evaluations));
    std::optional<DistMatrix> samples;
    const std::unique_ptr<joint::TaskLoss> loss = task_loss_from(config, context, samples);
    const joint::JointOutcome outcome =
        joint::run_joint_measured(context.input, *loss, settings, samples ? &*samples : nullptr);
    result.facts = facts_of(outcome);
    auto checkpoint = context.store->begin({"joint", hash, context.joint_fingerprint, outcome.iterations, true});
    joint::write_joint_outcome(*checkpoint, outcome, settings);
    checkpoint->commit();
    return result;
  }
  const std::unique_ptr<joint::Objective> objective = objective_from(config, context);
  // An unfinished checkpoint (periodic, or written on a signal) holds the journal to continue from.
  joint::SolveJournal journal =
      stamp ? joint::SolveJournal(read_joint_snapshot(context, result.checkpoint_path)) : joint::SolveJournal();
  journal.set_safe_point(joint_safe_point(context, hash));
  settings.journal = &journal;
  settings.progress = [comm = context.comm](const std::string& line) { log_progress(comm, line); };
  if (stamp) {
    log_progress(context.comm, "joint: resuming from checkpoint " + result.checkpoint_path + " at iteration " +
                                   std::to_string(stamp->iteration));
  }
  log_progress(context.comm,
               "joint: start (" + joint::mode_name(settings.mode) + ", rank " + std::to_string(settings.rank) + ")");
  // Start from the svd stage's factors when they have enough rank (no second SVD of the input).
  const bool reuse_svd = settings.rank <= static_cast<int64_t>(svd.svd.s.size());
  const joint::JointOutcome outcome = reuse_svd ? joint::run_joint(context.input, *objective, settings, svd.svd)
                                                : joint::run_joint(context.input, *objective, settings);
  result.facts = facts_of(outcome);
  auto checkpoint = context.store->begin({"joint", hash, context.joint_fingerprint, outcome.iterations, true});
  joint::write_joint_outcome(*checkpoint, outcome, settings);
  checkpoint->commit();
  return result;
}

}  // namespace jf::app
