#pragma once
// Layer 1 of the Cholesky wrappers: ScaLAPACK's symmetric positive definite factor/solve symbols as the
// library exports them. Use cholesky.hpp (DistMatrix layer), not these.
extern "C" {
void pdpotrf_(const char* uplo, const int* n, double* a, const int* ia, const int* ja, const int* desca, int* info);
void pdpotrs_(const char* uplo, const int* n, const int* nrhs, const double* a, const int* ia, const int* ja,
              const int* desca, double* b, const int* ib, const int* jb, const int* descb, int* info);
}
