#include "svd/out_of_core_stream.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cstring>

#include "../distributed/thin_exchange.hpp"
#include "distributed/fortran_int.hpp"
#include "distributed/scalapack_typed.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::svd {
namespace {

int f(int64_t value, const char* what) { return to_fortran_int(value, what); }

int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

}  // namespace

PanelStream::PanelStream(const GridPtr& grid, const DatasetInfo& info, int64_t panel_bytes)
    : grid_(grid), reader_(info), layout_(reader_.layout()), file_(info.file) {
  agree_or_throw(grid->comm(), reader_.open(), "cannot open dataset " + info.dataset + " in '" + info.file + "'");
  const int prows = grid->prows(), pcols = grid->pcols();
  // Column slabs: one per process column, whole chunks wide.
  slab_cols_ = std::max<int64_t>(1, round_up((layout_.cols + pcols - 1) / pcols, layout_.chunk_cols));
  column_shape_ = DistMatrix(grid, prows, layout_.cols, 1, slab_cols_);
  const int mycol = std::max(grid->mycol(), 0);
  col_begin_ = std::min<int64_t>(layout_.cols, mycol * slab_cols_);
  local_cols_ = grid->in_grid() ? column_shape_.local_cols() : 0;
  // Panel height: as many rows as the budget holds, whole chunks high, at most the matrix.
  const int64_t by_budget = std::max<int64_t>(1, panel_bytes / 2 / (8 * slab_cols_));
  panel_rows_ = std::max(layout_.chunk_rows, by_budget / layout_.chunk_rows * layout_.chunk_rows);
  panel_rows_ = std::max<int64_t>(1, std::min(panel_rows_, round_up(layout_.rows, layout_.chunk_rows)));
  const int64_t panels = (layout_.rows + panel_rows_ - 1) / panel_rows_;
  rounds_ = (panels + prows - 1) / prows;
  for (auto& tile : tiles_) {
    tile.resize(static_cast<size_t>(std::min(panel_rows_, layout_.rows) * std::max<int64_t>(local_cols_, 1)));
  }
}

int64_t PanelStream::total_bytes_read() const {
  int64_t total = reader_.bytes_read();
  MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_INT64_T, MPI_SUM, grid_->comm());
  return total;
}

std::pair<int64_t, int64_t> PanelStream::panel_of_round(int64_t round) const {
  if (!grid_->in_grid()) return {0, 0};
  const int64_t panel = round * grid_->prows() + grid_->myrow();
  const int64_t begin = std::min(layout_.rows, panel * panel_rows_);
  return {begin, std::min(layout_.rows, begin + panel_rows_)};
}

void PanelStream::start_read(int64_t round) {
  pending_ = std::async(std::launch::async, [this, round] {
    const auto [begin, end] = panel_of_round(round);
    return reader_.read(begin, end, col_begin_, col_begin_ + local_cols_, tiles_[round % 2].data());
  });
}

const double* PanelStream::finish_read(int64_t round) {
  const bool ok = pending_.get();
  const auto [begin, end] = panel_of_round(round);
  agree_or_throw(grid_->comm(), ok,
                 "reading rows " + std::to_string(begin) + ".." + std::to_string(end) + " of '" + file_ +
                     "' failed (truncated or corrupt file?)");
  if (round + 1 < rounds_) start_read(round + 1);
  return tiles_[round % 2].data();
}

DistMatrix PanelStream::panel_aligned(int64_t l) const {
  return DistMatrix(grid_, layout_.rows, l, panel_rows_, std::max<int64_t>(l, 1));
}

void PanelStream::multiply(const DistMatrix& x, DistMatrix& y, const RoundDoneFn& on_round, double* frobenius_sq) {
  sweep({&x, &y, nullptr, nullptr, frobenius_sq}, on_round);
}

void PanelStream::multiply_transposed(const DistMatrix& q, DistMatrix& z, const RoundDoneFn& on_round) {
  sweep({nullptr, nullptr, &q, &z, nullptr}, on_round);
}

void PanelStream::multiply_both(const DistMatrix& x, DistMatrix& y, const DistMatrix& q, DistMatrix& z,
                                const RoundDoneFn& on_round, double* frobenius_sq) {
  sweep({&x, &y, &q, &z, frobenius_sq}, on_round);
}

