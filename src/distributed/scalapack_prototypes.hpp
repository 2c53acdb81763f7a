#pragma once
// Layer 1 of the ScaLAPACK wrappers: the Fortran / BLACS C symbols exactly as the library exports them.
// Use the typed overloads in scalapack_typed.hpp or the DistMatrix layer in pblas.hpp, not these.
#include <mpi.h>

extern "C" {
// BLACS (C interface)
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int* context, const char* order, int nprow, int npcol);
void Cblacs_gridinfo(int context, int* nprow, int* npcol, int* myrow, int* mycol);
void Cblacs_gridexit(int context);
void Cblacs_get(int context, int what, int* value);
MPI_Comm Cblacs2sys_handle(int system_handle);

// Tools
int numroc_(const int* n, const int* nb, const int* iproc, const int* isrcproc, const int* nprocs);

// PBLAS / ScaLAPACK (double precision)
void pdgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const double* alpha,
             const double* a, const int* ia, const int* ja, const int* desca, const double* b, const int* ib,
             const int* jb, const int* descb, const double* beta, double* c, const int* ic, const int* jc,
             const int* descc);
void pdgeqrf_(const int* m, const int* n, double* a, const int* ia, const int* ja, const int* desca, double* tau,
              double* work, const int* lwork, int* info);
void pdorgqr_(const int* m, const int* n, const int* k, double* a, const int* ia, const int* ja, const int* desca,
              const double* tau, double* work, const int* lwork, int* info);
// PBLAS's process-wide broadcast topologies (op 'B', scope 'R' / 'C', topology ' ' = MPI's own broadcast).
void pb_topget_(const int* context, const char* op, const char* scope, char* top);
void pb_topset_(const int* context, const char* op, const char* scope, const char* top);
void pdgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a, const int* ia, const int* ja,
              const int* desca, double* s, double* u, const int* iu, const int* ju, const int* descu, double* vt,
              const int* ivt, const int* jvt, const int* descvt, double* work, const int* lwork, int* info);
double pdlange_(const char* norm, const int* m, const int* n, const double* a, const int* ia, const int* ja,
                const int* desca, double* work);
void pdgemr2d_(const int* m, const int* n, const double* a, const int* ia, const int* ja, const int* desca, double* b,
               const int* ib, const int* jb, const int* descb, const int* context);
void pdtran_(const int* m, const int* n, const double* alpha, const double* a, const int* ia, const int* ja,
             const int* desca, const double* beta, double* c, const int* ic, const int* jc, const int* descc);

// Bidiagonal reduction and its Householder transforms (the svd module's divide-and-conquer exact path).
void pdgebrd_(const int* m, const int* n, double* a, const int* ia, const int* ja, const int* desca, double* d,
              double* e, double* tauq, double* taup, double* work, const int* lwork, int* info);
void pdormlq_(const char* side, const char* trans, const int* m, const int* n, const int* k, const double* a,
              const int* ia, const int* ja, const int* desca, const double* tau, double* c, const int* ic,
              const int* jc, const int* descc, double* work, const int* lwork, int* info);
void pdormqr_(const char* side, const char* trans, const int* m, const int* n, const int* k, const double* a,
              const int* ia, const int* ja, const int* desca, const double* tau, double* c, const int* ic,
              const int* jc, const int* descc, double* work, const int* lwork, int* info);

// Symmetric tridiagonal eigenvectors, distributed: bisection (pdstebz) and inverse iteration (pdstein), or
// divide and conquer (pdstedc), used on the Golub-Kahan form of a bidiagonal (golub_kahan.hpp).
void pdstebz_(const int* ictxt, const char* range, const char* order, const int* n, const double* vl, const double* vu,
              const int* il, const int* iu, const double* abstol, const double* d, const double* e, int* m, int* nsplit,
              double* w, int* iblock, int* isplit, double* work, const int* lwork, int* iwork, const int* liwork,
              int* info);
void pdstedc_(const char* compz, const int* n, double* d, double* e, double* q, const int* iq, const int* jq,
              const int* descq, double* work, const int* lwork, int* iwork, const int* liwork, int* info);
void pdstein_(const int* n, const double* d, const double* e, const int* m, double* w, const int* iblock,
              const int* isplit, const double* orfac, double* z, const int* iz, const int* jz, const int* descz,
              double* work, const int* lwork, int* iwork, const int* liwork, int* ifail, int* iclustr, double* gap,
              int* info);

// BLAS (serial): the local work of the thin products and CholeskyQR (thin_product.hpp, cholesky_qr.hpp).
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* b, const int* ldb, const double* beta, double* c,
            const int* ldc);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha, const double* a,
            const int* lda, const double* beta, double* c, const int* ldc);
void dtrsm_(const char* side, const char* uplo, const char* transa, const char* diag, const int* m, const int* n,
            const double* alpha, const double* a, const int* lda, double* b, const int* ldb);

// LAPACK (serial): divide-and-conquer SVD of a bidiagonal matrix.
void dbdsdc_(const char* uplo, const char* compq, const int* n, double* d, double* e, double* u, const int* ldu,
             double* vt, const int* ldvt, double* q, int* iq, double* work, int* iwork, int* info);
}
