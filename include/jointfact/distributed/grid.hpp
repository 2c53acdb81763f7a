#pragma once
// The BLACS process grid as an RAII object. A grid may use fewer ranks than the communicator holds
// (the rest own no data but still take part in collectives); it never uses more.
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>

namespace jf {

struct GridShape {
  int prows = 0;  // 0 x 0 means "choose near-square"
  int pcols = 0;

  bool is_auto() const { return prows == 0 && pcols == 0; }
  // Parses "PRxPC" (e.g. "2x3"); throws InputError on anything else.
  static GridShape parse(const std::string& text);
  // The most square PR x PC = nranks with PR >= PC: taller grids measured faster on tall matrices
  // (m >= n, the usual input): randomized SVD 4000 x 3000 on 2 ranks 0.178 s on 2x1 against 0.194 s
  // on 1x2, 10 joint iterations 0.67 s against 0.73 s (README "Performance", defaults).
  static GridShape near_square(int nranks);
  // The PR x PC = nranks grid whose local blocks are closest to square for an m x n matrix (PR / PC near
  // m / n: a tall matrix gets a tall grid), among the grids where every process row and column owns at
  // least one block of nb when there is one; ties go to the taller grid. O(nranks).
  static GridShape for_matrix(int nranks, int64_t m, int64_t n, int64_t nb);
};

// The block sizes below which the block-cyclic layout cuts reads into small pieces and BLAS 3 kernels run
// at a fraction of their rate; a warning, not an error (tests use small blocks on purpose).
constexpr int64_t kSmallestEfficientBlock = 8;
// An explanation when nb is below kSmallestEfficientBlock; "" otherwise.
std::string small_block_warning(int64_t nb);
// How grid positions map to ranks of the communicator, as Cblacs_gridinit's order argument says.
enum class GridOrder { RowMajor, ColumnMajor };

class Grid {
 public:
  // Throws InputError when the shape needs more ranks than `comm` has. Collective over comm.
  explicit Grid(MPI_Comm comm, GridShape shape = {}, GridOrder order = GridOrder::RowMajor);
  // This library's grid over the same ranks, positions and communicator as a BLACS grid the caller made
  // (Cblacs_gridinit / blacs_gridinit over any communicator, "Row" or "Col" order), so that local blocks
  // described by a descriptor of `blacs_context` are local blocks of this grid too. Collective over the
  // grid's ranks; every rank of the context's communicator must belong to the grid. The caller's context
  // must outlive the returned grid. Throws InputError on a rank outside the grid (context < 0) or when the
  // communicator holds ranks outside the grid.
  static std::shared_ptr<const Grid> from_blacs_context(int blacs_context);
  ~Grid();
  Grid(const Grid&) = delete;
  Grid& operator=(const Grid&) = delete;

  MPI_Comm comm() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  int context() const { return context_; }
  // A 1 x size context over every rank of comm: what pdgemr2d needs to move data between grids.
  int all_ranks_context() const { return all_context_; }
  int prows() const { return prows_; }
  int pcols() const { return pcols_; }
  int myrow() const { return myrow_; }  // -1 outside the grid
  int mycol() const { return mycol_; }
  bool in_grid() const { return myrow_ >= 0; }
  // The rank in comm() of grid position (prow, pcol), as Cblacs_gridinit places them in order().
  GridOrder order() const { return order_; }
  int rank_of(int prow, int pcol) const {
    return order_ == GridOrder::RowMajor ? prow * pcols_ + pcol : pcol * prows_ + prow;
  }
  // Ranks of the same grid row / column (MPI_COMM_NULL outside the grid).
  MPI_Comm row_comm() const { return row_comm_; }
  MPI_Comm col_comm() const { return col_comm_; }
  std::string describe() const;  // "2x2"

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  int blacs_handle_ = -1;
  int context_ = -1, all_context_ = -1;
  int prows_ = 1, pcols_ = 1, myrow_ = -1, mycol_ = -1;
  GridOrder order_ = GridOrder::RowMajor;
  MPI_Comm row_comm_ = MPI_COMM_NULL, col_comm_ = MPI_COMM_NULL;
};

using GridPtr = std::shared_ptr<const Grid>;
inline GridPtr make_grid(MPI_Comm comm, GridShape shape = {}) { return std::make_shared<Grid>(comm, shape); }

}  // namespace jf
