#include "jointfact/svd/out_of_core_stream.hpp"

#include <algorithm>
#include <cstring>

#include "../dist/thin_exchange.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/dist/fortran_int.hpp"
#include "jointfact/dist/pblas.hpp"
#include "jointfact/dist/scalapack_typed.hpp"

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
  const int64_t by_budget = std::max<int64_t>(1, panel_bytes / (8 * slab_cols_));
  panel_rows_ = std::max(layout_.chunk_rows, by_budget / layout_.chunk_rows * layout_.chunk_rows);
  panel_rows_ = std::max<int64_t>(1, std::min(panel_rows_, round_up(layout_.rows, layout_.chunk_rows)));
  const int64_t panels = (layout_.rows + panel_rows_ - 1) / panel_rows_;
  rounds_ = (panels + prows - 1) / prows;
  tile_.resize(static_cast<size_t>(std::min(panel_rows_, layout_.rows) * std::max<int64_t>(local_cols_, 1)));
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

void PanelStream::read_tile(int64_t begin, int64_t end) {
  const bool ok = reader_.read(begin, end, col_begin_, col_begin_ + local_cols_, tile_.data());
  agree_or_throw(grid_->comm(), ok, "reading rows " + std::to_string(begin) + ".." + std::to_string(end) +
                                        " of '" + file_ + "' failed (truncated or corrupt file?)");
}

DistMatrix PanelStream::panel_aligned(int64_t l) const {
  return DistMatrix(grid_, layout_.rows, l, panel_rows_, std::max<int64_t>(l, 1));
}

void PanelStream::multiply(const DistMatrix& x, DistMatrix& y, const RoundDoneFn& on_round, double* frobenius_sq) {
  double sum_sq = 0;
  const int64_t l = x.cols();
  // X's rows for this rank's column slab: l x local_cols, column-major.
  const std::vector<double> x_rows = detail::gather_rows_for_local_columns(column_shape_, x);
  DistMatrix y_panels = panel_aligned(l);
  std::vector<double> partial, summed;
  for (int64_t round = 0; round < rounds_; ++round) {
    const auto [begin, end] = panel_of_round(round);
    const int64_t h = end - begin;
    read_tile(begin, end);
    if (h > 0 && frobenius_sq) {
      for (int64_t i = 0; i < h * local_cols_; ++i) sum_sq += tile_[i] * tile_[i];
    }
    if (h > 0) {
      // The tile is row-major h x local_cols, i.e. column-major A_tile^T; partial = A_tile X_rows^T (h x l).
      partial.assign(static_cast<size_t>(h * l), 0.0);
      if (local_cols_ > 0 && l > 0) {
        scalapack::local_gemm('T', 'T', f(h, "h"), f(l, "l"), f(local_cols_, "n"), 1.0, tile_.data(),
                              f(local_cols_, "n"), x_rows.data(), f(l, "l"), 0.0, partial.data(), f(h, "h"));
      }
      summed.resize(partial.size());
      // Summed along the grid row onto process column 0, which holds y_panels' rows of this panel.
      MPI_Reduce(partial.data(), summed.data(), f(h * l, "h l"), MPI_DOUBLE, MPI_SUM, 0, grid_->row_comm());
      if (grid_->mycol() == 0) {
        auto local = y_panels.local();
        for (int64_t j = 0; j < l; ++j) {
          std::memcpy(&local(round * panel_rows_, j), summed.data() + j * h, static_cast<size_t>(h) * sizeof(double));
        }
      }
    }
    if (on_round) on_round({round + 1, rounds_});
  }
  redistribute(y_panels, y);
  if (frobenius_sq) {
    MPI_Allreduce(&sum_sq, frobenius_sq, 1, MPI_DOUBLE, MPI_SUM, grid_->comm());
  }
}

void PanelStream::multiply_transposed(const DistMatrix& q, DistMatrix& z, const RoundDoneFn& on_round) {
  const int64_t l = q.cols();
  DistMatrix q_panels = panel_aligned(l);
  redistribute(q, q_panels);
  std::vector<double> partial(static_cast<size_t>(l * local_cols_), 0.0), q_rows;
  for (int64_t round = 0; round < rounds_; ++round) {
    const auto [begin, end] = panel_of_round(round);
    const int64_t h = end - begin;
    read_tile(begin, end);
    if (h > 0) {
      // Q's rows of this panel (h x l), from process column 0 to the whole grid row.
      q_rows.assign(static_cast<size_t>(h * l), 0.0);
      if (grid_->mycol() == 0) {
        const auto local = q_panels.local();
        for (int64_t j = 0; j < l; ++j) {
          std::memcpy(q_rows.data() + j * h, &local(round * panel_rows_, j), static_cast<size_t>(h) * sizeof(double));
        }
      }
      MPI_Bcast(q_rows.data(), f(h * l, "h l"), MPI_DOUBLE, 0, grid_->row_comm());
      // partial (l x local_cols) += Q_rows^T A_tile.
      if (local_cols_ > 0 && l > 0) {
        scalapack::local_gemm('T', 'T', f(l, "l"), f(local_cols_, "n"), f(h, "h"), 1.0, q_rows.data(), f(h, "h"),
                              tile_.data(), f(local_cols_, "n"), 1.0, partial.data(), f(l, "l"));
      }
    }
    if (on_round) on_round({round + 1, rounds_});
  }
  detail::sum_local_columns_into_rows(column_shape_, partial, z);
}

}  // namespace jf::svd
