#pragma once
// Fixed-support matrix factorization (fsmf.hpp) on a block-cyclic DistMatrix A (m x n).
//
// Neither A, a factor nor a support is gathered on one rank. The rows of X and S_X live with the process row
// that holds those rows of A, the rows of Y and S_Y with the process column that holds those columns of A (all
// r columns each): every entry A(i, j) meets X(i, :) and Y(j, :) on the rank that holds it, so a rank keeps
// (m / P_r + n / P_c) r factor values and as many support flags.
// 0. Classes of identical rank-one supports from the supports' rows where they lie: each support column is
//    fingerprinted (an allreduce of 6 r integers), equal fingerprints confirmed, and one allreduce of two
//    C x C tables (C classes <= r) tells which classes overlap (distributed_support_classes.hpp).
// 1. Classes: each class's residual block A[I, J] (the terms of earlier overlapping classes subtracted by
//    the holders of its entries) is moved, with one MPI_Alltoallv per wave (below), to the rank that solves
//    it (classes dealt by area, largest first, to the least loaded rank), with its rows and columns; only the
//    current wave's blocks are held. Bigger classes are solved on the whole grid, no rank holding the
//    whole block, their index sets (|I| + |J|) gathered on every rank for the time of the solve: a rank-one
//    class whose block exceeds an eighth of a rank's share of A runs the serial power iteration on each rank's
//    own entries of A; a larger class whose block exceeds half a share moves into a block-cyclic matrix and
//    the exact distributed SVD gives its best rank-|P| approximation (distributed_class_solve.hpp).
// 2. Greedy Algorithm 2 in class order, in waves: a class waits only for earlier classes whose supports
//    overlap its own; classes of one wave are solved in parallel, then each solution's rows go (one
//    all-to-all) to the process row (column) whose entries of A they meet. Pairwise disjoint classes form
//    one wave and the result is optimal (Theorem 2).
// 3. Otherwise alternating least squares inside the supports, on A where it lies: for each support
//    pattern the fixed factor's pattern columns are factored by a QR over the process row (column) that
//    holds them, each rank applies its rows of the pseudo-inverse to its own entries, and one allreduce
//    over the process row (column) sums the new rows (distributed_fsmf_refine.hpp). No copy of A; the
//    error never increases.
// Results equal the serial fsmf_factorize up to rounding, for any P and grid.
// Limitations: a class solved on the whole grid returns its solution (|I| + |J|) x |P| to every rank for a
// moment; the C x C overlap table (C <= r) is replicated.

#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/fsmf.hpp"

#include <vector>

namespace jf::sparse {

struct DistributedFsmfResult {
  // On A's grid, row blocks of A's row (X) or column (Y) block size, the r columns in one block per process
  // column (ceil(r / P_c) wide): each rank holds about (m or n) r / P.
  DistMatrix x;                        // m x r, zero off S_X
  DistMatrix y;                        // n x r, zero off S_Y
  double rel_error = 0.0;              // ||A - X Y^T||_F / ||A||_F
  double greedy_rel_error = 0.0;       // the same after the greedy step, before refinement
  bool optimal = false;                // classes pairwise disjoint: the result is a global optimum
  std::vector<double> refine_history;  // rel_error after each refinement sweep
};

// Collective over a.grid().comm(). support_x (m x r) and support_y (n x r): 0/1 masks (nonzero = in the
// support) on A's grid (the same GridPtr), any block sizes; std::invalid_argument otherwise. Throws InputError
// on every rank when the supports do not match A's shape or A holds NaN/Inf. Progress lines ("fsmf: ...": the
// classes found, refinement sweeps at most every 2 s, the sweeps' end) go to `progress`.
DistributedFsmfResult fsmf_factorize_distributed(const DistMatrix& a, const DistMatrix& support_x,
                                                 const DistMatrix& support_y, const FsmfOptions& options = {},
                                                 const ProgressFn& progress = {});

// The same with the supports replicated (identical on every rank; for supports that are small anyway).
DistributedFsmfResult fsmf_factorize_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                                 const SupportMatrix& support_y, const FsmfOptions& options = {},
                                                 const ProgressFn& progress = {});

}  // namespace jf::sparse
