// The svd stage of `jointfact run`: resumes from a complete checkpoint, else computes (in core, or out of
// core streaming the input file) and checkpoints.
#include <chrono>

#include "app/pipeline_stages.hpp"
#include "app/svd_out_of_core.hpp"
#include "app/svd_stage_definition.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "svd/out_of_core_checkpoint.hpp"

namespace jf::app {

void write_svd_stage(OutputFile& out, const SvdStageResult& result) {
  write_svd_result(out, result.svd, result.settings, result.input);
  write_out_of_core_report(out, result.out_of_core);
}

bool svd_stage_streams_input(PipelineContext& context, const std::string& path) {
  const SvdStageSettings settings = svd_settings_from_config(*context.config);
  // Streaming serves the svd stage only: the joint and sparse stages need A in memory.
  if (context.input_needed_after_svd) {
    if (!settings.out_of_core) return false;
    throw InputError(
        "[svd] out_of_core = true streams the input for the svd stage only, but the joint or sparse stage needs "
        "it in memory: run with --until svd, or leave out_of_core out (it is chosen when the input does not fit)");
  }
  const DatasetInfo info = inspect_dataset(context.comm, DatasetPath::parse(path), 2);
  if (!choose_out_of_core(context.comm, *context.grid, context.block, settings, info)) return false;
  context.streamed_input = info;
  context.input_description = path;
  // Hashing the file would cost a pass: its shape, type, size and modification time stand for it.
  context.input_fingerprint = "file " + svd::out_of_core_input_identity(context.comm, info);
  log_progress(context.comm, "input: " + path + " (" + std::to_string(info.shape[0]) + " x " +
                                 std::to_string(info.shape[1]) + ") stays in its file: the svd stage streams it");
  return true;
}

SvdStageResult run_svd_stage(PipelineContext& context) {
  SvdStageResult result;
  result.settings = svd_settings_from_config(*context.config);
  result.options = svd_library_options(result.settings);
  result.input = context.input_description;
  const std::string hash = stage_config_hash(*context.config, "svd");
  const auto stamp = context.store->find("svd", hash, context.input_fingerprint);
  if (stamp && stamp->complete) {
    result.svd = read_svd_result(context.comm, context.grid, context.store->path_of("svd"), context.block);
    log_progress(context.comm, "svd: resumed from checkpoint " + context.store->path_of("svd") +
                                   " (k = " + std::to_string(result.svd.s.size()) + ")");
    return result;
  }
  log_progress(context.comm, "svd: start");
  if (context.streamed_input) {
    // The states between passes share the stage's checkpoint file and stamp (incomplete until the end).
    const svd::OutOfCoreCheckpoint checkpoint(context.comm, *context.store, hash, context.input_fingerprint);
    svd::SvdOptions options = result.options;
    options.progress = [comm = context.comm](const std::string& message) { log_progress(comm, "svd: " + message); };
    result.svd = factor_out_of_core(context.comm, context.grid, context.block, *context.streamed_input, result.settings,
                                    options, checkpoint, result.out_of_core);
  } else {
    const DistMatrix& a = context.input;
    // The same check as `jointfact svd` before its reading, here with A in memory already.
    require_input_fits(context.comm, *context.grid, {a.rows(), a.cols()}, context.block,
                       svd_stage_memory(*context.grid, a.rows(), a.cols(), context.block, result.settings));
    svd::SvdOptions options = result.options;
    options.progress = [comm = context.comm](const std::string& message) { log_progress(comm, "svd: " + message); };
    result.svd = svd::truncated_svd(a, options);  // fills quality too
  }
  auto checkpoint = context.store->begin({"svd", hash, context.input_fingerprint, 0, true});
  write_svd_stage(*checkpoint, result);
  checkpoint->commit();
  return result;
}

}  // namespace jf::app
