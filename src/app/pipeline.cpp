#include "app/pipeline.hpp"

#include <chrono>
#include <fstream>

#include "app/pipeline_stages.hpp"
#include "app/run_inputs.hpp"
#include "app/run_report.hpp"
#include "core/hash.hpp"
#include "distributed/fingerprint.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/core/stop_signal.hpp"
#include "jointfact/io/dataset_path.hpp"

namespace jf::app {
namespace {

const std::vector<std::string> kStageOrder = {"svd", "joint", "sparse"};

std::string resolve_output(const RunConfig& config, const PipelineOptions& options) {
  if (!options.output.empty()) return options.output;
  if (auto path = config.get_string("output", "path")) return *path;
  throw InputError("no output file: give --output OUT.h5 or [output] path = \"OUT.h5\"");
}

// Stops at a safe point between stages when a signal arrived: the stage's checkpoint is on disk.
void stop_if_signalled(const PipelineContext& context, const std::string& after_stage) {
  if (!stop_requested(context.comm)) return;
  throw Interrupted("stopped by a signal after the " + after_stage + " stage; checkpoints are in '" +
                    context.store->directory() + "'; rerun the same command to resume");
}

bool stage_wanted(const PipelineOptions& options, const std::string& stage) {
  if (options.until.empty()) return true;
  const auto until = std::find(kStageOrder.begin(), kStageOrder.end(), options.until);
  const auto here = std::find(kStageOrder.begin(), kStageOrder.end(), stage);
  return here <= until;
}

// Times a stage and records it for the report.
template <class F>
auto timed_stage(PipelineContext& context, const std::string& stage, F&& body) {
  const auto start = std::chrono::steady_clock::now();
  auto result = body();
  const double seconds = seconds_since(start);
  context.stage_seconds[stage] = seconds;
  log_progress(context.comm, stage + ": done in " + format_duration(seconds));
  return result;
}

}  // namespace

std::string stage_config_hash(const RunConfig& config, const std::string& stage) {
  std::vector<std::string> sections = {"input"};
  if (stage == "svd") sections.push_back("svd");
  if (stage == "joint") sections.insert(sections.end(), {"svd", "joint"});
  if (stage == "sparse") sections.push_back("sparse");
  return to_hex(fnv1a64(stage + "\n" + config.canonical(sections)));
}

namespace {

// The stages, once the checkpoint store exists (run_pipeline removes its directory where they fail before
// writing anything there).
int run_stages(PipelineContext& context, const RunConfig& config, const PipelineOptions& options,
               const std::string& output, const std::string& checkpoint_dir) {
  MPI_Comm comm = context.comm;
  if (!options.resume) context.store->clear();
  context.checkpoint_every_s = config.get_float("output", "checkpoint_every_s").value_or(60.0);
  if (!(context.checkpoint_every_s >= 0))
    throw InputError("[output] checkpoint_every_s must be >= 0 (0: at every safe point)");

  log_progress(comm, "run: " + std::to_string(context.grid->size()) + " ranks, grid " + context.grid->describe() +
                         ", block " + std::to_string(options.common.block) + ", checkpoints in " + checkpoint_dir);
  context.input_needed_after_svd =
      (stage_wanted(options, "joint") && config.has_section("joint")) ||
      (stage_wanted(options, "sparse") && config.get_string("sparse", "kind").value_or("none") != "none");
  timed_stage(context, "input", [&] {
    load_pipeline_input(context);
    return 0;
  });

  context.joint_fingerprint =
      context.input_fingerprint + "+" + files_fingerprint(comm, files_read_by_section(config, "joint"));
  const SvdStageResult svd = timed_stage(context, "svd", [&] { return run_svd_stage(context); });
  stop_if_signalled(context, "svd");

  RunReport report(context, config, output);
  report.add_svd(svd);

  JointStageResult joint;
  if (stage_wanted(options, "joint")) {
    joint = timed_stage(context, "joint", [&] { return run_joint_stage(context, svd); });
    if (joint.ran) report.add("joint", joint.facts);
    stop_if_signalled(context, "joint");
  }

  SparseStageResult sparse;
  if (stage_wanted(options, "sparse")) {
    sparse = timed_stage(context, "sparse", [&] { return run_sparse_stage(context); });
    report.add_sparse(sparse);
    stop_if_signalled(context, "sparse");
  }

  OutputFile out(comm, output);
  write_svd_stage(out, svd);
  if (joint.ran) out.copy_group_from(joint.checkpoint_path, "/joint");
  write_sparse_stage(out, context, sparse);
  report.write(out);
  out.commit();
  report.write_json(summary_path_for(output));
  log_progress(comm, "run: wrote " + output + " and " + summary_path_for(output));
  return kExitOk;
}

}  // namespace

int run_pipeline(MPI_Comm comm, const RunConfig& config, const PipelineOptions& options) {
  if (!options.until.empty() && std::find(kStageOrder.begin(), kStageOrder.end(), options.until) == kStageOrder.end()) {
    throw InputError("--until must be svd, joint or sparse, not '" + options.until + "'");
  }
  PipelineContext context;
  context.comm = comm;
  context.config = &config;
  context.grid = make_grid_from(comm, options.common);
  context.block = options.common.block;
  const std::string output = resolve_output(config, options);
  const std::vector<std::string> inputs = files_read_by(config, options.config_path);
  require_writable_output(comm, output, inputs);
  std::string checkpoint_dir = options.common.checkpoint_dir;
  if (checkpoint_dir.empty()) checkpoint_dir = config.get_string("output", "checkpoint_dir").value_or(output + ".ckpt");
  require_checkpoint_directory_apart(comm, checkpoint_dir, output, inputs);
  context.store = std::make_unique<CheckpointStore>(comm, checkpoint_dir);
  try {
    return run_stages(context, config, options, output, checkpoint_dir);
  } catch (...) {
    context.store->remove_if_unused();  // refused before any checkpoint: no empty directory left behind
    throw;
  }
}

}  // namespace jf::app
