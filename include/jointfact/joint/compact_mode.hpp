#pragma once
// Compact mode (Zhang et al.'s second algorithm): the smallest k whose lossless optimum is at least as
// good for the task as the uncompressed matrix, f*(k) <= f(W). Ranks are tried upwards from 1, so the
// first k that qualifies is the answer and no larger k is solved; the f*(k) of every k tried is the
// rank curve (Lemma 3: as k decreases f* first falls, then rises).
#include <vector>

#include "jointfact/joint/lossless_mode.hpp"

namespace jf::joint {

struct RankCurvePoint {
  int64_t rank = 0;
  double task_loss = 0;  // f*(k)
};

struct CompactResult {
  int64_t rank = 0;     // the chosen k (max_rank when none qualifies)
  bool found = false;   // whether some k <= max_rank has f*(k) <= f(W)
  LosslessResult lossless;  // at the chosen k
  InitialFactors svd_start;  // the SVD start at the chosen k (for loss_svd, recon_error_svd)
  double svd_loss = 0;       // f(W_k) at the chosen k
  std::vector<RankCurvePoint> curve;
  std::vector<LambdaSegment> segments;  // every solve, all ranks tried
  int iterations = 0;
};

// `start` is the rank-max_rank SVD start; every smaller k starts from its leading columns.
CompactResult solve_compact(const AlternatingSolver& solver, const InitialFactors& start, double original_loss,
                            const LosslessOptions& options);

}  // namespace jf::joint
