#pragma once
// Test-only helpers: gathering a (small) DistMatrix onto every rank to compare with Eigen/LAPACK, the
// grid shapes and block sizes the conventions ask for, and LAPACK-style scaled tolerances.
#include <mpi.h>

#include <Eigen/Dense>
#include <algorithm>
#include <limits>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::test {

// Every rank gets the whole matrix (tests only: the product code never does this).
inline Eigen::MatrixXd gather(const DistMatrix& a) {
  Eigen::MatrixXd full = Eigen::MatrixXd::Zero(a.rows(), a.cols());
  a.for_each_local([&](int64_t i, int64_t j, double v) { full(i, j) = v; });
  MPI_Allreduce(MPI_IN_PLACE, full.data(), static_cast<int>(full.size()), MPI_DOUBLE, MPI_SUM, a.grid().comm());
  return full;
}

// Fills the local part of `a` from a replicated full matrix.
inline void scatter(const Eigen::MatrixXd& full, DistMatrix& a) {
  a.for_each_local([&](int64_t i, int64_t j, double& v) { v = full(i, j); });
}

// The grid shapes of the testing conventions that fit in `nranks`.
inline std::vector<GridShape> grids_fitting(int nranks) {
  const std::vector<GridShape> all = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {1, 3}, {3, 1}, {1, 4}, {4, 1}};
  std::vector<GridShape> fitting;
  for (const auto& g : all)
    if (g.prows * g.pcols <= nranks) fitting.push_back(g);
  return fitting;
}

inline const std::vector<int64_t>& block_sizes() {
  static const std::vector<int64_t> sizes = {1, 2, 3, 7, 64};
  return sizes;
}

constexpr double kEps = std::numeric_limits<double>::epsilon();

// LAPACK-style scaled residual: ||residual|| / (||reference|| * max(m, n) * eps); below ~10 is a pass.
inline double scaled_residual(double residual_norm, double reference_norm, int64_t m, int64_t n) {
  const double scale = std::max(reference_norm, 1e-300) * static_cast<double>(std::max<int64_t>({m, n, 1})) * kEps;
  return residual_norm / scale;
}

inline int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

inline int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

}  // namespace jf::test
