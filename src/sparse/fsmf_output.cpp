#include "sparse/fsmf_output.hpp"

namespace jf::sparse {

namespace {

DistMatrix distributed_copy(const GridPtr& grid, const Eigen::MatrixXd& replicated, int64_t block) {
  DistMatrix copy(grid, replicated.rows(), replicated.cols(), block, block);
  copy.for_each_local([&](int64_t i_gl, int64_t j_gl, double& value) { value = replicated(i_gl, j_gl); });
  return copy;
}

}  // namespace

void write_fsmf(OutputFile& out, const GridPtr& grid, const FsmfResult& result, int64_t block) {
  out.write_matrix("/fsmf/X", distributed_copy(grid, result.x, block));
  out.write_matrix("/fsmf/Y", distributed_copy(grid, result.y, block));
  // OutputFile::write_replicated fails on an empty vector, so no refinement means no history.
  if (!result.refine_history.empty())
    out.write_replicated("/fsmf/history", result.refine_history, {static_cast<int64_t>(result.refine_history.size())});
  out.set_attribute("/fsmf", "rel_error", result.rel_error);
  out.set_attribute("/fsmf", "greedy_rel_error", result.greedy_rel_error);
  out.set_attribute("/fsmf", "optimal", result.optimal);
}

}  // namespace jf::sparse
