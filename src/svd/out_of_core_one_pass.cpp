#include "svd/out_of_core_one_pass.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "svd/out_of_core_stream.hpp"
#include "svd/projected_svd.hpp"
#include "svd/rank_selection.hpp"
#include "distributed/small_matrix.hpp"
#include "svd/sign_convention.hpp"

namespace jf::svd {
namespace {

// Psi^T and Theta^T side by side (m x (s + t)); stream numbers apart from Omega's and the sign reference's.
constexpr uint64_t kStreamCoRangeSketch = kStreamSketch + 2;

// (Psi Q)^+ (l x s), computed on rank 0 and broadcast so that every rank uses the same bits.
Eigen::MatrixXd pseudo_inverse_on_root(const Eigen::MatrixXd& psi_q, MPI_Comm comm) {
  Eigen::MatrixXd inverse;
  if (comm_rank(comm) == 0) {
    const Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> decomposition(psi_q);
    inverse = decomposition.pseudoInverse();
  }
  broadcast_matrix(inverse, comm);
  return inverse;
}

// ||Theta (A - U S V^T)||_F^2 / t: the test rows of the co-range sketch minus Theta U S V^T, formed as the
// n x t matrix W_test^T - V (S (Theta U)^T).
double estimate_error_sq(const DistMatrix& sketch_t, const TruncatedSvd& result, const Eigen::MatrixXd& theta_u,
                         int64_t t, int64_t nb) {
  const GridPtr& grid = sketch_t.grid_ptr();
  const int64_t k = static_cast<int64_t>(result.s.size());
  Eigen::MatrixXd select = Eigen::MatrixXd::Zero(sketch_t.cols(), t);
  select.bottomRows(t) = Eigen::MatrixXd::Identity(t, t);
  Eigen::MatrixXd s_theta_u_t(k, t);
  for (int64_t i = 0; i < k; ++i) s_theta_u_t.row(i) = result.s[i] * theta_u.col(i).transpose();
  DistMatrix residual(grid, sketch_t.rows(), t, nb, nb);
  gemm(Op::None, Op::None, 1.0, sketch_t, distribute_replicated(select, grid, nb), 0.0, residual);
  gemm(Op::None, Op::None, -1.0, result.v, distribute_replicated(s_theta_u_t, grid, nb), 1.0, residual);
  const double norm = frobenius_norm(residual);
  return norm * norm / static_cast<double>(t);
}

// The per-triplet residuals from the test sketch, at no extra pass: Theta (A v_i - s_i u_i) =
// (Theta A) v_i - s_i Theta u_i, and ||Theta x||^2 / t estimates ||x||^2 (unbiased; with t = 10 rows the
// norm is typically within ~25%). Normalised as in core: by s_1 per triplet, by ||A||_F for the total.
void estimate_residuals(const DistMatrix& sketch_t, TruncatedSvd& result, const Eigen::MatrixXd& theta_u, int64_t t,
                        double frobenius_sq) {
  const int64_t k = static_cast<int64_t>(result.s.size());
  DistMatrix sketched_v(sketch_t.grid_ptr(), sketch_t.cols(), k, sketch_t.row_block(), sketch_t.row_block());
  gemm(Op::Trans, Op::None, 1.0, sketch_t, result.v, 0.0, sketched_v);  // [Psi A; Theta A] V
  const Eigen::MatrixXd theta_a_v = replicate_small(sketched_v).bottomRows(t);
  const double s_1 = result.s.empty() ? 0.0 : result.s[0];
  double sum_squares = 0;
  result.residuals.assign(static_cast<size_t>(k), 0.0);
  for (int64_t i = 0; i < k; ++i) {
    const double norm_sq = (theta_a_v.col(i) - result.s[i] * theta_u.col(i)).squaredNorm() / static_cast<double>(t);
    sum_squares += norm_sq;
    result.residuals[i] = s_1 > 0 ? std::sqrt(norm_sq) / s_1 : 0.0;
  }
  result.quality.residual = frobenius_sq > 0 ? std::sqrt(sum_squares / frobenius_sq) : 0.0;
}

}  // namespace

OnePassSvd out_of_core_one_pass_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb, const SvdOptions& options,
                                    const OutOfCoreOptions& ooc) {
  if (info.shape.size() != 2) throw InputError("dataset " + info.dataset + " in '" + info.file + "' is not 2-D");
  const int64_t m = info.shape[0], n = info.shape[1], k = options.rank;
  if (options.tol != 0) throw InputError("a tolerance (fixed accuracy) is not supported out of core; give a rank");
  if (options.residual_tol != 0) throw InputError("a residual tolerance is not supported out of core");
  if (k < 1 || k > std::min(m, n)) {
    throw InputError("rank " + std::to_string(k) +
                     " must be between 1 and min(m, n) = " + std::to_string(std::min(m, n)));
  }
  if (options.oversample < 0) throw InputError("oversampling " + std::to_string(options.oversample) + " must be >= 0");
  OnePassSvd out;
  const int64_t l = std::min(k + options.oversample, std::min(m, n));
  const int64_t s = std::min(2 * l + 1, m), t = std::min(kTestRows, m);
  out.range_columns = l;
  out.co_range_rows = s;
  out.test_rows = t;

  DistMatrix omega = out_of_core_thin_matrix(grid, n, l, nb);
  fill_normal(omega, options.seed, kStreamSketch);
  DistMatrix psi_theta_t = out_of_core_thin_matrix(grid, m, s + t, nb);
  fill_normal(psi_theta_t, options.seed, kStreamCoRangeSketch);
  DistMatrix range = out_of_core_thin_matrix(grid, m, l, nb);           // Y = A Omega, then Q
  DistMatrix co_range_t = out_of_core_thin_matrix(grid, n, s + t, nb);  // [Psi A; Theta A]^T

  PanelStream stream(grid, info, ooc.panel_bytes);
  double frobenius_sq = 0;
  const auto start = std::chrono::steady_clock::now();
  stream.multiply_both(omega, range, psi_theta_t, co_range_t, {}, &frobenius_sq);
  if (options.progress) {
    const double gb = static_cast<double>(m * n * stream.layout().element_bytes) / 1e9, seconds = seconds_since(start);
    options.progress("pass 1 of 1: sketches Y = A Omega (" + std::to_string(l) + " columns), [Psi; Theta] A (" +
                     std::to_string(s) + " + " + std::to_string(t) + " rows) in " + format_number("%.2f", seconds) +
                     " s, " + format_number("%.2f", gb) + " GB read, " + format_number("%.2f", gb / seconds) + " GB/s");
  }
  omega = DistMatrix();
  orthonormalize_thin(range);

  // [Psi Q; Theta Q] ((s + t) x l), replicated: small.
  DistMatrix sketched_q(grid, s + t, l, nb, nb);
  gemm(Op::Trans, Op::None, 1.0, psi_theta_t, range, 0.0, sketched_q);
  const Eigen::MatrixXd sketched = replicate_small(sketched_q);
  psi_theta_t = DistMatrix();
  // X^T = W^T ((Psi Q)^+)^T, n x l: the co-range sketch's first s columns times the pseudo-inverse.
  Eigen::MatrixXd right = Eigen::MatrixXd::Zero(s + t, l);
  right.topRows(s) = pseudo_inverse_on_root(sketched.topRows(s), grid->comm()).transpose();
  DistMatrix x_t = out_of_core_thin_matrix(grid, n, l, nb);
  gemm(Op::None, Op::None, 1.0, co_range_t, distribute_replicated(right, grid, nb), 0.0, x_t);

  // A ~ Q X: X^T = Q_B R, R = U_r S V_r^T, so U = Q V_r, V = Q_B U_r (as for B^T in the multi-pass method).
  const ProjectedSvd projected = factor_projection(std::move(x_t));
  out.svd = rotate_to_singular_vectors(range, projected, k);
  apply_sign_convention(out.svd);
  // Theta U = (Theta Q) V_r after the same sign flips: recomputed from U itself to stay consistent.
  DistMatrix theta_t(grid, m, t, nb, nb);
  fill_normal(theta_t, options.seed, kStreamCoRangeSketch, 0, s);
  DistMatrix theta_u(grid, t, k, nb, nb);
  gemm(Op::Trans, Op::None, 1.0, theta_t, out.svd.u, 0.0, theta_u);
  const double error_sq = estimate_error_sq(co_range_t, out.svd, replicate_small(theta_u), t, nb);
  out.error_estimate = frobenius_sq > 0 ? std::sqrt(error_sq / frobenius_sq) : 0.0;
  measure_streamed_quality(nullptr, out.svd, frobenius_sq);  // orthogonality, tail energy
  estimate_residuals(co_range_t, out.svd, replicate_small(theta_u), t, frobenius_sq);
  return out;
}

}  // namespace jf::svd
