#include "svd/thin_basis.hpp"

#include <algorithm>
#include <cmath>

#include "distributed/fortran_int.hpp"
#include "distributed/narrow_gemm.hpp"
#include "distributed/scalapack_typed.hpp"
#include "jointfact/core/error.hpp"

namespace jf::svd {
namespace {

// The first `cols` local columns of a thin matrix (all columns local, or none on other process columns).
ConstLocalMatrixMap leading_columns(const DistMatrix& x, int64_t cols) {
  return {x.data(), x.local_rows(), x.local_cols() > 0 ? cols : 0, Eigen::OuterStride<>(x.lld())};
}

int fortran(int64_t value) { return to_fortran_int(value, "thin basis dimension"); }

void require_same_rows(const DistMatrix& basis, const DistMatrix& block, const char* what) {
  const bool thin = block.col_block() >= block.cols() && block.col_map().source() == basis.col_map().source();
  if (block.rows() != basis.rows() || block.row_block() != basis.row_block() ||
      block.row_map().source() != basis.row_map().source() || !thin) {
    throw LibraryError(std::string(what) + ": the block is not in the basis's thin layout");
  }
}

}  // namespace

ThinBasis::ThinBasis(GridPtr grid, int64_t rows, int64_t capacity, int64_t nb)
    : storage_(std::move(grid), rows, capacity, nb, std::max<int64_t>(capacity, 1)) {}

DistMatrix ThinBasis::thin_block(int64_t b) const {
  return DistMatrix(storage_.grid_ptr(), rows(), b, storage_.row_block(), std::max<int64_t>(capacity(), 1));
}

void ThinBasis::append(const DistMatrix& block) {
  require_same_rows(storage_, block, "ThinBasis::append");
  const int64_t b = block.cols();
  if (used_ + b > capacity()) throw LibraryError("ThinBasis::append: more columns than the capacity");
  if (storage_.local_cols() > 0 && block.local_cols() > 0) {
    LocalMatrixMap target = storage_.local();
    target.middleCols(used_, b) = leading_columns(block, b);
  }
  used_ += b;
}

DistMatrix ThinBasis::columns(int64_t first, int64_t count) const {
  if (first < 0 || count < 0 || first + count > used_)
    throw LibraryError("ThinBasis::columns: beyond the columns in use");
  DistMatrix result = thin_block(count);
  if (result.local_cols() > 0 && count > 0) result.local().leftCols(count) = storage_.local().middleCols(first, count);
  return result;
}

Eigen::MatrixXd ThinBasis::project_out(DistMatrix& block) const {
  require_same_rows(storage_, block, "ThinBasis::project_out");
  const int64_t c = used_, b = block.cols();
  Eigen::MatrixXd coefficients = Eigen::MatrixXd::Zero(c, b);
  if (c == 0 || b == 0) return coefficients;
  const int64_t m_loc = storage_.local_cols() > 0 ? storage_.local_rows() : 0;
  // Narrow products (the basis read once, unpacked): coefficients^T = block^T basis, then block -= basis coeff.
  Eigen::MatrixXd coefficients_t = Eigen::MatrixXd::Zero(b, c);
  if (m_loc > 0) {
    narrow_gemm_tn(m_loc, c, b, block.data(), block.lld(), storage_.data(), storage_.lld(), coefficients_t.data(), b);
  }
  coefficients = coefficients_t.transpose();
  MPI_Allreduce(MPI_IN_PLACE, coefficients.data(), fortran(c * b), MPI_DOUBLE, MPI_SUM, storage_.grid().comm());
  if (m_loc > 0) {
    coefficients_t = coefficients.transpose();
    Eigen::MatrixXd along(m_loc, b);
    narrow_gemm_nt(m_loc, c, b, storage_.data(), storage_.lld(), coefficients_t.data(), b, along.data(), m_loc);
    Eigen::Map<Eigen::MatrixXd, 0, Eigen::OuterStride<>> local(block.data(), m_loc, b,
                                                               Eigen::OuterStride<>(block.lld()));
    local -= along;
  }
  return coefficients;
}

DistMatrix ThinBasis::times(const Eigen::MatrixXd& small) const {
  if (small.rows() != used_) throw LibraryError("ThinBasis::times: the small matrix must have cols() rows");
  DistMatrix result = thin_block(small.cols());
  const int m_loc = fortran(storage_.local_cols() > 0 ? storage_.local_rows() : 0);
  if (m_loc > 0 && small.size() > 0) {
    scalapack::local_gemm('N', 'N', m_loc, fortran(small.cols()), fortran(used_), 1.0, storage_.data(),
                          fortran(storage_.lld()), small.data(), fortran(small.rows()), 0.0, result.data(),
                          fortran(result.lld()));
  }
  return result;
}

void ThinBasis::rotate(const Eigen::MatrixXd& small) {
  if (small.cols() > used_) throw LibraryError("ThinBasis::rotate: the rotation must not add columns");
  const DistMatrix rotated = times(small);
  used_ = 0;
  append(rotated);
}

void ThinBasis::rotate_leading(int64_t cols, const Eigen::MatrixXd& small) {
  if (cols > used_ || small.rows() != cols || small.cols() > cols) {
    throw LibraryError("ThinBasis::rotate_leading: the rotation must map the leading columns into fewer");
  }
  const DistMatrix rotated = multiply_small(leading(cols), small);
  const int64_t trailing = used_ - cols;
  if (storage_.local_cols() > 0) {
    LocalMatrixMap target = storage_.local();
    // The trailing columns move left first (to column c >= the ones they leave), then the rotated ones land.
    for (int64_t j = 0; j < trailing; ++j) target.col(small.cols() + j) = target.col(cols + j);
    target.leftCols(small.cols()) = leading_columns(rotated, small.cols());
  }
  used_ = small.cols() + trailing;
}

Eigen::MatrixXd thin_inner(const DistMatrix& x, const DistMatrix& y) {
  if (x.rows() != y.rows() || x.row_block() != y.row_block()) throw LibraryError("thin_inner: layouts differ");
  Eigen::MatrixXd product = Eigen::MatrixXd::Zero(x.cols(), y.cols());
  const bool local = x.local_cols() > 0 && y.local_cols() > 0 && x.local_rows() > 0;
  if (local && product.size() > 0) {
    scalapack::local_gemm('T', 'N', fortran(x.cols()), fortran(y.cols()), fortran(x.local_rows()), 1.0, x.data(),
                          fortran(x.lld()), y.data(), fortran(y.lld()), 0.0, product.data(), fortran(x.cols()));
  }
  if (product.size() > 0) {
    MPI_Allreduce(MPI_IN_PLACE, product.data(), fortran(product.size()), MPI_DOUBLE, MPI_SUM, x.grid().comm());
  }
  return product;
}

DistMatrix multiply_small(const DistMatrix& thin, const Eigen::MatrixXd& small) {
  const bool is_thin = thin.col_block() >= thin.cols() && thin.col_block() >= small.cols();
  if (!is_thin || small.rows() != thin.cols()) throw LibraryError("multiply_small: thin is not c x d compatible");
  DistMatrix result(thin.grid_ptr(), thin.rows(), small.cols(), thin.row_block(), thin.col_block(),
                    thin.row_map().source(), thin.col_map().source());
  const int m_loc = fortran(thin.local_cols() > 0 ? thin.local_rows() : 0);
  if (m_loc > 0 && small.size() > 0) {
    scalapack::local_gemm('N', 'N', m_loc, fortran(small.cols()), fortran(small.rows()), 1.0, thin.data(),
                          fortran(thin.lld()), small.data(), fortran(small.rows()), 0.0, result.data(),
                          fortran(result.lld()));
  }
  return result;
}

std::vector<double> column_norms(const DistMatrix& x) {
  std::vector<double> squares(static_cast<size_t>(x.cols()), 0.0);
  x.for_each_local([&](int64_t, int64_t j_gl, double value) { squares[j_gl] += value * value; });
  if (!squares.empty()) {
    MPI_Allreduce(MPI_IN_PLACE, squares.data(), fortran(x.cols()), MPI_DOUBLE, MPI_SUM, x.grid().comm());
    // Taken from rank 0, bit-identical everywhere: callers branch on them (a second Gram-Schmidt sweep, a
    // well-conditioned block, the probed rounding that decides convergence), and a collective inside one
    // branch must run on every rank.
    MPI_Bcast(squares.data(), fortran(x.cols()), MPI_DOUBLE, 0, x.grid().comm());
  }
  for (double& value : squares) value = std::sqrt(value);
  return squares;
}

void scale_columns(DistMatrix& x, const std::vector<double>& factors) {
  auto local = x.local();
  for (int64_t j_lc = 0; j_lc < x.local_cols(); ++j_lc) local.col(j_lc) *= factors[x.col_map().local_to_global(j_lc)];
}

}  // namespace jf::svd
