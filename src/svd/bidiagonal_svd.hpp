#pragma once
// The fast exact SVD: a distributed analogue of LAPACK's dgesdd.
//
//   1. W = A (or A^T when m < n, so W is tall: rows >= cols), copied to square blocks.
//   2. If W is taller than wide (rows >= 1.2 cols): W = Q_r R by pdgeqrf, and work on R (cols x cols);
//      pdgebrd is bound by matrix-vector products, so trading its flops for BLAS-3 QR flops pays early.
//   3. pdgebrd: W (or R) = Q_b B P^T with B upper bidiagonal (cols x cols).
//   4. The 2 cols - 1 entries of B are summed onto every rank (O(cols) data); LAPACK's dbdsdc without
//      vectors gives B's singular values on every rank (O(cols) memory), and k is chosen from them.
//   5. B's k leading singular vectors, by one of two routes (BidiagonalRoute says which, and why):
//      - distributed (golub_kahan.hpp): bisection + inverse iteration on B's 2 cols x 2 cols Golub-Kahan
//        tridiagonal, pdstebz + pdstein; each rank holds O(cols k / P). Taken for k <= cols / 4 when no
//        wanted singular value is below s_max / (2 cols);
//      - distributed (golub_kahan.hpp): divide and conquer on the same tridiagonal, pdstedc; all 2 cols
//        eigenvectors, ~12 cols^2 / P doubles per rank. Taken for k > cols / 4 on 3 or more grid ranks,
//        where that is below the replicated route's 5 cols^2;
//      - replicated: dbdsdc with vectors on every grid rank, each rank keeping its own block-cyclic entries
//        of the k leading columns. Transient per rank ~5 cols^2 doubles (U_b, V_b^T and dbdsdc's
//        workspace): r = 20000 needs ~16 GB per rank. Taken otherwise (tiny singular values wanted, or
//        many vectors on 1 or 2 ranks).
//   6. U = Q_r Q_b [U_b(:, 0:k); 0] and V = P V_b(:, 0:k) by pdormqr / pdormlq (the pdormbr products): the
//      transforms are applied to m x k and n x k matrices only.
//
// Memory: besides A's copy (and R when tall), O(cols k / P) per rank by inverse iteration, 12 cols^2 / P
// by divide and conquer; the replicated route's 5 cols^2 transient otherwise.
//
// Time: the reduction (pdgeqrf, pdgebrd) dominates and shrinks with P. The distributed route's bisection
// and inverse iteration cost O(cols k) spread over the ranks; the replicated route's dbdsdc is serial and
// redundant, O(cols^3) on every rank. ScaLAPACK pdgesvd (pdgesvd_truncated_svd) runs its bidiagonal QR
// iteration on every rank as well, and is ~5x slower at 4000 x 3000 on 2 ranks.
//
// Accuracy is that of dgesdd (backward stable: Householder reductions and the relative-accuracy
// bidiagonal D&C), unlike routes through the Gram matrix A^T A, which lose the small singular values.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

// Picks k in [1, min(m, n)] from the full spectrum (descending); called with identical values on every rank.
using RankChooser = std::function<int64_t(const std::vector<double>& s_full)>;

// Which route step 5 took, and why (for progress lines and tests).
struct BidiagonalRoute {
  bool distributed = false;
  std::string reason;
};

// The leading k = choose_rank(s) singular triplets of A, k checked against [1, min(m, n)]. Factors on A's
// grid with block A.row_block() (as every method returns them), s replicated on every rank. When `route`
// is given, it receives the route of step 5 (identical on every rank).
TruncatedSvd bidiagonal_dc_svd(const DistMatrix& a, const RankChooser& choose_rank, BidiagonalRoute* route = nullptr);

}  // namespace jf::svd
