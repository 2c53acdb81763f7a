#pragma once
// Solves one block problem of the alternating scheme (block_problem.hpp) with the regularisers added:
// smoothness mu ||D2 Z||^2 and optionally Z >= 0. Exact where the structure allows:
//   unconstrained, no S:      Z = (I + gamma 1 1^T)^-1 B A^-1 (Sherman-Morrison), or with smoothness
//                             diagonalise A = Q diag(d) Q^T and solve, column by column of Z Q, the
//                             banded systems (d_j I + mu K + gamma d_j 1 1^T) (Sherman-Morrison again,
//                             using K 1 = 0);
//   unconstrained, S, no mu:  Z = S^-1 B A^-1;
//   Z >= 0, uncoupled, no mu: one k-dimensional non-negative least squares per row;
//   Z >= 0, uncoupled, A diagonal: one banded non-negative problem per column.
// Every other combination takes a few majorise-minimise steps: the coupling S + gamma 1 1^T is replaced
// by sigma I (sigma >= its largest eigenvalue) and, with both smoothness and Z >= 0, A by the diagonal
// Gershgorin bound diag(sum_l |A_jl|) >= A. Each step minimises a majoriser that touches q at the
// current Z, so q (and F) never increase.
#include "jointfact/joint/block_problem.hpp"
#include "jointfact/joint/factor_layouts.hpp"

namespace jf::joint {

struct BlockRegularization {
  double smoothness = 0;  // mu
  bool nonneg = false;
  int majorize_steps = 5;  // majorise-minimise steps per block update when no exact solve applies
};

// Z (N x k, warm start) := the block minimiser, or a point where q is no larger.
void solve_block(const BlockProblem& problem, const BlockRegularization& regularization, const FactorLayouts& layouts,
                 DistMatrix& z);

// True when solve_block solves `problem` exactly (no majorise-minimise steps).
bool block_is_exact(const BlockProblem& problem, const BlockRegularization& regularization);

}  // namespace jf::joint
