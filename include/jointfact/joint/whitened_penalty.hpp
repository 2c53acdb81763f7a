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
// a rank-r update of W: no n x n metric is formed, only one m x n workspace (the matrix whose SVD is
// taken). W V_a and Y^T U_a diag(sigma) (m x r) are computed once and reused for every lambda.
#include <Eigen/Dense>
#include <optional>

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

// Builds the thin form from A (s x n) and Y (s x m) on W's grid: one exact SVD of A (s x n).
// Collective. Throws InputError when the shapes do not match W (m x n).
RightMetric right_metric_from(const DistMatrix& w, const DistMatrix& a, const DistMatrix& y, double scale);

class WhitenedPenalty {
 public:
  // Keeps a reference to `metric` (and to W, given at each call); W V_a is computed on first use.
  explicit WhitenedPenalty(const RightMetric& metric) : metric_(metric) {}

  // The rank-k minimiser of ||W - X||_F^2 + lambda c ||A X^T - Y||_F^2, as factors (L = U sqrt(S),
  // R = M^(-1/2) V sqrt(S) of the SVD U S V^T of T M^(-1/2)). Collective; one truncated SVD of an
  // m x n matrix (choose_truncated_svd), O(m n r) for the update. k in [1, min(m, n)].
  Factors minimizer(const DistMatrix& w, double lambda, int64_t k) const;

 private:
  const RightMetric& metric_;
  mutable std::optional<DistMatrix> w_basis_;  // W V_a (m x r)
  mutable const DistMatrix* w_of_basis_ = nullptr;
};

}  // namespace jf::joint
