#include "tile_plan.hpp"

#include <algorithm>

namespace jf::io {
namespace {
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

TilePlan::TilePlan(int64_t m, int64_t n, int64_t tile_rows, int64_t tile_cols, int64_t tiles_per_rank, int nranks)
    : m_(m),
      n_(n),
      tile_rows_(std::max<int64_t>(tile_rows, 1)),
      tile_cols_(std::max<int64_t>(tile_cols, 1)),
      tiles_per_rank_(std::max<int64_t>(tiles_per_rank, 1)),
      nranks_(std::max(nranks, 1)) {}

TilePlan TilePlan::for_contiguous(int64_t m, int64_t n, int nranks, int64_t budget_bytes) {
  const int64_t budget = std::max<int64_t>(budget_bytes / 8, 1);
  const int64_t row = std::max<int64_t>(n, 1);
  if (row <= budget) {
    // Whole rows, and no more of them per rank than spreads the matrix over every rank.
    const int64_t rows = std::min(budget / row, std::max<int64_t>(ceil_div(m, nranks), 1));
    return TilePlan(m, n, rows, row, 1, nranks);
  }
  return TilePlan(m, n, 1, budget, 1, nranks);
}

TilePlan TilePlan::for_chunks(int64_t m, int64_t n, int64_t chunk_rows, int64_t chunk_cols, int nranks,
                              int64_t budget_bytes) {
  const int64_t chunk = std::max<int64_t>(chunk_rows, 1) * std::max<int64_t>(chunk_cols, 1);
  const int64_t chunks = ceil_div(std::max<int64_t>(m, 1), std::max<int64_t>(chunk_rows, 1)) *
                         ceil_div(std::max<int64_t>(n, 1), std::max<int64_t>(chunk_cols, 1));
  const int64_t per_rank = std::min(std::max<int64_t>(budget_bytes / 8 / chunk, 1), ceil_div(chunks, nranks));
  return TilePlan(m, n, chunk_rows, chunk_cols, per_rank, nranks);
}

TilePlan TilePlan::for_row_blocks(int64_t m, int64_t n, int64_t mb, int prows, int pcols, int nranks,
                                  int64_t blocks_per_rank) {
  TilePlan plan(m, n, mb, std::max<int64_t>(n, 1), blocks_per_rank, nranks);
  plan.prows_ = std::max(prows, 1);
  plan.pcols_ = std::max(pcols, 1);
  return plan;
}

bool row_blocks_are_large(int64_t n, int64_t mb) { return 8 * n * mb >= (int64_t{1} << 20); }

std::vector<Tile> TilePlan::row_blocks_of(int64_t round, int rank) const {
  std::vector<Tile> tiles;
  if (rank >= prows_ * pcols_ || m_ == 0 || n_ == 0) return tiles;
  const int prow = rank / pcols_, pcol = rank % pcols_;
  // Process row prow owns row blocks prow, prow + PR, ...; its t-th one goes to process column t % PC.
  for (int64_t t = round * tiles_per_rank_; t < (round + 1) * tiles_per_rank_; ++t) {
    const int64_t ib = prow + static_cast<int64_t>(prows_) * (pcol + static_cast<int64_t>(pcols_) * t);
    if (ib * tile_rows_ >= m_) break;
    tiles.push_back({ib * tile_rows_, std::min(m_, (ib + 1) * tile_rows_), 0, n_});
  }
  return tiles;
}

int64_t TilePlan::tile_grid_cols() const { return ceil_div(n_, tile_cols_); }

int64_t TilePlan::tile_count() const { return m_ == 0 || n_ == 0 ? 0 : ceil_div(m_, tile_rows_) * tile_grid_cols(); }

int64_t TilePlan::rounds() const {
  if (prows_ > 0) {
    // Rank (0, 0) has the most row blocks: ceil(blocks / (PR * PC)).
    return ceil_div(ceil_div(ceil_div(m_, tile_rows_), int64_t{prows_} * pcols_), tiles_per_rank_);
  }
  return ceil_div(tile_count(), tiles_per_rank_ * nranks_);
}

std::vector<Tile> TilePlan::tiles_of(int64_t round, int rank) const {
  if (prows_ > 0) return row_blocks_of(round, rank);
  std::vector<Tile> tiles;
  const int64_t first = (round * nranks_ + rank) * tiles_per_rank_;
  const int64_t end = std::min(first + tiles_per_rank_, tile_count());
  for (int64_t t = first; t < end; ++t) {
    const int64_t it = t / tile_grid_cols(), jt = t % tile_grid_cols();
    Tile tile;
    tile.row_begin = it * tile_rows_;
    tile.row_end = std::min(m_, tile.row_begin + tile_rows_);
    tile.col_begin = jt * tile_cols_;
    tile.col_end = std::min(n_, tile.col_begin + tile_cols_);
    tiles.push_back(tile);
  }
  return tiles;
}

TilePlan plan_for_contiguous(int64_t m, int64_t n, int64_t mb, int prows, int pcols, int nranks) {
  const int64_t budget = round_budget_bytes(m, n, nranks);
  if (!row_blocks_are_large(n, mb)) return TilePlan::for_contiguous(m, n, nranks, budget);
  return TilePlan::for_row_blocks(m, n, mb, prows, pcols, nranks, budget / (8 * n * mb));
}

TilePlan plan_for_contiguous_read(int64_t m, int64_t n, int64_t mb, int prows, int pcols, int nranks) {
  const int64_t budget = round_budget_bytes(m, n, nranks);
  // A row block larger than a round's budget (a wide matrix) would put its whole size in the read buffer,
  // the send buffer and the receive buffer whatever P is: slabs of whole rows keep each at the budget.
  if (!row_blocks_are_large(n, mb) || 8 * n * mb > budget) return TilePlan::for_contiguous(m, n, nranks, budget);
  return TilePlan::for_row_blocks(m, n, mb, prows, pcols, nranks, kCachedRoundBytes / (8 * n * mb));
}

int64_t round_budget_bytes(int64_t m, int64_t n, int nranks) {
  const double share = 8.0 * static_cast<double>(m) * static_cast<double>(n) / std::max(nranks, 1);
  const double quarter = share / 4;
  return static_cast<int64_t>(std::min(std::max(quarter, double(int64_t{1} << 20)), double(int64_t{64} << 20)));
}

}  // namespace jf::io
