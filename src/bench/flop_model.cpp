#include "bench/flop_model.hpp"

namespace jf::bench {

double gemm_flops(int64_t m, int64_t n, int64_t k) {
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
}

double qr_with_q_flops(int64_t m, int64_t l) {
  const double md = static_cast<double>(m), ld = static_cast<double>(l);
  const double geqrf = 2.0 * md * ld * ld - 2.0 / 3.0 * ld * ld * ld;
  return 2.0 * geqrf;  // orgqr with l reflectors costs the same as geqrf
}

double randomized_svd_flops(int64_t m, int64_t n, int64_t k, int64_t l, int64_t q) {
  const double products = static_cast<double>(2 * q + 2) * gemm_flops(m, n, l);
  const double qrs = static_cast<double>(q + 1) * (qr_with_q_flops(m, l) + qr_with_q_flops(n, l));
  const double small_svd = 22.0 * static_cast<double>(l) * static_cast<double>(l) * static_cast<double>(l);
  const double rotations = gemm_flops(m, k, l) + gemm_flops(n, k, l);
  return products + qrs + small_svd + rotations;
}

double joint_solve_flops(int64_t m, int64_t n, int64_t k, int64_t iterations) {
  // Per iteration: W R and W^T L; Gram matrices of both factors (twice: step and error) and the k x k
  // solve applied to the m x k and n x k right-hand sides.
  const double per_iteration = 2.0 * gemm_flops(m, n, k) + 3.0 * (gemm_flops(k, k, m) + gemm_flops(k, k, n));
  const double start = gemm_flops(m, n, k) + gemm_flops(k, k, m) + gemm_flops(k, k, n);
  return start + static_cast<double>(iterations) * per_iteration;
}

}  // namespace jf::bench
