#include "distributed_class_solve.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "block_cyclic_entries.hpp"
#include "distributed/small_matrix.hpp"
#include "distributed_rank_one.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "value_exchange.hpp"

namespace jf::sparse::detail {
namespace {

using Indices = std::vector<std::int64_t>;

// The rank of a's communicator that holds entry (i_gl, j_gl) of a matrix with a's grid and maps.
int holder_of(const DistMatrix& m, const std::vector<int>& rank_at, std::int64_t i_gl, std::int64_t j_gl) {
  return rank_at[m.row_map().owner(i_gl) * m.grid().pcols() + m.col_map().owner(j_gl)];
}

std::vector<std::int64_t> held_local(const Indices& indices, const BlockCyclicMap& map, int coordinate,
                                     Indices& positions) {
  std::vector<std::int64_t> local;
  for (std::size_t p = 0; p < indices.size(); ++p)
    if (map.owner(indices[p]) == coordinate) {
      local.push_back(map.global_to_local(indices[p]));
      positions.push_back(static_cast<std::int64_t>(p));
    }
  return local;
}

// block(p, q) = A(rows[p], cols[q]) minus the earlier overlapping classes' terms, on A's grid, block size A's
// row block. Each holder subtracts the terms on its own entries (its factor rows meet them), then both sides
// walk the entries column by column, rows increasing, so only values travel.
DistMatrix extract_residual_block(const DistMatrix& a, const SupportClass& mine, const Indices& subtract,
                                  const LocalFactors& factors) {
  const Indices& rows = mine.rows;
  const Indices& cols = mine.cols;
  const std::int64_t nb = a.row_block();
  DistMatrix block(a.grid_ptr(), static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(cols.size()), nb,
                   nb);
  const BlockCyclicEntries entries(a);
  const std::vector<int> rank_at = ranks_of_processes(a.grid());
  ValueExchange exchange(a.grid().comm());
  Indices row_at, col_at;
  Eigen::MatrixXd residual;
  if (a.grid().in_grid()) {
    const auto row_lc = held_local(rows, a.row_map(), a.grid().myrow(), row_at);
    const auto col_lc = held_local(cols, a.col_map(), a.grid().mycol(), col_at);
    residual = local_residual(a, factors, row_lc, col_lc, subtract);
  }
  auto for_each_held = [&](auto&& visit) {
    for (std::size_t q = 0; q < col_at.size(); ++q)
      for (std::size_t p = 0; p < row_at.size(); ++p)
        visit(holder_of(block, rank_at, row_at[p], col_at[q]),
              residual(static_cast<Eigen::Index>(p), static_cast<Eigen::Index>(q)));
  };
  for_each_held([&](int to, double) { exchange.count(to, 1); });
  exchange.allocate_send();
  for_each_held([&](int to, double value) { exchange.put(to, value); });
  exchange.exchange();
  auto local = block.local();
  for (std::int64_t j_lc = 0; j_lc < block.local_cols(); ++j_lc) {
    const std::int64_t q = block.col_map().local_to_global(j_lc);
    for (std::int64_t i_lc = 0; i_lc < block.local_rows(); ++i_lc) {
      const std::int64_t p = block.row_map().local_to_global(i_lc);
      local(i_lc, j_lc) = exchange.take(entries.holder(rows[p], cols[q]));
    }
  }
  exchange.finish();
  return block;
}

}  // namespace

LowRankFactors solve_class_distributed(const DistMatrix& a, const SupportClass& mine, const Indices& subtract,
                                       const LocalFactors& factors) {
  if (mine.members.size() == 1) {  // the power iteration of the serial greedy, on A's own entries
    if (const auto one = rank_one_distributed(a, mine, subtract, factors))
      return {Eigen::MatrixXd(one->u), Eigen::MatrixXd(one->v)};
  }
  const DistMatrix block = extract_residual_block(a, mine, subtract, factors);
  const std::int64_t rank = static_cast<std::int64_t>(mine.members.size());
  const std::int64_t short_side = std::min(block.rows(), block.cols());
  LowRankFactors result{Eigen::MatrixXd::Zero(block.rows(), rank), Eigen::MatrixXd::Zero(block.cols(), rank)};
  const std::int64_t k = std::min(rank, short_side);
  if (k == 0) return result;
  const svd::TruncatedSvd t = svd::exact_truncated_svd(block, k);
  const Eigen::VectorXd scale = Eigen::Map<const Eigen::VectorXd>(t.s.data(), k).cwiseSqrt();
  result.u.leftCols(k) = replicate_small(t.u) * scale.asDiagonal();
  result.v.leftCols(k) = replicate_small(t.v) * scale.asDiagonal();
  return result;
}

}  // namespace jf::sparse::detail
