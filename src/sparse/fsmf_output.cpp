#include "sparse/fsmf_output.hpp"

namespace jf::sparse {

void write_fsmf(OutputFile& out, const DistributedFsmfResult& result) {
  out.write_matrix("/fsmf/X", result.x);
  out.write_matrix("/fsmf/Y", result.y);
  // OutputFile::write_replicated fails on an empty vector, so no refinement means no history.
  if (!result.refine_history.empty())
    out.write_replicated("/fsmf/history", result.refine_history, {static_cast<int64_t>(result.refine_history.size())});
  out.set_attribute("/fsmf", "rel_error", result.rel_error);
  out.set_attribute("/fsmf", "greedy_rel_error", result.greedy_rel_error);
  out.set_attribute("/fsmf", "optimal", result.optimal);
}

}  // namespace jf::sparse
