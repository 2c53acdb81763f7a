#pragma once
// The smoothness regulariser mu ||D2 Z||_F^2, D2 the (N-2) x N second-difference matrix applied down each
// column of a factor (along its rows). K = D2^T D2 is pentadiagonal; shifted systems (shift I + mu K)
// are banded SPD and solved in O(N) with LAPACK's band Cholesky (dpbtrf/dpbtrs).
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace jf::joint {

class SecondDifferenceGram {
 public:
  explicit SecondDifferenceGram(int64_t n);

  int64_t size() const { return n_; }
  // K(i, j) for |i - j| <= 2 (0 otherwise).
  double entry(int64_t i, int64_t j) const;
  // K z.
  Eigen::VectorXd apply(const Eigen::VectorXd& z) const;

  // ||D2 z||^2 for one column.
  static double energy(const Eigen::Ref<const Eigen::VectorXd>& z);

 private:
  int64_t n_;
  std::vector<double> diagonal_, first_, second_;  // K's main, first and second sub-diagonals
};

// Solves (shift I + mu K)[free, free] y = rhs for the principal sub-matrix on the sorted indices `free`
// (all indices when `free` is empty and rhs has size N). A principal sub-matrix of a pentadiagonal
// matrix is pentadiagonal in the compressed numbering, so this stays O(|free|).
Eigen::VectorXd solve_shifted_banded(const SecondDifferenceGram& k, double shift, double mu,
                                     const std::vector<int64_t>& free, const Eigen::VectorXd& rhs);

}  // namespace jf::joint
