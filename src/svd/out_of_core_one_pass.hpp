#pragma once
// The one-pass out-of-core SVD, for data that can be streamed only once: the two-sided sketch of Tropp,
// Yurtsever, Udell and Cevher (range sketch Y = A Omega, co-range sketch W = Psi A, both from the same
// pass; then Q = orth(Y), X = (Psi Q)^+ W, A ~ Q X, truncated to rank k by the SVD of X), with their
// a-posteriori error estimate from a test sketch Theta A taken in the same pass:
// ||Theta (A - A_k)||_F^2 / t is an unbiased estimate of ||A - A_k||_F^2 for a t-row Gaussian Theta.
//
// Sketch sizes: range l = k + oversample (clamped to min(m, n)), co-range s = min(2 l + 1, m), test
// t = min(kTestRows, m). Gaussian Omega, Psi, Theta from the counter-based generator (the seed decides
// them on any grid); Omega is the one the multi-pass method uses. Memory as the multi-pass method plus the
// n x (s + t) co-range and test sketches (distributed).
#include <cstdint>

#include "jointfact/svd/out_of_core_svd.hpp"

namespace jf::svd {

struct OnePassSvd {
  TruncatedSvd svd;           // residuals: test-sketch estimates (no pass of their own); orthogonality, tail energy
  double error_estimate = 0;  // estimated ||A - U S V^T||_F / ||A||_F from the test sketch
  int64_t range_columns = 0, co_range_rows = 0, test_rows = 0;  // l, s, t
};

constexpr int64_t kTestRows = 10;

// One pass over the dataset. Same preconditions and errors as out_of_core_svd.
OnePassSvd out_of_core_one_pass_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb, const SvdOptions& options,
                                    const OutOfCoreOptions& ooc);

}  // namespace jf::svd
