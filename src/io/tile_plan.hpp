#pragma once
// How a row-major (m, n) dataset is cut into tiles that follow the file's own layout, and which rank
// reads (or writes) which tile in which round. Contiguous datasets: tiles of whole rows (or, when one
// row is larger than a rank's round budget, pieces of one row); chunked datasets: the chunks. Every rank
// computes the same plan, so the exchange needs no messages to agree on it.
#include <cstdint>
#include <vector>

namespace jf::io {

// The rectangle [row_begin, row_end) x [col_begin, col_end) of the global matrix, row-major in a buffer.
struct Tile {
  int64_t row_begin = 0, row_end = 0, col_begin = 0, col_end = 0;
  int64_t rows() const { return row_end - row_begin; }
  int64_t cols() const { return col_end - col_begin; }
  int64_t count() const { return rows() * cols(); }
};

class TilePlan {
 public:
  // Tiles of tile_rows x tile_cols (clipped at the matrix edges) in row-major order of tiles; each round,
  // rank r takes the next tiles_per_rank of them after those of ranks 0..r-1.
  TilePlan(int64_t m, int64_t n, int64_t tile_rows, int64_t tile_cols, int64_t tiles_per_rank, int nranks);

  // Contiguous storage: each rank's tile per round is about `budget_bytes` of doubles, whole rows where
  // one row fits the budget.
  static TilePlan for_contiguous(int64_t m, int64_t n, int nranks, int64_t budget_bytes);
  // Chunked storage: whole chunks (each read by exactly one rank), as many per rank and round as fit the budget.
  static TilePlan for_chunks(int64_t m, int64_t n, int64_t chunk_rows, int64_t chunk_cols, int nranks,
                             int64_t budget_bytes);

  // Contiguous storage read by the rows' owners: each tile is one block of mb whole rows (a contiguous piece
  // of the file), read by a rank of the process row that owns it (round-robin over its process columns), so
  // that data crosses only between ranks of one process row (none on a PR x 1 grid). Ranks of
  // [0, prows * pcols) take part; `blocks_per_rank` row blocks per rank and round.
  static TilePlan for_row_blocks(int64_t m, int64_t n, int64_t mb, int prows, int pcols, int nranks,
                                 int64_t blocks_per_rank);

  int64_t rounds() const;
  int nranks() const { return nranks_; }
  // Whether tiles are whole row blocks (for_row_blocks): each a contiguous piece of a contiguous file.
  bool by_row_blocks() const { return prows_ > 0; }
  // Whether every tile is read by the only rank that owns it (row blocks on a PR x 1 grid): no exchange.
  bool tiles_stay_with_reader() const { return prows_ > 0 && pcols_ == 1; }
  // The tiles rank `rank` handles in round `round`, in the order their values lie in its buffer.
  std::vector<Tile> tiles_of(int64_t round, int rank) const;

 private:
  int64_t m_, n_, tile_rows_, tile_cols_, tiles_per_rank_;
  int nranks_;
  int prows_ = 0, pcols_ = 0;  // > 0: tiles are row blocks dealt to their owners (for_row_blocks)
  std::vector<Tile> row_blocks_of(int64_t round, int rank) const;
  int64_t tile_grid_cols() const;
  int64_t tile_count() const;
};

// Whether one block of mb rows of an n-column matrix is a large enough piece of a contiguous file to read on
// its own (1 MiB): then for_row_blocks, else for_contiguous's slabs and the exchange.
bool row_blocks_are_large(int64_t n, int64_t mb);

// The plan for a contiguous (m, n) dataset read into (or written from) a matrix with row blocks of mb on a
// prows x pcols grid over nranks ranks: row blocks where they are large pieces, slabs otherwise.
TilePlan plan_for_contiguous(int64_t m, int64_t n, int64_t mb, int prows, int pcols, int nranks);

// The reader's plan for a contiguous dataset: as plan_for_contiguous (slabs also where one row block exceeds
// round_budget_bytes), but row blocks go a few at a time
// (about kCachedRoundBytes per rank and round), so that a round's tiles are still in cache when they are
// transposed into local storage; each row block is one independent read of a contiguous piece.
TilePlan plan_for_contiguous_read(int64_t m, int64_t n, int64_t mb, int prows, int pcols, int nranks);
// Bytes one rank reads per round (row blocks, chunks) for them to be transposed while in cache.
constexpr int64_t kCachedRoundBytes = int64_t{4} << 20;

// Bytes of doubles one rank moves per round: a quarter of its share of the matrix (the round's buffers
// stay small beside it), at least 1 MiB (fewer, larger requests), at most 64 MiB.
int64_t round_budget_bytes(int64_t m, int64_t n, int nranks);

}  // namespace jf::io
