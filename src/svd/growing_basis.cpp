#include "svd/growing_basis.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::svd {

GrowingBasis::GrowingBasis(GridPtr grid, int64_t rows, int64_t max_cols, int64_t nb)
    : max_cols_(max_cols), nb_(nb), storage_(std::move(grid), rows, 0, nb, nb) {}

void GrowingBasis::reserve(int64_t cols) {
  if (cols <= storage_.cols()) return;
  if (cols > max_cols_) throw LibraryError("GrowingBasis: more columns than the bound allows");
  const int64_t capacity = std::min(max_cols_, std::max(cols, 2 * storage_.cols()));
  DistMatrix larger(storage_.grid_ptr(), storage_.rows(), capacity, nb_, nb_);
  copy_block(storage_, 0, 0, storage_.rows(), used_, larger, 0, 0);
  storage_ = std::move(larger);
}

void GrowingBasis::append(const DistMatrix& block) {
  if (block.rows() != rows()) throw LibraryError("GrowingBasis::append: row counts differ");
  reserve(used_ + block.cols());
  copy_block(block, 0, 0, rows(), block.cols(), storage_, 0, used_);
  used_ += block.cols();
}

DistMatrix GrowingBasis::trimmed() const {
  DistMatrix exact(storage_.grid_ptr(), rows(), used_, nb_, nb_);
  copy_block(storage_, 0, 0, rows(), used_, exact, 0, 0);
  return exact;
}

void absorb_basis_block(GrowingBasis& q, GrowingBasis& b_t, const DistMatrix& q_block, const DistMatrix& b_t_block,
                        double norm_a, double& error_squared, const ProgressFn& progress) {
  const double captured = norm_a > 0 ? frobenius_norm(b_t_block) / norm_a : 0.0;
  error_squared -= captured * captured;
  q.append(q_block);
  b_t.append(b_t_block);
  if (progress) {
    progress("basis " + std::to_string(q.cols()) + " columns, estimated error " +
             format_number("%.3e", std::sqrt(std::max(0.0, error_squared))));
  }
}

int64_t fixed_accuracy_block_columns(const SvdOptions& options, int64_t max_rank) {
  const int64_t b =
      options.block_columns > 0 ? options.block_columns : std::min<int64_t>(32, std::max<int64_t>(4, max_rank / 8));
  return std::min(b, max_rank);
}

void subtract_low_rank(const GrowingBasis& left, const GrowingBasis& right, const DistMatrix& x, DistMatrix& y) {
  const int64_t l = left.cols(), b = x.cols();
  if (l == 0 || b == 0) return;
  DistMatrix coefficients(x.grid_ptr(), l, b, x.row_block(), x.col_block());
  gemm_sub(Op::Trans, Op::None, l, b, right.rows(), 1.0, right.storage(), 0, 0, x, 0, 0, 0.0, coefficients, 0, 0);
  gemm_sub(Op::None, Op::None, left.rows(), b, l, -1.0, left.storage(), 0, 0, coefficients, 0, 0, 1.0, y, 0, 0);
}

}  // namespace jf::svd
