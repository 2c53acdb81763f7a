// The stage's entry point: validate the options (the same verdict on every rank, so errors are thrown
// directly), dispatch to a method, fix the sign convention and measure the quality.

#include "jointfact/svd/truncated_svd.hpp"

#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/svd/converged_svd.hpp"
#include "svd/bidiagonal_svd.hpp"
#include "svd/rank_selection.hpp"
#include "svd/sign_convention.hpp"

namespace jf::svd {
namespace {

void validate_residual_tol(const SvdOptions& options) {
  const std::string value = format_number("%g", options.residual_tol);
  if (!(options.residual_tol > 0 && options.residual_tol < 1)) {
    throw InputError("residual tolerance " + value + " must be in (0, 1): it bounds ||A v_i - s_i u_i|| / ||A||");
  }
  if (options.tol != 0) throw InputError("a residual tolerance (" + value + ") needs a rank, not a tolerance");
  if (options.method != Method::Randomized) {
    throw InputError(std::string("a residual tolerance applies to the randomized method, not ") +
                     method_name(options.method) + " (which is exact already)");
  }
}

void validate(const DistMatrix& a, const SvdOptions& options) {
  const int64_t m = a.rows(), n = a.cols(), max_rank = std::min(m, n);
  const std::string shape = std::to_string(m) + " x " + std::to_string(n);
  if (max_rank < 1) throw InputError("cannot factor an empty matrix (" + shape + ")");
  const bool fixed_accuracy = options.tol != 0;
  if (fixed_accuracy && options.rank != 0) {
    throw InputError("give either a rank or a tolerance, not both (rank " + std::to_string(options.rank) +
                     ", tolerance " + format_number("%g", options.tol) + ")");
  }
  if (fixed_accuracy && !(options.tol > 0 && options.tol < 1)) {
    throw InputError("tolerance " + format_number("%g", options.tol) +
                     " must be in (0, 1): it bounds ||A - U S V^T||_F / ||A||_F");
  }
  if (!fixed_accuracy && (options.rank < 1 || options.rank > max_rank)) {
    throw InputError("rank " + std::to_string(options.rank) + " must be between 1 and min(m, n) = " +
                     std::to_string(max_rank) + " for the " + shape + " matrix");
  }
  if (options.oversample < 0) throw InputError("oversampling " + std::to_string(options.oversample) + " must be >= 0");
  if (options.residual_tol != 0) validate_residual_tol(options);
  if (options.power_iters < 0) {
    throw InputError("power iterations " + std::to_string(options.power_iters) + " must be >= 0");
  }
}

TruncatedSvd dispatch(const DistMatrix& a, const SvdOptions& options) {
  const bool fixed_accuracy = options.tol != 0;
  if (options.method == Method::Exact) {  // as exact_truncated_svd / exact_fixed_accuracy_svd, with the route told
    const double tol = options.tol;
    const int64_t rank = options.rank;
    BidiagonalRoute route;
    TruncatedSvd result = bidiagonal_dc_svd(
        a, [&](const std::vector<double>& s) { return fixed_accuracy ? optimal_rank_from_spectrum(s, tol) : rank; },
        &route);
    if (options.progress) options.progress("exact SVD: bidiagonal vectors " + route.reason);
    return result;
  }
  if (options.method == Method::ExactPdgesvd) {
    return fixed_accuracy ? pdgesvd_fixed_accuracy_svd(a, options.tol) : pdgesvd_truncated_svd(a, options.rank);
  }
  if (fixed_accuracy) return fixed_accuracy_svd(a, options);
  return options.residual_tol > 0 ? converged_truncated_svd(a, options) : randomized_truncated_svd(a, options);
}

}  // namespace

const char* method_name(Method method) {
  switch (method) {
    case Method::Randomized:
      return "randomized";
    case Method::Exact:
      return "exact";
    case Method::ExactPdgesvd:
      return "pdgesvd";
  }
  return "unknown";
}

std::optional<Method> parse_method(const std::string& name) {
  for (Method method : {Method::Randomized, Method::Exact, Method::ExactPdgesvd}) {
    if (name == method_name(method)) return method;
  }
  return std::nullopt;
}

TruncatedSvd truncated_svd(const DistMatrix& a, const SvdOptions& options) {
  validate(a, options);
  TruncatedSvd result = dispatch(a, options);
  apply_sign_convention(result);
  measure_quality(a, result);
  return result;
}

}  // namespace jf::svd
