#pragma once
// A linear layer's loss on calibration data: samples Xs (s x n), responses Y (s x m),
// f(X) = (1/s) ||Xs X^T - Y||_F^2 (with Y = Xs W^T this is the activation-aware compression loss).
// Quadratic in each factor, so both block problems are exact (P = Xs R, s x k, alpha = lambda/s):
//   L-step: A = R^T R + alpha P^T P,  B = W R + alpha Y^T P;
//   R-step: (I + alpha Xs^T Xs) R (L^T L) = W^T L + alpha Xs^T (Y L): A = L^T L, S = I + alpha Xs^T Xs.
#include <map>
#include <memory>

#include "joint/shifted_gram_operator.hpp"
#include "joint/whitened_penalty.hpp"
#include "jointfact/joint/objective.hpp"

namespace jf::joint {

class RegressionObjective : public Objective {
 public:
  // Throws InputError unless samples are s x n and responses s x m.
  RegressionObjective(DistMatrix samples, DistMatrix responses, int64_t m, int64_t n);

  std::string name() const override { return "regression"; }
  double value(const DistMatrix& l, const DistMatrix& r) const override;
  double value_of_matrix(const DistMatrix& x) const override;
  DistMatrix gradient_times_right(const DistMatrix& l, const DistMatrix& r, const DistMatrix& w_r) const override;
  DistMatrix gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                           const DistMatrix& w_t_l) const override;
  // ||Xs||_2^2 <= ||Xs||_F^2 gives a safe bound 2 ||Xs||_F^2 / s.
  double curvature_bound() const override { return curvature_bound_; }
  double lower_bound() const override { return 0.0; }
  BlockProblem left_block(const BlockContext& context) const override;
  BlockProblem right_block(const BlockContext& context) const override;
  // One SVD of T M^(-1/2), M = I + (lambda/s) Xs^T Xs (whitened_penalty.hpp). The first call also builds
  // the metric's thin form from Xs (s x n) once (right_metric_from).
  std::optional<Factors> penalty_minimizer(const DistMatrix& w, double lambda, int64_t rank) const override;
  void hint_penalty_minimizer(const DistMatrix& w, const Factors& near) const override;
  bool has_penalty_minimizer() const override { return true; }

 private:
  DistMatrix samples_times(const DistMatrix& r) const;  // Xs R (s x k)
  std::shared_ptr<const ShiftedGramOperator> row_operator(double alpha) const;

  DistMatrix samples_, responses_;
  int64_t m_, n_, s_;
  double curvature_bound_;
  // One Cholesky factorisation per alpha in use (the lossless search revisits few values).
  mutable std::shared_ptr<const ShiftedGramOperator> cached_operator_;
  mutable double cached_alpha_ = -1;
  mutable std::unique_ptr<RightMetric> metric_;
  mutable std::unique_ptr<WhitenedPenalty> whitened_;
  const WhitenedPenalty& whitened(const DistMatrix& w) const;  // built on first use
};

}  // namespace jf::joint
