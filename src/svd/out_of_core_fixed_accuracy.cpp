// Fixed-accuracy randomized SVD out of core: fixed_accuracy_svd.cpp's sequence with each product with A one
// streamed pass, and the deflation by the growing Q B applied after the pass (it needs no A).
// The state after each pass goes to the caller (a checkpoint); a run continues from any such state.
#include "svd/out_of_core_fixed_accuracy.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/pblas.hpp"
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
                const OutOfCoreOptions& ooc, const FixedAccuracyHooks& hooks)
      : grid_(grid),
        nb_(nb),
        options_(options),
        resume_(hooks.resume),
        after_pass_(hooks.after_pass),
        stream_(grid, info, ooc.panel_bytes),
        m_(stream_.rows()),
        n_(stream_.cols()),
        max_rank_(std::min(m_, n_)),
        block_(fixed_accuracy_block_columns(options, max_rank_)),
        q_(grid, m_, max_rank_, nb),
        b_t_(grid, n_, max_rank_, nb),
        reporter_(options, stream_, 0, resume_ ? resume_->passes_done + 1 : 1) {}

  TruncatedSvd run(bool residual_pass) {
    DistMatrix omega, y;
    int64_t steps_done = 0;  // passes of the current block's power iterations already made
    if (resume_) {
      restore(*resume_, omega, y);
      steps_done = (passes_ - 1) % passes_per_block();
    } else {
      // Pass 1: the first block's A Omega, and ||A||_F.
      omega = sketch_matrix(n_, std::min(block_, max_rank_));
      y = thin(m_, omega.cols());
      stream_pass("A Omega, ||A||_F",
                  [&](const RoundDoneFn& on_round) { stream_.multiply(omega, y, on_round, &frobenius_sq_); });
      error_squared_ = frobenius_sq_ > 0 ? 1.0 : 0.0;
      hand_out(y, omega);
    }
    const double norm_a = std::sqrt(frobenius_sq_);
    // A state at a block's start after pass 1 has passed the stop test already (it came after the append).
    bool finished = passes_ > 1 && steps_done == 0 && basis_done();
    while (!finished) {
      const DistMatrix q_block = next_basis_block(omega, y, steps_done);
      steps_done = 0;
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
      absorb_basis_block(q_, b_t_, q_block, b_t_block, norm_a, error_squared_, options_.progress);
      hand_out(y, omega);
      finished = basis_done();
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

  int64_t passes_per_block() const { return 2 * options_.power_iters + 1; }

  bool basis_done() const { return q_.cols() >= max_rank_ || error_squared_ <= options_.tol * options_.tol; }

  // Columns [offset, offset + cols) of one conceptual Gaussian matrix: the in-core method's numbers.
  DistMatrix sketch_matrix(int64_t rows, int64_t cols, int64_t offset = 0) const {
    DistMatrix omega = thin(rows, cols);
    fill_normal(omega, options_.seed, kStreamSketch, 0, offset);
    return omega;
  }

  // Takes over a saved state (any grid or layout) after checking that it belongs to this schedule.
  void restore(const FixedAccuracyState& saved, DistMatrix& omega, DistMatrix& y) {
    const int64_t blocks = saved.passes_done < 1 ? 0 : (saved.passes_done - 1) / passes_per_block();
    const int64_t basis = std::min(blocks * block_, max_rank_);
    const int64_t width = std::min(block_, max_rank_ - basis);
    const bool fits = saved.passes_done >= 1 && saved.q.rows() == m_ && saved.b_t.rows() == n_ &&
                      saved.q.cols() == basis && saved.b_t.cols() == basis && saved.y.rows() == m_ &&
                      saved.omega.rows() == n_ && saved.y.cols() == saved.omega.cols() &&
                      (width == 0 || saved.y.cols() == width);
    if (!fits) throw InputError("the saved out-of-core state does not match this matrix and these options");
    passes_ = saved.passes_done;
    frobenius_sq_ = saved.frobenius_sq;
    error_squared_ = saved.error_squared;
    if (basis > 0) {
      q_.append(saved.q);
      b_t_.append(saved.b_t);
    }
    y = thin(m_, saved.y.cols());
    omega = thin(n_, saved.omega.cols());
    redistribute(saved.y, y);
    redistribute(saved.omega, omega);
  }

  template <class Product>
  void stream_pass(const std::string& what, Product&& product) {
    const int64_t pass = ++passes_;
    product([&](const PassProgress& progress) { reporter_.round_done(pass, progress); });
    reporter_.pass_done(pass, what);
  }

  // The state after the last pass (and its block's append) to the caller's hook.
  void hand_out(const DistMatrix& y, const DistMatrix& omega) const {
    if (!after_pass_) return;
    after_pass_({passes_, frobenius_sq_, error_squared_, q_.trimmed(), b_t_.trimmed(), y, omega});
  }

  // The next orthonormal block orthogonal to Q, from y = A omega (streamed): deflation, power iterations on
  // the deflated matrix D = A - Q B (two passes each), re-orthogonalisation. omega is reused as workspace.
  // steps_done passes of the power iterations were made already (a resumed run): even, y = A omega is to be
  // deflated next; odd, omega = A^T y.
  DistMatrix next_basis_block(DistMatrix& omega, DistMatrix& y, int64_t steps_done) {
    for (int64_t step = steps_done;; ++step) {
      if (step % 2 == 0) {
        subtract_low_rank(q_, b_t_, omega, y);  // y = D omega
        orthonormalize_thin(y);
      } else {
        subtract_low_rank(b_t_, q_, y, omega);  // omega = D^T y
        orthonormalize_thin(omega);
      }
      if (step == 2 * options_.power_iters) break;
      const std::string iteration = "power iteration " + std::to_string(step / 2 + 1) + " of block " +
                                    std::to_string(q_.cols() / std::max<int64_t>(block_, 1) + 1);
      if (step % 2 == 0) {
        stream_pass(iteration + ", D^T Y",
                    [&](const RoundDoneFn& on_round) { stream_.multiply_transposed(y, omega, on_round); });
      } else {
        stream_pass(iteration + ", D Z", [&](const RoundDoneFn& on_round) { stream_.multiply(omega, y, on_round); });
      }
      hand_out(y, omega);
    }
    // Rounding (and a D that is already ~0) leave y slightly outside Q's complement: project twice.
    for (int pass = 0; pass < 2; ++pass) subtract_low_rank(q_, q_, y, y);
    orthonormalize_thin(y);
    return y;
  }

  GridPtr grid_;
  int64_t nb_;
  const SvdOptions& options_;
  const FixedAccuracyState* resume_;
  const FixedAccuracyPassFn& after_pass_;
  PanelStream stream_;
  int64_t m_, n_, max_rank_, block_;
  GrowingBasis q_, b_t_;
  PassReporter reporter_;
  int64_t passes_ = 0;
  double frobenius_sq_ = 0, error_squared_ = 0;
};

}  // namespace

TruncatedSvd out_of_core_fixed_accuracy_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb,
                                            const SvdOptions& options, const OutOfCoreOptions& ooc,
                                            const FixedAccuracyHooks& hooks) {
  if (info.shape.size() != 2) throw InputError("dataset " + info.dataset + " in '" + info.file + "' is not 2-D");
  if (!info.is_float) throw InputError("dataset " + info.dataset + " has type " + info.dtype + "; expected float");
  validate(info.shape[0], info.shape[1], options);
  GrowingSketch sketch(grid, info, nb, options, ooc, hooks);
  return sketch.run(ooc.residual_pass);
}

}  // namespace jf::svd
