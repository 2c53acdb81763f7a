#include "app/joint_stage_definition.hpp"

#include <algorithm>

#include "distributed/small_matrix.hpp"
#include "io/attribute_reader.hpp"
#include "joint/external_loss.hpp"
#include "joint/gradient_objective.hpp"
#include "joint/measured_stage.hpp"
#include "joint/regression_objective.hpp"
#include "joint/rowsum_objective.hpp"
#include "joint/sample_loss.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "distributed/small_matrix.hpp"

namespace jf::app {
namespace {

const std::vector<std::string> kObjectives = {"rowsum",     "regression", "gradient",
                                              "classifier", "activation", "external"};
const std::vector<std::string> kModes = {"penalty", "lossless", "compact"};
const std::vector<std::string> kActivations = {"relu", "gelu", "tanh", "identity"};

bool one_of(const std::string& value, const std::vector<std::string>& choices) {
  return std::find(choices.begin(), choices.end(), value) != choices.end();
}

std::string listed(const std::vector<std::string>& choices) {
  std::string text;
  for (size_t i = 0; i < choices.size(); ++i)
    text += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  return text;
}

void require_choice(const std::string& value, const std::vector<std::string>& choices, const std::string& name) {
  if (!one_of(value, choices)) throw InputError(name + " must be " + listed(choices) + ", not '" + value + "'");
}

// An objective's data must be given with it, and only with it.
void require_objective_data(const JointStageSettings& s, const SettingName& name_of, bool targets_at_hand) {
  auto given = [](const std::string& value) { return !value.empty(); };
  const std::string objective = name_of("objective") + " " + s.objective;
  auto refuse = [&](const std::string& value, const std::string& key, const std::string& owner) {
    if (given(value)) {
      throw InputError(name_of(key) + " is only used by " + name_of("objective") + " " + owner + " (not " +
                       s.objective + ")");
    }
  };
  if (s.objective == "rowsum" && !given(s.targets) && !targets_at_hand)
    throw InputError(objective + " needs " + name_of("targets") + " FILE:DSET (length m)");
  if (s.objective == "regression" && (!given(s.samples) || !given(s.responses))) {
    throw InputError(objective + " needs " + name_of("samples") + " FILE:DSET (s x n) and " + name_of("responses") +
                     " FILE:DSET (s x m)");
  }
  if (s.objective == "gradient" && !given(s.gradient))
    throw InputError(objective + " needs " + name_of("gradient") + " FILE:DSET (m x n)");
  if ((s.objective == "classifier" || s.objective == "activation") && !given(s.samples))
    throw InputError(objective + " needs " + name_of("samples") + " FILE:DSET (s x n)");
  if (s.objective == "classifier" && !given(s.labels))
    throw InputError(objective + " needs " + name_of("labels") + " FILE:DSET (s)");
  if (s.objective == "external" && !given(s.evaluator))
    throw InputError(objective + " needs " + name_of("evaluator") + " \"COMMAND\"");
  if (s.objective != "rowsum") refuse(s.targets, "targets", "rowsum");
  if (s.objective != "regression") refuse(s.responses, "responses", "regression");
  if (s.objective == "rowsum" || s.objective == "gradient")
    refuse(s.samples, "samples", "regression, classifier, activation or external");
  if (s.objective != "classifier") refuse(s.labels, "labels", "classifier");
  if (s.objective != "classifier" && s.objective != "activation") refuse(s.bias, "bias", "classifier or activation");
  if (s.objective != "external") refuse(s.evaluator, "evaluator", "external");
  if (s.objective != "gradient") {
    refuse(s.gradient, "gradient", "gradient");
    refuse(s.curvature, "curvature", "gradient");
  }
}

void require_non_negative(double value, const std::string& name) {
  if (!(value >= 0)) throw InputError(name + " must be >= 0 (got " + format_number("%g", value) + ")");
}

std::vector<double> small_vector_from(const GridPtr& grid, const std::string& path, bool integers) {
  if (path.empty()) return {};
  ReadOptions read;
  read.allow_integer = integers;
  return replicate_small_vector(read_vector(grid, DatasetPath::parse(path), read));
}

std::unique_ptr<joint::Objective> read_objective(const JointStageSettings& s, const DistMatrix& w,
                                                 const std::optional<DistMatrix>& targets) {
  ReadOptions read;
  read.block = w.row_block();
  const GridPtr& grid = w.grid_ptr();
  if (s.objective == "rowsum") {
    DistMatrix t = s.targets.empty() ? *targets : read_vector(grid, DatasetPath::parse(s.targets), read);
    return std::make_unique<joint::RowsumObjective>(std::move(t), w.rows(), w.cols());
  }
  if (s.objective == "regression") {
    return std::make_unique<joint::RegressionObjective>(read_matrix(grid, DatasetPath::parse(s.samples), read),
                                                        read_matrix(grid, DatasetPath::parse(s.responses), read),
                                                        w.rows(), w.cols());
  }
  std::optional<DistMatrix> curvature;
  if (!s.curvature.empty()) curvature = read_matrix(grid, DatasetPath::parse(s.curvature), read);
  return std::make_unique<joint::GradientObjective>(w, read_matrix(grid, DatasetPath::parse(s.gradient), read),
                                                    std::move(curvature));
}

std::unique_ptr<joint::TaskLoss> read_task_loss(const JointStageSettings& s, const DistMatrix& w,
                                                const std::optional<DistMatrix>& samples,
                                                const std::string& evaluations_dir) {
  const GridPtr& grid = w.grid_ptr();
  if (s.objective == "external") return std::make_unique<joint::ExternalLoss>(w, s.evaluator, evaluations_dir);
  std::vector<double> bias = small_vector_from(grid, s.bias, false);
  if (s.objective == "classifier") {
    return std::make_unique<joint::SampleLoss>(
        joint::SampleLoss::classifier(w, *samples, small_vector_from(grid, s.labels, true), std::move(bias)));
  }
  return std::make_unique<joint::SampleLoss>(
      joint::SampleLoss::activation(w, *samples, std::move(bias), joint::parse_activation(s.activation)));
}

}  // namespace

bool is_measured_objective(const std::string& objective) {
  return objective == "classifier" || objective == "activation" || objective == "external";
}

void validate_joint_settings(const JointStageSettings& settings, const SettingName& name_of, bool targets_at_hand) {
  require_choice(settings.objective, kObjectives, name_of("objective"));
  require_choice(settings.mode, kModes, name_of("mode"));
  require_choice(settings.activation, kActivations, name_of("activation"));
  require_objective_data(settings, name_of, targets_at_hand);
  require_non_negative(settings.lambda, name_of("lambda"));
  require_non_negative(settings.eps_rel, name_of("eps_rel"));
  require_non_negative(settings.smooth_l, name_of("smooth_l"));
  require_non_negative(settings.smooth_r, name_of("smooth_r"));
  if (settings.max_iters < 1 || settings.max_iters > 1000000000)
    throw InputError(name_of("max_iters") + " must be between 1 and 1e9");
  require_non_negative(settings.tol, name_of("tol"));
  require_non_negative(settings.trust_radius, name_of("trust_radius"));
  require_non_negative(settings.loss_tol, name_of("loss_tol"));
  if (settings.max_evals < 2) throw InputError(name_of("max_evals") + " must be >= 2");
}

void require_joint_rank(const JointStageSettings& settings, const SettingName& name_of, int64_t m, int64_t n,
                        const std::string& what) {
  const int64_t max_rank = std::min(m, n);
  if (settings.rank >= 1 && settings.rank <= max_rank) return;
  const std::string name = name_of("rank") + (settings.rank_given ? "" : " (default: [svd] rank)");
  throw InputError(name + " " + std::to_string(settings.rank) +
                   " must be between 1 and min(m, n) = " + std::to_string(max_rank) + " for " + what + " (" +
                   std::to_string(m) + " x " + std::to_string(n) + ")");
}

void bind_joint_cli(CLI::App& command, JointStageSettings& settings) {
  command
      .add_option_function<int64_t>(
          "--rank",
          [&settings](const int64_t& k) {
            settings.rank = k;
            settings.rank_given = true;
          },
          "rank K of the factors (compact mode: the largest K tried)")
      ->required();
  command
      .add_option("--objective", settings.objective,
                  "task objective f: rowsum | regression | gradient | classifier | activation | external")
      ->required()
      ->check(CLI::IsMember(kObjectives));
  command.add_option("--targets", settings.targets, "rowsum: targets t (length m), f(X) = (1/m) ||X 1 - t||^2");
  command.add_option(
      "--samples", settings.samples,
      "regression / classifier / activation (external: optional, for the whitened start): samples Xs (s x n)");
  command.add_option("--responses", settings.responses,
                     "regression: responses Y (s x m), f(X) = (1/s) ||Xs X^T - Y||_F^2");
  command.add_option("--labels", settings.labels,
                     "classifier: integer labels (s) in [0, m); the loss is the mean "
                     "softmax cross-entropy of Xs X^T + b");
  command.add_option("--bias", settings.bias, "classifier / activation: the layer's bias b (m), optional");
  command
      .add_option("--activation", settings.activation,
                  "activation: relu | gelu | tanh | identity; the loss is "
                  "mean (act(Xs X^T + b) - act(Xs W^T + b))^2")
      ->check(CLI::IsMember(kActivations))
      ->capture_default_str();
  command.add_option("--evaluator", settings.evaluator,
                     "external: shell command run once per evaluation with an HDF5 file (/L, /R) appended; it writes "
                     "/loss, /gradient (m,n) [and /curvature] into that file and exits 0");
  command.add_option("--evaluations-dir", settings.evaluations_dir,
                     "external: where evaluation files are kept and reused by a rerun (default OUTPUT.evaluations)");
  command
      .add_option("--max-evals", settings.max_evals,
                  "classifier / activation / external: loss evaluations per trust-region solve")
      ->capture_default_str();
  command.add_option("--gradient", settings.gradient, "gradient: G (m x n), f(X) = <G, X - W> + 1/2 sum H (X - W)^2");
  command.add_option("--curvature", settings.curvature, "gradient: diagonal curvature H >= 0 (m x n), optional");
  command.add_option("--smooth-l", settings.smooth_l, "weight of ||D2 L||_F^2 (second differences down L's columns)")
      ->capture_default_str();
  command.add_option("--smooth-r", settings.smooth_r, "weight of ||D2 R||_F^2")->capture_default_str();
  command.add_flag("--nonneg", settings.nonneg, "constrain L >= 0 and R >= 0");
  command
      .add_option("--mode", settings.mode,
                  "penalty (fixed lambda) | lossless (min f with ||W - L R^T||_F <= (1 + eps_rel) ||W - W_k||_F) | "
                  "compact (smallest k whose lossless optimum has f <= f(W))")
      ->check(CLI::IsMember(kModes))
      ->capture_default_str();
  command.add_option_function<double>(
      "--lambda",
      [&settings](const double& lambda) {
        settings.lambda = lambda;
        settings.lambda_given = true;
      },
      "penalty weight (penalty mode, default 1; lossless/compact: the first one tried)");
  command.add_option("--eps-rel", settings.eps_rel, "lossless / compact: allowed relative growth of the error")
      ->capture_default_str();
  command.add_option("--max-iters", settings.max_iters, "alternating iterations per penalty solve")
      ->capture_default_str();
  command.add_option("--tol", settings.tol, "stop when both factors change by at most this (relative) in an iteration")
      ->capture_default_str();
  command
      .add_option("--trust-radius", settings.trust_radius,
                  "gradient: keep ||W - L R^T||_F within this radius, where the model is trusted (0: estimated "
                  "from the curvature)")
      ->capture_default_str();
  command
      .add_option("--loss-tol", settings.loss_tol,
                  "compact: a rank qualifies when its task loss is at most f(W) + this (absolute)")
      ->capture_default_str();
}

std::vector<KeySpec> joint_config_keys() {
  return {
      {"joint", "rank", KeyType::Integer, "k (default: the svd rank)"},
      {"joint", "objective", KeyType::String, "rowsum | regression | gradient | classifier | activation | external"},
      {"joint", "labels", KeyType::String, "FILE:DSET (classifier)"},
      {"joint", "bias", KeyType::String, "FILE:DSET (classifier, activation; optional)"},
      {"joint", "activation", KeyType::String, "relu | gelu | tanh | identity (activation)"},
      {"joint", "evaluator", KeyType::String, "shell command evaluating the loss (external)"},
      {"joint", "max_evals", KeyType::Integer, "loss evaluations per trust-region solve (measured objectives)"},
      {"joint", "targets", KeyType::String, "FILE:DSET (rowsum; default /targets of a generated input)"},
      {"joint", "samples", KeyType::String, "FILE:DSET (regression)"},
      {"joint", "responses", KeyType::String, "FILE:DSET (regression)"},
      {"joint", "gradient", KeyType::String, "FILE:DSET (gradient)"},
      {"joint", "curvature", KeyType::String, "FILE:DSET (gradient, optional)"},
      {"joint", "smooth_l", KeyType::Float, "smoothness weight on L"},
      {"joint", "smooth_r", KeyType::Float, "smoothness weight on R"},
      {"joint", "nonneg", KeyType::Boolean, "L >= 0, R >= 0"},
      {"joint", "mode", KeyType::String, "penalty | lossless | compact"},
      {"joint", "lambda", KeyType::Float, "penalty weight"},
      {"joint", "eps_rel", KeyType::Float, "lossless slack"},
      {"joint", "max_iters", KeyType::Integer, "iteration limit"},
      {"joint", "tol", KeyType::Float, "relative decrease to stop"},
      {"joint", "loss_tol", KeyType::Float, "compact: allowed task-loss increase over f(W) (absolute)"},
      {"joint", "trust_radius", KeyType::Float, "gradient: radius around W the model is trusted in (0: estimate)"},
  };
}

JointStageSettings joint_settings_from_config(const RunConfig& config, bool targets_at_hand) {
  JointStageSettings s;
  const auto text = [&](const char* key, std::string& field) {
    field = config.get_string("joint", key).value_or(field);
  };
  const auto number = [&](const char* key, double& field) { field = config.get_float("joint", key).value_or(field); };
  if (const auto rank = config.get_int("joint", "rank")) {
    s.rank = *rank;
    s.rank_given = true;
  } else {
    s.rank = config.get_int("svd", "rank").value_or(0);
  }
  for (const auto& [key, field] : std::vector<std::pair<const char*, std::string*>>{{"objective", &s.objective},
                                                                                    {"mode", &s.mode},
                                                                                    {"targets", &s.targets},
                                                                                    {"samples", &s.samples},
                                                                                    {"responses", &s.responses},
                                                                                    {"gradient", &s.gradient},
                                                                                    {"curvature", &s.curvature},
                                                                                    {"labels", &s.labels},
                                                                                    {"bias", &s.bias},
                                                                                    {"activation", &s.activation},
                                                                                    {"evaluator", &s.evaluator}}) {
    text(key, *field);
  }
  if (const auto lambda = config.get_float("joint", "lambda")) {
    s.lambda = *lambda;
    s.lambda_given = true;
  }
  number("eps_rel", s.eps_rel);
  number("smooth_l", s.smooth_l);
  number("smooth_r", s.smooth_r);
  number("tol", s.tol);
  number("trust_radius", s.trust_radius);
  number("loss_tol", s.loss_tol);
  s.nonneg = config.get_bool("joint", "nonneg").value_or(s.nonneg);
  s.max_iters = config.get_int("joint", "max_iters").value_or(s.max_iters);
  s.max_evals = config.get_int("joint", "max_evals").value_or(s.max_evals);
  validate_joint_settings(s, toml_setting_names("joint"), targets_at_hand);
  return s;
}

joint::JointSettings joint_library_settings(const JointStageSettings& s) {
  joint::JointSettings settings;
  settings.rank = s.rank;
  settings.mode = joint::parse_mode(s.mode);
  // Penalty mode needs a lambda (default 1); the searches start from an automatic one unless given.
  settings.lambda = s.lambda_given ? s.lambda : (settings.mode == joint::JointMode::Penalty ? 1.0 : 0.0);
  settings.eps_rel = s.eps_rel;
  settings.smooth_l = s.smooth_l;
  settings.smooth_r = s.smooth_r;
  settings.nonneg = s.nonneg;
  settings.max_iterations = static_cast<int>(s.max_iters);
  settings.tol = s.tol;
  settings.trust_radius = s.trust_radius;
  settings.loss_tol = s.loss_tol;
  settings.max_evaluations = static_cast<int>(std::min<int64_t>(s.max_evals, 1000000));
  return settings;
}

std::vector<std::string> joint_input_files(const JointStageSettings& s) {
  std::vector<std::string> files;
  for (const std::string* path : {&s.targets, &s.samples, &s.responses, &s.gradient, &s.curvature, &s.labels, &s.bias})
    if (!path->empty()) files.push_back(DatasetPath::parse(*path).file);
  return files;
}

JointTask read_joint_task(const JointStageSettings& settings, const DistMatrix& w,
                          const std::optional<DistMatrix>& targets, const std::string& evaluations_dir) {
  JointTask task;
  if (!is_measured_objective(settings.objective)) {
    task.objective = read_objective(settings, w, targets);
    return task;
  }
  if (!settings.samples.empty()) {
    ReadOptions read;
    read.block = w.row_block();
    task.samples = read_matrix(w.grid_ptr(), DatasetPath::parse(settings.samples), read);
  }
  task.loss = read_task_loss(settings, w, task.samples, evaluations_dir);
  return task;
}

joint::JointOutcome run_joint_task(const DistMatrix& w, const JointTask& task, const joint::JointSettings& settings,
                                   const svd::TruncatedSvd* svd) {
  if (task.loss) return joint::run_joint_measured(w, *task.loss, settings, task.samples ? &*task.samples : nullptr);
  if (svd) return joint::run_joint(w, *task.objective, settings, *svd);
  return joint::run_joint(w, *task.objective, settings);
}

void write_joint_result(OutputFile& out, const joint::JointOutcome& outcome, const joint::JointSettings& settings,
                        const std::string& input) {
  joint::write_joint_outcome(out, outcome, settings);
  if (!input.empty()) out.set_attribute("/joint", "input", input);
}

nlohmann::json joint_result_facts(const joint::JointOutcome& outcome) {
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

nlohmann::json read_joint_result_facts(MPI_Comm comm, const GridPtr& grid, const std::string& path) {
  nlohmann::json facts;
  for (const char* name : {"loss_original", "loss_svd", "loss_joint", "recon_error_svd", "recon_error_joint", "lambda",
                           "iterations", "rank"}) {
    if (auto value = read_double_attribute(comm, path, "/joint", name)) facts[name] = *value;
  }
  for (const char* name : {"objective", "mode"}) {
    if (auto value = read_string_attribute(comm, path, "/joint", name)) facts[name] = *value;
  }
  const Eigen::MatrixXd history = replicate_small(read_matrix(grid, DatasetPath{path, "/joint/history"}));
  facts["history"] = nlohmann::json::array();
  for (Eigen::Index i = 0; i < history.rows(); ++i)
    facts["history"].push_back({history(i, 0), history(i, 1), history(i, 2)});
  ReadOptions integers;
  integers.allow_integer = true;
  const std::vector<double> segment =
      replicate_small_vector(read_vector(grid, DatasetPath{path, "/joint/history_segment"}, integers));
  facts["history_segment"] = nlohmann::json::array();
  for (double value : segment) facts["history_segment"].push_back(static_cast<int64_t>(value));
  if (facts.value("mode", "") == "compact") {
    const Eigen::MatrixXd curve = replicate_small(read_matrix(grid, DatasetPath{path, "/joint/rank_curve"}));
    facts["rank_curve"] = nlohmann::json::array();
    for (Eigen::Index i = 0; i < curve.rows(); ++i)
      facts["rank_curve"].push_back({static_cast<int64_t>(curve(i, 0)), curve(i, 1)});
  }
  return facts;
}

}  // namespace jf::app
