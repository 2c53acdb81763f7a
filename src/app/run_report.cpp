#include "app/run_report.hpp"

#include <fstream>
#include <utility>
#include <vector>

#include "app/mpi_traffic.hpp"
#include "core/resource_usage.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/sparse/butterfly_tree.hpp"
#include "jointfact/version.hpp"

namespace jf::app {
namespace {

std::vector<std::pair<std::string, UsageSnapshot>>& stage_marks() {
  static std::vector<std::pair<std::string, UsageSnapshot>> marks;
  return marks;
}

nlohmann::json spread_json(MPI_Comm comm, double value) {
  const RankSpread spread = spread_over_ranks(comm, value);
  return {{"max", spread.max}, {"mean", spread.mean}};
}

std::string mib(double bytes) { return format_number("%.1f", bytes / (1024.0 * 1024.0)); }

}  // namespace

void mark_stage_resources(const std::string& stage) {
  auto& marks = stage_marks();
  for (const auto& mark : marks) {
    if (mark.first == stage) return;
  }
  marks.emplace_back(stage, usage_now());
}

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
  json_["block"] = context.block;
  const auto& streamed = context.streamed_input;  // out of core: A was never read into memory
  json_["input"] = {{"description", context.input_description},
                    {"rows", streamed ? streamed->shape[0] : context.input.rows()},
                    {"cols", streamed ? streamed->shape[1] : context.input.cols()},
                    {"fingerprint", context.input_fingerprint}};
  json_["config"] = config_text_;
}

void RunReport::add(const std::string& stage, const nlohmann::json& facts) {
  mark_stage_resources(stage);
  json_[stage] = facts;
}

void RunReport::add_svd(const SvdStageResult& result) {
  mark_stage_resources("svd");
  json_["svd"] = {{"k", result.svd.s.size()},
                  {"method", svd::method_name(result.options.method)},
                  {"singular_values", result.svd.s},
                  {"residual", result.svd.quality.residual},
                  {"orthogonality_u", result.svd.quality.orthogonality_u},
                  {"orthogonality_v", result.svd.quality.orthogonality_v},
                  {"tail_energy", result.svd.quality.tail_energy}};
}

void RunReport::add_sparse(const SparseStageResult& result) {
  mark_stage_resources("sparse");
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

  // Resources: peak RSS through the end of each stage (VmHWM only grows) and the MPI bytes sent during
  // it, reduced over the ranks; the totals are read now. Every rank marked the same stages.
  MPI_Comm comm = context_.comm;
  const UsageSnapshot now = usage_now();
  resources_ = {{"ranks", comm_size(comm)},
                {"peak_rss_bytes", spread_json(comm, static_cast<double>(now.peak_rss_bytes))},
                {"mpi_bytes_sent", spread_json(comm, static_cast<double>(now.bytes_sent))},
                {"stages", nlohmann::json::object()}};
  int64_t sent_before = 0;
  for (const auto& [stage, usage] : stage_marks()) {
    resources_["stages"][stage] = {
        {"peak_rss_bytes", spread_json(comm, static_cast<double>(usage.peak_rss_bytes))},
        {"mpi_bytes_sent", spread_json(comm, static_cast<double>(usage.bytes_sent - sent_before))}};
    sent_before = usage.bytes_sent;
  }
  auto set_spread = [&](const std::string& name, const nlohmann::json& spread) {
    out.set_attribute("/run", name + "_max", spread["max"].get<double>());
    out.set_attribute("/run", name + "_mean", spread["mean"].get<double>());
  };
  set_spread("peak_rss_bytes", resources_["peak_rss_bytes"]);
  set_spread("mpi_bytes_sent", resources_["mpi_bytes_sent"]);
  for (const auto& [stage, facts] : resources_["stages"].items()) {
    set_spread("peak_rss_bytes_" + stage, facts["peak_rss_bytes"]);
    set_spread("mpi_bytes_sent_" + stage, facts["mpi_bytes_sent"]);
  }
  log_progress(comm, "run: " + resource_summary());
}

std::string RunReport::resource_summary() const {
  if (resources_.is_null()) return "";
  const auto& rss = resources_["peak_rss_bytes"];
  const auto& sent = resources_["mpi_bytes_sent"];
  return "peak memory per rank " + mib(rss["max"].get<double>()) + " MiB max (" + mib(rss["mean"].get<double>()) +
         " mean), MPI sent per rank " + mib(sent["max"].get<double>()) + " MiB max (" +
         mib(sent["mean"].get<double>()) + " mean)";
}

void RunReport::write_json(const std::string& path) const {
  bool ok = true;
  if (comm_rank(context_.comm) == 0) {
    nlohmann::json document = json_;
    document["seconds"] = context_.stage_seconds;
    if (!resources_.is_null()) document["resources"] = resources_;
    const std::string partial = path + ".partial";
    std::ofstream file(partial);
    file << document.dump(2) << "\n";
    file.close();
    ok = file.good() && std::rename(partial.c_str(), path.c_str()) == 0;
  }
  agree_or_throw(context_.comm, ok, "cannot write the summary '" + path + "'", kExitFailure);
}

}  // namespace jf::app
