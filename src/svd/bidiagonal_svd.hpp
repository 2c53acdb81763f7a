#pragma once
// The fast exact SVD: a distributed analogue of LAPACK's dgesdd.
//
//   1. W = A (or A^T when m < n, so W is tall: rows >= cols), copied to square blocks.
//   2. If W is taller than wide (rows >= 1.2 cols): W = Q_r R by pdgeqrf, and work on R (cols x cols);
//      pdgebrd is bound by matrix-vector products, so trading its flops for BLAS-3 QR flops pays early.
//   3. pdgebrd: W (or R) = Q_b B P^T with B upper bidiagonal (cols x cols).
//   4. The 2 cols - 1 entries of B are summed onto every rank (O(cols) data); LAPACK's dbdsdc without
//      vectors gives B's singular values on every rank (O(cols) memory), and k is chosen from them.
//   5. B's k leading singular vectors, by the route that needs the least memory per rank among the accurate
//      ones (choose_vector_route; BidiagonalRoute says which, with the estimates):
//      - distributed (golub_kahan.hpp): bisection + inverse iteration on B's 2 cols x 2 cols Golub-Kahan
//        tridiagonal, pdstebz + pdstein; each rank holds 2 cols (k / P + c) doubles, c the largest cluster
//        of close singular values (reorthogonalized on one process, room for it on every process);
//      - distributed (golub_kahan.hpp): divide and conquer on the same tridiagonal, pdstedc; all 2 cols
//        eigenvectors, ~12 cols^2 / P doubles per rank whatever the clusters;
//      - replicated: dbdsdc with vectors on every grid rank, each rank keeping its own block-cyclic entries
//        of the k leading columns. Transient per rank ~5 cols^2 doubles (U_b, V_b^T and dbdsdc's
//        workspace): r = 20000 needs ~16 GB per rank. The only accurate route when a wanted singular value
//        is below s_max / (2 cols), and the smallest on 1 or 2 ranks when clusters are large.
//   6. U = Q_r Q_b [U_b(:, 0:k); 0] and V = P V_b(:, 0:k) by pdormqr / pdormlq (the pdormbr products): the
//      transforms are applied to m x k and n x k matrices only.
//
// Memory: besides A's copy (and R when tall), 2 cols (k / P + c) per rank by inverse iteration, 12 cols^2 / P
// by divide and conquer, the replicated route's 5 cols^2 transient; the least of the accurate ones.
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

// The routes of step 5. Automatic: the least memory among the accurate ones.
enum class VectorRoute { Automatic, InverseIteration, DivideAndConquer, Replicated };

// Which route step 5 took, and why (for progress lines and tests).
struct BidiagonalRoute {
  bool distributed = false;
  VectorRoute taken = VectorRoute::Replicated;
  std::string reason;
};

// The route for the k leading vectors of B (diagonal d, superdiagonal e, singular values s descending) on
// `ranks` grid ranks, with the reason and each route's memory per rank in the reason. Pure: identical inputs
// give identical choices on every rank.
BidiagonalRoute choose_vector_route(const std::vector<double>& d, const std::vector<double>& e,
                                    const std::vector<double>& s, int64_t k, int ranks);

// The leading k = choose_rank(s) singular triplets of A, k checked against [1, min(m, n)]. Factors on A's
// grid with block A.row_block() (as every method returns them), s replicated on every rank. When `route`
// is given, it receives the route of step 5 (identical on every rank). `forced` other than Automatic takes
// that route whatever the estimates and accuracy (for tests); a distributed route that ScaLAPACK cannot
// complete still falls back to the replicated one, and says so.
TruncatedSvd bidiagonal_dc_svd(const DistMatrix& a, const RankChooser& choose_rank, BidiagonalRoute* route = nullptr,
                               VectorRoute forced = VectorRoute::Automatic);

}  // namespace jf::svd
