#pragma once
// The demo task: targets t (length m), f(X) = (1/m) ||X 1 - t||^2. Since X 1 = L (R^T 1) is
// thin, f and both block problems are exact and cheap:
//   L-step: A = R^T R + (lambda/m) rbar rbar^T, B = W R + (lambda/m) t rbar^T (rbar = R^T 1);
//   R-step: X 1 = L R^T 1 is linear in R and couples every row of R through 1^T R:
//           A = L^T L, B = W^T L + (lambda/m) 1 (L^T t)^T, row coupling gamma = lambda/m
//           (the block solver inverts the rank-one coupling with Sherman-Morrison).
#include <memory>

#include "joint/whitened_penalty.hpp"
#include "jointfact/joint/objective.hpp"

namespace jf::joint {

class RowsumObjective : public Objective {
 public:
  // targets: m x 1 on W's grid. Throws InputError when its length is not m.
  RowsumObjective(DistMatrix targets, int64_t m, int64_t n);

  std::string name() const override { return "rowsum"; }
  double value(const DistMatrix& l, const DistMatrix& r) const override;
  double value_of_matrix(const DistMatrix& x) const override;
  DistMatrix gradient_times_right(const DistMatrix& l, const DistMatrix& r, const DistMatrix& w_r) const override;
  DistMatrix gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                           const DistMatrix& w_t_l) const override;
  // The Hessian is (2/m) (1 1^T acting on each row): its norm is 2 n / m.
  double curvature_bound() const override { return 2.0 * static_cast<double>(n_) / static_cast<double>(m_); }
  double lower_bound() const override { return 0.0; }
  BlockProblem left_block(const BlockContext& context) const override;
  BlockProblem right_block(const BlockContext& context) const override;
  // f(X) = (1/m) ||1^T X^T - t^T||^2 is the one-sided quadratic of whitened_penalty.hpp with A = 1^T
  // (sigma^2 = n, V_a = 1 / sqrt(n)) and Y = t^T: one SVD of W + c 1^T per lambda.
  std::optional<Factors> penalty_minimizer(const DistMatrix& w, double lambda, int64_t rank) const override;
  void hint_penalty_minimizer(const DistMatrix& w, const Factors& near) const override;
  bool has_penalty_minimizer() const override { return true; }

 private:
  // X 1 - t for X = L R^T, laid out like t.
  DistMatrix row_sum_residual(const DistMatrix& l, const DistMatrix& r) const;

  DistMatrix targets_;
  int64_t m_, n_;
  mutable std::unique_ptr<RightMetric> metric_;
  mutable std::unique_ptr<WhitenedPenalty> whitened_;
  const WhitenedPenalty& whitened(const DistMatrix& w) const;  // built on first use
};

}  // namespace jf::joint
