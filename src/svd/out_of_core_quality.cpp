// The quality figures of an out-of-core result. The per-triplet residuals need A V, which no earlier pass
// can give (V comes from the last pass's A^T Q), so they cost one more pass over the file.
#include <cmath>

#include "jointfact/distributed/pblas.hpp"
#include "jointfact/svd/out_of_core_svd.hpp"
#include "svd/out_of_core_stream.hpp"
#include "svd/rank_selection.hpp"
#include "svd/thin_basis.hpp"

namespace jf::svd {

void measure_streamed_quality(PanelStream* stream, TruncatedSvd& result, double frobenius_sq,
                              const RoundDoneFn& on_round) {
  const int64_t k = static_cast<int64_t>(result.s.size());
  const double norm_a = std::sqrt(frobenius_sq);
  result.quality.orthogonality_u = orthogonality_defect(result.u);
  result.quality.orthogonality_v = orthogonality_defect(result.v);
  result.quality.tail_energy = tail_energy_estimate(result.s, k, norm_a);
  if (!stream) {
    result.quality.residual = -1;
    result.residuals.assign(static_cast<size_t>(k), -1.0);
    return;
  }
  const GridPtr& grid = result.v.grid_ptr();
  DistMatrix v = out_of_core_thin_matrix(grid, result.v.rows(), k, result.v.row_block());
  redistribute(result.v, v);
  // residual := A V - U diag(s), column i is triplet i's residual (as svd_quality.cpp forms it in core).
  DistMatrix residual = result.u.like();
  stream->multiply(v, residual, on_round);
  const auto u_local = result.u.local();
  auto r_local = residual.local();
  for (int64_t j_lc = 0; j_lc < residual.local_cols(); ++j_lc) {
    r_local.col(j_lc) -= u_local.col(j_lc) * result.s[residual.col_map().local_to_global(j_lc)];
  }
  result.residuals = column_norms(residual);
  const double norm_estimate = result.s.empty() ? 0.0 : result.s[0];
  double sum_squares = 0;
  for (double& value : result.residuals) {
    sum_squares += value * value;
    value = norm_estimate > 0 ? value / norm_estimate : 0.0;
  }
  result.quality.residual = norm_a > 0 ? std::sqrt(sum_squares) / norm_a : 0.0;
}

}  // namespace jf::svd
