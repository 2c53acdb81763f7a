#pragma once
// Flop counts of the benchmarked algorithms (LAPACK Working Note 41 conventions: a multiply-add is 2
// flops). The floors of docs/performance.md are these counts divided by the measured DGEMM rate.
#include <cstdint>

namespace jf::bench {

// C (m x n) = A (m x k) B (k x n).
double gemm_flops(int64_t m, int64_t n, int64_t k);

// Householder QR of an m x l block plus forming the explicit Q (geqrf + orgqr).
double qr_with_q_flops(int64_t m, int64_t l);

// Randomized SVD of rank k from an l-column basis with q power iterations, as randomized_svd.cpp does it:
// 2q + 2 products with A, 2q + 2 QRs of thin blocks (q + 1 of m x l, q + 1 of n x l), the l x l SVD and
// the rotations U = Q V_r, V = Q_B U_r.
double randomized_svd_flops(int64_t m, int64_t n, int64_t k, int64_t l, int64_t q);

// `iterations` alternating iterations of the joint solver (rowsum): per iteration W R and W^T L
// (2 m n k each), the Gram matrices R^T R, L^T L and the k x k solves applied to the m x k and n x k
// right-hand sides; plus the evaluation of the start (one W^T L).
double joint_solve_flops(int64_t m, int64_t n, int64_t k, int64_t iterations);

}  // namespace jf::bench
