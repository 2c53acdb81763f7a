#include "jointfact/dist/grid.hpp"

#include <cmath>
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
