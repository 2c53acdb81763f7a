#pragma once
// A dense m x n matrix in ScaLAPACK's 2-D block-cyclic layout. Each rank stores its local part in
// column-major order with leading dimension lld >= max(1, local rows), exposed as an Eigen map.
// The storage is either the matrix's own or, for a view (DistMatrix::view), memory the caller owns and
// describes with a ScaLAPACK descriptor: nothing is copied and writes land in the caller's array.
#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "jointfact/distributed/grid.hpp"
#include "jointfact/distributed/index_map.hpp"

namespace jf {

using LocalMatrixMap = Eigen::Map<Eigen::MatrixXd, 0, Eigen::OuterStride<>>;
using ConstLocalMatrixMap = Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>;

// std::allocator whose value-less construct leaves a double unset: resize() then allocates without writing,
// while assign(n, 0.0) still writes zeros.
template <class T>
struct UnsetValueAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UnsetValueAllocator<U>;
  };
  UnsetValueAllocator() = default;
  template <class U>
  UnsetValueAllocator(const UnsetValueAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

class DistMatrix {
 public:
  static constexpr int64_t kDefaultBlock = 64;

  DistMatrix() = default;
  // Zero-initialised. Block sizes are clamped to at least 1; rsrc/csrc are the source process offsets.
  DistMatrix(GridPtr grid, int64_t m, int64_t n, int64_t mb = kDefaultBlock, int64_t nb = kDefaultBlock, int rsrc = 0,
             int csrc = 0);

  // Selects the constructor that leaves the local values unset (no pass writing zeros over the whole local
  // part, whose pages the first real write then maps): for a caller that writes every local value before any
  // is read, such as a reader filling the matrix from a file.
  struct Unset {};
  DistMatrix(Unset, GridPtr grid, int64_t m, int64_t n, int64_t mb = kDefaultBlock, int64_t nb = kDefaultBlock);

  // A view of the m x n submatrix sub(A) = A(ia:ia+m-1, ja:ja+n-1) (1-based, as ScaLAPACK counts) of the
  // caller's block-cyclic array `a` with descriptor `desc_a` (dtype 1); `grid` is the caller's grid as
  // Grid::from_blacs_context(desc_a[1]) builds it. No copy: the view reads and writes `a`, which must
  // outlive it. ia - 1 and ja - 1 must be multiples of the row / column block size (the view starts on a
  // block boundary). Copying a view gives a matrix with its own storage; moving keeps the view.
  // Throws InputError when the descriptor is not a dense one, m, n, ia, ja do not fit it, or lld is too small.
  static DistMatrix view(GridPtr grid, int64_t m, int64_t n, double* a, int64_t ia, int64_t ja, const int* desc_a);
  bool is_view() const { return view_; }

  DistMatrix(const DistMatrix& other);
  DistMatrix& operator=(const DistMatrix& other);
  DistMatrix(DistMatrix&& other) noexcept;
  DistMatrix& operator=(DistMatrix&& other) noexcept;
  ~DistMatrix() = default;

  // Same grid and layout, new storage (zeros).
  DistMatrix like() const {
    return DistMatrix(grid_, m_, n_, row_map_.block_size(), col_map_.block_size(), row_map_.source(),
                      col_map_.source());
  }

  const Grid& grid() const { return *grid_; }
  const GridPtr& grid_ptr() const { return grid_; }
  int64_t rows() const { return m_; }
  int64_t cols() const { return n_; }
  int64_t row_block() const { return row_map_.block_size(); }
  int64_t col_block() const { return col_map_.block_size(); }
  const BlockCyclicMap& row_map() const { return row_map_; }
  const BlockCyclicMap& col_map() const { return col_map_; }
  int64_t local_rows() const { return local_rows_; }
  int64_t local_cols() const { return local_cols_; }
  int64_t lld() const { return lld_; }

  double* data() { return data_; }
  const double* data() const { return data_; }
  LocalMatrixMap local() { return {data_, local_rows_, local_cols_, Eigen::OuterStride<>(lld_)}; }
  ConstLocalMatrixMap local() const { return {data_, local_rows_, local_cols_, Eigen::OuterStride<>(lld_)}; }
  // ScaLAPACK array descriptor (context -1 on ranks outside the grid, as pdgemr2d requires).
  const int* desc() const { return desc_.data(); }

  // Calls f(i_gl, j_gl, value&) for every locally stored element, column by column.
  template <class F>
  void for_each_local(F&& f) {
    for (int64_t j_lc = 0; j_lc < local_cols_; ++j_lc) {
      const int64_t j_gl = col_map_.local_to_global(j_lc);
      double* column = data_ + j_lc * lld_;
      for (int64_t i_lc = 0; i_lc < local_rows_; ++i_lc) f(row_map_.local_to_global(i_lc), j_gl, column[i_lc]);
    }
  }
  template <class F>
  void for_each_local(F&& f) const {
    for (int64_t j_lc = 0; j_lc < local_cols_; ++j_lc) {
      const int64_t j_gl = col_map_.local_to_global(j_lc);
      const double* column = data_ + j_lc * lld_;
      for (int64_t i_lc = 0; i_lc < local_rows_; ++i_lc) f(row_map_.local_to_global(i_lc), j_gl, column[i_lc]);
    }
  }

  // Bytes of local storage on this rank (the caller's, for a view).
  int64_t local_bytes() const { return lld_ * local_cols_ * static_cast<int64_t>(sizeof(double)); }

 private:
  GridPtr grid_;
  int64_t m_ = 0, n_ = 0;
  BlockCyclicMap row_map_, col_map_;
  int64_t local_rows_ = 0, local_cols_ = 0, lld_ = 1;
  std::array<int, 9> desc_{};
  std::vector<double, UnsetValueAllocator<double>> storage_;  // empty for a view
  double* data_ = nullptr;                                    // storage_.data(), or the caller's array for a view
  bool view_ = false;

  // Takes other's grid, dimensions, block-cyclic maps, local sizes and descriptor (not its storage).
  void copy_layout_from(const DistMatrix& other);
  // Sets grid, sizes, maps and descriptor of an m x n matrix; allocates no storage.
  void set_layout(int64_t m, int64_t n, int64_t mb, int64_t nb, int rsrc, int csrc);
  // Copies other's local part into storage of this matrix's own (same lld, so the descriptor stays valid).
  void copy_local_from(const DistMatrix& other);
};

}  // namespace jf
