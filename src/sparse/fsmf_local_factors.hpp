#pragma once
// FSMF's factors distributed like A (private to the sparse module). X's rows live with the process row that
// holds those rows of A, Y's rows with the process column that holds those columns of A, each with all r
// columns: a rank keeps (m / P_r + n / P_c) r values, and every entry A(i, j) meets X(i, :) and Y(j, :) on
// the rank that holds it, so residuals need no communication and a least-squares half-step sums over
// one process row (column) only.

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/support_classes.hpp"

namespace jf::sparse::detail {

struct LocalFactors {
  Eigen::MatrixXd x;  // a.local_rows() x r: row i_lc is X(a.row_map().local_to_global(i_lc), :)
  Eigen::MatrixXd y;  // a.local_cols() x r: row j_lc is Y(a.col_map().local_to_global(j_lc), :)
};

LocalFactors zero_local_factors(const DistMatrix& a, Eigen::Index rank);

// This rank's part of a class's residual: A(row_lc, col_lc) (local indices of A) minus
// X(rows, members) Y(cols, members)^T.
Eigen::MatrixXd local_residual(const DistMatrix& a, const LocalFactors& factors,
                               const std::vector<std::int64_t>& row_lc, const std::vector<std::int64_t>& col_lc,
                               const std::vector<std::int64_t>& members);

// Collective over a.grid().comm(). The factor held as `rows_here` (X: of_columns false, rows with A's
// process rows; Y: of_columns true, rows with A's process columns) as a block-cyclic DistMatrix (m or n) x r on
// A's grid, row block A's row (column) block, the r columns in one block per process column (each rank about
// (m or n) r / P). One all-to-all; no rank holds more than its shares.
DistMatrix factor_as_dist_matrix(const DistMatrix& a, const Eigen::MatrixXd& rows_here, bool of_columns);

// Collective over a.grid().comm(): the inverse. `factor` is (m or n) x r, any block sizes, on A's grid;
// returns its rows that this rank's process row (of_columns: column) holds in A, all r columns.
Eigen::MatrixXd factor_rows_here(const DistMatrix& a, const DistMatrix& factor, bool of_columns);

}  // namespace jf::sparse::detail
