// The svd stage of `jointfact run`: resumes from a complete checkpoint, else computes and checkpoints.
#include <chrono>

#include "app/pipeline_stages.hpp"
#include "app/svd_stage_definition.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"

namespace jf::app {

void write_svd_stage(OutputFile& out, const SvdStageResult& result) {
  write_svd_result(out, result.svd, result.settings, result.input);
}

SvdStageResult run_svd_stage(PipelineContext& context) {
  SvdStageResult result;
  result.settings = svd_settings_from_config(*context.config);
  result.options = svd_library_options(result.settings);
  result.input = context.input_description;
  const std::string hash = stage_config_hash(*context.config, "svd");
  const auto stamp = context.store->find("svd", hash, context.input_fingerprint);
  if (stamp && stamp->complete) {
    result.svd = read_svd_result(context.comm, context.grid, context.store->path_of("svd"), context.input.row_block());
    log_progress(context.comm, "svd: resumed from checkpoint " + context.store->path_of("svd") +
                                   " (k = " + std::to_string(result.svd.s.size()) + ")");
    return result;
  }
  log_progress(context.comm, "svd: start");
  result.svd = svd::truncated_svd(context.input, result.options);  // fills quality too
  auto checkpoint = context.store->begin({"svd", hash, context.input_fingerprint, 0, true});
  write_svd_stage(*checkpoint, result);
  checkpoint->commit();
  return result;
}

}  // namespace jf::app
