#include "joint/majorized_block.hpp"

#include "joint/thin_algebra.hpp"

namespace jf::joint {
namespace {

// B = (data product) + (lambda c/2) Z_moving (fixed gram) - (lambda/2) (gradient product), A = (1 + lambda c/2) gram.
BlockProblem majorized(const DistMatrix& moving, const BlockContext& context, double curvature,
                       const DistMatrix& gradient_product) {
  const double half_lambda_c = 0.5 * context.lambda * curvature;
  BlockProblem problem;
  problem.gram = (1.0 + half_lambda_c) * context.fixed_gram;
  problem.rhs = context.data_product;
  if (half_lambda_c != 0) scale_add(1.0, problem.rhs, half_lambda_c, times_small(moving, context.fixed_gram));
  scale_add(1.0, problem.rhs, -0.5 * context.lambda, gradient_product);
  return problem;
}

}  // namespace

BlockProblem majorized_left_block(const Objective& objective, const BlockContext& context) {
  return majorized(context.l, context, objective.curvature_bound(),
                   objective.gradient_times_right(context.l, context.r, context.data_product));
}

BlockProblem majorized_right_block(const Objective& objective, const BlockContext& context) {
  return majorized(context.r, context, objective.curvature_bound(),
                   objective.gradient_transpose_times_left(context.l, context.r, context.data_product));
}

BlockProblem Objective::left_block(const BlockContext& context) const { return majorized_left_block(*this, context); }
BlockProblem Objective::right_block(const BlockContext& context) const { return majorized_right_block(*this, context); }

std::optional<Factors> Objective::penalty_minimizer(const DistMatrix&, double, int64_t) const { return std::nullopt; }

}  // namespace jf::joint
