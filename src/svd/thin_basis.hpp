#pragma once
// A tall orthonormal basis (m x c, c <= capacity) kept in the thin layout of thin_product.hpp: rows blocked
// like A's, all columns in one block column. Every rank of that process column holds whole rows of the
// basis, so rotating it by a small replicated matrix, copying columns in and projecting a thin block
// against it are local dgemms; only the c x b coefficients of a projection are summed across ranks.
// The converged SVD's Krylov bases (column and row space) live here.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::svd {

class ThinBasis {
 public:
  // Empty basis of `rows` rows that may grow to `capacity` columns; row blocks of nb (as A's).
  ThinBasis(GridPtr grid, int64_t rows, int64_t capacity, int64_t nb);

  int64_t rows() const { return storage_.rows(); }
  int64_t cols() const { return used_; }
  int64_t capacity() const { return storage_.cols(); }

  // A zero rows x b matrix in the layout append() and project_out() take (b <= capacity).
  DistMatrix thin_block(int64_t b) const;
  // Copies `block` (from thin_block) into columns [cols(), cols() + b). Local; throws past capacity.
  void append(const DistMatrix& block);
  // The columns in use as their own matrix in the thin layout (a copy).
  DistMatrix copy() const { return leading(used_); }
  // The first `cols` columns (cols <= cols()) as their own thin matrix (a copy).
  DistMatrix leading(int64_t cols) const { return columns(0, cols); }
  // Columns [first, first + count) (within cols()) as their own thin matrix (a copy).
  DistMatrix columns(int64_t first, int64_t count) const;

  // block := block - B (B^T block), B the columns in use: one classical Gram-Schmidt sweep. Returns the
  // coefficients B^T block (cols() x b, identical on every rank). Collective.
  Eigen::MatrixXd project_out(DistMatrix& block) const;
  // Basis times a small matrix held identically on every rank (cols() x c): a new thin rows x c matrix.
  DistMatrix times(const Eigen::MatrixXd& small) const;
  // basis := basis times `small` (cols() x c, c <= cols()), e.g. to keep the leading Ritz vectors.
  void rotate(const Eigen::MatrixXd& small);
  // The first `cols` columns := those times `small` (cols x c, c <= cols); the columns after them follow
  // unchanged (a thick restart that keeps a pending block).
  void rotate_leading(int64_t cols, const Eigen::MatrixXd& small);

 private:
  int64_t used_ = 0;
  DistMatrix storage_;
};

// thin (rows x c, all columns in one block column) times a small matrix held identically on every rank
// (c x d, d <= thin's column block): a new rows x d matrix in thin's layout. Local.
DistMatrix multiply_small(const DistMatrix& thin, const Eigen::MatrixXd& small);

// x^T y (c x d) of two thin matrices of the same rows and layout, on every rank. Collective.
Eigen::MatrixXd thin_inner(const DistMatrix& x, const DistMatrix& y);

// ||column j||_2 of a matrix in any layout, bit-identical on every rank (branches may depend on it). Collective.
std::vector<double> column_norms(const DistMatrix& x);
// Column j := column j * factors[j] (factors identical on every rank). Local.
void scale_columns(DistMatrix& x, const std::vector<double>& factors);

}  // namespace jf::svd
