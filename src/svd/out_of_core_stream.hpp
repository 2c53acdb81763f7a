#pragma once
// One pass over a matrix file computing a product with a thin matrix: Y = A X or Z = A^T Q, tile by tile
// (see out_of_core_svd.hpp for the tiling). Each call reads every tile of A exactly once.
#include <cstdint>
#include <functional>
#include <future>
#include <vector>

#include "io/panel_reader.hpp"
#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

struct PassProgress {
  int64_t rounds_done = 0, rounds = 0;  // rounds of tiles (one tile per rank per round)
};
using RoundDoneFn = std::function<void(const PassProgress&)>;

class PanelStream {
 public:
  // Collective over the grid. panel_bytes bounds the two tile buffers together (but a tile holds at least
  // one row of chunks).
  PanelStream(const GridPtr& grid, const DatasetInfo& info, int64_t panel_bytes);

  int64_t rows() const { return layout_.rows; }
  int64_t cols() const { return layout_.cols; }
  int64_t panel_rows() const { return panel_rows_; }
  int64_t slab_cols() const { return slab_cols_; }
  int64_t rounds() const { return rounds_; }
  const PanelLayout& layout() const { return layout_; }
  // File bytes read by all ranks so far (collective).
  int64_t total_bytes_read() const;

  // y = A x (x: n x l with its l columns in one block, e.g. out_of_core_thin_matrix; y: m x l, any layout).
  // With frobenius_sq, also ||A||_F^2 (the same on every rank).
  void multiply(const DistMatrix& x, DistMatrix& y, const RoundDoneFn& on_round = {}, double* frobenius_sq = nullptr);
  // z = A^T q (q: m x l, any layout; z: n x l with its l columns in one block).
  void multiply_transposed(const DistMatrix& q, DistMatrix& z, const RoundDoneFn& on_round = {});
  // Both products from one pass (the one-pass sketch).
  void multiply_both(const DistMatrix& x, DistMatrix& y, const DistMatrix& q, DistMatrix& z,
                     const RoundDoneFn& on_round = {}, double* frobenius_sq = nullptr);

 private:
  struct Products {
    const DistMatrix* x;  // y = A x when y is set
    DistMatrix* y;
    const DistMatrix* q;  // z = A^T q when z is set
    DistMatrix* z;
    double* frobenius_sq;
  };
  void sweep(const Products& products, const RoundDoneFn& on_round);
  void add_forward(const double* tile, int64_t h, int64_t round, const std::vector<double>& x_rows,
                   DistMatrix& y_panels, std::vector<double>& partial, std::vector<double>& summed) const;
  void add_backward(const double* tile, int64_t h, int64_t round, const DistMatrix& q_panels,
                    std::vector<double>& z_partial, std::vector<double>& q_rows) const;
  // Rows [begin, end) of the panel this process row reads in `round` (empty when none is left).
  std::pair<int64_t, int64_t> panel_of_round(int64_t round) const;
  // Starts reading this rank's tile of `round` on a helper thread (the file is read while the previous
  // tile's product runs; only that thread calls HDF5 meanwhile).
  void start_read(int64_t round);
  // Waits for the tile of `round` (collective: agrees on a read failure), starts the next round's read,
  // and returns the tile.
  const double* finish_read(int64_t round);
  // y's layout for the stream: rows blocked by the panel height, so panel t is on process row t % PR.
  DistMatrix panel_aligned(int64_t l) const;

  GridPtr grid_;
  PanelReader reader_;
  PanelLayout layout_;
  DistMatrix column_shape_;  // PR x n with A's column slabs: only its column map is used
  int64_t panel_rows_ = 1, slab_cols_ = 1, col_begin_ = 0, local_cols_ = 0, rounds_ = 0;
  std::vector<double> tiles_[2];  // this round's tile and the next one's, read ahead
  std::future<bool> pending_;
  std::string file_;
};

// Fills result.quality and result.residuals of factors of the streamed A (||A||_F^2 = frobenius_sq): the
// orthogonality and tail energy from the factors; with a stream, the per-triplet residuals
// ||A v_i - s_i u_i|| / s_1 and ||A V - U S||_F / ||A||_F from one more pass (A V); without one (nullptr),
// residual = -1 and residuals = -1 (not measured). Collective.
void measure_streamed_quality(PanelStream* stream, TruncatedSvd& result, double frobenius_sq,
                              const RoundDoneFn& on_round = {});

}  // namespace jf::svd
