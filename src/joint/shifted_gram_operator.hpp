#pragma once
// S = I + alpha Xs^T Xs (n x n) for samples Xs (s x n): the row operator of regression's R-step.
// Factored once per alpha with a distributed Cholesky of the smaller of the two Gram matrices:
//   n <= s: C = I_n + alpha Xs^T Xs,  S^-1 Z = C^-1 Z;
//   n >  s: E = I_s + alpha Xs Xs^T,  S^-1 Z = Z - alpha Xs^T E^-1 Xs Z   (Woodbury).
// Either way only the objective's data size (s x n) or less is held.
#include "jointfact/joint/block_problem.hpp"

namespace jf::joint {

class ShiftedGramOperator : public RowOperator {
 public:
  ShiftedGramOperator(const DistMatrix& samples, double alpha);
  DistMatrix apply(const DistMatrix& z) const override;
  void solve(DistMatrix& z) const override;
  double upper_bound() const override { return upper_bound_; }

 private:
  const DistMatrix& samples_;
  double alpha_;
  bool woodbury_;
  DistMatrix factor_;  // Cholesky factor of C (n x n) or E (s x s)
  double upper_bound_;
};

}  // namespace jf::joint
