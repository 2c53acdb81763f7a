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

// The same products with float operands (A and the narrow one already rounded to float32) and a double result:
// twice the lanes per instruction and half the bytes of A. Each float sum runs over at most kSingleSumTerms
// terms (A x^T) or kSingleTransposedSumTerms (q^T A) before it is added to the double result, so against the
// exact product of the double operands that were rounded, |computed - exact| <= kSingleProductError |A| |x|
// entrywise for narrow_gemm_nt, hence per column ||computed - exact||_2 <= kSingleProductError ||A||_F ||x||_2
// (kSingleTransposedProductError for narrow_gemm_tn). Fast only where narrow_single_kernels(); plain loops
// elsewhere.
void narrow_gemm_nt(int64_t m, int64_t n, int64_t l, const float* a, int64_t lda, const float* x, int64_t ldx,
                    double* y, int64_t ldy);
void narrow_gemm_tn(int64_t m, int64_t n, int64_t l, const float* q, int64_t ldq, const float* a, int64_t lda,
                    double* z, int64_t ldz);
// Shorter float sums cost more conversions (q^T A at 64 terms: 25% slower than 128 at l = 16), longer ones a
// larger bound. The converged SVD's bound rests on A x^T alone (lanczos_operator.hpp).
constexpr int64_t kSingleSumTerms = 64;
constexpr int64_t kSingleTransposedSumTerms = 256;
// (float terms + rounding A and x to float + the double sums of the blocks, with room) * 2^-24.
constexpr double kSingleProductError = static_cast<double>(kSingleSumTerms + 4) / 16777216.0;
constexpr double kSingleTransposedProductError = static_cast<double>(kSingleTransposedSumTerms + 4) / 16777216.0;
bool narrow_single_kernels();

namespace detail {

// The instruction sets with narrow kernels, for tests that compare each against dgemm.
enum class NarrowIsa { none, avx2, avx512 };
NarrowIsa narrow_isa();  // the best one this CPU runs (none off x86-64)

// The kernels themselves, without the width rule; callable only where narrow_isa() allows. Scalar: double or
// float (the operands' type; the result is double).
template <typename Scalar>
void narrow_times_rows(NarrowIsa isa, int64_t m, int64_t n, int64_t l, const Scalar* a, int64_t lda, const Scalar* x,
                       int64_t ldx, double* y, int64_t ldy);
template <typename Scalar>
void narrow_transposed_times(NarrowIsa isa, int64_t m, int64_t n, int64_t l, const Scalar* q, int64_t ldq,
                             const Scalar* a, int64_t lda, double* z, int64_t ldz);

}  // namespace detail
}  // namespace jf
