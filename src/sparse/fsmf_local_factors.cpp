#include "fsmf_local_factors.hpp"

#include <mpi.h>

#include <algorithm>

#include "block_cyclic_entries.hpp"
#include "value_exchange.hpp"

namespace jf::sparse::detail {

namespace {

// Where the rows of a factor held like A's rows (or columns) meet a block-cyclic DistMatrix of it. Of the
// replicas of a row, the one on the process column (row) of the DistMatrix's holder sends or receives, so
// only one copy of each value travels.
struct FactorLayout {
  FactorLayout(const DistMatrix& a, const DistMatrix& factor, bool of_columns)
      : rank_at(ranks_of_processes(a.grid())),
        own_map(of_columns ? a.col_map() : a.row_map()),
        rows_here(of_columns ? a.local_cols() : a.local_rows()),
        of_columns(of_columns),
        pcols(a.grid().pcols()),
        myrow(a.grid().myrow()),
        mycol(a.grid().mycol()),
        factor_rows(factor.row_map()),
        factor_cols(factor.col_map()) {}

  // The replica of row g that exchanges entry (g, k) with the DistMatrix's holder of it.
  int replica(std::int64_t g, std::int64_t k) const {
    return of_columns ? rank_at[factor_rows.owner(g) * pcols + own_map.owner(g)]
                      : rank_at[own_map.owner(g) * pcols + factor_cols.owner(k)];
  }
  int holder(std::int64_t g, std::int64_t k) const {
    return rank_at[factor_rows.owner(g) * pcols + factor_cols.owner(k)];
  }
  // True when this rank is the replica of row g (held here) that exchanges column k.
  bool exchanges_here(std::int64_t g, std::int64_t k) const {
    return of_columns ? factor_rows.owner(g) == myrow : factor_cols.owner(k) == mycol;
  }

  std::vector<int> rank_at;
  const BlockCyclicMap& own_map;
  std::int64_t rows_here;
  bool of_columns;
  int pcols, myrow, mycol;
  const BlockCyclicMap& factor_rows;
  const BlockCyclicMap& factor_cols;
};

}  // namespace

LocalFactors zero_local_factors(const DistMatrix& a, Eigen::Index rank) {
  return {Eigen::MatrixXd::Zero(a.local_rows(), rank), Eigen::MatrixXd::Zero(a.local_cols(), rank)};
}

Eigen::MatrixXd local_residual(const DistMatrix& a, const LocalFactors& factors,
                               const std::vector<std::int64_t>& row_lc, const std::vector<std::int64_t>& col_lc,
                               const std::vector<std::int64_t>& members) {
  const auto local = a.local();
  const auto rows = static_cast<Eigen::Index>(row_lc.size());
  const auto cols = static_cast<Eigen::Index>(col_lc.size());
  Eigen::MatrixXd residual(rows, cols);
  for (Eigen::Index q = 0; q < cols; ++q)
    for (Eigen::Index p = 0; p < rows; ++p) residual(p, q) = local(row_lc[p], col_lc[q]);
  if (members.empty() || rows == 0 || cols == 0) return residual;
  const auto k = static_cast<Eigen::Index>(members.size());
  Eigen::MatrixXd x(rows, k), y(cols, k);
  for (Eigen::Index t = 0; t < k; ++t) {
    for (Eigen::Index p = 0; p < rows; ++p) x(p, t) = factors.x(row_lc[p], members[t]);
    for (Eigen::Index q = 0; q < cols; ++q) y(q, t) = factors.y(col_lc[q], members[t]);
  }
  residual.noalias() -= x * y.transpose();
  return residual;
}

DistMatrix factor_as_dist_matrix(const DistMatrix& a, const Eigen::MatrixXd& rows_here, bool of_columns) {
  const std::int64_t length = of_columns ? a.cols() : a.rows();
  // Columns in one block per process column, so that a grid with one process row still splits the factor.
  const std::int64_t pcols = std::max(1, a.grid().pcols());
  const std::int64_t col_block = std::max<std::int64_t>(1, (rows_here.cols() + pcols - 1) / pcols);
  DistMatrix factor(a.grid_ptr(), length, rows_here.cols(), of_columns ? a.col_block() : a.row_block(), col_block);
  const FactorLayout layout(a, factor, of_columns);
  ValueExchange exchange(a.grid().comm());
  auto for_each_sent = [&](auto&& visit) {
    if (!a.grid().in_grid()) return;
    for (std::int64_t g_lc = 0; g_lc < layout.rows_here; ++g_lc) {
      const std::int64_t g = layout.own_map.local_to_global(g_lc);
      for (Eigen::Index k = 0; k < rows_here.cols(); ++k)
        if (layout.exchanges_here(g, k)) visit(layout.holder(g, k), rows_here(g_lc, k));
    }
  };
  for_each_sent([&](int to, double) { exchange.count(to, 1); });
  exchange.allocate_send();
  for_each_sent([&](int to, double value) { exchange.put(to, value); });
  exchange.exchange();
  auto local = factor.local();
  for (std::int64_t i_lc = 0; i_lc < factor.local_rows(); ++i_lc) {
    const std::int64_t g = factor.row_map().local_to_global(i_lc);
    for (std::int64_t k_lc = 0; k_lc < factor.local_cols(); ++k_lc)
      local(i_lc, k_lc) = exchange.take(layout.replica(g, factor.col_map().local_to_global(k_lc)));
  }
  exchange.finish();
  return factor;
}

Eigen::MatrixXd factor_rows_here(const DistMatrix& a, const DistMatrix& factor, bool of_columns) {
  const FactorLayout layout(a, factor, of_columns);
  ValueExchange exchange(a.grid().comm());
  const auto local = factor.local();
  auto for_each_sent = [&](auto&& visit) {
    for (std::int64_t i_lc = 0; i_lc < factor.local_rows(); ++i_lc) {
      const std::int64_t g = factor.row_map().local_to_global(i_lc);
      for (std::int64_t k_lc = 0; k_lc < factor.local_cols(); ++k_lc)
        visit(layout.replica(g, factor.col_map().local_to_global(k_lc)), local(i_lc, k_lc));
    }
  };
  for_each_sent([&](int to, double) { exchange.count(to, 1); });
  exchange.allocate_send();
  for_each_sent([&](int to, double value) { exchange.put(to, value); });
  exchange.exchange();
  Eigen::MatrixXd rows = Eigen::MatrixXd::Zero(layout.rows_here, factor.cols());
  for (std::int64_t g_lc = 0; g_lc < layout.rows_here; ++g_lc) {
    const std::int64_t g = layout.own_map.local_to_global(g_lc);
    for (Eigen::Index k = 0; k < rows.cols(); ++k)
      if (layout.exchanges_here(g, k)) rows(g_lc, k) = exchange.take(layout.holder(g, k));
  }
  exchange.finish();
  // Each replica received the columns of its own process column (row): sum them over the replicas.
  MPI_Comm replicas = of_columns ? a.grid().col_comm() : a.grid().row_comm();
  if (replicas != MPI_COMM_NULL && rows.size() > 0)
    MPI_Allreduce(MPI_IN_PLACE, rows.data(), static_cast<int>(rows.size()), MPI_DOUBLE, MPI_SUM, replicas);
  return rows;
}

}  // namespace jf::sparse::detail
