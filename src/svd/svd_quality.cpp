// LAPACK-style quality figures of a truncated SVD, computed on the distributed factors: one A V product
// (m x k) and two k x k Gram matrices; nothing m x n is formed.
#include <algorithm>
#include <cmath>

#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd/rank_selection.hpp"
#include "svd/thin_basis.hpp"

namespace jf::svd {
namespace {

// A V - U diag(s): column i is triplet i's residual.
DistMatrix residual_vectors(const DistMatrix& a, const TruncatedSvd& result) {
  // residual := U diag(s), then residual := A V - residual.
  DistMatrix residual = result.u.like();
  const auto u_local = result.u.local();
  auto r_local = residual.local();
  for (int64_t j_lc = 0; j_lc < residual.local_cols(); ++j_lc) {
    r_local.col(j_lc) = u_local.col(j_lc) * result.s[residual.col_map().local_to_global(j_lc)];
  }
  gemm(Op::None, Op::None, 1.0, a, result.v, -1.0, residual);
  return residual;
}

}  // namespace

double orthogonality_defect(const DistMatrix& x) {
  const int64_t k = x.cols(), nb = x.col_block();
  DistMatrix gram(x.grid_ptr(), k, k, nb, nb);
  gemm(Op::Trans, Op::None, 1.0, x, x, 0.0, gram);
  double defect = 0;
  gram.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) {
    defect = std::max(defect, std::abs(value - (i_gl == j_gl ? 1.0 : 0.0)));
  });
  MPI_Allreduce(MPI_IN_PLACE, &defect, 1, MPI_DOUBLE, MPI_MAX, x.grid().comm());
  return defect;
}

void measure_quality(const DistMatrix& a, TruncatedSvd& result) {
  const double norm_a = frobenius_norm(a);
  const int64_t k = static_cast<int64_t>(result.s.size());
  const double norm_estimate = result.s.empty() ? 0.0 : result.s[0];
  // A method that measured every triplet on its returned vectors (the converged one) saves the A V product.
  if (result.residuals.size() != static_cast<size_t>(k)) {
    const DistMatrix residual = residual_vectors(a, result);
    result.residuals = column_norms(residual);
    for (double& value : result.residuals) value = norm_estimate > 0 ? value / norm_estimate : 0.0;
  }
  double sum_squares = 0;  // ||A V - U S||_F^2 = sum_i ||A v_i - s_i u_i||^2
  for (double value : result.residuals) sum_squares += (value * norm_estimate) * (value * norm_estimate);
  result.quality.residual = norm_a > 0 ? std::sqrt(sum_squares) / norm_a : 0.0;
  result.quality.orthogonality_u = orthogonality_defect(result.u);
  result.quality.orthogonality_v = orthogonality_defect(result.v);
  result.quality.tail_energy = tail_energy_estimate(result.s, k, norm_a);
}

}  // namespace jf::svd
