#pragma once
// One block step of the alternating scheme. With the other factor fixed, the joint objective as a
// function of the factor Z (N x k: L with N = m, or R with N = n) is the quadratic
//
//   q(Z) = <Z, H(Z)> - 2 <Z, B> + const,   H(Z) = (S + gamma 1 1^T) Z A + mu K Z,
//
// where A (k x k) and B (N x k) come from the data term and the objective, S (N x N, S >= I) and the
// row coupling gamma appear when the objective ties rows of Z together (regression's and rowsum's
// R-steps), and mu K = mu D2^T D2 is the smoothness regulariser. For an objective that is not
// quadratic, (A, B) describe a majoriser of F that touches it at the current point, so minimising q
// still never increases F.
#include <Eigen/Dense>
#include <memory>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::joint {

// The symmetric positive definite N x N operator S of a block problem (S >= I).
class RowOperator {
 public:
  virtual ~RowOperator() = default;
  // out := S Z (out laid out like Z).
  virtual DistMatrix apply(const DistMatrix& z) const = 0;
  // Z := S^-1 Z.
  virtual void solve(DistMatrix& z) const = 0;
  // A guaranteed upper bound on the largest eigenvalue of S (used to majorise S by a multiple of I).
  virtual double upper_bound() const = 0;
};

struct BlockProblem {
  Eigen::MatrixXd gram;                             // A: k x k, symmetric positive semi-definite
  DistMatrix rhs;                                   // B: N x k, laid out like the factor
  double row_coupling = 0;                          // gamma >= 0
  std::shared_ptr<const RowOperator> row_operator;  // S; null means the identity
};

}  // namespace jf::joint
