// The joint stage of `jointfact run`: loss-aware factorization of the input for the configured task.
#include <memory>
#include <optional>

#include "app/joint_checkpoint.hpp"
#include "app/joint_stage_definition.hpp"
#include "app/pipeline_stages.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"

namespace jf::app {

JointStageResult run_joint_stage(PipelineContext& context, const SvdStageResult& svd) {
  JointStageResult result;
  const RunConfig& config = *context.config;
  if (!config.has_section("joint")) return result;
  result.ran = true;
  result.checkpoint_path = context.store->path_of("joint");
  const JointStageSettings stage = joint_settings_from_config(config, context.generated_targets.has_value());
  require_joint_rank(stage, toml_setting_names("joint"), context.input.rows(), context.input.cols(),
                     context.input_description);
  joint::JointSettings settings = joint_library_settings(stage);
  settings.progress = [comm = context.comm](const std::string& line) { log_progress(comm, line); };
  const std::string hash = stage_config_hash(config, "joint");
  const auto stamp = context.store->find("joint", hash, context.joint_fingerprint);
  if (stamp && stamp->complete) {
    result.facts = read_joint_result_facts(context.comm, context.grid, result.checkpoint_path);
    log_progress(context.comm, "joint: resumed from checkpoint " + result.checkpoint_path);
    return result;
  }
  // Measured losses: a rerun reuses the evaluations kept in the checkpoint directory.
  const JointTask task = read_joint_task(stage, context.input, context.generated_targets,
                                         context.store->directory() + "/joint-evaluations");
  // An unfinished checkpoint (periodic, or written on a signal) holds the journal to continue from; measured
  // losses resume from their evaluation files instead.
  std::optional<joint::SolveJournal> journal;
  if (!task.loss) {
    if (stamp) {
      journal.emplace(read_joint_snapshot(context, result.checkpoint_path));
    } else {
      journal.emplace();
    }
    journal->set_safe_point(joint_safe_point(context, hash));
    settings.journal = &*journal;
    if (stamp) {
      log_progress(context.comm, "joint: resuming from checkpoint " + result.checkpoint_path + " at iteration " +
                                     std::to_string(stamp->iteration));
    }
    log_progress(context.comm,
                 "joint: start (" + joint::mode_name(settings.mode) + ", rank " + std::to_string(settings.rank) + ")");
  }
  // Start from the svd stage's factors when they have enough rank (no second SVD of the input).
  const bool reuse_svd = !task.loss && settings.rank <= static_cast<int64_t>(svd.svd.s.size());
  const joint::JointOutcome outcome = run_joint_task(context.input, task, settings, reuse_svd ? &svd.svd : nullptr);
  result.facts = joint_result_facts(outcome);
  auto checkpoint = context.store->begin({"joint", hash, context.joint_fingerprint, outcome.iterations, true});
  write_joint_result(*checkpoint, outcome, settings, "");
  checkpoint->commit();
  return result;
}

}  // namespace jf::app
