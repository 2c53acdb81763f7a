#pragma once
// Truncated SVD to a residual tolerance: the k leading triplets with ||A v_i - s_i u_i||_2 <= tol ||A||_2
// for every i (||A||_2 estimated by the largest Ritz value, a lower bound that converges first).
//
// Method: block Lanczos on A A^T with full re-orthogonalisation, thick restarts and locking. The column
// basis Q (m x L) grows by the residual vectors of the not yet converged Ritz triplets; W = A^T Q is kept
// alongside (n x L), so every Rayleigh-Ritz step is a QR of W and an L x L SVD (projected_svd.hpp), and
// the residual of Ritz triplet i is exactly ||(I - Q Q^T) A v_i||: the same product that measures it
// gives the next Krylov block. Converged triplets leave the block (locking) and are re-checked once before
// returning. A restart keeps the leading Ritz vectors: Q := Q V_r, W := Q_B U_r S, no product with A.
//
// Distribution: Q and W in the thin layout (thin_basis.hpp); per rank ~ (m + n) L / P_rows doubles with
// L <= max(3 (k + p), k + p + 16) columns, p = options.oversample; A is only read.
// Cost per step: two thin products with b <= k + p columns, O((m + n) L b) for projections and QR.
// Progress (options.progress): converged/k and the worst relative residual after every step.
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

// options.rank = k (1 <= k <= min(m, n)), options.residual_tol in (0, 1), options.oversample >= 0,
// options.seed. On success result.residuals holds ||A v_i - s_i u_i|| / s_1 measured on the returned vectors
// (so measure_quality takes them instead of another A V product); empty otherwise. When the tolerance is
// below what rounding allows (~1e-15 sqrt(n)), stops after the basis can no longer grow or 500 steps and
// reports so through options.progress; the residuals then show what was reached.
TruncatedSvd converged_truncated_svd(const DistMatrix& a, const SvdOptions& options);

}  // namespace jf::svd
