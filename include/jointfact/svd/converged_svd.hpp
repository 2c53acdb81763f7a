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
// Distribution: Q and P in the thin layout (thin_basis.hpp); per rank ~ (m + n) L / P_rows doubles with
// L <= max(3 (k + p), k + p + 2 b) columns, p = options.oversample; A is only read; B is L x L, replicated.
// Cost per step: two thin products with b columns, O((m + n) L b) for the projections.
// Progress (options.progress): converged/k, the worst relative residual and the columns multiplied so far,
// at every check (about every (k + p) / 2 basis columns, at every restart, every step when nearly done).
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

// options.rank = k (1 <= k <= min(m, n)), options.residual_tol in (0, 1), options.oversample >= 0,
// options.seed. result.residuals holds ||A v_i - s_i u_i|| / s_1 of the returned vectors (from the projected
// matrix: exact up to rounding, so measure_quality takes them instead of another A V product). When the
// tolerance is below what rounding allows (~1e-15 sqrt(n)), stops when the basis can no longer grow or after
// 5000 steps and reports so through options.progress; the residuals then show what was reached.
TruncatedSvd converged_truncated_svd(const DistMatrix& a, const SvdOptions& options);

}  // namespace jf::svd
