/* jointfact's C API in ScaLAPACK style: truncated SVDs of a matrix the caller already holds in a 2-D
 * block-cyclic layout on its own BLACS grid, results written into the caller's arrays. Callable from C,
 * C++ and Fortran (ISO_C_BINDING, scalars by VALUE).
 *
 * Conventions, as ScaLAPACK's pdgesvd:
 *   - sub(A) = A(ia:ia+m-1, ja:ja+n-1), 1-based global indices, described by the dense descriptor descA
 *     (dtype 1); the BLACS context is descA[1]. U, VT have their own descriptors on the same context.
 *   - On exit S[0..k-1] holds the k largest singular values in descending order on every rank,
 *     sub(U) = U(iu:iu+m-1, ju:ju+k-1) the left singular vectors, sub(VT) = VT(ivt:ivt+k-1, jvt:jvt+n-1)
 *     the right singular vectors as rows. The sign of each pair is fixed (include/jointfact/svd/
 *     sign_convention.hpp), so results agree across grids, block sizes and rank counts.
 *   - A is not modified and not copied (ia - 1, ja - 1 must be multiples of descA's block sizes).
 *   - info = 0 on success; -i when argument i is invalid; 1 when the computation failed. Every rank of the
 *     grid returns the same info; jointfact_last_error() then says why in words.
 *   - Collective: every rank of the communicator the grid was made over calls it, and every such rank must be
 *     in the grid. MPI must be initialised (thread level MPI_THREAD_SINGLE or more).
 * Memory: besides the caller's arrays each rank holds O((m + n) l / P) doubles for the randomized SVD
 * (l = k + oversample) and ~5 min(m, n)^2 / P for the exact one.
 */
#ifndef JOINTFACT_JOINTFACT_H
#define JOINTFACT_JOINTFACT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Options of the randomized SVD (Halko-Martinsson-Tropp). */
typedef struct jointfact_svd_options {
  int64_t oversample;  /* p: the range basis has k + p columns (clamped to min(m, n)); default 10 */
  int64_t power_iters; /* q: power iterations; default 2 */
  uint64_t seed;       /* seed of the counter-based test matrix (same result on any grid); default 1 */
} jointfact_svd_options;

/* Fills *options with the defaults. */
void jointfact_svd_options_init(jointfact_svd_options* options);

/* Randomized truncated SVD of rank k, 1 <= k <= min(m, n). options may be NULL (the defaults). */
void jointfact_pdgesvd_randomized(int m, int n, int k, const double* A, int ia, int ja, const int* descA, double* S,
                                  double* U, int iu, int ju, const int* descU, double* VT, int ivt, int jvt,
                                  const int* descVT, const jointfact_svd_options* options, int* info);

/* Exact truncated SVD of rank k (bidiagonal reduction and LAPACK's divide and conquer; the k leading
 * singular triplets of the full SVD). */
void jointfact_pdgesvd_exact(int m, int n, int k, const double* A, int ia, int ja, const int* descA, double* S,
                             double* U, int iu, int ju, const int* descU, double* VT, int ivt, int jvt,
                             const int* descVT, int* info);

/* Why the last call on this rank set info != 0 ("" after a success). Valid until the next call. */
const char* jointfact_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* JOINTFACT_JOINTFACT_H */
