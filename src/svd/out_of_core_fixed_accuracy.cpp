// Fixed-accuracy randomized SVD out of core: fixed_accuracy_svd.cpp's sequence with each product with A one
// streamed pass, and the deflation by the growing Q B applied after the pass (it needs no A).
#include "svd/out_of_core_fixed_accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "out_of_core_progress.hpp"
#include "svd/growing_basis.hpp"
#include "svd/out_of_core_stream.hpp"
#include "svd/projected_svd.hpp"
#include "svd/rank_selection.hpp"
#include "svd/sign_convention.hpp"

namespace jf::svd {
namespace {

void validate(int64_t m, int64_t n, const SvdOptions& options) {
  if (m < 1 || n < 1) throw InputError("cannot factor an empty matrix");
  if (options.rank != 0) throw InputError("give either a rank or a tolerance, not both");
  if (!(options.tol > 0 && options.tol < 1)) {
    throw InputError("tolerance " + format_number("%g", options.tol) +
                     " must be in (0, 1): it bounds ||A - U S V^T||_F / ||A||_F");
  }
  if (options.residual_tol != 0) throw InputError("a residual tolerance needs a rank, not a tolerance");
  if (options.power_iters < 0) {
    throw InputError("power iterations " + std::to_string(options.power_iters) + " must be >= 0");
  }
}

// The basis, its projection and the pass bookkeeping of one run.
class GrowingSketch {
 public:
  GrowingSketch(const GridPtr& grid, const DatasetInfo& info, int64_t nb, const SvdOptions& options,
                const OutOfCoreOptions& ooc, const FixedAccuracyPassFn& after_pass)
      : grid_(grid),
        nb_(nb),
        options_(options),
        after_pass_(after_pass),
        stream_(grid, info, ooc.panel_bytes),
        m_(stream_.rows()),
        n_(stream_.cols()),
        max_rank_(std::min(m_, n_)),
        block_(fixed_accuracy_block_columns(options, max_rank_)),
        q_(grid, m_, max_rank_, nb),
        b_t_(grid, n_, max_rank_, nb),
        reporter_(options, stream_, 0, 1) {}

  TruncatedSvd run(bool residual_pass) {
    // Pass 1: the first block's A Omega, and ||A||_F.
    DistMatrix omega = sketch_matrix(n_, std::min(block_, max_rank_));
    DistMatrix y = thin(m_, omega.cols());
    stream_pass("A Omega, ||A||_F",
                [&](const RoundDoneFn& on_round) { stream_.multiply(omega, y, on_round, &frobenius_sq_); });
    const double norm_a = std::sqrt(frobenius_sq_);
    double error_squared = norm_a > 0 ? 1.0 : 0.0;  // ||A - Q B||_F^2 / ||A||_F^2
    while (true) {
      const DistMatrix q_block = next_basis_block(omega, y);
      // B_i^T = A^T Q_i, and the next block's A Omega in the same pass (unused when this block is the last).
      const int64_t next = std::min(block_, max_rank_ - q_.cols() - q_block.cols());
      DistMatrix b_t_block = thin(n_, q_block.cols());
      if (next > 0) {
        omega = sketch_matrix(n_, next, q_.cols() + q_block.cols());
        y = thin(m_, next);
        stream_pass("B^T = A^T Q, next block's A Omega", [&](const RoundDoneFn& on_round) {
          stream_.multiply_both(omega, y, q_block, b_t_block, on_round);
        });
      } else {
        stream_pass("B^T = A^T Q",
                    [&](const RoundDoneFn& on_round) { stream_.multiply_transposed(q_block, b_t_block, on_round); });
      }
      absorb_basis_block(q_, b_t_, q_block, b_t_block, norm_a, error_squared, options_.progress);
      if (q_.cols() >= max_rank_ || error_squared <= options_.tol * options_.tol) break;
    }
    const ProjectedSvd projected = factor_projection(b_t_.trimmed());
    const int64_t k = rank_meeting_tolerance(projected.s, norm_a, options_.tol);
    TruncatedSvd result = rotate_to_singular_vectors(q_.trimmed(), projected, k);
    apply_sign_convention(result);
    const int64_t pass = passes_ + 1;
    const auto on_round = [&](const PassProgress& progress) { reporter_.round_done(pass, progress); };
    measure_streamed_quality(residual_pass ? &stream_ : nullptr, result, frobenius_sq_, on_round);
    if (residual_pass) reporter_.pass_done(pass, "residuals A V - U S");
    return result;
  }

