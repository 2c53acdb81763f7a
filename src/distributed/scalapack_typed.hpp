#pragma once
// Layer 2 of the ScaLAPACK wrappers: C++ overloads by value type with value arguments (no pointers to
// scalars), still in ScaLAPACK's conventions (1-based offsets, Fortran int). Layer 3 is pblas.hpp.
#include "distributed/scalapack_prototypes.hpp"

namespace jf::scalapack {

// Serial BLAS dgemm on column-major arrays (C = alpha op(A) op(B) + beta C).
inline void local_gemm(char ta, char tb, int m, int n, int k, double alpha, const double* a, int lda, const double* b,
                       int ldb, double beta, double* c, int ldc) {
  dgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &lda, b, &ldb, &beta, c, &ldc);
}

// Serial BLAS dsyrk: C := alpha op(A) op(A)^T + beta C, only the `uplo` triangle of C is written.
inline void local_syrk(char uplo, char trans, int n, int k, double alpha, const double* a, int lda, double beta,
                       double* c, int ldc) {
  dsyrk_(&uplo, &trans, &n, &k, &alpha, a, &lda, &beta, c, &ldc);
}

// Serial BLAS dtrsm: B := alpha B op(A)^-1 (side 'R') or alpha op(A)^-1 B (side 'L'), A triangular.
inline void local_trsm(char side, char uplo, char trans, char diag, int m, int n, double alpha, const double* a,
                       int lda, double* b, int ldb) {
  dtrsm_(&side, &uplo, &trans, &diag, &m, &n, &alpha, a, &lda, b, &ldb);
}

inline void gemm(char ta, char tb, int m, int n, int k, double alpha, const double* a, int ia, int ja, const int* desca,
                 const double* b, int ib, int jb, const int* descb, double beta, double* c, int ic, int jc,
                 const int* descc) {
  pdgemm_(&ta, &tb, &m, &n, &k, &alpha, a, &ia, &ja, desca, b, &ib, &jb, descb, &beta, c, &ic, &jc, descc);
}

inline int geqrf(int m, int n, double* a, int ia, int ja, const int* desca, double* tau, double* work, int lwork) {
  int info = 0;
  pdgeqrf_(&m, &n, a, &ia, &ja, desca, tau, work, &lwork, &info);
  return info;
}

// pdorgqr (reference ScaLAPACK 2.2.1) sets PBLAS's row broadcast topology to 'D-ring' and ends with PB_TOPGET
// where it means PB_TOPSET, so the process-wide setting stays changed. Ranks that ran it on a sub-grid (a 1 x 1
// grid of 2 ranks) then broadcast by ring sends in a later pdgemm while the others call MPI_Bcast: a hang.
// The topologies are restored here.
inline int orgqr(int m, int n, int k, double* a, int ia, int ja, const int* desca, const double* tau, double* work,
                 int lwork) {
  const int context = desca[1];
  char row_top = ' ', column_top = ' ';
  pb_topget_(&context, "B", "R", &row_top);
  pb_topget_(&context, "B", "C", &column_top);
  int info = 0;
  pdorgqr_(&m, &n, &k, a, &ia, &ja, desca, tau, work, &lwork, &info);
  pb_topset_(&context, "B", "R", &row_top);
  pb_topset_(&context, "B", "C", &column_top);
  return info;
}

inline int gesvd(char jobu, char jobvt, int m, int n, double* a, int ia, int ja, const int* desca, double* s, double* u,
                 int iu, int ju, const int* descu, double* vt, int ivt, int jvt, const int* descvt, double* work,
                 int lwork) {
  int info = 0;
  pdgesvd_(&jobu, &jobvt, &m, &n, a, &ia, &ja, desca, s, u, &iu, &ju, descu, vt, &ivt, &jvt, descvt, work, &lwork,
           &info);
  return info;
}

inline double lange(char norm, int m, int n, const double* a, int ia, int ja, const int* desca, double* work) {
  return pdlange_(&norm, &m, &n, a, &ia, &ja, desca, work);
}

inline void gemr2d(int m, int n, const double* a, int ia, int ja, const int* desca, double* b, int ib, int jb,
                   const int* descb, int context) {
  pdgemr2d_(&m, &n, a, &ia, &ja, desca, b, &ib, &jb, descb, &context);
}

inline void tran(int m, int n, double alpha, const double* a, int ia, int ja, const int* desca, double beta, double* c,
                 int ic, int jc, const int* descc) {
  pdtran_(&m, &n, &alpha, a, &ia, &ja, desca, &beta, c, &ic, &jc, descc);
}

}  // namespace jf::scalapack
