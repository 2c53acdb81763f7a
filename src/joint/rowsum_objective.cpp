#include "joint/rowsum_objective.hpp"

#include <cmath>

#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {

RowsumObjective::RowsumObjective(DistMatrix targets, int64_t m, int64_t n)
    : targets_(std::move(targets)), m_(m), n_(n) {
  if (targets_.rows() != m || targets_.cols() != 1) {
    throw InputError("targets have length " + std::to_string(targets_.rows()) +
                     " but the matrix has m = " + std::to_string(m) + " rows (rowsum needs one target per row)");
  }
}

DistMatrix RowsumObjective::row_sum_residual(const DistMatrix& l, const DistMatrix& r) const {
  DistMatrix residual(targets_.grid_ptr(), m_, 1, l.row_block(), l.col_block());
  redistribute(targets_, residual);
  const Eigen::VectorXd rbar = column_sums(r);
  const DistMatrix rbar_dist = distribute_replicated(rbar, l.grid_ptr(), l.col_block());
  gemm(Op::None, Op::None, 1.0, l, rbar_dist, -1.0, residual);  // L rbar - t
  return residual;
}

double RowsumObjective::value(const DistMatrix& l, const DistMatrix& r) const {
  return squared_norm(row_sum_residual(l, r)) / static_cast<double>(m_);
}

double RowsumObjective::value_of_matrix(const DistMatrix& x) const {
  DistMatrix residual(targets_.grid_ptr(), m_, 1, x.row_block(), x.col_block());
  redistribute(targets_, residual);
  gemm(Op::None, Op::None, 1.0, x, ones_column(x.grid_ptr(), n_, x.col_block()), -1.0, residual);
  return squared_norm(residual) / static_cast<double>(m_);
}

DistMatrix RowsumObjective::gradient_times_right(const DistMatrix& l, const DistMatrix& r, const DistMatrix&) const {
  // grad f(X) = (2/m) e 1^T with e = X 1 - t, so grad f(X) R = (2/m) e rbar^T.
  DistMatrix product = l.like();
  add_outer(product, 2.0 / static_cast<double>(m_), row_sum_residual(l, r), column_sums(r));
  return product;
}

DistMatrix RowsumObjective::gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                                          const DistMatrix&) const {
  // grad f(X)^T L = (2/m) 1 (L^T e)^T: every row the same k-vector.
  const Eigen::VectorXd lt_e = cross_gram(l, row_sum_residual(l, r)).col(0);
  DistMatrix product = r.like();
  add_to_every_row(product, (2.0 / static_cast<double>(m_)) * lt_e);
  return product;
}

BlockProblem RowsumObjective::left_block(const BlockContext& context) const {
  const double weight = context.lambda / static_cast<double>(m_);
  const Eigen::VectorXd rbar = column_sums(context.r);
  BlockProblem problem;
  problem.gram = context.fixed_gram + weight * rbar * rbar.transpose();
  problem.rhs = context.data_product;
  if (weight != 0) add_outer(problem.rhs, weight, targets_, rbar);
  return problem;
}

BlockProblem RowsumObjective::right_block(const BlockContext& context) const {
  const double weight = context.lambda / static_cast<double>(m_);
  BlockProblem problem;
  problem.gram = context.fixed_gram;
  problem.rhs = context.data_product;
  problem.row_coupling = weight;
  if (weight != 0) {
    DistMatrix targets_aligned(context.l.grid_ptr(), m_, 1, context.l.row_block(), context.l.col_block());
    redistribute(targets_, targets_aligned);
    add_to_every_row(problem.rhs, weight * cross_gram(context.l, targets_aligned).col(0));
  }
  return problem;
}

const WhitenedPenalty& RowsumObjective::whitened(const DistMatrix& w) const {
  if (!metric_) {
    auto metric = std::make_unique<RightMetric>();
    const double root_n = std::sqrt(static_cast<double>(n_));
    metric->scale = 1.0 / static_cast<double>(m_);
    metric->basis = filled_like(DistMatrix(w.grid_ptr(), n_, 1, w.col_block(), w.col_block()), 1.0 / root_n);
    metric->squared_singular_values = Eigen::VectorXd::Constant(1, static_cast<double>(n_));
    metric->response_side = DistMatrix(w.grid_ptr(), m_, 1, w.row_block(), w.col_block());
    redistribute(targets_, metric->response_side);
    metric->response_side.local() *= root_n;
    metric_ = std::move(metric);
    whitened_ = std::make_unique<WhitenedPenalty>(*metric_);
  }
  return *whitened_;
}

std::optional<Factors> RowsumObjective::penalty_minimizer(const DistMatrix& w, double lambda, int64_t rank) const {
  return whitened(w).minimizer(w, lambda, rank);
}

void RowsumObjective::hint_penalty_minimizer(const DistMatrix& w, const Factors& near) const {
  whitened(w).seed(near.r);
}

}  // namespace jf::joint