 private:
  DistMatrix thin(int64_t rows, int64_t cols) const { return out_of_core_thin_matrix(grid_, rows, cols, nb_); }

  // Columns [offset, offset + cols) of one conceptual Gaussian matrix: the in-core method's numbers.
  DistMatrix sketch_matrix(int64_t rows, int64_t cols, int64_t offset = 0) const {
    DistMatrix omega = thin(rows, cols);
    fill_normal(omega, options_.seed, kStreamSketch, 0, offset);
    return omega;
  }

  template <class Product>
  void stream_pass(const std::string& what, Product&& product) {
    const int64_t pass = ++passes_;
    product([&](const PassProgress& progress) { reporter_.round_done(pass, progress); });
    reporter_.pass_done(pass, what);
    if (after_pass_) after_pass_(pass);
  }

  // The next orthonormal block orthogonal to Q, from y = A omega (streamed): deflation, power iterations on
  // the deflated matrix D = A - Q B (two passes each), re-orthogonalisation. omega is reused as workspace.
  DistMatrix next_basis_block(DistMatrix& omega, DistMatrix& y) {
    subtract_low_rank(q_, b_t_, omega, y);  // y = D omega
    orthonormalize_thin(y);
    for (int64_t iter = 0; iter < options_.power_iters; ++iter) {
      const std::string step = "power iteration " + std::to_string(iter + 1) + " of block " +
                               std::to_string(q_.cols() / std::max<int64_t>(block_, 1) + 1);
      stream_pass(step + ", D^T Y",
                  [&](const RoundDoneFn& on_round) { stream_.multiply_transposed(y, omega, on_round); });
      subtract_low_rank(b_t_, q_, y, omega);  // omega = D^T y
      orthonormalize_thin(omega);
      stream_pass(step + ", D Z", [&](const RoundDoneFn& on_round) { stream_.multiply(omega, y, on_round); });
      subtract_low_rank(q_, b_t_, omega, y);  // y = D omega
      orthonormalize_thin(y);
    }
    // Rounding (and a D that is already ~0) leave y slightly outside Q's complement: project twice.
    for (int pass = 0; pass < 2; ++pass) subtract_low_rank(q_, q_, y, y);
    orthonormalize_thin(y);
    return y;
  }

  GridPtr grid_;
  int64_t nb_;
  const SvdOptions& options_;
  const FixedAccuracyPassFn& after_pass_;
  PanelStream stream_;
  int64_t m_, n_, max_rank_, block_;
  GrowingBasis q_, b_t_;
  PassReporter reporter_;
  int64_t passes_ = 0;
  double frobenius_sq_ = 0;
};

}  // namespace

TruncatedSvd out_of_core_fixed_accuracy_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb,
                                            const SvdOptions& options, const OutOfCoreOptions& ooc,
                                            const FixedAccuracyPassFn& after_pass) {
  if (info.shape.size() != 2) throw InputError("dataset " + info.dataset + " in '" + info.file + "' is not 2-D");
  if (!info.is_float) throw InputError("dataset " + info.dataset + " has type " + info.dtype + "; expected float");
  validate(info.shape[0], info.shape[1], options);
  GrowingSketch sketch(grid, info, nb, options, ooc, after_pass);
  return sketch.run(ooc.residual_pass);
}

}  // namespace jf::svd
