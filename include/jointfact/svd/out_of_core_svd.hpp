#pragma once
// The randomized SVD of a matrix that stays in its HDF5 file. A is streamed in tiles (panel reader): each
// process row reads its own row panels, each process column its own slab of columns, all ranks at once;
// only the thin m x l and n x l matrices (distributed like the in-core method's) and one tile buffer per
// rank are in memory. The sequence of products and QRs is the in-core randomized method's
// (randomized_svd.cpp), one pass over the file per product, so the same seed, k, p and q give the same
// factors to rounding: 2q + 2 passes, plus one (A V) for the per-triplet residuals. Fewer passes would
// need A^T Q formed as (A^T Y) R^{-1}, which loses the small singular directions by a factor of cond(Y),
// the very rounding the QR after every product avoids.
//
// Distribution: the tile grid is A's process grid. Process column pc reads the columns
// [pc * slab, (pc + 1) * slab) (slab = ceil(n / PC), rounded up to whole chunks); the row panels
// (height h, whole chunks) go round-robin to the process rows. Per rank: the tile h x slab doubles
// (<= panel_bytes unless one row of chunks is larger), l x slab of the n-side operand, and the thin matrices.
#include <cstdint>
#include <functional>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/io/dataset_path.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

struct OutOfCoreOptions {
  int64_t panel_bytes = int64_t{256} << 20;  // tile buffer per rank
  bool residual_pass = true;                 // one more pass (A V) measures ||A v_i - s_i u_i|| per triplet
};

// The state between passes, enough to continue after `passes_done` passes on any grid.
struct OutOfCoreState {
  int64_t passes_done = 0;
  double frobenius_sq = 0;  // ||A||_F^2, summed during pass 1
  DistMatrix range_m;       // m x l: the column-space iterate (orthonormal after an odd pass)
  DistMatrix range_n;       // n x l: the row-space iterate (orthonormal after an even pass < 2q + 2, then B^T)
};

// Called on every rank after every pass (collective: may write a checkpoint, may throw to stop).
using PassDoneFn = std::function<void(const OutOfCoreState&)>;

struct OutOfCoreHooks {
  const OutOfCoreState* resume = nullptr;  // continue after resume->passes_done passes
  PassDoneFn after_pass;                   // may be empty
};

// Passes over the file for these options: 2 q + 2, plus 1 with the residual pass.
int64_t out_of_core_pass_count(const SvdOptions& options, const OutOfCoreOptions& ooc);

// The thin matrices' layout (rows x l, A's block size nb), for loading a saved state on another grid.
DistMatrix out_of_core_thin_matrix(const GridPtr& grid, int64_t rows, int64_t l, int64_t nb);

// Rank-k randomized SVD of the dataset `info` (2-D, float64 or float32) on `grid` with block size nb for
// the factors. Requires options.rank in [1, min(m, n)] (tol != 0 throws InputError: see
// out_of_core_fixed_accuracy.hpp), oversample and power_iters >= 0. Returns the factors with the sign
// convention applied and the quality figures (measure_streamed_quality: ||A||_F comes with pass 1; the
// residuals with the residual pass, else -1). after_pass is not called after the residual pass: a run
// killed in it resumes from the state after pass 2q + 2. Progress ("pass i of N ...") goes to
// options.progress.
// Throws InputError on every rank when a rank cannot read its tiles.
TruncatedSvd out_of_core_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb, const SvdOptions& options,
                             const OutOfCoreOptions& ooc, const OutOfCoreHooks& hooks = {});

}  // namespace jf::svd
