#pragma once
// The stage adapters of `jointfact run`. Each one resumes from its checkpoint when a complete one
// exists, otherwise computes, checkpoints, and leaves its result for the final output.
#include <nlohmann/json.hpp>
#include <optional>

#include "app/pipeline.hpp"
#include "app/svd_out_of_core.hpp"
#include "app/svd_stage_definition.hpp"
#include "jointfact/sparse/butterfly_factorize.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"
#include "jointfact/sparse/fsmf.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::app {

// Reads [input] path or generates [input] generate = "...". Fills context.input and the fingerprint.
void load_pipeline_input(PipelineContext& context);

struct SvdStageResult {
  svd::TruncatedSvd svd;
  SvdStageSettings settings;
  svd::SvdOptions options;  // the library's options for settings
  std::string input;        // the run's input, as /svd records it
  OutOfCoreReport out_of_core;
};
// Decides (settings, memory) whether the svd stage streams the input file `path` instead of reading it;
// when it does, fills context.streamed_input, the description and a fingerprint of the file.
bool svd_stage_streams_input(PipelineContext& context, const std::string& path);
SvdStageResult run_svd_stage(PipelineContext& context);
void write_svd_stage(OutputFile& out, const SvdStageResult& result);

// The joint stage ([joint] table present): its finished result is checkpointed with the output's /joint
// layout, and the final output copies that group, so a resumed run needs no recomputation.
struct JointStageResult {
  bool ran = false;
  std::string checkpoint_path;
  nlohmann::json facts;  // losses, errors, lambda, history: for the report
};
JointStageResult run_joint_stage(PipelineContext& context, const SvdStageResult& svd);

// The sparse stage factors the input matrix ([sparse] kind = "butterfly" or "fsmf"; "none" skips it).
// It is the last stage: on resume it is recomputed (its inputs, the matrix and supports, are at hand).
struct SparseStageResult {
  std::string kind = "none";
  std::optional<sparse::ButterflyFactorization> butterfly;
  std::optional<sparse::DistributedFsmfResult> fsmf;
};
SparseStageResult run_sparse_stage(PipelineContext& context);
void write_sparse_stage(OutputFile& out, const PipelineContext& context, const SparseStageResult& result);

}  // namespace jf::app
