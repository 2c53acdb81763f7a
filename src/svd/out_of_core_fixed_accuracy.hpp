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

// Called on every rank after every pass with the passes done (collective: may throw to stop). This method
// keeps no checkpoint: a stopped run starts again from pass 1.
using FixedAccuracyPassFn = std::function<void(int64_t passes_done)>;

// Requires options.tol in (0, 1), options.rank == 0, power_iters >= 0. Returns the smallest rank whose
// truncation of Q B meets tol, with the sign convention and the quality figures (measure_streamed_quality).
// Throws InputError for other options and on every rank when a rank cannot read its tiles.
TruncatedSvd out_of_core_fixed_accuracy_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb,
                                            const SvdOptions& options, const OutOfCoreOptions& ooc,
                                            const FixedAccuracyPassFn& after_pass = {});

}  // namespace jf::svd
