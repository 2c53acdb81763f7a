#pragma once
// Truncated SVD to a residual tolerance: the k leading triplets with ||A v_i - s_i u_i||_2 <= tol ||A||_2
// for every i (||A||_2 estimated by the largest Ritz value, a lower bound that converges first).
//
// Method: thick-restart block Golub-Kahan-Lanczos with full re-orthogonalisation. Bases Q (m) and P (n) grow
// by blocks of b ~ (k + p) / 7 columns: Q_1 = orth(A Omega), then P_j from A^T Q_j and Q_{j+1} from A P_j,
// each orthogonalised against the whole basis (two Gram-Schmidt sweeps). Their coefficients give the projected
// matrix B = Q^T A P exactly, so a convergence check is an SVD of B (LAPACK dgesdd on rank 0, broadcast) and the
// residual of Ritz triplet i is ||B_pending y_i||, from the newest block's rows: no product with A. A restart keeps the
// leading Ritz vectors (P := P Y, Q := Q X) and the pending block, when P reaches ~3 (k + p) columns.
//
// Precision: where one product column's float32 rounding bound stays below a quarter of the tolerance
// (kSingleProductError sqrt(min(m, n)) <= tol / 4, i.e. about tol >= 1e-3 at min(m, n) = 10^4) and a float32 copy
// of A fits the node's memory, the products read that copy (about 1.8x faster per column here) and the rounding
// is bounded and added to every residual: deterministically, or where that bound alone would hold back
// triplets that B says have converged, by ||A P - Q B||_2 measured with 6 random probes in double (bound holds
// with probability >= 1 - 1e-6). The progress says which; options.single_precision_products = false keeps double.
//
// Distribution: Q and P in the thin layout (thin_basis.hpp); per rank ~ (m + n) L / P_rows doubles with
// L <= max(3 (k + p), k + p + 2 b) columns, p = options.oversample; A is only read; B is L x L, replicated; plus
// the float32 copy of A's local part (half of A's bytes) where it is used.
// Cost per step: two thin products with b columns, O((m + n) L b) for the projections.
// Progress (options.progress): converged/k, the worst relative residual and the columns multiplied so far,
// at every check (about every (k + p) / 2 basis columns, at every restart, every step when nearly done).
#include "jointfact/core/memory_estimate.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

// options.rank = k (1 <= k <= min(m, n)), options.residual_tol in (0, 1), options.oversample >= 0,
// options.seed. result.residuals holds ||A v_i - s_i u_i|| / s_1 of the returned vectors (from the projected
// matrix: exact up to rounding in double, an upper bound with float32 products; measure_quality takes them instead
// of another A V product). When the
// tolerance is below what rounding allows (~1e-15 sqrt(n)), stops when the basis can no longer grow or after
// 5000 steps and reports so through options.progress; the residuals then show what was reached.
TruncatedSvd converged_truncated_svd(const DistMatrix& a, const SvdOptions& options);

// Peak memory of converged_truncated_svd beside A for an m x n input on `grid` with blocks nb: the bases Q and P
// (up to ~3 (k + p) columns), a restart's rotated copy, U and V, and on every rank B and the Ritz SVD's factors.
// Without the float32 copy of A, which is taken only where it fits at run time. Allocates nothing.
MemoryEstimate converged_svd_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb, const SvdOptions& options);

}  // namespace jf::svd
