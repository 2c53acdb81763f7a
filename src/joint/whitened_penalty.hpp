#pragma once
// Closed-form penalty solutions for quadratic task losses with a one-sided (right) metric,
//   f(X) = c ||A X^T - Y||_F^2,   A (s x n), Y (s x m), c > 0
// (regression: A = Xs, c = 1/s; rowsum: A = 1^T, Y = t^T, c = 1/m). With alpha = lambda c and
// M = I + alpha A^T A,
//   ||W - X||_F^2 + lambda f(X) = ||X M^(1/2) - T M^(-1/2)||_F^2 + const,   T = W + alpha Y^T A,
// so the best rank-k X is [T M^(-1/2)]_k M^(-1/2): one truncated SVD (Eckart-Young). With the thin SVD
// A = U_a diag(sigma) V_a^T (r = min(s, n) columns, V_a orthonormal) every power of M is
// I + V_a diag(.) V_a^T, and
//   T M^(-1/2) = W + C V_a^T,   C = (W V_a) diag(g) + alpha (Y^T U_a diag(sigma)) diag(1 + g),
//   g = (1 + alpha sigma^2)^(-1/2) - 1,
// a rank-r update of W: no n x n metric is formed. Up to min(m, n) = exact_limit the update is formed
// (one m x n workspace; W V_a is computed once and reused for every lambda) and its SVD is exact;
// beyond, B = T M^(-1/2) stays an operator (low_rank_update_svd.hpp: each product with B costs one with W
// plus O((m + n) r l)) and its randomized SVD starts from the row basis of the previous call with the same
// k, so the consecutive lambdas of a lossless search cost a few products each.
#include <Eigen/Dense>
#include <optional>

#include "joint/low_rank_update_svd.hpp"
#include "jointfact/joint/initial_factors.hpp"

namespace jf::joint {

// The right metric's data in thin form. `basis` is V_a (n x r, on W's grid with W's column block as
// row block), `squared_singular_values` sigma^2 (r, replicated), `response_side` Y^T U_a diag(sigma)
// (m x r, laid out like L), `scale` c.
struct RightMetric {
  DistMatrix basis;
  Eigen::VectorXd squared_singular_values;
  DistMatrix response_side;
  double scale = 1.0;
};

// Builds the thin form from A (s x n) and Y (s x m) on W's grid. For s < n: A^T = Q R (CholeskyQR2, or
// Householder where that is unsafe) and the SVD of the s x s factor R, O(n s^2), with R replicated while
// s < svd::kDistributedProjectionFrom; otherwise one exact SVD of A. Plus Y^T U_a, O(m s r).
// Collective. Throws InputError when the shapes do not match W (m x n).
RightMetric right_metric_from(const DistMatrix& w, const DistMatrix& a, const DistMatrix& y, double scale);

struct WhitenedPenaltyOptions {
  int64_t exact_limit = 1000;  // exact SVD of the formed matrix while min(m, n) <= this
  // Beyond: the operator's randomized SVD (rank set per call; oversampling at least k / 2). Its energy
  // tolerance 1e-6 puts the k leading s_i^2 far closer than the lossless search resolves the squared error
  // (4000 x 3000, k = 50: the search resolves e^2 to ~7e-5 relative; the passes converge ~40x per pass, so
  // the energy left when the change falls below 1e-6 is ~3e-8). 1e-7 cost one more pass per solve.
  SubspaceOptions subspace{0, 10, 2, 12, 1e-6, 1};
  int warm_min_iterations = 1;  // power iterations before the convergence test, from the previous basis
};

class WhitenedPenalty {
 public:
  // Keeps a reference to `metric` (and to W, given at each call); W V_a is computed on first use.
  explicit WhitenedPenalty(const RightMetric& metric, WhitenedPenaltyOptions options = {})
      : metric_(metric), options_(options) {}

  // The rank-k minimiser of ||W - X||_F^2 + lambda c ||A X^T - Y||_F^2, as factors (L = U sqrt(S),
  // R = M^(-1/2) V sqrt(S) of the SVD U S V^T of T M^(-1/2)). Collective; one truncated SVD of an
  // m x n matrix, O(m n r) for the update, exact up to options.exact_limit; beyond, a randomized SVD of
  // the operator (no m x n workspace), warm-started from the previous call's basis. k in [1, min(m, n)].
  Factors minimizer(const DistMatrix& w, double lambda, int64_t k) const;

  // Starts the next randomized solve of rank r.cols() from span(R) (R n x k, laid out like W's columns),
  // padded with Gaussian columns: R of a point near the coming minimisers. Collective; no-op on the exact path.
  void seed(const DistMatrix& r) const;

  // Power iterations of the last randomized solve (0 after exact ones).
  int last_iterations() const { return last_iterations_; }

 private:
  SubspaceOptions subspace_options(int64_t k) const;
  svd::TruncatedSvd exact_svd_of_whitened(const DistMatrix& w, const Eigen::VectorXd& shrink,
                                          const Eigen::VectorXd& side_scale, int64_t k) const;

  const RightMetric& metric_;
  WhitenedPenaltyOptions options_;
  mutable std::optional<DistMatrix> warm_row_basis_;  // n x l, from the last randomized solve
  mutable int64_t warm_rank_ = 0;
  mutable int last_iterations_ = 0;
  mutable std::optional<DistMatrix> w_basis_;  // W V_a (m x r)
  mutable const DistMatrix* w_of_basis_ = nullptr;
};

}  // namespace jf::joint
