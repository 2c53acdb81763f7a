#pragma once
// Lossless mode (Zhang et al.'s first algorithm): minimise f(L R^T) subject to
//   ||W - L R^T||_F <= eps = (1 + eps_rel) ||W - W_k||_F.
// The penalty solution's reconstruction error grows and its task loss falls as lambda grows, so the
// constrained optimum is the penalty solution at the largest feasible lambda. Found by continuation
// (lambda x 10 while feasible, each solve warm-started from the last feasible one) and then bisection on
// log(lambda). When each penalty solution is one SVD (a closed form, AlternatingSolver::uses_closed_form)
// a secant search on the error's growth against lambda replaces both and needs a few solves. The answer
// is always a feasible solution: the SVD start (lambda = 0) is one.
#include <limits>
#include <vector>

#include "jointfact/joint/alternating_solver.hpp"

namespace jf::joint {

struct LosslessOptions {
  double eps_rel = 0.01;
  double lambda_start = 0;  // 0: chosen from the problem's scales
  PenaltyOptions penalty;   // for each inner solve (its lambda is ignored)
  int max_solves = 60;
  // Stop bisecting once the task loss can improve by at most this fraction (estimated from the
  // multiplier: df/d(eps^2) = -1/lambda at the optimum).
  double loss_gap_rel = 1e-4;
  // The bound is min(eps, max(this, ||W - W_k||_F)): a trust radius for a predicted loss.
  double max_recon_error = std::numeric_limits<double>::infinity();
};

// One penalty solve of the search: its lambda, its history rows, and whether it met the bound.
struct LambdaSegment {
  double lambda = 0;
  int64_t rank = 0;
  std::vector<HistoryRow> history;
  int iterations = 0;
  bool feasible = false;
  bool stalled = false;  // see PenaltyResult::stalled
};

struct LosslessResult {
  Factors factors;         // the best feasible solution
  HistoryRow state;        // its F (at its lambda), task loss, recon error
  double lambda = 0;       // the lambda it solves (0: the SVD start itself)
  double recon_bound = 0;  // eps
  bool feasible = true;    // false only when not even the lambda = 0 fit meets eps (regularisers, L, R >= 0)
  int iterations = 0;      // alternating iterations over all solves
  std::vector<LambdaSegment> segments;
};

// `start` is the SVD start (recon error start.recon_error); `start_loss` is f(W_k).
LosslessResult solve_lossless(const AlternatingSolver& solver, const InitialFactors& start, double start_loss,
                              const LosslessOptions& options);

}  // namespace jf::joint
