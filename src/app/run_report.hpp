#pragma once
// The run's report: the /run group of the output (config text, version, grid, block size, per-stage
// times, peak memory and MPI bytes sent per rank) and a JSON summary beside the output for scripts and
// jobs/plot_report.py.
#include <nlohmann/json.hpp>
#include <string>

#include "app/pipeline.hpp"
#include "app/pipeline_stages.hpp"

namespace jf::app {

// "out.h5" -> "out.json"; other names get ".json" appended.
std::string summary_path_for(const std::string& output);

// Takes this rank's resource reading (peak RSS so far, MPI bytes sent so far) at the end of `stage`:
// local and cheap, no communication. The first mark of a stage counts; later ones are ignored. The
// pipeline may mark every stage as it ends; RunReport marks the stages it is told about (svd in
// add_svd, joint in add, sparse in add_sparse) unless they are marked already, so without the
// pipeline's marks "svd" also covers reading the input.
void mark_stage_resources(const std::string& stage);

class RunReport {
 public:
  RunReport(const PipelineContext& context, const RunConfig& config, const std::string& output);

  void add_svd(const SvdStageResult& svd);
  void add_sparse(const SparseStageResult& sparse);
  void add(const std::string& stage, const nlohmann::json& facts);

  // The /run group (collective). Also reduces the resource readings over the ranks (max and mean) and
  // logs them in one line.
  void write(OutputFile& out) const;
  // The JSON file (rank 0).
  void write_json(const std::string& path) const;
  // "peak memory per rank 812.3 MiB max (790.1 mean), MPI sent per rank 40.2 MiB max (38.0 mean)", once
  // write() has run (empty before).
  std::string resource_summary() const;

 private:
  const PipelineContext& context_;
  std::string config_text_;
  nlohmann::json json_;
  mutable nlohmann::json resources_;  // filled by write()
};

}  // namespace jf::app
