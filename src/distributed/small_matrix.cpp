#include "distributed/small_matrix.hpp"

#include "jointfact/core/error.hpp"

#include "distributed/fortran_int.hpp"

namespace jf {
namespace {

void sum_over_ranks(Eigen::MatrixXd& matrix, MPI_Comm comm) {
  if (matrix.size() == 0) return;
  MPI_Allreduce(MPI_IN_PLACE, matrix.data(), to_fortran_int(matrix.size(), "replicated matrix size"), MPI_DOUBLE,
                MPI_SUM, comm);
}

}  // namespace

Eigen::MatrixXd replicate_small(const DistMatrix& a) {
  Eigen::MatrixXd full = Eigen::MatrixXd::Zero(a.rows(), a.cols());
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) { full(i_gl, j_gl) = value; });
  sum_over_ranks(full, a.grid().comm());
  return full;
}

Eigen::MatrixXd replicate_upper_triangle(const DistMatrix& a, int64_t n) {
  Eigen::MatrixXd upper = Eigen::MatrixXd::Zero(n, n);
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double value) {
    if (j_gl < n && i_gl <= j_gl) upper(i_gl, j_gl) = value;
  });
  sum_over_ranks(upper, a.grid().comm());
  return upper;
}

DistMatrix distribute_replicated(const Eigen::MatrixXd& full, const GridPtr& grid, int64_t nb) {
  DistMatrix a(grid, full.rows(), full.cols(), nb, nb);
  a.for_each_local([&](int64_t i_gl, int64_t j_gl, double& value) { value = full(i_gl, j_gl); });
  return a;
}

std::vector<double> replicate_small_vector(const DistMatrix& v) {
  if (v.cols() != 1) throw LibraryError("replicate_small_vector: not a single column");
  const Eigen::MatrixXd column = replicate_small(v);
  return std::vector<double>(column.data(), column.data() + column.size());
}

void broadcast_matrix(Eigen::MatrixXd& matrix, MPI_Comm comm, int root) {
  long long shape[2] = {static_cast<long long>(matrix.rows()), static_cast<long long>(matrix.cols())};
  MPI_Bcast(shape, 2, MPI_LONG_LONG, root, comm);
  matrix.resize(shape[0], shape[1]);
  if (matrix.size() > 0) {
    MPI_Bcast(matrix.data(), to_fortran_int(matrix.size(), "broadcast matrix size"), MPI_DOUBLE, root, comm);
  }
}

}  // namespace jf
