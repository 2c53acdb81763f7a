// The input of `jointfact run`: a matrix file, or a generated problem ([input] generate = "...").
#include "app/pipeline_stages.hpp"
#include "distributed/fingerprint.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/io/matrix_io.hpp"
#include "jointfact/io/value_bounds.hpp"

namespace jf::app {

void load_pipeline_input(PipelineContext& context) {
  const RunConfig& config = *context.config;
  const auto path = config.get_string("input", "path");
  const auto generate = config.get_string("input", "generate");
  if (path.has_value() == generate.has_value()) {
    throw InputError(
        "[input] needs exactly one of path = \"FILE[:DSET]\" or generate = \"lowrank|hadamard|butterfly\"");
  }
  if (path && svd_stage_streams_input(context, *path)) return;  // out of core: A stays in its file
  if (path) {
    ReadOptions options;
    options.block = context.block;
    context.input = read_matrix(context.grid, DatasetPath::parse(*path), options);
    context.input_description = *path;
  } else {
    const auto shape = config.get_int_list("input", "shape").value_or(std::vector<int64_t>{512, 512});
    if (shape.size() != 2 || shape[0] < 1 || shape[1] < 1)
      throw InputError("[input] shape must be [M, N] with M, N >= 1");
    const uint64_t seed = static_cast<uint64_t>(config.get_int("input", "seed").value_or(1));
    const int64_t block = context.block;
    require_input_fits(context.comm, *context.grid, shape, block);
    if (*generate == "lowrank") {
      const int64_t rank = config.get_int("input", "rank").value_or(10);
      if (rank < 1 || rank > std::min(shape[0], shape[1]))
        throw InputError("[input] rank must be between 1 and min(M, N)");
      LowRankProblem problem = make_lowrank(context.grid, shape[0], shape[1], rank,
                                            config.get_float("input", "noise").value_or(0.5), seed, block);
      context.input = std::move(problem.w);
      context.generated_targets = std::move(problem.targets);
    } else if (*generate == "hadamard" || *generate == "butterfly") {
      int levels = 0;
      if (shape[0] != shape[1] || !is_power_of_two(shape[0], levels)) {
        throw InputError("[input] generate = \"" + *generate + "\" needs a square power-of-two shape");
      }
      context.input = *generate == "hadamard" ? make_hadamard(context.grid, shape[0], block)
                                              : make_butterfly_product(context.grid, shape[0], seed, block);
    } else {
      throw InputError("[input] generate must be lowrank, hadamard or butterfly, not \"" + *generate + "\"");
    }
    context.input_description =
        "generated " + *generate + " " + std::to_string(shape[0]) + "x" + std::to_string(shape[1]);
  }
  if (generate) require_finite_and_bounded(context.input, "the generated matrix");
  context.input_fingerprint = matrix_fingerprint(context.input);
  log_progress(context.comm, "input: " + context.input_description + " (" + std::to_string(context.input.rows()) +
                                 " x " + std::to_string(context.input.cols()) + ", fingerprint " +
                                 context.input_fingerprint + ")");
}

}  // namespace jf::app
