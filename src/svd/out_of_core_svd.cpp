// The out-of-core randomized SVD: randomized_svd.cpp's sequence of products and QRs with every product
// one streamed pass over the file (out_of_core_stream.hpp), and a state that can be saved after each pass.
#include "jointfact/svd/out_of_core_svd.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "out_of_core_progress.hpp"
#include "svd/out_of_core_stream.hpp"
#include "svd/projected_svd.hpp"
#include "svd/sign_convention.hpp"

namespace jf::svd {
namespace {

void validate(int64_t m, int64_t n, const SvdOptions& options) {
  if (options.tol != 0) throw InputError("a tolerance (fixed accuracy) is not supported out of core; give a rank");
  if (options.residual_tol != 0) throw InputError("a residual tolerance is not supported out of core");
  const int64_t max_rank = std::min(m, n);
  if (options.rank < 1 || options.rank > max_rank) {
    throw InputError("rank " + std::to_string(options.rank) +
                     " must be between 1 and min(m, n) = " + std::to_string(max_rank) + " for the " +
                     std::to_string(m) + " x " + std::to_string(n) + " matrix");
  }
  if (options.oversample < 0) throw InputError("oversampling " + std::to_string(options.oversample) + " must be >= 0");
  if (options.power_iters < 0) {
    throw InputError("power iterations " + std::to_string(options.power_iters) + " must be >= 0");
  }
}

}  // namespace

int64_t out_of_core_pass_count(const SvdOptions& options, const OutOfCoreOptions& ooc) {
  return 2 * options.power_iters + 2 + (ooc.residual_pass ? 1 : 0);
}

DistMatrix out_of_core_thin_matrix(const GridPtr& grid, int64_t rows, int64_t l, int64_t nb) {
  // As in randomized_svd.cpp: all l columns in one block column, rows blocked like A's.
  return DistMatrix(grid, rows, l, nb, std::max(nb, l));
}

TruncatedSvd out_of_core_svd(const GridPtr& grid, const DatasetInfo& info, int64_t nb, const SvdOptions& options,
                             const OutOfCoreOptions& ooc, const OutOfCoreHooks& hooks) {
  if (info.shape.size() != 2) throw InputError("dataset " + info.dataset + " in '" + info.file + "' is not 2-D");
  if (!info.is_float) throw InputError("dataset " + info.dataset + " has type " + info.dtype + "; expected float");
  const int64_t m = info.shape[0], n = info.shape[1];
  validate(m, n, options);
  const int64_t k = options.rank, l = std::min(k + options.oversample, std::min(m, n));
  const int64_t passes = out_of_core_pass_count(options, ooc);
  const int64_t product_passes = 2 * options.power_iters + 2;  // the last one gives B^T

  OutOfCoreState state;
  state.range_m = out_of_core_thin_matrix(grid, m, l, nb);
  state.range_n = out_of_core_thin_matrix(grid, n, l, nb);
  if (hooks.resume) {
    const OutOfCoreState& saved = *hooks.resume;
    if (saved.range_m.rows() != m || saved.range_n.rows() != n || saved.range_m.cols() != l ||
        saved.range_n.cols() != l || saved.passes_done < 0 || saved.passes_done > product_passes) {
      throw InputError("the saved out-of-core state does not match this matrix and these options");
    }
    redistribute(saved.range_m, state.range_m);
    redistribute(saved.range_n, state.range_n);
    state.passes_done = saved.passes_done;
    state.frobenius_sq = saved.frobenius_sq;
  }

  PanelStream stream(grid, info, ooc.panel_bytes);
  PassReporter reporter(options, stream, passes, state.passes_done + 1);
  for (int64_t pass = state.passes_done + 1; pass <= product_passes; ++pass) {
    const auto on_round = [&](const PassProgress& progress) { reporter.round_done(pass, progress); };
    std::string what;
    if (pass == 1) {  // Y = A Omega, Omega from the counter-based generator as in core
      fill_normal(state.range_n, options.seed, kStreamSketch);
      stream.multiply(state.range_n, state.range_m, on_round, &state.frobenius_sq);
      orthonormalize_thin(state.range_m);
      what = "Q = orth(A Omega)";
    } else if (pass == product_passes) {  // B^T = A^T Q
      stream.multiply_transposed(state.range_m, state.range_n, on_round);
      what = "B^T = A^T Q";
    } else if (pass % 2 == 0) {
      stream.multiply_transposed(state.range_m, state.range_n, on_round);
      orthonormalize_thin(state.range_n);
      what = "power iteration " + std::to_string(pass / 2) + ", orth(A^T Q)";
    } else {
      stream.multiply(state.range_n, state.range_m, on_round);
      orthonormalize_thin(state.range_m);
      what = "power iteration " + std::to_string(pass / 2) + ", orth(A Z)";
    }
    state.passes_done = pass;
    reporter.pass_done(pass, what);
    if (hooks.after_pass) hooks.after_pass(state);
  }
  const ProjectedSvd projected = factor_projection(std::move(state.range_n));
  TruncatedSvd result = rotate_to_singular_vectors(state.range_m, projected, k);
  apply_sign_convention(result);
  const int64_t residual_pass = product_passes + 1;
  const auto on_round = [&](const PassProgress& progress) { reporter.round_done(residual_pass, progress); };
  measure_streamed_quality(ooc.residual_pass ? &stream : nullptr, result, state.frobenius_sq, on_round);
  if (ooc.residual_pass) reporter.pass_done(residual_pass, "residuals A V - U S");
  return result;
}

}  // namespace jf::svd
