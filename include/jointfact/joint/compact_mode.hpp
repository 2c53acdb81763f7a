#pragma once
// Compact mode (Zhang et al.'s second algorithm): the smallest k whose lossless optimum is good enough for
// the task, f*(k) <= f(W) + loss_tol (loss_tol >= 0, in the loss's own units; for output-matching losses,
// where f(W) = 0, the tolerance is what makes the question meaningful). The largest k is solved first (if
// it does not qualify, nothing smaller is tried and the result says so); then bisection on k, which finds
// the smallest qualifying k when every larger k qualifies too (f*(k) falls with k while the error bound is
// active). About log2(max_rank) lossless searches instead of up to max_rank. The f*(k) of every k tried
// form the rank curve, sorted by k.
#include <vector>

#include "jointfact/joint/lossless_mode.hpp"

namespace jf::joint {

struct RankCurvePoint {
  int64_t rank = 0;
  double task_loss = 0;  // f*(k)
};

struct CompactResult {
  int64_t rank = 0;                     // the chosen k (max_rank when none qualifies)
  bool found = false;                   // whether some k <= max_rank has f*(k) <= f(W) + loss_tol
  LosslessResult lossless;              // at the chosen k
  InitialFactors svd_start;             // the SVD start at the chosen k (for loss_svd, recon_error_svd)
  double svd_loss = 0;                  // f(W_k) at the chosen k
  std::vector<RankCurvePoint> curve;    // every k tried, by k
  std::vector<LambdaSegment> segments;  // every solve, all ranks tried
  int iterations = 0;
};

// `start` is the rank-max_rank SVD start; every smaller k starts from its leading columns.
CompactResult solve_compact(const AlternatingSolver& solver, const InitialFactors& start, double original_loss,
                            const LosslessOptions& options, double loss_tol = 0);

}  // namespace jf::joint
