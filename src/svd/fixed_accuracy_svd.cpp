// Fixed-accuracy randomized SVD: randQB_EI (Yu, Gu, Li 2018, Algorithm 2). The basis Q grows by blocks
// of b columns, each block found in the orthogonal complement of the previous ones (power iterations on
// the deflated matrix A - Q B, then re-orthogonalisation), and B = Q^T A grows with it as B^T. Because
// Q is orthonormal, ||A - Q B||_F^2 = ||A||_F^2 - ||B||_F^2: the error is tracked for free and the
// loop stops once it is within tol. Then k is the smallest rank whose truncation of Q B meets tol.
#include <algorithm>
#include <cmath>
#include <string>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/thin_product.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd/growing_basis.hpp"
#include "svd/projected_svd.hpp"
#include "svd/rank_selection.hpp"

namespace jf::svd {
namespace {

// Below this, ||A||_F^2 - ||B||_F^2 is dominated by cancellation (its rounding is ~l eps ||A||_F^2).
constexpr double kSmallestReliableTol = 1e-7;

// The products with the deflated matrix D = A - Q B, without forming it.
struct DeflatedMatrix {
  const DistMatrix& a;
  const GrowingBasis& q;    // m x l
  const GrowingBasis& b_t;  // n x l

  void apply(const DistMatrix& x, DistMatrix& y) const {  // y = D x
    multiply_thin(a, x, y);
    subtract_low_rank(q, b_t, x, y);
  }
  void apply_transposed(const DistMatrix& y, DistMatrix& z) const {  // z = D^T y
    multiply_thin_transposed(a, y, z);
    subtract_low_rank(b_t, q, y, z);
  }
};

// The next b orthonormal columns, orthogonal to q: a sketch of D with power iterations.
DistMatrix next_basis_block(const DeflatedMatrix& deflated, const SvdOptions& options, int64_t b) {
  const DistMatrix& a = deflated.a;
  const int64_t nb = a.row_block();
  DistMatrix omega(a.grid_ptr(), a.cols(), b, nb, nb);
  // Columns l, l+1, ... of one conceptual Gaussian matrix: the same numbers as the randomized method's.
  fill_normal(omega, options.seed, kStreamSketch, 0, deflated.q.cols());
  DistMatrix y(a.grid_ptr(), a.rows(), b, nb, nb);
  deflated.apply(omega, y);
  orthonormalize_thin(y);
  for (int64_t iter = 0; iter < options.power_iters; ++iter) {
    deflated.apply_transposed(y, omega);
    orthonormalize_thin(omega);
    deflated.apply(omega, y);
    orthonormalize_thin(y);
  }
  // Rounding (and a D that is already ~0) leave y slightly outside q's complement: project twice.
  for (int pass = 0; pass < 2; ++pass) subtract_low_rank(deflated.q, deflated.q, y, y);
  orthonormalize_thin(y);
  return y;
}

}  // namespace

TruncatedSvd fixed_accuracy_svd(const DistMatrix& a, const SvdOptions& options) {
  const int64_t m = a.rows(), n = a.cols(), nb = a.row_block(), max_rank = std::min(m, n);
  const double norm_a = frobenius_norm(a);
  const int64_t b = fixed_accuracy_block_columns(options, max_rank);
  GrowingBasis q(a.grid_ptr(), m, max_rank, nb), b_t(a.grid_ptr(), n, max_rank, nb);
  const DeflatedMatrix deflated{a, q, b_t};
  if (options.progress && options.tol < kSmallestReliableTol) {
    options.progress(
        "tolerance below ~1e-7: the error indicator ||A||^2 - ||B||^2 is limited by rounding, "
        "so the basis may grow to min(m, n)");
  }
  double error_squared = norm_a > 0 ? 1.0 : 0.0;  // ||A - Q B||_F^2 / ||A||_F^2
  // At least one block, so that even A = 0 gets a (rank-one, zero) answer.
  while (q.cols() == 0 || (q.cols() < max_rank && error_squared > options.tol * options.tol)) {
    const DistMatrix q_block = next_basis_block(deflated, options, std::min(b, max_rank - q.cols()));
    DistMatrix b_t_block(a.grid_ptr(), n, q_block.cols(), nb, nb);
    multiply_thin_transposed(a, q_block, b_t_block);  // B_i^T = A^T Q_i
    absorb_basis_block(q, b_t, q_block, b_t_block, norm_a, error_squared, options.progress);
  }
  ProjectionOptions projection;
  projection.vectors = [&](const std::vector<double>& s) { return rank_meeting_tolerance(s, norm_a, options.tol); };
  projection.distributed_from = kDistributedProjectionFrom;
  projection.progress = options.progress;
  const ProjectedSvd projected = factor_projection(b_t.trimmed(), projection);
  const int64_t k = rank_meeting_tolerance(projected.s, norm_a, options.tol);
  return rotate_to_singular_vectors(q.trimmed(), projected, k);
}

}  // namespace jf::svd
