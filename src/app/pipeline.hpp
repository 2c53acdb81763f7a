#pragma once
// `jointfact run`: input -> svd -> joint -> sparse as configured, each stage checkpointed, resumed by
// default, results written atomically to one output file plus a JSON summary beside it.
#include <mpi.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/common_options.hpp"
#include "app/run_config.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/io/checkpoint_store.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/io/output_file.hpp"

namespace jf::app {

struct PipelineOptions {
  std::string output;       // overrides [output] path
  bool resume = true;       // --no-resume clears the checkpoints first
  std::string until;        // "" = all configured stages; else stop after "svd" | "joint" | "sparse"
  std::string config_path;  // CONFIG.toml ("" for the demo): protected from being written
  CommonOptions common;
};

// What every stage adapter gets: the grid, the input and its fingerprint, the checkpoint store.
struct PipelineContext {
  MPI_Comm comm;
  GridPtr grid;
  int64_t block = DistMatrix::kDefaultBlock;  // --block: block size of the input and everything derived from it
  const RunConfig* config;
  std::unique_ptr<CheckpointStore> store;
  DistMatrix input;
  std::string input_description;  // "W.h5:/W" or "generated lowrank 512x512"
  std::string input_fingerprint;
  std::string joint_fingerprint;                // the matrix's and that of every file the joint stage reads
  std::optional<DistMatrix> generated_targets;  // /targets of a generated lowrank input
  bool input_needed_after_svd = true;           // a joint or sparse stage runs: A must be in memory
  std::optional<DatasetInfo> streamed_input;    // set when the svd stage streams A (input stays empty)
  double checkpoint_every_s = 60;
  std::map<std::string, double> stage_seconds;
};

// Runs the pipeline; returns the exit code (Interrupted propagates as exit 75 through the CLI).
int run_pipeline(MPI_Comm comm, const RunConfig& config, const PipelineOptions& options);

// The hash of a stage's configuration: its own table plus every upstream table that changes its input.
std::string stage_config_hash(const RunConfig& config, const std::string& stage);

}  // namespace jf::app
