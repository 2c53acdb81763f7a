#include "joint/low_rank_update_svd.hpp"

#include <algorithm>
#include <cmath>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/thin_product.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "svd/projected_svd.hpp"

namespace jf::joint {
namespace {

// An r x l coefficient matrix for V^T x or E^T q: all l columns in one block, like the thin operands.
DistMatrix coefficients_for(const LowRankUpdate& op, const DistMatrix& thin) {
  const int64_t l = thin.cols();
  return DistMatrix(op.basis.grid_ptr(), op.basis.cols(), l, op.basis.col_block(), std::max<int64_t>(l, 1));
}

void scale_rows(DistMatrix& a, const Eigen::VectorXd& scale) {
  a.for_each_local([&](int64_t i, int64_t, double& v) { v *= scale(i); });
}

double leading_energy(const std::vector<double>& s, int64_t k) {
  double sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += s[static_cast<size_t>(i)] * s[static_cast<size_t>(i)];
  return sum;
}

}  // namespace

void apply_update(const LowRankUpdate& op, const DistMatrix& x, DistMatrix& y) {
  // y = W (x + V (g o V^T x)) + E (h o V^T x)
  DistMatrix coefficients = coefficients_for(op, x);
  multiply_thin_transposed(op.basis, x, coefficients);
  DistMatrix right = coefficients;
  scale_rows(right, op.right_scale);
  DistMatrix shifted = x.like();
  multiply_thin(op.basis, right, shifted);
  scale_add(1.0, shifted, 1.0, x);
  multiply_thin(op.w, shifted, y);
  scale_rows(coefficients, op.side_scale);
  DistMatrix side_part = y.like();
  multiply_thin(op.side, coefficients, side_part);
  scale_add(1.0, y, 1.0, side_part);
}

void apply_update_transposed(const LowRankUpdate& op, const DistMatrix& q, DistMatrix& z) {
  // z = W^T q + V (g o V^T W^T q + h o E^T q)
  multiply_thin_transposed(op.w, q, z);
  DistMatrix coefficients = coefficients_for(op, q);
  multiply_thin_transposed(op.basis, z, coefficients);
  scale_rows(coefficients, op.right_scale);
  DistMatrix side_coefficients = coefficients.like();
  multiply_thin_transposed(op.side, q, side_coefficients);
  scale_rows(side_coefficients, op.side_scale);
  scale_add(1.0, coefficients, 1.0, side_coefficients);
  DistMatrix update = z.like();
  multiply_thin(op.basis, coefficients, update);
  scale_add(1.0, z, 1.0, update);
}

SubspaceSvd low_rank_update_svd(const LowRankUpdate& op, const SubspaceOptions& options,
                                const DistMatrix* warm_row_basis) {
  const DistMatrix& w = op.w;
  const int64_t m = w.rows(), n = w.cols(), k = options.rank;
  if (k < 1 || k > std::min(m, n)) throw LibraryError("low_rank_update_svd: rank outside [1, min(m, n)]");
  const int64_t l = std::min(k + options.oversample, std::min(m, n));
  const int64_t thin_block = std::max({w.row_block(), w.col_block(), l});
  const GridPtr& grid = w.grid_ptr();
  DistMatrix range_n(grid, n, l, w.col_block(), thin_block);
  const bool warm = warm_row_basis != nullptr && warm_row_basis->rows() == n && warm_row_basis->cols() == l;
  if (warm) {
    copy_block(*warm_row_basis, 0, 0, n, l, range_n, 0, 0);
  } else {
    fill_normal(range_n, options.seed, kStreamSketch);
  }
  DistMatrix range_m(grid, m, l, w.row_block(), thin_block);
  SubspaceSvd result;
  double energy = -1;
  for (int iteration = 0;; ++iteration) {
    apply_update(op, range_n, range_m);
    orthonormalize_thin(range_m);
    apply_update_transposed(op, range_m, range_n);  // B^T Q
    svd::ProjectedSvd projected = svd::factor_projection(range_n);
    const double now = leading_energy(projected.s, k);
    const bool converged = iteration >= options.min_iterations && std::abs(now - energy) <= options.energy_tol * now;
    energy = now;
    if (converged || iteration >= options.max_iterations) {
      result.svd = svd::rotate_to_singular_vectors(range_m, projected, k);
      result.row_basis = std::move(projected.q_b);
      result.iterations = iteration;
      return result;
    }
    range_n = std::move(projected.q_b);  // the orthonormal row basis starts the next pass
  }
}

}  // namespace jf::joint
