#pragma once
// Leading singular vectors of a bidiagonal B, distributed, without any r x r matrix on a rank.
//
// B (r x r, upper bidiagonal: diagonal d, superdiagonal e) has the Golub-Kahan form T, the 2r x 2r symmetric
// tridiagonal with zero diagonal and off-diagonal (d_0, e_0, d_1, e_1, ..., d_{r-1}); T's eigenvalues are
// +-s_i and the eigenvector of +s_i interleaves the singular pair: (v_0, u_0, v_1, u_1, ...) / sqrt(2).
// The k largest eigenvalues of T come from ScaLAPACK's bisection (pdstebz) and their vectors from its inverse
// iteration (pdstein), which keeps each cluster of close eigenvalues on one process and reorthogonalizes it.
//
// Distribution: the 2r x k eigenvector matrix uses blocks of 2 nb, so its rows 2i and 2i + 1 live on the
// process row that owns row i of a matrix with row block nb: U_b and V_b are split out locally, then moved
// to nb x nb blocks (one pdgemr2d each, O(r k / P) per rank).
// Memory per rank: O(r k / P) for the vectors plus pdstein's workspace, which has room for the largest cluster
// of c vectors, 2 r c, on every process (pdstein asks every process for the same room): O(r k / P) only
// where the clusters are small, e.g. not for k large in a dense bulk of singular values (noise).
// Time: O(r k) per bisection and per inverse iteration, spread over the ranks, plus O(r c^2) per cluster,
// serial on the process that iterates it.
//
// Accuracy: residual ||B v - s u|| ~ eps ||B||, orthogonality ~ eps ||B|| / gap. A singular value much
// smaller than ||B|| has its +-s eigenvectors nearly mixed (their gap is 2 s), so callers keep this route for
// singular values that are not tiny (bidiagonal_svd.cpp checks the ratio).
#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::svd {

struct BidiagonalVectors {
  DistMatrix u;  // rows x k (rows >= r): U_b's k leading columns on top, zeros below
  DistMatrix v;  // r x k: V_b's k leading columns
};

// Collective over grid's communicator. d (r) and e (r - 1 or more) replicated on every rank; 1 <= k <= r.
// Blocks nb x nb. Returns false on every rank when ScaLAPACK could not deliver the k vectors (a failed
// inverse iteration, a cluster it could not reorthogonalize, or ties at the k-th eigenvalue).
// largest_cluster (golub_kahan_largest_cluster) sizes pdstein's room for clusters up front.
bool golub_kahan_leading_vectors(const GridPtr& grid, const std::vector<double>& d, const std::vector<double>& e,
                                 int64_t k, int64_t rows, int64_t nb, int64_t largest_cluster, BidiagonalVectors& out);

// The same vectors from ScaLAPACK's divide and conquer (pdstedc) on the whole Golub-Kahan tridiagonal: all
// 2r eigenvectors, 2r x 2r distributed plus pdstedc's workspace of twice that, i.e. ~12 r^2 / P doubles per
// rank, whatever k; orthogonal to working precision without clusters on one process. For large k, where
// inverse iteration would reorthogonalize big clusters on one process. Same preconditions and result as above.
bool golub_kahan_vectors_by_divide_and_conquer(const GridPtr& grid, const std::vector<double>& d,
                                               const std::vector<double>& e, int64_t k, int64_t rows, int64_t nb,
                                               BidiagonalVectors& out);

// The largest cluster inverse iteration would reorthogonalize on one process for the k leading singular
// values s (descending, B's): runs of consecutive values less than 1e-3 ||T||_1 apart (ScaLAPACK's default
// ORFAC), ||T||_1 the Golub-Kahan form's 1-norm from d and e. O(r), no communication.
int64_t golub_kahan_largest_cluster(const std::vector<double>& d, const std::vector<double>& e,
                                    const std::vector<double>& s, int64_t k);

// Peak doubles per process of each distributed route (the k output vectors excluded), for B of order r on
// `ranks` processes: inverse iteration ~4 shares of the 2r x k eigenvectors plus twice the room for the
// largest cluster on every process (pdstein sizes every process alike), as measured; divide and conquer all
// 2r eigenvectors and a workspace of twice that.
double golub_kahan_inverse_iteration_doubles(int64_t r, int64_t k, int64_t largest_cluster, int ranks);
double golub_kahan_divide_and_conquer_doubles(int64_t r, int64_t k, int ranks);

}  // namespace jf::svd
