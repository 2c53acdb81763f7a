#include "distributed/thin_product.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "distributed/fortran_int.hpp"
#include "distributed/narrow_gemm.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "thin_exchange.hpp"

namespace jf {
namespace {

int f(int64_t value, const char* what) { return to_fortran_int(value, what); }

// The layout the local products need: `rows` rows blocked and placed like A's rows (or columns), all
// l columns in one block on process column 0. Each rank of process column 0 then holds exactly the rows
// that match its local part of A, contiguous with leading dimension max(1, local rows).
DistMatrix row_aligned(const GridPtr& grid, int64_t rows, int64_t l, const BlockCyclicMap& like) {
  return DistMatrix(grid, rows, l, like.block_size(), std::max<int64_t>(l, 1), like.source(), 0);
}

// The transpose of that: l rows in one block on process row 0, columns blocked and placed like A's columns.
DistMatrix column_aligned(const GridPtr& grid, int64_t l, int64_t cols, const BlockCyclicMap& like) {
  return DistMatrix(grid, l, cols, std::max<int64_t>(l, 1), like.block_size(), 0, like.source());
}

// True when t already has row_aligned's local storage (then no redistribution is needed).
bool is_row_aligned(const DistMatrix& t, const BlockCyclicMap& like) {
  return t.row_block() == like.block_size() && t.row_map().source() == like.source() && t.col_block() >= t.cols() &&
         t.col_map().source() == 0 && t.lld() == std::max<int64_t>(1, t.local_rows());
}

void check_operands(const DistMatrix& a, const DistMatrix& thin_in, int64_t in_rows, const DistMatrix& thin_out,
                    int64_t out_rows, const char* what) {
  if (thin_in.rows() != in_rows || thin_out.rows() != out_rows || thin_in.cols() != thin_out.cols()) {
    throw LibraryError(std::string(what) + ": shapes do not match");
  }
  if (&thin_in.grid() != &a.grid() || &thin_out.grid() != &a.grid()) {
    throw LibraryError(std::string(what) + ": operands must share A's grid");
  }
}

// Sends `count` doubles from the root's `data` to every rank of `comm` (into `data` there).
void broadcast(std::vector<double>& data, MPI_Comm comm) {
  MPI_Bcast(data.data(), f(static_cast<int64_t>(data.size()), "thin product broadcast"), MPI_DOUBLE, 0, comm);
}

// Sums `partial` over `comm` into `result` on the root (rank 0 of comm); other ranks' result is untouched.
void sum_to_root(const std::vector<double>& partial, double* result, MPI_Comm comm) {
  const int count = f(static_cast<int64_t>(partial.size()), "thin product reduce");
  MPI_Reduce(partial.data(), result, count, MPI_DOUBLE, MPI_SUM, 0, comm);
}

// X's rows where A's columns are, as an l x n_loc array on every rank of the grid.
std::vector<double> rows_for_local_columns(const DistMatrix& a, const DistMatrix& x) {
  if (detail::has_single_column_block(x)) return detail::gather_rows_for_local_columns(a, x);
  // Any other layout: X^T with its columns where A's columns are, then copied down each grid column.
  const Grid& grid = a.grid();
  DistMatrix x_t = column_aligned(a.grid_ptr(), x.cols(), a.cols(), a.col_map());
  transpose(x, x_t);
  std::vector<double> x_rows(static_cast<size_t>(x.cols() * a.local_cols()));
  if (!grid.in_grid()) return x_rows;
  if (grid.myrow() == 0 && !x_rows.empty()) std::memcpy(x_rows.data(), x_t.data(), x_rows.size() * sizeof(double));
  broadcast(x_rows, grid.col_comm());
  return x_rows;
}

// z = the partial products (l x n_loc on every rank) summed over each grid column, in z's layout.
void sum_partials_into(const DistMatrix& a, const std::vector<double>& partial, DistMatrix& z) {
  if (detail::has_single_column_block(z)) return detail::sum_local_columns_into_rows(a, partial, z);
  // Any other layout: summed down the grid column onto process row 0 as Z^T, then transposed.
  const Grid& grid = a.grid();
  DistMatrix z_t = column_aligned(a.grid_ptr(), z.cols(), a.cols(), a.col_map());
  if (grid.in_grid()) sum_to_root(partial, z_t.data(), grid.col_comm());
  transpose(z_t, z);
}

// y = A x with this rank's share computed by local(m_loc, n_loc, l, x_rows, partial): A_local (m_loc x n_loc)
// times X_rows^T (n_loc x l, given as l x n_loc) into partial (m_loc x l).
template <class LocalProduct>
void multiply_thin_with(const DistMatrix& a, const DistMatrix& x, DistMatrix& y, LocalProduct local) {
  check_operands(a, x, a.cols(), y, a.rows(), "multiply_thin");
  const Grid& grid = a.grid();
  const int64_t l = x.cols(), m_loc = a.local_rows(), n_loc = a.local_cols();
  // Ranks outside the grid hold nothing but still take part in the exchanges.
  const bool y_aligned_already = is_row_aligned(y, a.row_map());
  DistMatrix y_aligned = y_aligned_already ? DistMatrix() : row_aligned(a.grid_ptr(), a.rows(), l, a.row_map());
  DistMatrix& target = y_aligned_already ? y : y_aligned;

  const std::vector<double> x_rows = rows_for_local_columns(a, x);
  if (grid.in_grid()) {
    std::vector<double> partial(static_cast<size_t>(m_loc * l));
    if (m_loc > 0 && l > 0) local(m_loc, n_loc, l, x_rows.data(), partial.data());
    // Summed along the grid row onto process column 0.
    sum_to_root(partial, target.data(), grid.row_comm());
  }
  if (!y_aligned_already) redistribute(y_aligned, y);
}

// z = A^T q with this rank's share computed by local(m_loc, n_loc, l, q_rows, partial): Q_rows^T (l x m_loc)
// times A_local (m_loc x n_loc) into partial (l x n_loc).
template <class LocalProduct>
void multiply_thin_transposed_with(const DistMatrix& a, const DistMatrix& q, DistMatrix& z, LocalProduct local) {
  check_operands(a, q, a.rows(), z, a.cols(), "multiply_thin_transposed");
  const Grid& grid = a.grid();
  const int64_t l = q.cols(), m_loc = a.local_rows(), n_loc = a.local_cols();
  // Ranks outside the grid hold nothing but still take part in the redistribution (pdgemr2d).
  const bool q_aligned_already = is_row_aligned(q, a.row_map());
  DistMatrix q_aligned = q_aligned_already ? DistMatrix() : row_aligned(a.grid_ptr(), a.rows(), l, a.row_map());
  if (!q_aligned_already) redistribute(q, q_aligned);
  const DistMatrix& q_source = q_aligned_already ? q : q_aligned;

  std::vector<double> partial(static_cast<size_t>(l * n_loc));
  if (grid.in_grid()) {
    // Q's rows where A's rows are, copied along each grid row.
    std::vector<double> q_rows(static_cast<size_t>(m_loc * l));
    if (grid.mycol() == 0 && !q_rows.empty()) {
      std::memcpy(q_rows.data(), q_source.data(), q_rows.size() * sizeof(double));
    }
    broadcast(q_rows, grid.row_comm());
    if (n_loc > 0 && l > 0) local(m_loc, n_loc, l, q_rows.data(), partial.data());
  }
  sum_partials_into(a, partial, z);
}

std::vector<float> rounded(const double* values, int64_t count) {
  return std::vector<float>(values, values + count);
}

// A float32 copy holds A times a power of two: dividing the products by it is exact.
void undo_scale(const SinglePrecisionCopy& a, double* values, int64_t count) {
  if (a.scale() == 1.0) return;
  const double inverse = 1.0 / a.scale();
  for (int64_t i = 0; i < count; ++i) values[i] *= inverse;
}

}  // namespace

void multiply_thin(const DistMatrix& a, const DistMatrix& x, DistMatrix& y) {
  multiply_thin_with(a, x, y, [&](int64_t m_loc, int64_t n_loc, int64_t l, const double* x_rows, double* partial) {
    narrow_gemm_nt(m_loc, n_loc, l, a.data(), a.lld(), x_rows, std::max<int64_t>(l, 1), partial, m_loc);
  });
}

void multiply_thin_transposed(const DistMatrix& a, const DistMatrix& q, DistMatrix& z) {
  multiply_thin_transposed_with(a, q, z,
                                [&](int64_t m_loc, int64_t n_loc, int64_t l, const double* q_rows, double* partial) {
                                  narrow_gemm_tn(m_loc, n_loc, l, q_rows, std::max<int64_t>(m_loc, 1), a.data(),
                                                 a.lld(), partial, l);
                                });
}

void multiply_thin(const SinglePrecisionCopy& a, const DistMatrix& x, DistMatrix& y) {
  multiply_thin_with(a.layout(), x, y,
                     [&](int64_t m_loc, int64_t n_loc, int64_t l, const double* x_rows, double* partial) {
                       const std::vector<float> x_single = rounded(x_rows, l * n_loc);
                       narrow_gemm_nt(m_loc, n_loc, l, a.data(), a.lld(), x_single.data(), std::max<int64_t>(l, 1),
                                      partial, m_loc);
                       undo_scale(a, partial, m_loc * l);
                     });
}

void multiply_thin_transposed(const SinglePrecisionCopy& a, const DistMatrix& q, DistMatrix& z) {
  multiply_thin_transposed_with(
      a.layout(), q, z, [&](int64_t m_loc, int64_t n_loc, int64_t l, const double* q_rows, double* partial) {
        const std::vector<float> q_single = rounded(q_rows, m_loc * l);
        narrow_gemm_tn(m_loc, n_loc, l, q_single.data(), std::max<int64_t>(m_loc, 1), a.data(), a.lld(), partial, l);
        undo_scale(a, partial, l * n_loc);
      });
}

}  // namespace jf
