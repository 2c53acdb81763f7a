#include "distributed_rank_one.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace jf::sparse::detail {
namespace {

using Indices = std::vector<std::int64_t>;

// This rank's entries of a class's residual block: rows row_at (positions in I) x columns col_at
// (positions in J).
struct SplitBlock {
  Eigen::MatrixXd values;
  std::vector<Eigen::Index> row_at;
  std::vector<Eigen::Index> col_at;
  Eigen::Index rows = 0;  // |I|
  Eigen::Index cols = 0;  // |J|
  MPI_Comm comm = MPI_COMM_NULL;
};

std::vector<Eigen::Index> positions_here(const Indices& indices, const BlockCyclicMap& map, int coordinate) {
  std::vector<Eigen::Index> here;
  for (std::size_t p = 0; p < indices.size(); ++p)
    if (map.owner(indices[p]) == coordinate) here.push_back(static_cast<Eigen::Index>(p));
  return here;
}

std::vector<std::int64_t> local_indices(const Indices& indices, const std::vector<Eigen::Index>& at,
                                        const BlockCyclicMap& map) {
  std::vector<std::int64_t> local(at.size());
  for (std::size_t p = 0; p < at.size(); ++p) local[p] = map.global_to_local(indices[at[p]]);
  return local;
}

SplitBlock split_block(const DistMatrix& a, const SupportClass& mine, const std::vector<std::int64_t>& subtract,
                       const LocalFactors& factors) {
  SplitBlock block;
  block.rows = static_cast<Eigen::Index>(mine.rows.size());
  block.cols = static_cast<Eigen::Index>(mine.cols.size());
  block.comm = a.grid().comm();
  if (!a.grid().in_grid()) return block;
  block.row_at = positions_here(mine.rows, a.row_map(), a.grid().myrow());
  block.col_at = positions_here(mine.cols, a.col_map(), a.grid().mycol());
  block.values = local_residual(a, factors, local_indices(mine.rows, block.row_at, a.row_map()),
                                local_indices(mine.cols, block.col_at, a.col_map()), subtract);
  return block;
}

void sum_over_ranks(MPI_Comm comm, Eigen::VectorXd& v) {
  MPI_Allreduce(MPI_IN_PLACE, v.data(), static_cast<int>(v.size()), MPI_DOUBLE, MPI_SUM, comm);
}

// block * v (v over J, replicated), replicated.
Eigen::VectorXd times(const SplitBlock& b, const Eigen::VectorXd& v) {
  Eigen::VectorXd v_here(static_cast<Eigen::Index>(b.col_at.size()));
  for (std::size_t q = 0; q < b.col_at.size(); ++q) v_here[q] = v[b.col_at[q]];
  const Eigen::VectorXd partial = b.values * v_here;
  Eigen::VectorXd product = Eigen::VectorXd::Zero(b.rows);
  for (std::size_t p = 0; p < b.row_at.size(); ++p) product[b.row_at[p]] = partial[p];
  sum_over_ranks(b.comm, product);
  return product;
}

// block^T * u (u over I, replicated), replicated.
Eigen::VectorXd transposed_times(const SplitBlock& b, const Eigen::VectorXd& u) {
  Eigen::VectorXd u_here(static_cast<Eigen::Index>(b.row_at.size()));
  for (std::size_t p = 0; p < b.row_at.size(); ++p) u_here[p] = u[b.row_at[p]];
  const Eigen::VectorXd partial = b.values.transpose() * u_here;
  Eigen::VectorXd product = Eigen::VectorXd::Zero(b.cols);
  for (std::size_t q = 0; q < b.col_at.size(); ++q) product[b.col_at[q]] = partial[q];
  sum_over_ranks(b.comm, product);
  return product;
}

// The block's largest row (first on ties), as best_rank_one restarts from it.
Eigen::VectorXd largest_row(const SplitBlock& b) {
  Eigen::VectorXd squared = Eigen::VectorXd::Zero(b.rows);
  for (std::size_t p = 0; p < b.row_at.size(); ++p) squared[b.row_at[p]] = b.values.row(p).squaredNorm();
  sum_over_ranks(b.comm, squared);
  Eigen::Index row = 0;
  squared.maxCoeff(&row);
  Eigen::VectorXd unit = Eigen::VectorXd::Zero(b.rows);
  unit[row] = 1.0;
  return transposed_times(b, unit);
}

bool all_zero(const SplitBlock& b) {
  double largest = b.values.size() > 0 ? b.values.cwiseAbs().maxCoeff() : 0.0;
  MPI_Allreduce(MPI_IN_PLACE, &largest, 1, MPI_DOUBLE, MPI_MAX, b.comm);
  return largest == 0.0;
}

}  // namespace

std::optional<RankOneFactors> rank_one_distributed(const DistMatrix& a, const SupportClass& mine,
                                                   const std::vector<std::int64_t>& subtract,
                                                   const LocalFactors& factors) {
  const Eigen::Index rows = static_cast<Eigen::Index>(mine.rows.size());
  const Eigen::Index cols = static_cast<Eigen::Index>(mine.cols.size());
  const Eigen::Index short_side = std::min(rows, cols);
  if (short_side <= kDenseMaxShortSide) return std::nullopt;
  const SplitBlock block = split_block(a, mine, subtract, factors);
  RankOneFactors zero{Eigen::VectorXd::Zero(rows), Eigen::VectorXd::Zero(cols)};
  if (all_zero(block)) return zero;

  // best_rank_one's power iteration on block^T block, step for step.
  Eigen::VectorXd v = transposed_times(block, power_iteration_start_weights(rows));
  if (v.norm() == 0.0) v = largest_row(block);
  v.normalize();
  bool converged = false;
  for (int it = 0; it < power_iteration_cap(short_side) && !converged; ++it) {
    const Eigen::VectorXd next = transposed_times(block, times(block, v)).normalized();
    converged = (next - v).norm() <= kPowerIterationVectorTol;
    v = next;
  }
  if (!converged) return std::nullopt;
  const Eigen::VectorXd left = times(block, v);
  const double sigma = left.norm();
  if (sigma == 0.0) return zero;
  const double scale = std::sqrt(sigma);
  return RankOneFactors{left * (scale / sigma), v * scale};
}

}  // namespace jf::sparse::detail
