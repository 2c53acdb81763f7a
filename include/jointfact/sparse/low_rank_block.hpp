#pragma once
// Best low-rank approximations of one small dense block: the unit of work that the sparse
// stage ships to a rank. Both functions are pure: the result depends only on the block's values.
//
// Factors are balanced: block ~ u v^T with u = sqrt(sigma) * left vector, v = sqrt(sigma) *
// right vector, so neither side carries all the scale into the next split.

#include <Eigen/Dense>

#include <cstdint>

namespace jf::sparse {

struct RankOneFactors {
  Eigen::VectorXd u;  // block.rows()
  Eigen::VectorXd v;  // block.cols()
};

// Best rank-one approximation in the Frobenius norm. Blocks with a short side <= 8 take the top
// eigenvector of the short-side Gram matrix; larger ones use power iteration (deterministic start)
// until the right singular vector changes by <= 1e-12 (an exact rank-one block takes 2
// iterations). Blocks with a small spectral gap (e.g. pure noise) fall back to the Gram route
// after 30 iterations (300 when the short side exceeds 256 and the fallback is costly).
RankOneFactors best_rank_one(const Eigen::MatrixXd& block);

// The pieces of best_rank_one's power iteration, so that a driver holding the block split over ranks
// reproduces it: blocks with a short side up to this take the Gram route,
constexpr Eigen::Index kDenseMaxShortSide = 8;
// the iteration stops when the unit right vector changes by at most this,
constexpr double kPowerIterationVectorTol = 1e-12;
// starts from block^T w with these weights (deterministic, in [-1, 1)),
Eigen::VectorXd power_iteration_start_weights(Eigen::Index size);
// and gives up (Gram route) after this many iterations.
int power_iteration_cap(Eigen::Index short_side);

struct LowRankFactors {
  Eigen::MatrixXd u;  // block.rows() x rank
  Eigen::MatrixXd v;  // block.cols() x rank
};

// Best rank-`rank` approximation (truncated SVD), block ~ u v^T. When rank >= min(rows, cols) the
// block is reproduced exactly without an SVD (identity on the short side); surplus columns are 0.
LowRankFactors best_rank_k(const Eigen::MatrixXd& block, std::int64_t rank);

}  // namespace jf::sparse
