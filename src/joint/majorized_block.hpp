#pragma once
// The generic majorise-minimise block problem. With c the objective's curvature bound and X = L R^T the
// current point, f(Y) <= f(X) + <grad f(X), Y - X> + c/2 ||Y - X||^2, so
//   F(Y) <= (1 + lambda c / 2) ||T - Y||_F^2 + const,  T = (W + (lambda c/2) X - (lambda/2) grad f(X)) / (1 + lambda
//   c/2).
// For Y = L' R^T the right side is q(L') with A = (1 + lambda c/2) R^T R and B = (1 + lambda c/2) T R
// = W R + (lambda c/2) L (R^T R) - (lambda/2) grad f(X) R: T itself (m x n) is never formed.
#include "jointfact/joint/objective.hpp"

namespace jf::joint {

BlockProblem majorized_left_block(const Objective& objective, const BlockContext& context);
BlockProblem majorized_right_block(const Objective& objective, const BlockContext& context);

}  // namespace jf::joint
