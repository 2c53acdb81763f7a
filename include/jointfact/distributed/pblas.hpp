#pragma once
// Layer 3 of the ScaLAPACK wrappers: operations on DistMatrix with int64 sizes and 0-based offsets.
// Sizes are range-checked before narrowing; every LAPACK-style routine does its workspace query first;
// a non-zero info becomes a LibraryError naming the call. Ranks outside the grid return at once.
#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf {

enum class Op { None, Trans };

// C = alpha op(A) op(B) + beta C on whole matrices (shapes checked).
void gemm(Op op_a, Op op_b, double alpha, const DistMatrix& a, const DistMatrix& b, double beta, DistMatrix& c);

// The same on sub-matrices: op(A)(ia.., ja..) is m x k, op(B)(ib.., jb..) is k x n, C(ic.., jc..) is m x n.
void gemm_sub(Op op_a, Op op_b, int64_t m, int64_t n, int64_t k, double alpha, const DistMatrix& a, int64_t ia,
              int64_t ja, const DistMatrix& b, int64_t ib, int64_t jb, double beta, DistMatrix& c, int64_t ic,
              int64_t jc);

// Householder QR of the n_cols columns of A starting at column ja (all rows), in place; tau is replicated.
void geqrf(DistMatrix& a, std::vector<double>& tau, int64_t ja = 0, int64_t n_cols = -1);
// Overwrites those columns with the explicit Q (m x n_cols) from geqrf's reflectors.
void orgqr(DistMatrix& a, const std::vector<double>& tau, int64_t ja = 0, int64_t n_cols = -1);
// A's columns [ja, ja+n_cols) := an orthonormal basis of their span (QR, then explicit Q). Needs m >= n_cols.
void orthonormalize_columns(DistMatrix& a, int64_t ja = 0, int64_t n_cols = -1);

// Full thin SVD by ScaLAPACK pdgesvd: A = U diag(s) VT, U m x r, VT r x n, r = min(m, n); A is not modified.
struct DistSvd {
  std::vector<double> s;
  DistMatrix u, vt;
};
DistSvd gesvd(const DistMatrix& a);

// ScaLAPACK pdlange: 'F' Frobenius, 'M' max abs, '1' one-norm, 'I' infinity-norm. Same value on every rank.
double lange(char norm, const DistMatrix& a);

// Copies `from` into `to` (same global shape, any block sizes / grids over the same communicator).
void redistribute(const DistMatrix& from, DistMatrix& to);

// to(ti.., tj..) = from(i.., j..), a rows x cols block, between any layouts/grids over the same communicator.
void copy_block(const DistMatrix& from, int64_t i, int64_t j, int64_t rows, int64_t cols, DistMatrix& to, int64_t ti,
                int64_t tj);

// to = from^T (to must be n x m).
void transpose(const DistMatrix& from, DistMatrix& to);

}  // namespace jf
