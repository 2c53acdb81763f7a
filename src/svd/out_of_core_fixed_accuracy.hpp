#pragma once
// Fixed-accuracy (options.tol) randomized SVD of a matrix that stays in its HDF5 file: the in-core method
// (fixed_accuracy_svd.cpp, randQB_EI of Yu, Gu and Li) with every product with A one streamed pass. The
// basis Q grows by blocks of b columns between passes; B^T = A^T Q grows with it, and
// ||A - Q B||_F^2 = ||A||_F^2 - ||B||_F^2 says when to stop. The pass that forms block i's B_i^T = A^T Q_i
// also forms the next block's A Omega_{i+1} (its Omega is known in advance): (2q + 1) passes per block plus
// one, and one more (A V) for the residuals. Same seed, tol, q and block size: the in-core factors to rounding.
//
// Memory per rank: the tile buffers, the growing m x L and n x L bases (L: final basis width, distributed),
// and four thin m x b / n x b iterates.
#include <cstdint>
#include <functional>

#include "jointfact/svd/out_of_core_svd.hpp"

namespace jf::svd {

// The state after a pass, enough to continue on any grid. The passes follow a fixed schedule (q = power_iters):
// pass 1 forms y = A Omega_1; then each block takes 2q power-iteration passes and one pass forming its B_i^T
// (and the next block's y = A Omega_{i+1}), after which the block is appended to q and b_t before the state is
// handed out. So with r = (passes_done - 1) mod (2q + 1): r = 0, y = A omega (a block's start); r odd, y
// orthonormal and omega = A^T y; r even > 0, omega orthonormal and y = A omega.
struct FixedAccuracyState {
  int64_t passes_done = 0;
  double frobenius_sq = 0;   // ||A||_F^2, summed during pass 1
  double error_squared = 0;  // the indicator ||A - Q B||_F^2 / ||A||_F^2 after the blocks in q
  DistMatrix q, b_t;         // m x L, n x L: the basis and B^T = A^T Q (L = 0 before the first block ends)
  DistMatrix y, omega;       // m x b, n x b: the current block's iterates as the last pass left them
};

// Called on every rank after every pass but the residual pass (collective: may write a checkpoint, may throw
// to stop). Building the state copies the bases (m x L and n x L, distributed) once per pass.
using FixedAccuracyPassFn = std::function<void(const FixedAccuracyState&)>;

struct FixedAccuracyHooks {
  const FixedAccuracyState* resume = nullptr;  // continue after resume->passes_done passes (any grid, any layout)
  FixedAccuracyPassFn after_pass;              // may be empty
};

// Requires options.tol in (0, 1), options.rank == 0, power_iters >= 0. Returns the smallest rank whose
// truncation of Q B meets tol, with the sign convention and the quality figures (measure_streamed_quality).
// Same options: the same result whether resumed (from any pass's state, on any grid) or not.
// Throws InputError for other options, for a resume state that does not fit this matrix and these options, and on
// every rank when a rank cannot read its tiles.
TruncatedSvd out_of_core_fixed_accuracy_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb,
                                            const SvdOptions& options, const OutOfCoreOptions& ooc,
                                            const FixedAccuracyHooks& hooks = {});

}  // namespace jf::svd
