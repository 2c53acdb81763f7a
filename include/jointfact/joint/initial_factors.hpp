#pragma once
// The joint stage starts from the svd stage's answer: L0 = U sqrt(S), R0 = V sqrt(S), so that
// L0 R0^T = W_k, the best rank-k approximation. The SVD used is chosen in one place
// (choose_truncated_svd): the exact path up to min(m, n) = 1000, the randomized SVD beyond.
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::joint {

struct Factors {
  DistMatrix l;  // m x k, laid out like W's rows
  DistMatrix r;  // n x k, laid out like W's columns
};

struct InitialFactors {
  Factors factors;
  std::vector<double> singular_values;  // the k leading ones
  double recon_error = 0;               // ||W - W_k||_F = sqrt(max(0, ||W||_F^2 - sum s_i^2))
};

// The rank-k truncated SVD the joint stage uses for W and for the whitened matrices of the closed-form
// penalty solutions. Collective.
svd::TruncatedSvd choose_truncated_svd(const DistMatrix& w, int64_t k);

// Signs are fixed so that each column of U has its largest-magnitude entry positive (lowest row on
// ties): the factors then do not depend on the grid, block size or rank count.
InitialFactors initial_factors(const DistMatrix& w, int64_t k, double w_norm_squared);

// The same from an SVD already computed (the svd stage's result, rank >= k): its leading k triplets.
InitialFactors factors_from_svd(const DistMatrix& w, const svd::TruncatedSvd& svd, int64_t k, double w_norm_squared);

// The first k columns of a rank-K start (K >= k) and its recon error, from the singular values.
InitialFactors truncate_start(const InitialFactors& start, int64_t k, double w_norm_squared);

// ||W - W_k||_F from ||W||_F^2 and the leading singular values.
double tail_norm(double w_norm_squared, const std::vector<double>& singular_values, int64_t k);

// A non-negative start for --nonneg (NNDSVD, Boutsidis and Gallopoulos 2008): for each singular pair
// keep the positive or the negative parts of (u, v), whichever carries more of s u v^T.
Factors nonnegative_start(const Factors& svd_factors);

}  // namespace jf::joint
