#include "distributed_fsmf_refine.hpp"

#include <mpi.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/log.hpp"

namespace jf::sparse::detail {

namespace {

constexpr std::int64_t kChunk = 256;  // rows (or columns) of A copied at a time: O(n * 256 / P) doubles

// P = pinv(basis)^T (p x k), so that the minimum-norm least-squares coefficients of a target t are
// P^T t, exactly those CompleteOrthogonalDecomposition::solve gives: they depend on t only through
// Q_rank^T t, so solving for the columns of Q_rank yields the whole linear map.
Eigen::MatrixXd pseudo_inverse_transposed(const Eigen::MatrixXd& basis) {
  const Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(basis);
  const Eigen::Index rank = cod.rank();
  if (rank == 0) return Eigen::MatrixXd::Zero(basis.rows(), basis.cols());
  auto q_sequence = cod.householderQ();
  q_sequence.setLength(rank);
  Eigen::MatrixXd q = Eigen::MatrixXd::Identity(basis.rows(), rank);
  q.applyOnTheLeft(q_sequence);
  if (rank < basis.cols()) return q * cod.solve(q).transpose();
  // Full column rank: no Z, so the map is P T^-1 and solving for q would only repeat Q's work.
  const Eigen::MatrixXd t_inverse = cod.matrixT()
                                        .topLeftCorner(rank, rank)
                                        .template triangularView<Eigen::Upper>()
                                        .solve(Eigen::MatrixXd::Identity(rank, rank));
  return q * (cod.colsPermutation() * t_inverse).transpose();
}

// Thin QR of a tall or wide block: q (rows x t) with orthonormal columns and r (t x cols), t = min(rows, cols).
struct ThinQr {
  Eigen::MatrixXd q;
  Eigen::MatrixXd r;
};

ThinQr thin_qr(const Eigen::MatrixXd& block) {
  const Eigen::Index t = std::min(block.rows(), block.cols());
  ThinQr result;
  if (t == 0) return {Eigen::MatrixXd::Zero(block.rows(), 0), Eigen::MatrixXd::Zero(0, block.cols())};
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(block);
  result.q = qr.householderQ() * Eigen::MatrixXd::Identity(block.rows(), t);
  result.r = qr.matrixQR().topRows(t).template triangularView<Eigen::Upper>();
  return result;
}

// This rank's rows of pinv(B)^T, B (p x k) being the rows `basis_here` stacked over the ranks of `comm` in
// their order. B = diag(Q_c) S with S the stacked R_c, S = Q_2 R, so B = Q R with Q = diag(Q_c) Q_2
// orthonormal and pinv(B)^T = Q pinv(R)^T: only the R_c (at most k x k each) travel.
Eigen::MatrixXd pseudo_inverse_rows(MPI_Comm comm, const Eigen::MatrixXd& basis_here) {
  const Eigen::Index k = basis_here.cols();
  const ThinQr local = thin_qr(basis_here);
  const int ranks = comm_size(comm), me = comm_rank(comm);
  int mine = static_cast<int>(local.r.rows());
  std::vector<int> heights(ranks), counts(ranks), displs(ranks, 0);
  MPI_Allgather(&mine, 1, MPI_INT, heights.data(), 1, MPI_INT, comm);
  for (int c = 0; c < ranks; ++c) counts[c] = heights[c] * static_cast<int>(k);
  for (int c = 1; c < ranks; ++c) displs[c] = displs[c - 1] + counts[c - 1];
  // Row-major R_c so that the received blocks stack into S row after row.
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const RowMajor r_here = local.r;
  int total = 0;
  for (int h : heights) total += h;
  RowMajor stacked(total, k);
  MPI_Allgatherv(r_here.data(), counts[me], MPI_DOUBLE, stacked.data(), counts.data(), displs.data(), MPI_DOUBLE, comm);
  const ThinQr outer = thin_qr(Eigen::MatrixXd(stacked));
  const Eigen::MatrixXd inverse_of_r = pseudo_inverse_transposed(outer.r);  // t x k
  const Eigen::Index offset = displs[me] / k;
  return local.q * (outer.q.middleRows(offset, mine) * inverse_of_r);
}

// The rows held here of the factor F minimising ||A - F fixed^T|| (of_transpose: ||A^T - F fixed^T||) with
// supp(F) in the support (its rows held here). Per pattern, the ranks of one process row (column) factor the
// fixed factor's pattern columns together and multiply their own entries of A by their rows of the
// pseudo-inverse, a chunk at a time; one allreduce over the process row (column) sums the coefficients.
Eigen::MatrixXd solve_on_support(const DistMatrix& a, bool of_transpose, const Eigen::MatrixXd& fixed_here,
                                 const SupportMatrix& support_here) {
  Eigen::MatrixXd updated = Eigen::MatrixXd::Zero(support_here.rows(), support_here.cols());
  MPI_Comm line = of_transpose ? a.grid().col_comm() : a.grid().row_comm();  // holds all of A's rows (columns)
  if (line == MPI_COMM_NULL) return updated;
  const auto local = a.local();
  const std::int64_t other_local = fixed_here.rows();
  for (const auto& [pattern, rows_here] : rows_by_support_pattern(support_here)) {
    const auto k = static_cast<Eigen::Index>(pattern.size());
    Eigen::MatrixXd basis_here(other_local, k);
    for (Eigen::Index c = 0; c < k; ++c) basis_here.col(c) = fixed_here.col(pattern[c]);
    const Eigen::MatrixXd inverse_here = pseudo_inverse_rows(line, basis_here);
    for (std::size_t first = 0; first < rows_here.size(); first += kChunk) {
      const auto width = static_cast<Eigen::Index>(std::min<std::size_t>(kChunk, rows_here.size() - first));
      Eigen::MatrixXd chunk(other_local, width);  // A's rows (or columns) of the chunk, as columns
      for (Eigen::Index g = 0; g < width; ++g) {
        const Eigen::Index own_lc = rows_here[first + g];
        chunk.col(g) =
            of_transpose ? Eigen::VectorXd(local.col(own_lc)) : Eigen::VectorXd(local.row(own_lc).transpose());
      }
      const Eigen::MatrixXd coefficients = inverse_here.transpose() * chunk;  // k x width
      for (Eigen::Index g = 0; g < width; ++g)
        for (Eigen::Index c = 0; c < k; ++c) updated(rows_here[first + g], pattern[c]) = coefficients(c, g);
    }
  }
  if (updated.size() > 0)
    MPI_Allreduce(MPI_IN_PLACE, updated.data(), static_cast<int>(updated.size()), MPI_DOUBLE, MPI_SUM, line);
  return updated;
}

}  // namespace

SquaredSums residual_sums(const DistMatrix& a, const Eigen::MatrixXd& x_here, const Eigen::MatrixXd& y_here) {
  SquaredSums sums;
  const auto local = a.local();
  for (std::int64_t j0 = 0; j0 < a.local_cols(); j0 += kChunk) {
    const std::int64_t width = std::min(kChunk, a.local_cols() - j0);
    const auto a_chunk = local.middleCols(j0, width);
    sums.residual += (a_chunk - x_here * y_here.middleRows(j0, width).transpose()).squaredNorm();
    sums.norm += a_chunk.squaredNorm();
  }
  double values[2] = {sums.residual, sums.norm};
  MPI_Allreduce(MPI_IN_PLACE, values, 2, MPI_DOUBLE, MPI_SUM, a.grid().comm());
  return {values[0], values[1]};
}

double relative(const SquaredSums& sums) {
  if (sums.norm == 0.0) return sums.residual == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(sums.residual / sums.norm);
}

double relative_to(const SquaredSums& sums, double norm) {
  if (norm == 0.0) return sums.residual == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(sums.residual) / norm;
}

std::vector<double> refine_distributed(const DistMatrix& a, const SupportMatrix& support_x_here,
                                       const SupportMatrix& support_y_here, LocalFactors& factors, double start_error,
                                       double norm, const FsmfOptions& options, const ProgressFn& progress) {
  std::vector<double> history;
  double error = start_error;
  ProgressMeter meter(progress, "fsmf: refinement sweep", options.refine_iters);
  for (int sweep = 0; sweep < options.refine_iters; ++sweep) {
    const double before = error;
    // Each half-step is an exact block minimisation; the checks only catch rounding.
    Eigen::MatrixXd x = solve_on_support(a, false, factors.y, support_x_here);
    if (const double e = relative_to(residual_sums(a, x, factors.y), norm); e <= error) {
      factors.x = std::move(x);
      error = e;
    }
    Eigen::MatrixXd y = solve_on_support(a, true, factors.x, support_y_here);
    if (const double e = relative_to(residual_sums(a, factors.x, y), norm); e <= error) {
      factors.y = std::move(y);
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
