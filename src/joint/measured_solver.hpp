#pragma once
// Trust-region minimisation of a measured task loss over rank-k factorizations:
//   phi(X) = alpha ||W - X||_F^2 + beta f(X)   subject to   rank X <= k,  ||W - X||_F <= recon_bound
// (lossless: alpha = 0, beta = 1; penalty: alpha = 1, beta = lambda, no bound). Each step re-linearises f
// at the current X0 and minimises the model alpha ||W - X||^2 + beta (<G, X - X0> + c/2 ||X - X0||^2)
// over the constraint set: with Y = (alpha W + beta (c/2 X0 - G/2)) / (alpha + beta c/2) that is the
// rank-k X nearest Y, pulled towards W just enough to meet the bound (X = [(1 - t) Y + t W]_k, t found by
// bisection; t = 1 gives W_k, which meets it). The damping c is the trust region (Levenberg-Marquardt
// form): a step is accepted only when the measured phi falls by at least 0.1 x the model's prediction;
// otherwise c grows 4x (the region shrinks); a step that matches the model well (ratio > 0.75) halves c.
// phi never increases. Each evaluation is one loss evaluation; each model step one or a few truncated
// SVDs of an m x n matrix. Memory: four m x n matrices laid out like W.
#include <limits>
#include <string>
#include <vector>

#include "joint/task_loss.hpp"
#include "jointfact/joint/alternating_solver.hpp"

namespace jf::joint {

// The data the solver works against: W, ||W||_F^2 and where progress lines go (may be empty).
struct MeasuredProblem {
  const DistMatrix& w;
  double w_norm_squared;
  ProgressFn progress;
};

struct MeasuredOptions {
  double alpha = 0;
  double beta = 1;
  double recon_bound = std::numeric_limits<double>::infinity();
  int max_evaluations = 40;
  // Stop after two accepted steps in a row that lower phi by at most this fraction of |phi|.
  double tol = 1e-5;
  int bisection_steps = 12;
  std::string progress_prefix;
};

struct MeasuredResult {
  Factors factors;
  double loss = 0;                  // measured f at the result
  double recon_error = 0;           // ||W - L R^T||_F
  std::vector<HistoryRow> history;  // the start, then every accepted step (F = phi)
  int evaluations = 0;
  int accepted = 0, rejected = 0;
};

// `start` must meet the bound. Collective.
MeasuredResult solve_measured(const MeasuredProblem& problem, const TaskLoss& loss, const Factors& start,
                              const MeasuredOptions& options);

}  // namespace jf::joint
