// The svd stage of `jointfact run`: resumes from a complete checkpoint, else computes and checkpoints.
#include <chrono>

#include "jointfact/app/pipeline_stages.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/dist/small_vector.hpp"
#include "jointfact/io/attribute_reader.hpp"
#include "jointfact/io/matrix_io.hpp"

namespace jf::app {
namespace {

svd::SvdOptions svd_options_from(const RunConfig& config) {
  svd::SvdOptions options;
  const std::string method = config.get_string("svd", "method").value_or("randomized");
  const std::optional<svd::Method> parsed = svd::parse_method(method);
  if (!parsed) throw InputError("[svd] method must be randomized, exact or pdgesvd");
  options.method = *parsed;
  options.rank = config.get_int("svd", "rank").value_or(0);
  options.tol = config.get_float("svd", "tol").value_or(0.0);
  if ((options.rank > 0) == (options.tol > 0)) throw InputError("[svd] needs exactly one of rank = K or tol = E");
  options.oversample = config.get_int("svd", "oversample").value_or(options.oversample);
  options.power_iters = config.get_int("svd", "power_iters").value_or(options.power_iters);
  options.residual_tol = config.get_float("svd", "residual_tol").value_or(0.0);
  options.seed = static_cast<uint64_t>(config.get_int("svd", "seed").value_or(1));
  return options;
}

svd::TruncatedSvd load_svd(PipelineContext& context, const std::string& path) {
  ReadOptions read;
  read.block = context.input.row_block();
  svd::TruncatedSvd result;
  result.u = read_matrix(context.grid, DatasetPath{path, "/svd/U"}, read);
  result.v = read_matrix(context.grid, DatasetPath{path, "/svd/V"}, read);
  result.s = replicate_small_vector(read_vector(context.grid, DatasetPath{path, "/svd/S"}, read));
  auto attribute = [&](const char* name) { return read_double_attribute(context.comm, path, "/svd", name).value_or(0); };
  // The basis width is not stored, only p = l - k; the report and /svd need it back.
  result.basis_columns = static_cast<int64_t>(result.s.size()) + static_cast<int64_t>(attribute("p"));
  result.quality = {attribute("residual"), attribute("orthogonality_u"), attribute("orthogonality_v"),
                    attribute("tail_energy")};
  return result;
}

}  // namespace

void write_svd_stage(OutputFile& out, const SvdStageResult& result) {
  const svd::TruncatedSvd& svd = result.svd;
  out.write_matrix("/svd/U", svd.u);
  out.write_replicated("/svd/S", svd.s, {static_cast<int64_t>(svd.s.size())});
  out.write_matrix("/svd/V", svd.v);
  if (!svd.residuals.empty()) out.write_replicated("/svd/residuals", svd.residuals, {static_cast<int64_t>(svd.s.size())});
  out.set_attribute("/svd", "method", std::string(svd::method_name(result.options.method)));
  out.set_attribute("/svd", "k", static_cast<int64_t>(svd.s.size()));
  const bool exact = result.options.method != svd::Method::Randomized;
  out.set_attribute("/svd", "p", exact ? int64_t{0} : svd.basis_columns - static_cast<int64_t>(svd.s.size()));
  out.set_attribute("/svd", "q", result.options.power_iters);
  out.set_attribute("/svd", "seed", static_cast<int64_t>(result.options.seed));
  out.set_attribute("/svd", "residual", svd.quality.residual);
  out.set_attribute("/svd", "orthogonality_u", svd.quality.orthogonality_u);
  out.set_attribute("/svd", "orthogonality_v", svd.quality.orthogonality_v);
  out.set_attribute("/svd", "tail_energy", svd.quality.tail_energy);
}

SvdStageResult run_svd_stage(PipelineContext& context) {
  SvdStageResult result;
  result.options = svd_options_from(*context.config);
  const std::string hash = stage_config_hash(*context.config, "svd");
  const auto stamp = context.store->find("svd", hash, context.input_fingerprint);
  if (stamp && stamp->complete) {
    result.svd = load_svd(context, context.store->path_of("svd"));
    log_progress(context.comm, "svd: resumed from checkpoint " + context.store->path_of("svd") + " (k = " +
                                   std::to_string(result.svd.s.size()) + ")");
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
