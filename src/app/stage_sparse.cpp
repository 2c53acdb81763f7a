// The sparse stage of `jointfact run`: butterfly or FSMF factorization of the input matrix.
#include "app/pipeline_stages.hpp"
#include "app/sparse_stage_definition.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/sparse/distributed_butterfly.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"

namespace jf::app {

SparseStageResult run_sparse_stage(PipelineContext& context) {
  const SparseStageSettings settings = sparse_settings_from_config(*context.config);
  SparseStageResult result;
  result.kind = settings.kind;
  if (result.kind == "none") return result;
  log_progress(context.comm, "sparse: start (" + result.kind + ")");
  // The library's lines ("butterfly: round ...", "fsmf: ...") under the stage's name.
  const ProgressFn progress = [comm = context.comm](const std::string& line) { log_progress(comm, "sparse: " + line); };
  if (result.kind == "butterfly") {
    sparse::require_butterfly_shape(context.input.rows(), context.input.cols(), context.input_description);
    result.butterfly =
        sparse::butterfly_factorize_distributed(context.input, butterfly_library_tree(settings.butterfly), progress);
    log_progress(context.comm, "sparse: butterfly rel_error " + std::to_string(result.butterfly->rel_error));
  } else {
    const SettingName name_of = toml_setting_names("sparse");
    const FsmfSupportFiles files =
        inspect_fsmf_supports(context.comm, settings.fsmf, context.input.rows(), context.input.cols(), name_of);
    const FsmfSupports supports = read_fsmf_supports(context.input, files, name_of);
    result.fsmf = sparse::fsmf_factorize_distributed(context.input, supports.x, supports.y,
                                                     fsmf_library_options(settings.fsmf), progress);
    log_progress(context.comm, "sparse: fsmf rel_error " + std::to_string(result.fsmf->rel_error));
  }
  return result;
}

void write_sparse_stage(OutputFile& out, const PipelineContext& context, const SparseStageResult& result) {
  if (result.butterfly) write_butterfly_result(out, *result.butterfly, "");
  if (result.fsmf) write_fsmf_result(out, *result.fsmf, "");
}

}  // namespace jf::app
