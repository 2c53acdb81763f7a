#include "sparse/butterfly_output.hpp"

#include <string>

namespace jf::sparse {

void write_butterfly(OutputFile& out, const ButterflyFactorization& result) {
  for (std::size_t i = 0; i < result.factors.size(); ++i) {
    const CsrMatrix& f = result.factors[i];
    const std::string group = "/butterfly/F" + std::to_string(i + 1);
    out.write_replicated(group + "/data", f.data, {f.nnz()});
    out.write_replicated(group + "/indices", f.indices);
    out.write_replicated(group + "/indptr", f.indptr);
    out.set_attribute(group, "shape", std::vector<int64_t>{f.rows, f.cols});
  }
  // OutputFile::write_replicated fails on an empty vector (N = 2 has no round).
  if (!result.round_errors.empty())
    out.write_replicated("/butterfly/round_errors", result.round_errors,
                         {static_cast<int64_t>(result.round_errors.size())});
  out.set_attribute("/butterfly", "rel_error", result.rel_error);
  out.set_attribute("/butterfly", "tree", butterfly_tree_name(result.tree));
  out.set_attribute("/butterfly", "factors", static_cast<int64_t>(result.factors.size()));
}

}  // namespace jf::sparse
