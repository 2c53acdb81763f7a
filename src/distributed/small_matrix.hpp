#pragma once
// Small matrices (l x l, l x k, k x 1) that every rank holds whole, and their exchange with DistMatrix: the one
// replicate/distribute helper of every stage.
// The design allows replicating only such small matrices, never anything with m or n rows.
#include <mpi.h>

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

// The whole of a small DistMatrix on every rank of its communicator. Each entry has one owner and the
// others contribute exact zeros, so the sum is exact and every rank gets identical bits.
Eigen::MatrixXd replicate_small(const DistMatrix& a);

// The upper triangle of a(0:n, 0:n) (e.g. the R factor geqrf leaves there), zeros below, on every rank.
Eigen::MatrixXd replicate_upper_triangle(const DistMatrix& a, int64_t n);

// A DistMatrix on `grid` with block nb whose entries are those of `full` (held identically by every rank).
DistMatrix distribute_replicated(const Eigen::MatrixXd& full, const GridPtr& grid, int64_t nb);

// The whole of a short single-column DistMatrix (k singular values, a k x 1 coefficient vector) on every rank.
// Only for vectors whose length is a rank k or similar, never an m- or n-long vector of a stage. Collective.
std::vector<double> replicate_small_vector(const DistMatrix& v);

// Sends root's copy of `matrix` (shape included) to every rank of comm.
void broadcast_matrix(Eigen::MatrixXd& matrix, MPI_Comm comm, int root = 0);

}  // namespace jf
