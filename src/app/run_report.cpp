#include "jointfact/app/run_report.hpp"

#include <fstream>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/sparse/butterfly_tree.hpp"
#include "jointfact/version.hpp"

namespace jf::app {

std::string summary_path_for(const std::string& output) {
  const std::string suffix = ".h5";
  if (output.size() > suffix.size() && output.compare(output.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return output.substr(0, output.size() - suffix.size()) + ".json";
  }
  return output + ".json";
}

RunReport::RunReport(const PipelineContext& context, const RunConfig& config, const std::string& output)
    : context_(context), config_text_(config.to_toml()) {
  json_["version"] = kVersion;
  json_["output"] = output;
  json_["ranks"] = context.grid->size();
  json_["grid"] = context.grid->describe();
  json_["block"] = context.input.row_block();
  json_["input"] = {{"description", context.input_description},
                    {"rows", context.input.rows()},
                    {"cols", context.input.cols()},
                    {"fingerprint", context.input_fingerprint}};
  json_["config"] = config_text_;
}

void RunReport::add_svd(const SvdStageResult& result) {
  json_["svd"] = {{"k", result.svd.s.size()},
                  {"method", result.options.method == svd::Method::Exact ? "exact" : "randomized"},
                  {"singular_values", result.svd.s},
                  {"residual", result.svd.quality.residual},
                  {"orthogonality_u", result.svd.quality.orthogonality_u},
                  {"orthogonality_v", result.svd.quality.orthogonality_v},
                  {"tail_energy", result.svd.quality.tail_energy}};
}

void RunReport::add_sparse(const SparseStageResult& result) {
  if (result.butterfly) {
    json_["butterfly"] = {{"rel_error", result.butterfly->rel_error},
                          {"tree", sparse::butterfly_tree_name(result.butterfly->tree)},
                          {"level_errors", result.butterfly->round_errors}};
  }
  if (result.fsmf) {
    json_["fsmf"] = {{"rel_error", result.fsmf->rel_error},
                     {"greedy_rel_error", result.fsmf->greedy_rel_error},
                     {"optimal", result.fsmf->optimal},
                     {"history", result.fsmf->refine_history}};
  }
}

void RunReport::write(OutputFile& out) const {
  out.set_attribute("/run", "version", std::string(kVersion));
  out.set_attribute("/run", "config", config_text_);
  out.set_attribute("/run", "grid", context_.grid->describe());
  out.set_attribute("/run", "ranks", static_cast<int64_t>(context_.grid->size()));
  out.set_attribute("/run", "block", context_.input.row_block());
  out.set_attribute("/run", "input", context_.input_description);
  out.set_attribute("/run", "input_fingerprint", context_.input_fingerprint);
  for (const auto& [stage, seconds] : context_.stage_seconds) out.set_attribute("/run", "seconds_" + stage, seconds);
}

void RunReport::write_json(const std::string& path) const {
  bool ok = true;
  if (comm_rank(context_.comm) == 0) {
    nlohmann::json document = json_;
    document["seconds"] = context_.stage_seconds;
    const std::string partial = path + ".partial";
    std::ofstream file(partial);
    file << document.dump(2) << "\n";
    file.close();
    ok = file.good() && std::rename(partial.c_str(), path.c_str()) == 0;
  }
  agree_or_throw(context_.comm, ok, "cannot write the summary '" + path + "'", kExitFailure);
}

}  // namespace jf::app
