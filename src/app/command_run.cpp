// `jointfact run [CONFIG.toml] [--output OUT.h5] [--set section.key=value ...] [--no-resume] [--until STAGE]
//  [--print-config]`
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/command.hpp"
#include "app/pipeline.hpp"
#include "io/file_kind.hpp"
#include "io/mpiio_hints.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"

namespace jf::app {
namespace {

struct RunOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  bool no_resume = false;
  bool print_config = false;
  PipelineOptions pipeline;
};

// Rank 0 reads the file; every rank parses the same text, so every rank reaches the same verdict.
std::string read_config_text(MPI_Comm comm, const std::string& path) {
  std::string text, error;
  if (comm_rank(comm) == 0) {
    std::ifstream file;
    error = unreadable_reason(path);  // a directory reads as an empty config, a FIFO blocks
    if (error.empty()) file.open(path);
    if (!error.empty() || !file) {
      error = "cannot read config '" + path + "': " + (error.empty() ? "cannot open it" : error);
    } else {
      std::ostringstream buffer;
      buffer << file.rdbuf();
      text = buffer.str();
    }
  }
  agree_or_throw(comm, comm_rank(comm) != 0 || error.empty(), error);
  return broadcast_string(comm, text);
}

int run_run(MPI_Comm comm, RunOptions& options) {
  RunConfig config = options.config_path.empty()
                         ? RunConfig::demo()
                         : RunConfig::parse(read_config_text(comm, options.config_path), options.config_path);
  for (const auto& assignment : options.overrides) config.apply_override(assignment);
  if (const auto hints = config.get_string("io", "mpiio_hints")) set_mpiio_hints(*hints);
  if (options.print_config) {
    // The configuration the run would use, as a CONFIG.toml to edit: the demo's or the file's, --set applied.
    if (comm_rank(comm) == 0) std::cout << config.to_toml() << std::flush;
    return 0;
  }
  options.pipeline.resume = !options.no_resume;
  options.pipeline.config_path = options.config_path;
  return run_pipeline(comm, config, options.pipeline);
}

}  // namespace

RegisteredCommand register_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand(
      "run",
      "run the pipeline input -> svd -> joint -> sparse from a TOML config (no CONFIG: the built-in demo); "
      "checkpointed, and rerunning the same command resumes");
  command->add_option("config", options->config_path, "CONFIG.toml: tables [input] [svd] [joint] [sparse] [output]");
  command->add_option("--output", options->pipeline.output, "OUT.h5 (overrides [output] path)");
  command->add_option("--set", options->overrides, "override one key: section.key=value (repeatable)")
      ->allow_extra_args(false);
  command->add_flag("--no-resume", options->no_resume, "discard existing checkpoints and start over");
  command->add_flag("--print-config", options->print_config,
                    "print the configuration (CONFIG or the demo, --set applied) as TOML and exit without running");
  command->add_option("--until", options->pipeline.until, "stop after this stage: svd | joint | sparse (job chains)");
  add_common_options(*command, options->pipeline.common);
  command->footer(
      "Examples:"
      "\n  mpirun -np 4 jointfact run pipeline.toml --output out.h5"
      "\n  mpirun -np 4 jointfact run pipeline.toml --set svd.rank=30 --until svd");
  return {command, [options](MPI_Comm comm) { return run_run(comm, *options); }};
}

}  // namespace jf::app
