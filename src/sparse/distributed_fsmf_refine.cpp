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

constexpr std::int64_t kChunk = 256;  // rows (or columns) of A copied at a time: O(n * 256) doubles

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

// The factor F minimising ||A - F fixed^T|| (of_transpose: ||A^T - F fixed^T||) with supp(F) in
// `support`, replicated. Each rank multiplies its own entries of A by the pseudo-inverse rows of its
// columns (rows), a chunk at a time, and one allreduce sums the partial coefficients: A is not copied.
Eigen::MatrixXd solve_on_support(const DistMatrix& a, bool of_transpose, const Eigen::MatrixXd& fixed,
                                 const SupportMatrix& support) {
  const BlockCyclicMap& own_map = of_transpose ? a.col_map() : a.row_map();    // rows of F
  const BlockCyclicMap& other_map = of_transpose ? a.row_map() : a.col_map();  // rows of fixed
  const int own_coordinate = of_transpose ? a.grid().mycol() : a.grid().myrow();
  const std::int64_t other_local = of_transpose ? a.local_rows() : a.local_cols();
  const auto local = a.local();
  Eigen::MatrixXd updated = Eigen::MatrixXd::Zero(support.rows(), support.cols());
  for (const auto& [pattern, rows] : rows_by_support_pattern(support)) {
    if (!a.grid().in_grid() || other_local == 0) continue;
    std::vector<Eigen::Index> rows_here;  // global indices of F's rows held here
    for (Eigen::Index i_gl : rows)
      if (own_map.owner(i_gl) == own_coordinate) rows_here.push_back(i_gl);
    if (rows_here.empty()) continue;  // only the process row (column) holding a pattern's rows solves it
    const auto k = static_cast<Eigen::Index>(pattern.size());
    Eigen::MatrixXd basis(fixed.rows(), k);
    for (Eigen::Index c = 0; c < k; ++c) basis.col(c) = fixed.col(pattern[c]);
    const Eigen::MatrixXd inverse = pseudo_inverse_transposed(basis);
    Eigen::MatrixXd inverse_here(other_local, k);
    for (std::int64_t o_lc = 0; o_lc < other_local; ++o_lc)
      inverse_here.row(o_lc) = inverse.row(other_map.local_to_global(o_lc));
    for (std::size_t first = 0; first < rows_here.size(); first += kChunk) {
      const auto width = static_cast<Eigen::Index>(std::min<std::size_t>(kChunk, rows_here.size() - first));
      Eigen::MatrixXd chunk(other_local, width);  // A's rows (or columns) of the chunk, as columns
      for (Eigen::Index g = 0; g < width; ++g) {
        const std::int64_t own_lc = own_map.global_to_local(rows_here[first + g]);
        chunk.col(g) =
            of_transpose ? Eigen::VectorXd(local.col(own_lc)) : Eigen::VectorXd(local.row(own_lc).transpose());
      }
      const Eigen::MatrixXd coefficients = inverse_here.transpose() * chunk;  // k x width
      for (Eigen::Index g = 0; g < width; ++g)
        for (Eigen::Index c = 0; c < k; ++c) updated(rows_here[first + g], pattern[c]) = coefficients(c, g);
    }
  }
  MPI_Allreduce(MPI_IN_PLACE, updated.data(), static_cast<int>(updated.size()), MPI_DOUBLE, MPI_SUM, a.grid().comm());
  return updated;
}

}  // namespace

SquaredSums residual_sums(const DistMatrix& a, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
  const Eigen::Index rank = x.cols();
  Eigen::MatrixXd x_here(a.local_rows(), rank);
  for (std::int64_t i_lc = 0; i_lc < a.local_rows(); ++i_lc)
    x_here.row(i_lc) = x.row(a.row_map().local_to_global(i_lc));
  SquaredSums sums;
  const auto local = a.local();
  for (std::int64_t j0 = 0; j0 < a.local_cols(); j0 += kChunk) {
    const std::int64_t width = std::min(kChunk, a.local_cols() - j0);
    Eigen::MatrixXd y_here(width, rank);
    for (std::int64_t k = 0; k < width; ++k) y_here.row(k) = y.row(a.col_map().local_to_global(j0 + k));
    const auto a_chunk = local.middleCols(j0, width);
    sums.residual += (a_chunk - x_here * y_here.transpose()).squaredNorm();
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

std::vector<double> refine_distributed(const DistMatrix& a, const SupportMatrix& support_x,
                                       const SupportMatrix& support_y, FsmfFactors& factors, double start_error,
                                       double norm, const FsmfOptions& options, const SparseProgress& progress) {
  std::vector<double> history;
  double error = start_error;
  for (int sweep = 0; sweep < options.refine_iters; ++sweep) {
    const double before = error;
    // Each half-step is an exact block minimisation; the checks only catch rounding.
    Eigen::MatrixXd x = solve_on_support(a, false, factors.y, support_x);
    if (const double e = relative_to(residual_sums(a, x, factors.y), norm); e <= error) {
      factors.x = std::move(x);
      error = e;
    }
    Eigen::MatrixXd y = solve_on_support(a, true, factors.x, support_y);
    if (const double e = relative_to(residual_sums(a, factors.x, y), norm); e <= error) {
      factors.y = std::move(y);
      error = e;
    }
    assert(history.empty() || error <= history.back());
    history.push_back(error);
    progress.advance(sweep + 1, options.refine_iters, "rel_error " + format_number("%.6e", error));
    if (before - error <= options.refine_rel_tol * before) break;
  }
  return history;
}

}  // namespace jf::sparse::detail
