#include "distributed_fsmf_refine.hpp"

#include <mpi.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::sparse::detail {

namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// One rank's contiguous rows of A (or of A^T): every half-step row problem needs a whole row.
struct RowBlock {
  Eigen::MatrixXd rows;
  std::int64_t first = 0;  // global index of rows(0, :)
};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return std::max<std::int64_t>(1, (a + b - 1) / b); }

// pdgemr2d to a P x 1 grid with row blocks of ceil(m / P) (or to 1 x P with column blocks for
// A^T), then the local part as a plain matrix. The temporary grid uses every rank of the comm.
RowBlock row_block_copy(const DistMatrix& a, bool of_transpose) {
  MPI_Comm comm = a.grid().comm();
  const int ranks = comm_size(comm);
  const GridPtr grid = make_grid(comm, of_transpose ? GridShape{1, ranks} : GridShape{ranks, 1});
  const std::int64_t mb = of_transpose ? DistMatrix::kDefaultBlock : ceil_div(a.rows(), ranks);
  const std::int64_t nb = of_transpose ? ceil_div(a.cols(), ranks) : DistMatrix::kDefaultBlock;
  DistMatrix copy(grid, a.rows(), a.cols(), mb, nb);
  redistribute(a, copy);
  RowBlock block;
  if (of_transpose) {
    block.rows = copy.local().transpose();
    if (copy.local_cols() > 0) block.first = copy.col_map().local_to_global(0);
  } else {
    block.rows = copy.local();
    if (copy.local_rows() > 0) block.first = copy.row_map().local_to_global(0);
  }
  return block;
}

// Every rank's rows, placed at their global positions on every rank.
Eigen::MatrixXd allgather_rows(MPI_Comm comm, const Eigen::MatrixXd& mine, std::int64_t first,
                               std::int64_t total_rows) {
  const int ranks = comm_size(comm);
  const Eigen::Index cols = mine.cols();
  const long long where[2] = {static_cast<long long>(first * cols), static_cast<long long>(mine.size())};
  std::vector<long long> all(2 * static_cast<std::size_t>(ranks));
  MPI_Allgather(where, 2, MPI_LONG_LONG, all.data(), 2, MPI_LONG_LONG, comm);
  std::vector<int> displs(ranks), counts(ranks);
  for (int r = 0; r < ranks; ++r) {
    displs[r] = static_cast<int>(all[2 * r]);
    counts[r] = static_cast<int>(all[2 * r + 1]);
  }
  const RowMajorMatrix packed = mine;
  RowMajorMatrix gathered = RowMajorMatrix::Zero(total_rows, cols);
  MPI_Allgatherv(packed.data(), static_cast<int>(packed.size()), MPI_DOUBLE, gathered.data(), counts.data(),
                 displs.data(), MPI_DOUBLE, comm);
  return gathered;
}

// ||rows - factor_rows * fixed^T||_F / norm over all ranks.
double relative_error(MPI_Comm comm, const RowBlock& a, const Eigen::MatrixXd& factor_rows,
                      const Eigen::MatrixXd& fixed, double norm) {
  double sum = a.rows.size() > 0 ? (a.rows - factor_rows * fixed.transpose()).squaredNorm() : 0.0;
  MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPI_DOUBLE, MPI_SUM, comm);
  if (norm == 0.0) return sum == 0.0 ? 0.0 : INFINITY;
  return std::sqrt(sum) / norm;
}

SupportMatrix support_rows(const SupportMatrix& support, const RowBlock& block) {
  return support.middleRows(block.first, block.rows.rows());
}

}  // namespace

std::vector<double> refine_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                       const SupportMatrix& support_y, FsmfFactors& factors, double start_error,
                                       double norm, const FsmfOptions& options, const ProgressFn& progress) {
  MPI_Comm comm = a.grid().comm();
  const RowBlock a_rows = row_block_copy(a, false);
  const RowBlock a_cols = row_block_copy(a, true);  // rows of A^T
  const SupportMatrix sx_here = support_rows(support_x, a_rows);
  const SupportMatrix sy_here = support_rows(support_y, a_cols);

  std::vector<double> history;
  double error = start_error;
  ProgressMeter meter(progress, "fsmf: refinement sweep", options.refine_iters);
  for (int sweep = 0; sweep < options.refine_iters; ++sweep) {
    const double before = error;
    // Each half-step is an exact block minimisation; the checks only catch rounding.
    const Eigen::MatrixXd x_here = solve_rows_on_support(a_rows.rows, factors.y, sx_here);
    if (const double e = relative_error(comm, a_rows, x_here, factors.y, norm); e <= error) {
      factors.x = allgather_rows(comm, x_here, a_rows.first, a.rows());
      error = e;
    }
    const Eigen::MatrixXd y_here = solve_rows_on_support(a_cols.rows, factors.x, sy_here);
    if (const double e = relative_error(comm, a_cols, y_here, factors.x, norm); e <= error) {
      factors.y = allgather_rows(comm, y_here, a_cols.first, a.cols());
      error = e;
    }
    assert(history.empty() || error <= history.back());
    history.push_back(error);
    meter.update(sweep + 1, "rel_error " + format_number("%.6e", error), sweep + 1 == options.refine_iters);
    if (before - error <= options.refine_rel_tol * before) break;
  }
  return history;
}

}  // namespace jf::sparse::detail
