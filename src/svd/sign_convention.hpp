#pragma once
// Singular vectors are unique only up to a sign per pair (u_j, v_j). Fixing the sign makes results
// comparable across methods, grids, block sizes and rank counts: every u_j gets a non-negative inner
// product with one fixed pseudo-random vector g (from the counter-based generator, so g is the same on
// any grid; u_j^T g = 0 happens with probability zero).
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

// Flips the pairs (u_j, v_j) with u_j^T g < 0. One m x k times m x 1 product.
void apply_sign_convention(TruncatedSvd& result);

}  // namespace jf::svd
