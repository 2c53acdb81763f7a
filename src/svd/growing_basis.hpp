#pragma once
// A distributed tall matrix whose column count grows block by block (the fixed-accuracy method's Q and
// B^T). Storage grows geometrically so appending costs amortised O(1) copies per column, and it never
// holds more than twice the columns in use (never a min(m, n)-wide preallocation: that is A's size).
#include <cstdint>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

class GrowingBasis {
 public:
  // `max_cols` bounds the growth; blocks of nb x nb as for A.
  GrowingBasis(GridPtr grid, int64_t rows, int64_t max_cols, int64_t nb);

  int64_t rows() const { return storage_.rows(); }
  int64_t cols() const { return used_; }  // columns in use: the first cols() of storage()
  const DistMatrix& storage() const { return storage_; }

  // Copies `block` (rows() x b) into columns [cols(), cols() + b).
  void append(const DistMatrix& block);
  // A rows() x cols() matrix holding exactly the columns in use.
  DistMatrix trimmed() const;

 private:
  void reserve(int64_t cols);

  int64_t max_cols_, nb_;
  int64_t used_ = 0;
  DistMatrix storage_;
};

// y := y - left(:, 0:l) (right(:, 0:l)^T x), l = left.cols() = right.cols(): one deflation step, e.g.
// (A - Q B) x = A x - Q (B x) with left = Q, right = B^T.  x may be the same matrix as y.
void subtract_low_rank(const GrowingBasis& left, const GrowingBasis& right, const DistMatrix& x, DistMatrix& y);

// One step of the fixed-accuracy method (in core and out of core alike): appends Q_i and B_i^T = A^T Q_i to the
// bases, lowers the error indicator error_squared = ||A - Q B||_F^2 / ||A||_F^2 by ||B_i||_F^2 / ||A||_F^2 and
// reports the basis width and the estimated error through `progress`. Collective.
void absorb_basis_block(GrowingBasis& q, GrowingBasis& b_t, const DistMatrix& q_block, const DistMatrix& b_t_block,
                        double norm_a, double& error_squared, const ProgressFn& progress);

// The fixed-accuracy method's block of columns added per step (in core and out of core alike):
// options.block_columns, or large enough for efficient pdgemm and few passes over A, small enough that the
// basis overshoots the needed rank by little; at most max_rank.
int64_t fixed_accuracy_block_columns(const SvdOptions& options, int64_t max_rank);

}  // namespace jf::svd
