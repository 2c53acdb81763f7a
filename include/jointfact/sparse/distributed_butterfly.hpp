#pragma once
// The hierarchical butterfly factorization on a block-cyclic DistMatrix (N x N, N = 2^J).
//
// No rank ever holds the whole matrix. Each split of the tree is N independent rank-one problems
// on blocks of equal area (butterfly_split.hpp); block m is solved by rank owner(m) of an
// EqualBlockOwnership, so every rank solves ~N/P blocks and holds ~1/P of every matrix:
//   root:   every rank walks its block-cyclic entries of A, and one MPI_Alltoallv moves them so
//           that each rank holds whole root blocks;
//   later:  the matrix split next is a child of a solved split, held as the solutions of its
//           blocks (row m of the right child is v_m, column m of the left child is u_m, on the
//           owner of block m); one MPI_Alltoallv per round regroups it into the new split's
//           blocks. Values travel without indices, in an order both sides enumerate.
// Per-rank memory: the input's share plus O(N^2 / P) for the root blocks (kept for the final
// error) and exchange buffers; the children are smaller (N * 2^count entries spread over P).
// Single-factor children (2N values each) are allgathered as soon as they are solved, so all
// ranks end with identical factors. Block solutions depend only on the block's values, so the
// factors are bit-identical for any P, grid and block size.
// rel_error is computed blockwise by the root blocks' owners (one row and one column of each
// half of the final product per block, butterfly_chain.hpp) and an allreduce.

#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/butterfly_factorize.hpp"

#include <cstdint>
#include <string>

namespace jf::sparse {

// InputError unless rows == cols == 2^J with J >= 1; `what` names the matrix in the message.
// Not collective: call it on every rank with the same shape (e.g. from DatasetInfo).
void require_butterfly_shape(std::int64_t rows, std::int64_t cols, const std::string& what);

// Collective over a.grid().comm(). Throws InputError on every rank if A is not square with a
// power-of-two size N >= 2, or holds NaN/Inf. Progress lines ("butterfly: round r/R ...", at most every
// 2 s and the last) go to `progress`.
ButterflyFactorization butterfly_factorize_distributed(const DistMatrix& a, ButterflyTree tree,
                                                       const ProgressFn& progress = {});

}  // namespace jf::sparse
