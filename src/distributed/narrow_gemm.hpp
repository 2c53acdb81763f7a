#pragma once
// Local products of a big column-major block A (m x n) with a narrow operand of l columns, the two local
// multiplies of thin_product.cpp:
//   narrow_gemm_nt: y = A x^T   (x is l x n, y is m x l; BLAS dgemm 'N','T')
//   narrow_gemm_tn: z = q^T A   (q is m x l, z is l x n; BLAS dgemm 'T','N')
// Both overwrite the result (beta = 0). Where this CPU has AVX2 + FMA (or AVX-512) and l is narrow they use
// kernels that read A where it lies, once from memory, prefetched into L2; otherwise the BLAS dgemm. A BLAS GEMM
// first copies A into its panel layout, and with a few dozen columns that copy costs more than the multiply
// (4000 x 4000, l = 16, one core: 'T','N' 28.8 ms with OpenBLAS, 13.8 ms here; 'N','T' 20.7 / 12.2 ms).
// O(m n l) flops, O(m n) memory traffic, no allocation. Leading dimensions must be >= max(1, rows).
#include <cstdint>

namespace jf {

void narrow_gemm_nt(int64_t m, int64_t n, int64_t l, const double* a, int64_t lda, const double* x, int64_t ldx,
                    double* y, int64_t ldy);

void narrow_gemm_tn(int64_t m, int64_t n, int64_t l, const double* q, int64_t ldq, const double* a, int64_t lda,
                    double* z, int64_t ldz);

namespace detail {

// The instruction sets with narrow kernels, for tests that compare each against dgemm.
enum class NarrowIsa { none, avx2, avx512 };
NarrowIsa narrow_isa();  // the best one this CPU runs (none off x86-64)

// The kernels themselves, without the width rule; callable only where narrow_isa() allows.
void narrow_times_rows(NarrowIsa isa, int64_t m, int64_t n, int64_t l, const double* a, int64_t lda, const double* x,
                       int64_t ldx, double* y, int64_t ldy);
void narrow_transposed_times(NarrowIsa isa, int64_t m, int64_t n, int64_t l, const double* q, int64_t ldq,
                             const double* a, int64_t lda, double* z, int64_t ldz);

}  // namespace detail
}  // namespace jf
