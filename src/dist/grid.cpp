#include "jointfact/dist/grid.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/dist/scalapack_prototypes.hpp"

namespace jf {

GridShape GridShape::parse(const std::string& text) {
  static const std::regex pattern(R"(^\s*([0-9]+)\s*[xX]\s*([0-9]+)\s*$)");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) {
    throw InputError("--grid '" + text + "' is not of the form PRxPC, e.g. 2x4");
  }
  // More than 9 digits cannot be a rank count (and would overflow std::stoi).
  if (match[1].length() > 9 || match[2].length() > 9) throw InputError("--grid '" + text + "' asks for too many ranks");
  GridShape shape{std::stoi(match[1]), std::stoi(match[2])};
  if (shape.prows < 1 || shape.pcols < 1) throw InputError("--grid '" + text + "' must be at least 1x1");
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

Grid::Grid(MPI_Comm comm, GridShape shape) : comm_(comm), rank_(comm_rank(comm)), size_(comm_size(comm)) {
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
  Cblacs_gridinit(&context_, "R", prows_, pcols_);
  all_context_ = blacs_handle_;
  Cblacs_gridinit(&all_context_, "R", 1, size_);
  // Row-major ordering: rank r sits at (r / pcols, r % pcols); ranks beyond the grid own nothing.
  if (rank_ < prows_ * pcols_) {
    int nprow = 0, npcol = 0;
    Cblacs_gridinfo(context_, &nprow, &npcol, &myrow_, &mycol_);
  }
  MPI_Comm_split(comm_, in_grid() ? myrow_ : MPI_UNDEFINED, mycol_, &row_comm_);
  MPI_Comm_split(comm_, in_grid() ? mycol_ : MPI_UNDEFINED, myrow_, &col_comm_);
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
