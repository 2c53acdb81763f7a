#include "joint/whitened_penalty.hpp"

#include <mpi.h>
#include <algorithm>
#include <cmath>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "joint/low_rank_update_svd.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "svd/projected_svd.hpp"

namespace jf::joint {
namespace {

void scale_columns(DistMatrix& a, const Eigen::VectorXd& scale) {
  a.for_each_local([&](int64_t, int64_t j, double& v) { v *= scale(j); });
}

void scale_rows(DistMatrix& a, const Eigen::VectorXd& scale) {
  a.for_each_local([&](int64_t i, int64_t, double& v) { v *= scale(i); });
}

// The thin SVD of a wide A (s x n, s < n) from A^T = Q R: CholeskyQR2 (Householder where unsafe) and the
// SVD of the s x s factor R = U_r S V_r^T, so A = V_r S (Q U_r)^T. O(n s^2) BLAS-3 work, where the exact
// SVD's bidiagonalisation and back-transformations cost several times more; R is replicated below
// svd::kDistributedProjectionFrom and factored on the grid above. `block`: the row block of A^T's layout.
svd::TruncatedSvd thin_svd_of_wide(const DistMatrix& a, int64_t block) {
  const int64_t s = a.rows(), n = a.cols();
  const GridPtr& grid = a.grid_ptr();
  DistMatrix a_t(grid, n, s, block, std::max(block, s));  // one block column: CholeskyQR2 applies
  transpose(a, a_t);
  svd::ProjectionOptions options;
  options.distributed_from = svd::kDistributedProjectionFrom;
  const svd::ProjectedSvd projected = svd::factor_projection(std::move(a_t), options);
  DistMatrix identity(grid, s, s, a.row_block(), a.row_block());
  identity.for_each_local([](int64_t i, int64_t j, double& v) { v = i == j ? 1.0 : 0.0; });
  return svd::rotate_to_singular_vectors(identity, projected, s);  // u = V_r, v = Q U_r
}

}  // namespace

RightMetric right_metric_from(const DistMatrix& w, const DistMatrix& a, const DistMatrix& y, double scale) {
  const int64_t m = w.rows(), n = w.cols(), s = a.rows();
  if (a.cols() != n || y.rows() != s || y.cols() != m) {
    throw InputError("the metric's data are " + std::to_string(s) + " x " + std::to_string(a.cols()) + " and " +
                     std::to_string(y.rows()) + " x " + std::to_string(y.cols()) + "; they must be s x n and s x m");
  }
  const int64_t r = std::min(s, n);
  const svd::TruncatedSvd thin = s < n ? thin_svd_of_wide(a, w.col_block()) : svd::exact_truncated_svd(a, r);
  RightMetric metric;
  metric.scale = scale;
  metric.basis = DistMatrix(w.grid_ptr(), n, r, w.col_block(), w.col_block());
  copy_block(thin.v, 0, 0, n, r, metric.basis, 0, 0);
  Eigen::VectorXd sigma(r);
  for (int64_t i = 0; i < r; ++i) sigma(i) = thin.s[static_cast<size_t>(i)];
  metric.squared_singular_values = sigma.cwiseAbs2();
  metric.response_side = DistMatrix(w.grid_ptr(), m, r, w.row_block(), w.col_block());
  gemm(Op::Trans, Op::None, 1.0, y, thin.u, 0.0, metric.response_side);
  scale_columns(metric.response_side, sigma);
  return metric;
}

svd::TruncatedSvd WhitenedPenalty::exact_svd_of_whitened(const DistMatrix& w, const Eigen::VectorXd& shrink,
                                                         const Eigen::VectorXd& side_scale, int64_t k) const {
  const DistMatrix& basis = metric_.basis;
  if (w_of_basis_ != &w || !w_basis_) {
    w_basis_.emplace(metric_.response_side.like());
    gemm(Op::None, Op::None, 1.0, w, basis, 0.0, *w_basis_);
    w_of_basis_ = &w;
  }
  // C = (W V_a) diag(g) + (Y^T U_a diag(sigma)) diag(alpha (1 + g))
  DistMatrix update = *w_basis_;
  scale_columns(update, shrink);
  DistMatrix response_part = metric_.response_side;
  scale_columns(response_part, side_scale);
  scale_add(1.0, update, 1.0, response_part);
  // B = W + C V_a^T: the one m x n workspace.
  DistMatrix whitened = w;
  gemm(Op::None, Op::Trans, 1.0, update, basis, 1.0, whitened);
  return svd::exact_truncated_svd(whitened, k);
}

SubspaceOptions WhitenedPenalty::subspace_options(int64_t k) const {
  SubspaceOptions subspace = options_.subspace;
  subspace.rank = k;
  // A wider basis converges faster per pass: k / 2 extra columns cost 1.5x per product and cut the passes
  // a cold start needs about in half (4000 x 3000, k = 50: 7 instead of 11).
  subspace.oversample = std::max(subspace.oversample, k / 2);
  return subspace;
}

void WhitenedPenalty::seed(const DistMatrix& r) const {
  const int64_t n = r.rows(), k = r.cols();
  if (std::min(metric_.response_side.rows(), n) <= options_.exact_limit) return;
  const int64_t l = std::min(k + subspace_options(k).oversample, std::min(metric_.response_side.rows(), n));
  DistMatrix basis(r.grid_ptr(), n, l, r.row_block(), std::max(r.row_block(), l));
  fill_normal(basis, options_.subspace.seed, kStreamSketch);
  copy_block(r, 0, 0, n, k, basis, 0, 0);
  orthonormalize_thin(basis);
  warm_row_basis_ = std::move(basis);
  warm_rank_ = k;
}

Factors WhitenedPenalty::minimizer(const DistMatrix& w, double lambda, int64_t k) const {
  const DistMatrix& basis = metric_.basis;
  const double alpha = lambda * metric_.scale;
  // g = (1 + alpha sigma^2)^(-1/2) - 1, written to keep its accuracy when alpha sigma^2 is tiny.
  const Eigen::VectorXd shifted = (alpha * metric_.squared_singular_values).array() + 1.0;
  const Eigen::VectorXd inverse_root = shifted.cwiseSqrt().cwiseInverse();
  // 1 - 1/sqrt(x) = (x - 1) / (x + sqrt(x)) with x = 1 + alpha sigma^2.
  Eigen::VectorXd shrink(shifted.size());
  for (Eigen::Index i = 0; i < shifted.size(); ++i)
    shrink(i) = -(alpha * metric_.squared_singular_values(i)) / (shifted(i) + std::sqrt(shifted(i)));
  svd::TruncatedSvd svd;
  if (std::min(w.rows(), w.cols()) <= options_.exact_limit) {
    svd = exact_svd_of_whitened(w, shrink, alpha * inverse_root, k);
  } else {
    // B = W (I + V_a diag(g) V_a^T) + (Y^T U_a diag(sigma)) diag(alpha (1 + g)) V_a^T, never formed.
    const LowRankUpdate op{w, basis, metric_.response_side, shrink, alpha * inverse_root};
    SubspaceOptions subspace = subspace_options(k);
    const bool warm = warm_row_basis_ && warm_rank_ == k;
    subspace.min_iterations = warm ? options_.warm_min_iterations : subspace.min_iterations;
    SubspaceSvd solved = low_rank_update_svd(op, subspace, warm ? &*warm_row_basis_ : nullptr);
    svd = std::move(solved.svd);
    warm_row_basis_ = std::move(solved.row_basis);
    warm_rank_ = k;
    last_iterations_ = solved.iterations;
  }
  Factors factors = factors_from_svd(w, svd, k, 0.0).factors;
  // R := M^(-1/2) R = R + V_a diag(g) (V_a^T R), with V_a^T R kept distributed (r x k).
  DistMatrix coefficients(basis.grid_ptr(), basis.cols(), k, basis.col_block(), factors.r.col_block());
  gemm(Op::Trans, Op::None, 1.0, basis, factors.r, 0.0, coefficients);
  scale_rows(coefficients, shrink);
  gemm(Op::None, Op::None, 1.0, basis, coefficients, 1.0, factors.r);
  return factors;
}

}  // namespace jf::joint
