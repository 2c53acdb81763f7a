#pragma once
// The run's report: the /run group of the output (config text, version, grid, block size, per-stage
// times) and a JSON summary beside the output for scripts and jobs/plot_report.py.
#include <nlohmann/json.hpp>
#include <string>

#include "jointfact/app/pipeline.hpp"
#include "jointfact/app/pipeline_stages.hpp"

namespace jf::app {

// "out.h5" -> "out.json"; other names get ".json" appended.
std::string summary_path_for(const std::string& output);

class RunReport {
 public:
  RunReport(const PipelineContext& context, const RunConfig& config, const std::string& output);

  void add_svd(const SvdStageResult& svd);
  void add_sparse(const SparseStageResult& sparse);
  void add(const std::string& stage, const nlohmann::json& facts) { json_[stage] = facts; }

  // The /run group (collective).
  void write(OutputFile& out) const;
  // The JSON file (rank 0).
  void write_json(const std::string& path) const;

 private:
  const PipelineContext& context_;
  std::string config_text_;
  nlohmann::json json_;
};

}  // namespace jf::app
