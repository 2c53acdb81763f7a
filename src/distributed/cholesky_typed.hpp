#pragma once
// Layer 2 of the Cholesky wrappers: value arguments, ScaLAPACK conventions (1-based offsets, Fortran int),
// info returned. Layer 3 is cholesky.hpp.
#include "distributed/cholesky_prototypes.hpp"

namespace jf::scalapack {

inline int potrf(char uplo, int n, double* a, int ia, int ja, const int* desca) {
  int info = 0;
  pdpotrf_(&uplo, &n, a, &ia, &ja, desca, &info);
  return info;
}

inline int potrs(char uplo, int n, int nrhs, const double* a, int ia, int ja, const int* desca, double* b, int ib,
                 int jb, const int* descb) {
  int info = 0;
  pdpotrs_(&uplo, &n, &nrhs, a, &ia, &ja, desca, b, &ib, &jb, descb, &info);
  return info;
}

}  // namespace jf::scalapack
