#include "jointfact/distributed/grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>

#include "distributed/scalapack_prototypes.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"

namespace jf {

GridShape GridShape::parse(const std::string& text) {
  static const std::regex pattern(R"(^\s*([0-9]+)\s*[xX]\s*([0-9]+)\s*$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) {
    throw InputError("grid shape '" + text + "' is not of the form PRxPC, e.g. 2x4");
  }
  // More than 9 digits cannot be a rank count (and would overflow std::stoi).
  if (match[1].length() > 9 || match[2].length() > 9)
    throw InputError("grid shape '" + text + "' asks for too many ranks");
  GridShape shape{std::stoi(match[1]), std::stoi(match[2])};
  if (shape.prows < 1 || shape.pcols < 1) throw InputError("grid shape '" + text + "' must be at least 1x1");
  return shape;
}

GridShape GridShape::near_square(int nranks) {
  int pcols = static_cast<int>(std::sqrt(static_cast<double>(nranks)));
  while (pcols > 1 && nranks % pcols != 0) --pcols;
  return {nranks / pcols, pcols};
}

GridShape GridShape::for_matrix(int nranks, int64_t m, int64_t n, int64_t nb) {
  const double row_blocks = std::ceil(static_cast<double>(std::max<int64_t>(m, 1)) / std::max<int64_t>(nb, 1));
  const double col_blocks = std::ceil(static_cast<double>(std::max<int64_t>(n, 1)) / std::max<int64_t>(nb, 1));
  GridShape best = near_square(nranks);
  double best_score = std::numeric_limits<double>::infinity();
  bool best_all_hold = false;
  // Descending PR, so that a tie keeps the taller grid.
  for (int prows = nranks; prows >= 1; --prows) {
    if (nranks % prows != 0) continue;
    const int pcols = nranks / prows;
    const bool all_hold = prows <= row_blocks && pcols <= col_blocks;
    // |log| of the local block's aspect ratio: 0 when m / PR == n / PC.
    const double score = std::abs(std::log((static_cast<double>(std::max<int64_t>(m, 1)) / prows) /
                                           (static_cast<double>(std::max<int64_t>(n, 1)) / pcols)));
    if ((all_hold && !best_all_hold) || (all_hold == best_all_hold && score < best_score - 1e-12)) {
      best = {prows, pcols};
      best_score = score;
      best_all_hold = all_hold;
    }
  }
  return best;
}

std::string small_block_warning(int64_t nb) {
  if (nb >= kSmallestEfficientBlock) return "";
  return "block size " + std::to_string(nb) + " is below " + std::to_string(kSmallestEfficientBlock) +
         ": matrix products and reads run far below their speed (64 is the default)";
}

Grid::Grid(MPI_Comm comm, GridShape shape, GridOrder order)
    : comm_(comm), rank_(comm_rank(comm)), size_(comm_size(comm)), order_(order) {
  if (shape.is_auto()) shape = GridShape::near_square(size_);
  if (static_cast<long>(shape.prows) * shape.pcols > size_) {
    throw InputError("grid " + std::to_string(shape.prows) + "x" + std::to_string(shape.pcols) + " needs " +
                     std::to_string(static_cast<long>(shape.prows) * shape.pcols) + " ranks but only " +
                     std::to_string(size_) + " are running");
  }
  prows_ = shape.prows;
  pcols_ = shape.pcols;
  blacs_handle_ = Csys2blacs_handle(comm_);
  context_ = blacs_handle_;
  Cblacs_gridinit(&context_, order_ == GridOrder::RowMajor ? "R" : "C", prows_, pcols_);
  all_context_ = blacs_handle_;
  Cblacs_gridinit(&all_context_, "R", 1, size_);
  // Rank r < prows * pcols sits at (r / pcols, r % pcols) in row-major order, (r % prows, r / prows) in
  // column-major order; ranks beyond the grid own nothing.
  if (rank_ < prows_ * pcols_) {
    int nprow = 0, npcol = 0;
    Cblacs_gridinfo(context_, &nprow, &npcol, &myrow_, &mycol_);
  }
  MPI_Comm_split(comm_, in_grid() ? myrow_ : MPI_UNDEFINED, mycol_, &row_comm_);
  MPI_Comm_split(comm_, in_grid() ? mycol_ : MPI_UNDEFINED, myrow_, &col_comm_);
}

GridPtr Grid::from_blacs_context(int blacs_context) {
  if (blacs_context < 0) {
    throw InputError("BLACS context " + std::to_string(blacs_context) + " is not a grid this rank belongs to");
  }
  int nprow = 0, npcol = 0, myrow = -1, mycol = -1;
  Cblacs_gridinfo(blacs_context, &nprow, &npcol, &myrow, &mycol);
  if (nprow < 1 || npcol < 1 || myrow < 0 || mycol < 0) {
    throw InputError("BLACS context " + std::to_string(blacs_context) + " is not a grid this rank belongs to");
  }
  // What=10 gives a system handle of the communicator that holds the grid's ranks.
  int system_handle = -1;
  Cblacs_get(blacs_context, 10, &system_handle);
  MPI_Comm comm = Cblacs2sys_handle(system_handle);
  if (comm_size(comm) != nprow * npcol) {
    throw InputError("the BLACS grid is " + std::to_string(nprow) + "x" + std::to_string(npcol) + " but its " +
                     "communicator has " + std::to_string(comm_size(comm)) + " ranks: every rank must be in the grid");
  }
  const int rank = comm_rank(comm);
  int layout[2] = {rank == myrow * npcol + mycol ? 1 : 0, rank == mycol * nprow + myrow ? 1 : 0};
  MPI_Allreduce(MPI_IN_PLACE, layout, 2, MPI_INT, MPI_LAND, comm);
  if (!layout[0] && !layout[1]) throw InputError("the BLACS grid is neither row-major nor column-major");
  const GridOrder order = layout[0] ? GridOrder::RowMajor : GridOrder::ColumnMajor;
  return std::make_shared<Grid>(comm, GridShape{nprow, npcol}, order);
}

Grid::~Grid() {
  if (row_comm_ != MPI_COMM_NULL) MPI_Comm_free(&row_comm_);
  if (col_comm_ != MPI_COMM_NULL) MPI_Comm_free(&col_comm_);
  if (in_grid()) Cblacs_gridexit(context_);
  Cblacs_gridexit(all_context_);
  Cfree_blacs_system_handle(blacs_handle_);
}

std::string Grid::describe() const { return std::to_string(prows_) + "x" + std::to_string(pcols_); }

}  // namespace jf
