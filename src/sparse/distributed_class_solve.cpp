#include "distributed_class_solve.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "block_cyclic_entries.hpp"
#include "distributed_rank_one.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "distributed/small_matrix.hpp"
#include "value_exchange.hpp"

namespace jf::sparse::detail {
namespace {

using Indices = std::vector<std::int64_t>;

// The rank of a's communicator that holds entry (i_gl, j_gl) of a matrix with a's grid and maps.
int holder_of(const DistMatrix& m, const std::vector<int>& rank_at, std::int64_t i_gl, std::int64_t j_gl) {
  return rank_at[m.row_map().owner(i_gl) * m.grid().pcols() + m.col_map().owner(j_gl)];
}

// block(p, q) = A(rows[p], cols[q]) on A's grid, block size A's row block. Both sides walk the entries
// column by column, rows increasing, so only values travel.
DistMatrix extract_block(const DistMatrix& a, const Indices& rows, const Indices& cols) {
  const std::int64_t nb = a.row_block();
  DistMatrix block(a.grid_ptr(), static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(cols.size()), nb,
                   nb);
  const BlockCyclicEntries entries(a);
  const std::vector<int> rank_at = ranks_of_processes(a.grid());
  ValueExchange exchange(a.grid().comm());
  const bool in_grid = a.grid().in_grid();
  auto for_each_held = [&](auto&& visit) {
    if (!in_grid) return;
    for (std::size_t q = 0; q < cols.size(); ++q) {
      if (!entries.col_here(cols[q])) continue;
      for (std::size_t p = 0; p < rows.size(); ++p)
        if (entries.row_here(rows[p])) visit(static_cast<std::int64_t>(p), static_cast<std::int64_t>(q));
    }
  };
  for_each_held([&](std::int64_t p, std::int64_t q) { exchange.count(holder_of(block, rank_at, p, q), 1); });
  exchange.allocate_send();
  for_each_held([&](std::int64_t p, std::int64_t q) {
    exchange.put(holder_of(block, rank_at, p, q), entries.value(rows[p], cols[q]));
  });
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

// The rows `indices` (of the block's local rows or columns) of the columns `members` of a replicated factor.
Eigen::MatrixXd local_factor_rows(const Eigen::MatrixXd& factor, const Indices& indices, const BlockCyclicMap& map,
                                  std::int64_t local_count, const Indices& members) {
  Eigen::MatrixXd rows(local_count, static_cast<Eigen::Index>(members.size()));
  for (std::int64_t i_lc = 0; i_lc < local_count; ++i_lc)
    for (std::size_t k = 0; k < members.size(); ++k)
      rows(i_lc, static_cast<Eigen::Index>(k)) = factor(indices[map.local_to_global(i_lc)], members[k]);
  return rows;
}

}  // namespace

LowRankFactors solve_class_distributed(const DistMatrix& a, const std::vector<SupportClass>& classes, std::size_t c,
                                       const FsmfFactors& factors) {
  const SupportClass& mine = classes[c];
  if (mine.members.size() == 1) {  // the power iteration of the serial greedy, on A's own entries
    if (const auto one = rank_one_distributed(a, classes, c, factors))
      return {Eigen::MatrixXd(one->u), Eigen::MatrixXd(one->v)};
  }
  DistMatrix block = extract_block(a, mine.rows, mine.cols);
  for (std::size_t earlier = 0; earlier < c; ++earlier) {
    if (!supports_overlap(classes[earlier], mine)) continue;
    const Indices& members = classes[earlier].members;
    const Eigen::MatrixXd x = local_factor_rows(factors.x, mine.rows, block.row_map(), block.local_rows(), members);
    const Eigen::MatrixXd y = local_factor_rows(factors.y, mine.cols, block.col_map(), block.local_cols(), members);
    if (block.local_rows() > 0 && block.local_cols() > 0) block.local() -= x * y.transpose();
  }
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
