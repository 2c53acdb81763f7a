#pragma once
// Fixed-support matrix factorization (fsmf.hpp) on a block-cyclic DistMatrix A (m x n).
//
// The supports S_X (m x r) and S_Y (n x r) and the factors X, Y are small and replicated; A is
// never gathered on one rank:
// 1. Classes: each class block A[I, J] is moved, with one MPI_Alltoallv per wave (below), to the
//    rank that solves it (classes dealt by area, largest first, to the least loaded rank); only the
//    current wave's blocks are held. Bigger classes are solved on the whole grid, no rank holding the
//    whole block: a rank-one class whose block exceeds an eighth of a rank's share of A runs the serial
//    power iteration on each rank's own entries of A; a larger class whose block exceeds half a share
//    moves into a block-cyclic matrix and the exact distributed SVD gives its best rank-|P|
//    approximation (distributed_class_solve.hpp).
// 2. Greedy Algorithm 2 in class order, in waves: a class waits only for earlier classes whose
//    supports overlap its own (their X, Y columns are subtracted from its block); classes of one
//    wave are solved in parallel, then their small factor blocks are allgathered. Pairwise
//    disjoint classes form one wave and the result is optimal (Theorem 2).
// 3. Otherwise alternating least squares inside the supports, on A where it lies: for each support
//    pattern the pseudo-inverse of the fixed factor's columns is applied to each rank's own entries
//    and one allreduce sums the new factor (distributed_fsmf_refine.hpp). No copy of A; the error
//    never increases.
// Results equal the serial fsmf_factorize up to rounding, for any P and grid.
// Limitation: X, Y and the supports (m x r, n x r) are replicated on every rank.

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/fsmf.hpp"
#include "jointfact/sparse/sparse_progress.hpp"

namespace jf::sparse {

// Collective over a.grid().comm(); the supports must be identical on every rank. Throws
// InputError on every rank when the supports do not match A's shape or A holds NaN/Inf.
FsmfResult fsmf_factorize_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                      const SupportMatrix& support_y, const FsmfOptions& options = {},
                                      const SparseProgress& progress = {});

}  // namespace jf::sparse
