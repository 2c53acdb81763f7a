#include "joint/thin_algebra.hpp"

#include <mpi.h>

#include <cmath>

#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

void require_same_layout(const DistMatrix& a, const DistMatrix& b, const char* what) {
  if (a.rows() != b.rows() || a.cols() != b.cols() || a.local_rows() != b.local_rows() ||
      a.local_cols() != b.local_cols() || a.row_block() != b.row_block() || a.col_block() != b.col_block()) {
    throw LibraryError(std::string(what) + ": matrices do not share a layout");
  }
}

}  // namespace

Eigen::MatrixXd cross_gram(const DistMatrix& a, const DistMatrix& b) {
  DistMatrix product(a.grid_ptr(), a.cols(), b.cols(), a.col_block(), b.col_block());
  gemm(Op::Trans, Op::None, 1.0, a, b, 0.0, product);
  return replicate_small(product);
}

DistMatrix times_small(const DistMatrix& a, const Eigen::MatrixXd& m) {
  const DistMatrix m_dist = distribute_replicated(m, a.grid_ptr(), a.col_block());
  DistMatrix product(a.grid_ptr(), a.rows(), m.cols(), a.row_block(), a.col_block());
  gemm(Op::None, Op::None, 1.0, a, m_dist, 0.0, product);
  return product;
}

Eigen::VectorXd column_sums(const DistMatrix& a) {
  Eigen::VectorXd sums = Eigen::VectorXd::Zero(a.cols());
  a.for_each_local([&](int64_t, int64_t j, double v) { sums(j) += v; });
  MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_DOUBLE, MPI_SUM, a.grid().comm());
  return sums;
}

double inner(const DistMatrix& a, const DistMatrix& b) {
  require_same_layout(a, b, "inner");
  double local = 0;
  const auto a_lc = a.local();
  const auto b_lc = b.local();
  for (int64_t j = 0; j < a.local_cols(); ++j) local += a_lc.col(j).dot(b_lc.col(j));
  double total = 0;
  MPI_Allreduce(&local, &total, 1, MPI_DOUBLE, MPI_SUM, a.grid().comm());
  return total;
}

void scale_add(double alpha, DistMatrix& a, double beta, const DistMatrix& b) {
  require_same_layout(a, b, "scale_add");
  auto a_lc = a.local();
  const auto b_lc = b.local();
  for (int64_t j = 0; j < a.local_cols(); ++j) a_lc.col(j) = alpha * a_lc.col(j) + beta * b_lc.col(j);
}

void add_to_every_row(DistMatrix& a, const Eigen::VectorXd& v) {
  a.for_each_local([&](int64_t, int64_t j, double& x) { x += v(j); });
}

void add_outer(DistMatrix& a, double alpha, const DistMatrix& u, const Eigen::VectorXd& v) {
  const DistMatrix v_row = distribute_replicated(v.transpose(), a.grid_ptr(), a.col_block());
  DistMatrix u_aligned(a.grid_ptr(), a.rows(), 1, a.row_block(), a.col_block());
  redistribute(u, u_aligned);
  gemm(Op::None, Op::None, alpha, u_aligned, v_row, 1.0, a);
}

DistMatrix filled_like(const DistMatrix& a, double value) {
  DistMatrix b = a.like();
  b.local().setConstant(value);
  return b;
}

DistMatrix ones_column(const GridPtr& grid, int64_t n, int64_t block) {
  DistMatrix ones(grid, n, 1, block, block);
  ones.local().setConstant(1.0);
  return ones;
}

DistMatrix leading_columns(const DistMatrix& a, int64_t cols) {
  DistMatrix b(a.grid_ptr(), a.rows(), cols, a.row_block(), a.col_block());
  copy_block(a, 0, 0, a.rows(), cols, b, 0, 0);
  return b;
}

double relative_change(const DistMatrix& a, const DistMatrix& b) {
  DistMatrix difference = a;
  scale_add(1.0, difference, -1.0, b);
  return std::sqrt(squared_norm(difference)) / std::max(std::sqrt(squared_norm(a)), 1e-300);
}

}  // namespace jf::joint
