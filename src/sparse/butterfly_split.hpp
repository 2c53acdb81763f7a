#pragma once
// One split of the hierarchical butterfly factorization as N independent rank-one problems.
//
// Index sets. Let P = F_first ... F_last be the current matrix (N x N, N = 2^J) and split it after
// factor k into L = F_first ... F_k and R = F_(k+1) ... F_last. With s = J - k:
//   L may change the row bits  [s, J - first]     (mask_L),
//   R may change the row bits  [J - last, s - 1]  (mask_R),
//   P may change the bits      [J - last, J - first] = mask_L | mask_R.
// P[i, j] = sum_m L[i, m] R[m, j] has, for each (i, j) on P's support, exactly one nonzero term:
//   m = (i & ~mask_L) | (j & mask_L).
// Hence P = sum_m L[:, m] R[m, :] is a sum of N rank-one matrices whose supports tile supp(P):
//   block m:  rows(m) = { (m & ~mask_L) | (p << s)          : p = 0 .. 2^(k-first+1) - 1 }
//             cols(m) = { (m & ~mask_R) | (q << (J - last)) : q = 0 .. 2^(last-k) - 1 }
// and the best split is, block by block (Theorem 2: disjoint supports), the best rank-one
// approximation P[rows(m), cols(m)] ~ u_m v_m^T, giving L[rows(m)[p], m] = u_m[p] and
// R[m, cols(m)[q]] = v_m[q]. Blocks are 2^(k-first+1) x 2^(last-k); their areas sum to N * 2^w
// (w = last - first + 1), one pass over P's support.
// Seen as a permutation: inside one class of the bits outside mask_L | mask_R, P is a dense
// 2^w x 2^w matrix; split its row bits into (pL, pR) and column bits into (qL, qR) by mask_L /
// mask_R. Block m is the sub-matrix over (pL, qR) at fixed (pR, qL) = (m's R bits, m's L bits).
//
// A distributed driver uses the three steps separately: (a) split_block_indices enumerates a
// block's rows and columns (global indices into P), (b) best_rank_one (low_rank_block.hpp) solves
// its gathered dense data anywhere, (c) store_block_solution / assemble_split write the factors.

#include "jointfact/sparse/butterfly_tree.hpp"
#include "jointfact/sparse/low_rank_block.hpp"
#include "sparse/butterfly_partial_product.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace jf::sparse {

struct BlockIndices {
  std::vector<std::int64_t> rows;  // global row indices into the split's current matrix P
  std::vector<std::int64_t> cols;  // global column indices into P
};

inline std::int64_t split_block_count(const ButterflySplit& split) { return std::int64_t{1} << split.log2n; }
inline std::int64_t split_block_rows(const ButterflySplit& split) { return std::int64_t{1} << split.left().count(); }
inline std::int64_t split_block_cols(const ButterflySplit& split) { return std::int64_t{1} << split.right().count(); }

// (a) Rows and columns of block `block_id` (= m, 0 <= m < N), in increasing order.
BlockIndices split_block_indices(const ButterflySplit& split, std::int64_t block_id);

// The dense block P[rows, cols] from the root's dense matrix or from a stored partial product.
Eigen::MatrixXd gather_block(const Eigen::MatrixXd& p, const BlockIndices& idx);
Eigen::MatrixXd gather_block(const ButterflyPartialProduct& p, const BlockIndices& idx);

struct SplitFactors {
  ButterflyPartialProduct left;   // F_first ... F_k
  ButterflyPartialProduct right;  // F_(k+1) ... F_last
};

SplitFactors make_split_factors(const ButterflySplit& split);  // zero-initialised

// How a block's rank-one term u v^T is scaled between the two factors. The side that is split
// further must carry the scale: its later splits minimise an unweighted Frobenius error, which
// matches the true error only if the other side has unit-norm columns (rows). So when exactly one
// child is a single factor, that leaf gets the unit vector; otherwise the balanced scaling of
// best_rank_one is kept. (Measured on noisy butterfly products at N = 1024: with balanced scaling
// everywhere the left-to-right tree's error is 2.6x the noise; with this rule both trees stay
// within 1.06x.)
RankOneFactors scale_for_split(const ButterflySplit& split, const RankOneFactors& solution);

// (c) Writes block `block_id`'s rank-one solution (scaled by scale_for_split) into column m of
// `left` and row m of `right`.
void store_block_solution(const ButterflySplit& split, std::int64_t block_id, const RankOneFactors& balanced_solution,
                          SplitFactors& factors);

// (c) All blocks at once; solutions[m] belongs to block m.
SplitFactors assemble_split(const ButterflySplit& split, const std::vector<RankOneFactors>& solutions);

// sum over blocks of ||P[rows(m), cols(m)] - L[rows(m), m] R[m, cols(m)]||^2: the squared error
// of L R on the support of P (all of it at the root). Blockwise, so it distributes like a split.
double split_squared_error(const ButterflySplit& split, const Eigen::MatrixXd& p, const SplitFactors& factors);

// (a)+(b)+(c) serially: the reference the distributed driver must reproduce.
SplitFactors solve_split(const ButterflySplit& split, const Eigen::MatrixXd& p);
SplitFactors solve_split(const ButterflySplit& split, const ButterflyPartialProduct& p);

}  // namespace jf::sparse
