#pragma once
// The joint stage, defined once: its settings with their defaults and checks, their command-line options
// (`jointfact joint`) and TOML keys (`jointfact run`'s [joint] table), the library's settings and task
// data they lead to, and the /joint result group's writer and reader. `jointfact joint` and `jointfact run`
// both call this. Adding a setting: a field of JointStageSettings plus its lines in joint_stage_definition.cpp
// (CLI, TOML key, check, library setting).
#include <mpi.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/run_config.hpp"
#include "app/setting_name.hpp"
#include "joint/task_loss.hpp"
#include "jointfact/io/output_file.hpp"
#include "jointfact/joint/joint_stage.hpp"

namespace jf::app {

struct JointStageSettings {
  int64_t rank = 0;  // k (compact mode: the largest k tried); run: [svd] rank unless given
  bool rank_given = false;
  std::string objective;  // rowsum | regression | gradient | classifier | activation | external
  std::string mode = "penalty";
  // The objective's data, FILE[:DSET] each; only the ones its objective uses may be given.
  std::string targets, samples, responses, gradient, curvature, labels, bias;
  std::string activation = "relu";
  std::string evaluator;        // external: shell command
  std::string evaluations_dir;  // external, command line only (run keeps them in its checkpoint directory)
  // The library's defaults, not a second copy of them.
  int64_t max_evals = joint::JointSettings{}.max_evaluations;
  double lambda = 1.0;  // penalty mode's weight; searches start from an automatic one unless given
  bool lambda_given = false;
  double eps_rel = joint::JointSettings{}.eps_rel;
  double smooth_l = joint::JointSettings{}.smooth_l;
  double smooth_r = joint::JointSettings{}.smooth_r;
  bool nonneg = joint::JointSettings{}.nonneg;
  int64_t max_iters = joint::JointSettings{}.max_iterations;
  double tol = joint::JointSettings{}.tol;
  double trust_radius = joint::JointSettings{}.trust_radius;
  double loss_tol = joint::JointSettings{}.loss_tol;
};

// classifier | activation | external: the task loss is measured (measured_stage.hpp), not an Objective.
bool is_measured_objective(const std::string& objective);

// Throws InputError naming the setting: a known objective, mode and activation, the objective's data
// given with it and only with it (rowsum's targets may come from elsewhere when `targets_at_hand`),
// non-negative weights and tolerances, max_iters in [1, 1e9], max_evals >= 2.
void validate_joint_settings(const JointStageSettings& settings, const SettingName& name_of,
                             bool targets_at_hand = false);
// Throws InputError unless 1 <= rank <= min(m, n) of the matrix `what` (m x n).
void require_joint_rank(const JointStageSettings& settings, const SettingName& name_of, int64_t m, int64_t n,
                        const std::string& what);

// `jointfact joint`'s options, bound to `settings`.
void bind_joint_cli(CLI::App& command, JointStageSettings& settings);
// The [joint] keys of the run configuration's schema.
std::vector<KeySpec> joint_config_keys();
// [joint] of a run configuration, validated ([svd] rank when rank is not given).
JointStageSettings joint_settings_from_config(const RunConfig& config, bool targets_at_hand);

// The library's settings (no progress callback, no journal).
joint::JointSettings joint_library_settings(const JointStageSettings& settings);

// Every file the settings name (the objective's data), for the output-is-not-an-input check.
std::vector<std::string> joint_input_files(const JointStageSettings& settings);

// The objective's data read from the files the settings name, on W's grid and block size: an Objective
// (rowsum | regression | gradient) or a measured TaskLoss with its samples (when given).
struct JointTask {
  std::unique_ptr<joint::Objective> objective;
  std::unique_ptr<joint::TaskLoss> loss;
  std::optional<DistMatrix> samples;
};
// `targets` stands in for settings.targets when that is empty (run's generated input); external losses
// keep their evaluation files in `evaluations_dir`.
JointTask read_joint_task(const JointStageSettings& settings, const DistMatrix& w,
                          const std::optional<DistMatrix>& targets, const std::string& evaluations_dir);
// Runs the stage on `w` for the task; `svd` (when given, with rank >= settings.rank) is the start.
joint::JointOutcome run_joint_task(const DistMatrix& w, const JointTask& task, const joint::JointSettings& settings,
                                   const svd::TruncatedSvd* svd = nullptr);

// /joint/L, /joint/R, /joint/history, ... and the attributes of /joint (joint_stage.hpp), plus `input`
// when not empty (run's /joint is copied from its checkpoint, which records no input).
void write_joint_result(OutputFile& out, const joint::JointOutcome& outcome, const joint::JointSettings& settings,
                        const std::string& input);
// The figures of a result for the run's report: losses, errors, lambda, iterations, history, rank curve.
nlohmann::json joint_result_facts(const joint::JointOutcome& outcome);
// The same figures read back from what write_joint_result wrote in `path`.
nlohmann::json read_joint_result_facts(MPI_Comm comm, const GridPtr& grid, const std::string& path);

}  // namespace jf::app
