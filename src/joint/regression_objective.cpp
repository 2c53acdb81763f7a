#include "joint/regression_objective.hpp"

#include "distributed/thin_product.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {

RegressionObjective::RegressionObjective(DistMatrix samples, DistMatrix responses, int64_t m, int64_t n)
    : samples_(std::move(samples)), responses_(std::move(responses)), m_(m), n_(n), s_(samples_.rows()) {
  if (samples_.cols() != n) {
    throw InputError("samples have " + std::to_string(samples_.cols()) +
                     " columns but the matrix has n = " + std::to_string(n) + " (samples must be s x n)");
  }
  if (responses_.rows() != s_ || responses_.cols() != m) {
    throw InputError("responses are " + std::to_string(responses_.rows()) + " x " + std::to_string(responses_.cols()) +
                     " but must be s x m = " + std::to_string(s_) + " x " + std::to_string(m));
  }
  curvature_bound_ = 2.0 * squared_norm(samples_) / static_cast<double>(s_);
}

DistMatrix RegressionObjective::samples_times(const DistMatrix& r) const {
  DistMatrix product(samples_.grid_ptr(), s_, r.cols(), r.row_block(), r.col_block());
  gemm(Op::None, Op::None, 1.0, samples_, r, 0.0, product);
  return product;
}

double RegressionObjective::value(const DistMatrix& l, const DistMatrix& r) const {
  // Xs R L^T - Y is s x m: the size of Y, the objective's own data. Formed directly rather than expanded
  // into traces, which would lose the small residual to cancellation.
  DistMatrix residual = responses_;
  gemm(Op::None, Op::Trans, 1.0, samples_times(r), l, -1.0, residual);
  return squared_norm(residual) / static_cast<double>(s_);
}

double RegressionObjective::value_of_matrix(const DistMatrix& x) const {
  // X Xs^T (m x s) as one thin product (a local dgemm per rank; pdgemm's panels ran at about half that
  // rate on 2 ranks), turned back to s x m and compared with Y.
  DistMatrix samples_t(x.grid_ptr(), n_, s_, x.col_block(), x.col_block());
  transpose(samples_, samples_t);
  DistMatrix product(x.grid_ptr(), m_, s_, x.row_block(), x.col_block());
  multiply_thin(x, samples_t, product);
  DistMatrix residual = responses_.like();
  transpose(product, residual);
  scale_add(1.0, residual, -1.0, responses_);
  return squared_norm(residual) / static_cast<double>(s_);
}

DistMatrix RegressionObjective::gradient_times_right(const DistMatrix& l, const DistMatrix& r,
                                                     const DistMatrix&) const {
  // grad f(X) = (2/s) (X Xs^T - Y^T) Xs, so grad f(X) R = (2/s) (L P^T P - Y^T P) with P = Xs R.
  const DistMatrix p = samples_times(r);
  DistMatrix product = times_small(l, gram(p));
  gemm(Op::Trans, Op::None, -1.0, responses_, p, 1.0, product);
  product.local() *= 2.0 / static_cast<double>(s_);
  return product;
}

DistMatrix RegressionObjective::gradient_transpose_times_left(const DistMatrix& l, const DistMatrix& r,
                                                              const DistMatrix&) const {
  // grad f(X)^T L = (2/s) Xs^T (Xs R L^T L - Y L).
  DistMatrix inner_term = times_small(samples_times(r), gram(l));
  gemm(Op::None, Op::None, -1.0, responses_, l, 1.0, inner_term);
  DistMatrix product = r.like();
  gemm(Op::Trans, Op::None, 2.0 / static_cast<double>(s_), samples_, inner_term, 0.0, product);
  return product;
}

BlockProblem RegressionObjective::left_block(const BlockContext& context) const {
  const double alpha = context.lambda / static_cast<double>(s_);
  BlockProblem problem;
  problem.rhs = context.data_product;
  problem.gram = context.fixed_gram;
  if (alpha != 0) {
    const DistMatrix p = samples_times(context.r);
    problem.gram += alpha * gram(p);
    gemm(Op::Trans, Op::None, alpha, responses_, p, 1.0, problem.rhs);
  }
  return problem;
}

BlockProblem RegressionObjective::right_block(const BlockContext& context) const {
  const double alpha = context.lambda / static_cast<double>(s_);
  BlockProblem problem;
  problem.gram = context.fixed_gram;
  problem.rhs = context.data_product;
  if (alpha != 0) {
    DistMatrix y_l(responses_.grid_ptr(), s_, context.l.cols(), context.l.row_block(), context.l.col_block());
    gemm(Op::None, Op::None, 1.0, responses_, context.l, 0.0, y_l);
    gemm(Op::Trans, Op::None, alpha, samples_, y_l, 1.0, problem.rhs);
    problem.row_operator = row_operator(alpha);
  }
  return problem;
}

const WhitenedPenalty& RegressionObjective::whitened(const DistMatrix& w) const {
  if (!metric_) {
    metric_ = std::make_unique<RightMetric>(right_metric_from(w, samples_, responses_, 1.0 / static_cast<double>(s_)));
    whitened_ = std::make_unique<WhitenedPenalty>(*metric_);
  }
  return *whitened_;
}

std::optional<Factors> RegressionObjective::penalty_minimizer(const DistMatrix& w, double lambda, int64_t rank) const {
  return whitened(w).minimizer(w, lambda, rank);
}

void RegressionObjective::hint_penalty_minimizer(const DistMatrix& w, const Factors& near) const {
  whitened(w).seed(near.r);
}

std::shared_ptr<const ShiftedGramOperator> RegressionObjective::row_operator(double alpha) const {
  if (!cached_operator_ || cached_alpha_ != alpha) {
    cached_operator_.reset();  // free the old factor before building the new one
    cached_operator_ = std::make_shared<ShiftedGramOperator>(samples_, alpha);
    cached_alpha_ = alpha;
  }
  return cached_operator_;
}

}  // namespace jf::joint
