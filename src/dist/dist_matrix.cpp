#include "jointfact/dist/dist_matrix.hpp"

#include <algorithm>

#include "jointfact/core/error.hpp"
#include "jointfact/dist/fortran_int.hpp"

namespace jf {

DistMatrix::DistMatrix(GridPtr grid, int64_t m, int64_t n, int64_t mb, int64_t nb, int rsrc, int csrc)
    : grid_(std::move(grid)), m_(m), n_(n) {
  if (m < 0 || n < 0) throw InputError("matrix dimensions must be non-negative");
  mb = std::max<int64_t>(1, mb);
  nb = std::max<int64_t>(1, nb);
  row_map_ = BlockCyclicMap(m, mb, grid_->prows(), rsrc, grid_->myrow());
  col_map_ = BlockCyclicMap(n, nb, grid_->pcols(), csrc, grid_->mycol());
  local_rows_ = row_map_.local_size();
  local_cols_ = col_map_.local_size();
  lld_ = std::max<int64_t>(1, local_rows_);
  desc_ = {1,
           grid_->in_grid() ? grid_->context() : -1,
           to_fortran_int(m, "global rows"),
           to_fortran_int(n, "global columns"),
           to_fortran_int(mb, "row block size"),
           to_fortran_int(nb, "column block size"),
           rsrc,
           csrc,
           to_fortran_int(lld_, "local leading dimension")};
  storage_.assign(static_cast<size_t>(lld_ * local_cols_), 0.0);
}

}  // namespace jf
