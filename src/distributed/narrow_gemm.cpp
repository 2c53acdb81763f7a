#include "distributed/narrow_gemm.hpp"

#include <algorithm>

#include "distributed/fortran_int.hpp"
#include "distributed/scalapack_typed.hpp"

// JF_NARROW_KERNELS: set by the build where narrow_gemm_avx2.cpp / narrow_gemm_avx512.cpp are compiled (x86-64).
#if JF_NARROW_KERNELS
namespace jf::detail::avx2 {
void times_rows(int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*, int64_t);
void transposed_times(int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*, int64_t);
void times_rows(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, double*, int64_t);
void transposed_times(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, double*, int64_t);
}  // namespace jf::detail::avx2
namespace jf::detail::avx512 {
void times_rows(int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*, int64_t);
void transposed_times(int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*, int64_t);
void times_rows(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, double*, int64_t);
void transposed_times(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, double*, int64_t);
}  // namespace jf::detail::avx512
#endif

namespace jf {
namespace {

// Widths up to which the kernels beat OpenBLAS 0.3.21 (one core, A 4000 x 4000, thread CPU time, best of 3, ms):
//   y = A x^T  AVX-512 l = 8: 8.4 vs 15.7, 16: 12.2 vs 20.7, 32: 23.3 vs 29.5, 64: 42.4 vs 48.2, 96: 63.6 vs 66.0;
//              AVX2    l = 8: 10.7, 16: 15.3, 32: 31.0 (even), 64: 58.6 (slower).
//   z = q^T A  AVX-512 l = 8: 8.0 vs 24.1, 16: 13.8 vs 28.8, 32: 26.4 vs 39.8, 64: 50.9 vs 61.0, 96: 77.6 vs 79.6;
//              AVX2    l = 16: 16.1, 32: 29.4, 64: 53.8, 96: 77.8.
constexpr int64_t kWidestTimesRowsAvx512 = 64;
constexpr int64_t kWidestTimesRowsAvx2 = 24;
constexpr int64_t kWidestTransposed = 64;

int f(int64_t value, const char* what) { return to_fortran_int(value, what); }

}  // namespace

namespace detail {

NarrowIsa narrow_isa() {
#if JF_NARROW_KERNELS
  static const NarrowIsa isa = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) return NarrowIsa::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return NarrowIsa::avx2;
    return NarrowIsa::none;
  }();
  return isa;
#else
  return NarrowIsa::none;
#endif
}

template <typename Scalar>
void narrow_times_rows(NarrowIsa isa, int64_t m, int64_t n, int64_t l, const Scalar* a, int64_t lda, const Scalar* x,
                       int64_t ldx, double* y, int64_t ldy) {
#if JF_NARROW_KERNELS
  if (isa == NarrowIsa::avx512) return avx512::times_rows(m, n, l, a, lda, x, ldx, y, ldy);
  if (isa == NarrowIsa::avx2) return avx2::times_rows(m, n, l, a, lda, x, ldx, y, ldy);
#endif
  (void)isa, (void)m, (void)n, (void)l, (void)a, (void)lda, (void)x, (void)ldx, (void)y, (void)ldy;
}

template <typename Scalar>
void narrow_transposed_times(NarrowIsa isa, int64_t m, int64_t n, int64_t l, const Scalar* q, int64_t ldq,
                             const Scalar* a, int64_t lda, double* z, int64_t ldz) {
#if JF_NARROW_KERNELS
  if (isa == NarrowIsa::avx512) return avx512::transposed_times(m, n, l, q, ldq, a, lda, z, ldz);
  if (isa == NarrowIsa::avx2) return avx2::transposed_times(m, n, l, q, ldq, a, lda, z, ldz);
#endif
  (void)isa, (void)m, (void)n, (void)l, (void)q, (void)ldq, (void)a, (void)lda, (void)z, (void)ldz;
}

template void narrow_times_rows<double>(NarrowIsa, int64_t, int64_t, int64_t, const double*, int64_t, const double*,
                                        int64_t, double*, int64_t);
template void narrow_times_rows<float>(NarrowIsa, int64_t, int64_t, int64_t, const float*, int64_t, const float*,
                                       int64_t, double*, int64_t);
template void narrow_transposed_times<double>(NarrowIsa, int64_t, int64_t, int64_t, const double*, int64_t,
                                              const double*, int64_t, double*, int64_t);
template void narrow_transposed_times<float>(NarrowIsa, int64_t, int64_t, int64_t, const float*, int64_t,
                                             const float*, int64_t, double*, int64_t);

}  // namespace detail

void narrow_gemm_nt(int64_t m, int64_t n, int64_t l, const double* a, int64_t lda, const double* x, int64_t ldx,
                    double* y, int64_t ldy) {
  if (m <= 0 || l <= 0) return;
  const detail::NarrowIsa isa = detail::narrow_isa();
  const int64_t widest = isa == detail::NarrowIsa::avx512 ? kWidestTimesRowsAvx512
                         : isa == detail::NarrowIsa::avx2 ? kWidestTimesRowsAvx2
                                                          : 0;
  if (l <= widest) {
    return detail::narrow_times_rows(isa, m, n, l, a, lda, x, ldx, y, ldy);
  }
  scalapack::local_gemm('N', 'T', f(m, "m"), f(l, "l"), f(n, "n"), 1.0, a, f(lda, "lda"), x, f(ldx, "ldx"), 0.0, y,
                        f(ldy, "ldy"));
}

void narrow_gemm_tn(int64_t m, int64_t n, int64_t l, const double* q, int64_t ldq, const double* a, int64_t lda,
                    double* z, int64_t ldz) {
  if (n <= 0 || l <= 0) return;
  const detail::NarrowIsa isa = detail::narrow_isa();
  if (isa != detail::NarrowIsa::none && l <= kWidestTransposed) {
    return detail::narrow_transposed_times(isa, m, n, l, q, ldq, a, lda, z, ldz);
  }
  scalapack::local_gemm('T', 'N', f(l, "l"), f(n, "n"), f(m, "m"), 1.0, q, f(ldq, "ldq"), a, f(lda, "lda"), 0.0, z,
                        f(ldz, "ldz"));
}

bool narrow_single_kernels() { return detail::narrow_isa() != detail::NarrowIsa::none; }

void narrow_gemm_nt(int64_t m, int64_t n, int64_t l, const float* a, int64_t lda, const float* x, int64_t ldx,
                    double* y, int64_t ldy) {
  if (m <= 0 || l <= 0) return;
  if (narrow_single_kernels()) return detail::narrow_times_rows(detail::narrow_isa(), m, n, l, a, lda, x, ldx, y, ldy);
  for (int64_t j = 0; j < l; ++j) {
    for (int64_t i = 0; i < m; ++i) {
      double sum = 0;
      for (int64_t c = 0; c < n; ++c) sum += static_cast<double>(a[i + c * lda]) * x[j + c * ldx];
      y[i + j * ldy] = sum;
    }
  }
}

void narrow_gemm_tn(int64_t m, int64_t n, int64_t l, const float* q, int64_t ldq, const float* a, int64_t lda,
                    double* z, int64_t ldz) {
  if (n <= 0 || l <= 0) return;
  if (narrow_single_kernels()) {
    return detail::narrow_transposed_times(detail::narrow_isa(), m, n, l, q, ldq, a, lda, z, ldz);
  }
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t j = 0; j < l; ++j) {
      double sum = 0;
      for (int64_t i = 0; i < m; ++i) sum += static_cast<double>(q[i + j * ldq]) * a[i + c * lda];
      z[j + c * ldz] = sum;
    }
  }
}

}  // namespace jf
