// The sparse stage of `jointfact run`: butterfly or FSMF factorization of the input matrix.
#include "app/pipeline_stages.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/sparse/butterfly_output.hpp"
#include "jointfact/sparse/butterfly_tree.hpp"
#include "jointfact/sparse/distributed_butterfly.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"
#include "jointfact/sparse/fsmf_output.hpp"
#include "jointfact/sparse/support_io.hpp"

namespace jf::app {
namespace {

sparse::SparseProgress progress_for(const PipelineContext& context, const std::string& what) {
  auto meter = std::make_shared<ProgressMeter>(context.comm, what);
  sparse::SparseProgress progress;
  progress.message = [comm = context.comm, what](const std::string& text) { log_progress(comm, what + ": " + text); };
  progress.step = [meter](long done, long, const std::string& detail) { meter->update(done, detail); };
  return progress;
}

sparse::ButterflyTree tree_from(const RunConfig& config) {
  const std::string tree = config.get_string("sparse", "tree").value_or("balanced");
  if (tree != "balanced" && tree != "left-to-right")
    throw InputError("[sparse] tree must be balanced or left-to-right");
  return sparse::parse_butterfly_tree(tree);
}

}  // namespace

SparseStageResult run_sparse_stage(PipelineContext& context) {
  const RunConfig& config = *context.config;
  SparseStageResult result;
  result.kind = config.get_string("sparse", "kind").value_or("none");
  if (result.kind == "none") return result;
  log_progress(context.comm, "sparse: start (" + result.kind + ")");
  if (result.kind == "butterfly") {
    sparse::require_butterfly_shape(context.input.rows(), context.input.cols(), context.input_description);
    result.butterfly = sparse::butterfly_factorize_distributed(context.input, tree_from(config),
                                                               progress_for(context, "sparse: butterfly round"));
    log_progress(context.comm, "sparse: butterfly rel_error " + std::to_string(result.butterfly->rel_error));
  } else if (result.kind == "fsmf") {
    const auto x_path = config.get_string("sparse", "support_x"), y_path = config.get_string("sparse", "support_y");
    if (!x_path || !y_path) throw InputError("[sparse] kind = \"fsmf\" needs support_x and support_y (FILE:DSET)");
    const DatasetInfo x_info = inspect_dataset(context.comm, DatasetPath::parse(*x_path), 2);
    const DatasetInfo y_info = inspect_dataset(context.comm, DatasetPath::parse(*y_path), 2);
    sparse::require_support_shapes(context.input.rows(), context.input.cols(), x_info, y_info, "sparse.support_x",
                                   "sparse.support_y");
    sparse::FsmfOptions options;
    options.refine_iters = static_cast<int>(config.get_int("sparse", "refine_iters").value_or(options.refine_iters));
    result.fsmf = sparse::fsmf_factorize_distributed(context.input,
                                                     sparse::read_support(context.grid, x_info, "sparse.support_x"),
                                                     sparse::read_support(context.grid, y_info, "sparse.support_y"),
                                                     options, progress_for(context, "sparse: fsmf sweep"));
    log_progress(context.comm, "sparse: fsmf rel_error " + std::to_string(result.fsmf->rel_error));
  } else {
    throw InputError("[sparse] kind must be none, butterfly or fsmf, not \"" + result.kind + "\"");
  }
  return result;
}

void write_sparse_stage(OutputFile& out, const PipelineContext& context, const SparseStageResult& result) {
  if (result.butterfly) sparse::write_butterfly(out, *result.butterfly);
  if (result.fsmf) sparse::write_fsmf(out, context.grid, *result.fsmf, context.input.row_block());
}

}  // namespace jf::app
