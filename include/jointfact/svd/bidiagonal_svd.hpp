#pragma once
// The fast exact SVD: a distributed analogue of LAPACK's dgesdd.
//
//   1. W = A (or A^T when m < n, so W is tall: rows >= cols), copied to square blocks.
//   2. If W is taller than wide (rows >= 1.2 cols): W = Q_r R by pdgeqrf, and work on R (cols x cols);
//      pdgebrd is bound by matrix-vector products, so trading its flops for BLAS-3 QR flops pays early.
//   3. pdgebrd: W (or R) = Q_b B P^T with B upper bidiagonal (cols x cols).
//   4. The 2 cols - 1 entries of B are summed onto every rank (O(cols) data), and every grid rank runs
//      LAPACK's divide-and-conquer dbdsdc on B = U_b S V_b^T (identical input, identical bits).
//   5. Each rank copies only its own block-cyclic entries of the k leading columns of U_b and V_b into
//      DistMatrix form; then U = Q_r Q_b [U_b(:, 0:k); 0] and V = P V_b(:, 0:k) by pdormqr / pdormlq (the
//      pdormbr products): the transforms are applied to m x k and n x k matrices only.
//
// Memory: besides A's copy, every grid rank holds for the duration of dbdsdc a transient of about
// 5 r^2 doubles, r = min(m, n) (U_b and V_b^T, r x r each, and dbdsdc's 3 r^2 workspace); the workspace is
// freed when dbdsdc returns, U_b and V_b as soon as the local blocks of their k leading columns are copied.
// That bounds r (e.g. r = 20000 needs ~16 GB per rank): beyond it use the randomized method.
//
// Time: dbdsdc is serial and redundant (every rank computes the same O(r^3) bidiagonal SVD), so it does not
// shrink with more ranks; at 4000 x 3000 on 2 ranks it is ~2.7 s of ~15 s, on many ranks it dominates.
// ScaLAPACK pdgesvd (pdgesvd_truncated_svd) runs its bidiagonal QR iteration on every rank as well, and is
// ~5x slower here.
//
// Accuracy is that of dgesdd (backward stable: Householder reductions and the relative-accuracy
// bidiagonal D&C), unlike routes through the Gram matrix A^T A, which lose the small singular values.
#include <cstdint>
#include <functional>
#include <vector>

#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

// Picks k in [1, min(m, n)] from the full spectrum (descending); called with identical values on every rank.
using RankChooser = std::function<int64_t(const std::vector<double>& s_full)>;

// The leading k = choose_rank(s) singular triplets of A, k checked against [1, min(m, n)]. Factors on A's
// grid with block A.row_block() (as every method returns them), s replicated on every rank.
TruncatedSvd bidiagonal_dc_svd(const DistMatrix& a, const RankChooser& choose_rank);

}  // namespace jf::svd
