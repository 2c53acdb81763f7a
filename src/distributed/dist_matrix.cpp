#include "jointfact/distributed/dist_matrix.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "distributed/fortran_int.hpp"
#include "jointfact/core/error.hpp"

namespace jf {

DistMatrix::DistMatrix(GridPtr grid, int64_t m, int64_t n, int64_t mb, int64_t nb, int rsrc, int csrc)
    : grid_(std::move(grid)) {
  set_layout(m, n, mb, nb, rsrc, csrc);
  storage_.assign(static_cast<size_t>(lld_ * local_cols_), 0.0);
  data_ = storage_.data();
}

DistMatrix::DistMatrix(Unset, GridPtr grid, int64_t m, int64_t n, int64_t mb, int64_t nb) : grid_(std::move(grid)) {
  set_layout(m, n, mb, nb, 0, 0);
  storage_.resize(static_cast<size_t>(lld_ * local_cols_));
  // With no local rows, the lld of 1 leaves one slot per local column that no writer fills.
  if (local_rows_ == 0) std::fill(storage_.begin(), storage_.end(), 0.0);
  data_ = storage_.data();
}

void DistMatrix::set_layout(int64_t m, int64_t n, int64_t mb, int64_t nb, int rsrc, int csrc) {
  if (m < 0 || n < 0) throw InputError("matrix dimensions must be non-negative");
  m_ = m;
  n_ = n;
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
}

DistMatrix DistMatrix::view(GridPtr grid, int64_t m, int64_t n, double* a, int64_t ia, int64_t ja, const int* desc_a) {
  if (desc_a == nullptr) throw InputError("the descriptor must not be null");
  if (desc_a[0] != 1) {
    throw InputError("the descriptor's type must be 1 (a dense matrix), got " + std::to_string(desc_a[0]));
  }
  const int64_t m_all = desc_a[2], n_all = desc_a[3], mb = desc_a[4], nb = desc_a[5], lld = desc_a[8];
  const int rsrc = desc_a[6], csrc = desc_a[7];
  if (mb < 1 || nb < 1) throw InputError("the descriptor's block sizes must be at least 1");
  if (rsrc < 0 || rsrc >= grid->prows() || csrc < 0 || csrc >= grid->pcols()) {
    throw InputError("the descriptor's source process lies outside the grid");
  }
  if (m < 0 || n < 0 || ia < 1 || ja < 1 || ia - 1 + m > m_all || ja - 1 + n > n_all) {
    throw InputError("the submatrix of " + std::to_string(m) + " x " + std::to_string(n) + " at (" +
                     std::to_string(ia) + ", " + std::to_string(ja) + ") does not fit the " + std::to_string(m_all) +
                     " x " + std::to_string(n_all) + " matrix of the descriptor");
  }
  if ((ia - 1) % mb != 0 || (ja - 1) % nb != 0) {
    throw InputError("ia - 1 and ja - 1 must be multiples of the descriptor's block sizes");
  }
  const BlockCyclicMap all_rows(m_all, mb, grid->prows(), rsrc, grid->myrow());
  if (lld < std::max<int64_t>(1, all_rows.local_size())) {
    throw InputError("the descriptor's local leading dimension " + std::to_string(lld) + " is below the " +
                     std::to_string(all_rows.local_size()) + " local rows");
  }
  // The submatrix starts on a block boundary, so it is itself block-cyclic with shifted source processes;
  // its local part starts after the blocks of rows / columns before it that this rank holds.
  const BlockCyclicMap rows_before(ia - 1, mb, grid->prows(), rsrc, grid->myrow());
  const BlockCyclicMap cols_before(ja - 1, nb, grid->pcols(), csrc, grid->mycol());
  const int sub_rsrc = static_cast<int>((rsrc + (ia - 1) / mb) % grid->prows());
  const int sub_csrc = static_cast<int>((csrc + (ja - 1) / nb) % grid->pcols());

  DistMatrix result;
  result.grid_ = std::move(grid);
  result.m_ = m;
  result.n_ = n;
  result.row_map_ = BlockCyclicMap(m, mb, result.grid_->prows(), sub_rsrc, result.grid_->myrow());
  result.col_map_ = BlockCyclicMap(n, nb, result.grid_->pcols(), sub_csrc, result.grid_->mycol());
  result.local_rows_ = result.row_map_.local_size();
  result.local_cols_ = result.col_map_.local_size();
  result.lld_ = lld;
  result.desc_ = {1,
                  result.grid_->in_grid() ? result.grid_->context() : -1,
                  to_fortran_int(m, "global rows"),
                  to_fortran_int(n, "global columns"),
                  to_fortran_int(mb, "row block size"),
                  to_fortran_int(nb, "column block size"),
                  sub_rsrc,
                  sub_csrc,
                  to_fortran_int(lld, "local leading dimension")};
  result.data_ = a + rows_before.local_size() + cols_before.local_size() * lld;
  result.view_ = true;
  return result;
}

DistMatrix::DistMatrix(const DistMatrix& other) {
  copy_layout_from(other);
  copy_local_from(other);
}

DistMatrix& DistMatrix::operator=(const DistMatrix& other) {
  if (this == &other) return *this;
  copy_layout_from(other);
  copy_local_from(other);
  return *this;
}

DistMatrix::DistMatrix(DistMatrix&& other) noexcept { *this = std::move(other); }

DistMatrix& DistMatrix::operator=(DistMatrix&& other) noexcept {
  if (this == &other) return *this;
  copy_layout_from(other);
  view_ = other.view_;
  storage_ = std::move(other.storage_);  // the buffer moves with its address, so data_ stays valid
  data_ = view_ ? other.data_ : storage_.data();
  other.grid_.reset();
  other.storage_.clear();
  other.data_ = nullptr;
  other.view_ = false;
  return *this;
}

void DistMatrix::copy_layout_from(const DistMatrix& other) {
  grid_ = other.grid_;
  m_ = other.m_;
  n_ = other.n_;
  row_map_ = other.row_map_;
  col_map_ = other.col_map_;
  local_rows_ = other.local_rows_;
  local_cols_ = other.local_cols_;
  lld_ = other.lld_;
  desc_ = other.desc_;
}

void DistMatrix::copy_local_from(const DistMatrix& other) {
  view_ = false;
  storage_.assign(static_cast<size_t>(lld_ * local_cols_), 0.0);
  data_ = storage_.data();
  if (other.data_ != nullptr && !storage_.empty()) {
    for (int64_t j_lc = 0; j_lc < local_cols_; ++j_lc) {
      std::copy(other.data_ + j_lc * lld_, other.data_ + j_lc * lld_ + local_rows_, data_ + j_lc * lld_);
    }
  }
}

}  // namespace jf