// One tile's share of y = A x: partial = A_tile X_rows^T (h x l), summed along the grid row onto process
// column 0, which holds y_panels' rows of this panel. The tile is row-major h x local_cols, i.e. the
// column-major A_tile^T.
void PanelStream::add_forward(const double* tile, int64_t h, int64_t round, const std::vector<double>& x_rows,
                              DistMatrix& y_panels, std::vector<double>& partial, std::vector<double>& summed) const {
  const int64_t l = y_panels.cols();
  partial.assign(static_cast<size_t>(h * l), 0.0);
  if (local_cols_ > 0 && l > 0) {
    scalapack::local_gemm('T', 'T', f(h, "h"), f(l, "l"), f(local_cols_, "n"), 1.0, tile, f(local_cols_, "n"),
                          x_rows.data(), f(l, "l"), 0.0, partial.data(), f(h, "h"));
  }
  summed.resize(partial.size());
  MPI_Reduce(partial.data(), summed.data(), f(h * l, "h l"), MPI_DOUBLE, MPI_SUM, 0, grid_->row_comm());
  if (grid_->mycol() != 0) return;
  auto local = y_panels.local();
  for (int64_t j = 0; j < l; ++j) {
    std::memcpy(&local(round * panel_rows_, j), summed.data() + j * h, static_cast<size_t>(h) * sizeof(double));
  }
}

// One tile's share of z = A^T q: Q's rows of this panel (h x l) from process column 0 to the grid row,
// then z_partial^T += A_tile^T Q_rows.
void PanelStream::add_backward(const double* tile, int64_t h, int64_t round, const DistMatrix& q_panels,
                               std::vector<double>& z_partial, std::vector<double>& q_rows) const {
  const int64_t l = q_panels.cols();
  q_rows.assign(static_cast<size_t>(h * l), 0.0);
  if (grid_->mycol() == 0) {
    const double* column = q_panels.data() + round * panel_rows_;
    for (int64_t j = 0; j < l; ++j) {
      std::memcpy(q_rows.data() + j * h, column + j * q_panels.lld(), static_cast<size_t>(h) * sizeof(double));
    }
  }
  MPI_Bcast(q_rows.data(), f(h * l, "h l"), MPI_DOUBLE, 0, grid_->row_comm());
  // As z_partial^T (local_cols x l) += A_tile^T Q_rows: a plain tall-skinny product of the column-major
  // A_tile^T, about 1.5x faster than the transposed form here.
  if (local_cols_ > 0 && l > 0) {
    scalapack::local_gemm('N', 'N', f(local_cols_, "n"), f(l, "l"), f(h, "h"), 1.0, tile, f(local_cols_, "n"),
                          q_rows.data(), f(h, "h"), 1.0, z_partial.data(), f(local_cols_, "n"));
  }
}

void PanelStream::sweep(const Products& products, const RoundDoneFn& on_round) {
  if (rounds_ > 0) start_read(0);
  // X's rows for this rank's column slab (l x local_cols), and Q in the panels' row layout.
  std::vector<double> x_rows;
  DistMatrix y_panels, q_panels;
  if (products.y) {
    x_rows = detail::gather_rows_for_local_columns(column_shape_, *products.x);
    y_panels = panel_aligned(products.y->cols());
  }
  std::vector<double> z_partial;
  if (products.z) {
    q_panels = panel_aligned(products.q->cols());
    redistribute(*products.q, q_panels);
    z_partial.assign(static_cast<size_t>(products.q->cols() * local_cols_), 0.0);
  }
  std::vector<double> scratch_a, scratch_b;
  double sum_sq = 0;
  for (int64_t round = 0; round < rounds_; ++round) {
    const auto [begin, end] = panel_of_round(round);
    const int64_t h = end - begin;
    const double* tile = finish_read(round);
    if (h > 0) {
      // Eigen's vectorised sum: a plain loop's serial dependency cost ~10% of pass 1 (perf).
      if (products.frobenius_sq) sum_sq += Eigen::Map<const Eigen::VectorXd>(tile, h * local_cols_).squaredNorm();
      if (products.y) add_forward(tile, h, round, x_rows, y_panels, scratch_a, scratch_b);
      if (products.z) add_backward(tile, h, round, q_panels, z_partial, scratch_a);
    }
    if (on_round) on_round({round + 1, rounds_});
  }
  if (products.y) redistribute(y_panels, *products.y);
  if (products.z) {
    // z_partial^T (local_cols x l) -> the l x local_cols layout the exchange takes.
    const int64_t l = products.z->cols();
    std::vector<double> by_columns(z_partial.size());
    for (int64_t j = 0; j < local_cols_; ++j)
      for (int64_t c = 0; c < l; ++c) by_columns[j * l + c] = z_partial[c * local_cols_ + j];
    detail::sum_local_columns_into_rows(column_shape_, by_columns, *products.z);
  }
  if (products.frobenius_sq) MPI_Allreduce(&sum_sq, products.frobenius_sq, 1, MPI_DOUBLE, MPI_SUM, grid_->comm());
}

}  // namespace jf::svd
