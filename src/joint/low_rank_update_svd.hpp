#pragma once
// Truncated SVD of a matrix given as an operator, never formed:
//   B = W (I + V diag(g) V^T) + E diag(h) V^T
// (W m x n, V n x r, E m x r, g and h r-vectors): the whitened matrix T M^(-1/2) of the closed-form
// penalty solutions (whitened_penalty.hpp). B x and B^T y each cost one product of W with a thin matrix
// (thin_product.hpp) and two of V or E with one, O(m n l + (m + n) r l) for l columns, where forming B
// costs O(m n r) and one m x n workspace.
//
// The solver is subspace iteration (Halko, Martinsson, Tropp 2011, Algorithm 4.4) that runs until the
// energy of the k leading singular values of the projection stops growing, optionally started from the
// row basis of an earlier call: consecutive lambdas of a lossless search give nearby matrices, so the
// old basis is a far better start than a Gaussian sketch and a few iterations suffice.
#include <Eigen/Dense>
#include <cstdint>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::joint {

// B = W (I + V diag(g) V^T) + E diag(h) V^T. References: the matrices must outlive the operator.
// V (n x r) is laid out like W's columns, E (m x r) like W's rows, all on W's grid.
struct LowRankUpdate {
  const DistMatrix& w;
  const DistMatrix& basis;      // V
  const DistMatrix& side;       // E
  Eigen::VectorXd right_scale;  // g (r)
  Eigen::VectorXd side_scale;   // h (r)
};

// y = B x (x n x l, y m x l, any layouts on W's grid). Collective.
void apply_update(const LowRankUpdate& op, const DistMatrix& x, DistMatrix& y);
// z = B^T q (q m x l, z n x l, any layouts on W's grid). Collective.
void apply_update_transposed(const LowRankUpdate& op, const DistMatrix& q, DistMatrix& z);

struct SubspaceOptions {
  int64_t rank = 0;         // k, in [1, min(m, n)]
  int64_t oversample = 10;  // the basis has l = min(k + oversample, min(m, n)) columns
  int min_iterations = 2;   // power iterations before convergence is tested (a cold start needs 2)
  int max_iterations = 12;
  double energy_tol = 1e-10;  // stop when sum_{i<k} s_i^2 grows by at most this, relative
  uint64_t seed = 1;          // Gaussian sketch of a cold start (counter-based: the same on any grid)
};

struct SubspaceSvd {
  svd::TruncatedSvd svd;  // k triplets, no sign convention, quality not measured
  DistMatrix row_basis;   // n x l orthonormal basis of B's approximate row space: the next warm start
  int iterations = 0;     // power iterations done
};

// Truncated SVD of B. `warm_row_basis` (n x l with the same l, or nullptr) replaces the Gaussian sketch.
// Collective. Per rank: O((m + n) l / P) for the thin matrices, l x l replicated.
SubspaceSvd low_rank_update_svd(const LowRankUpdate& op, const SubspaceOptions& options,
                                const DistMatrix* warm_row_basis);

}  // namespace jf::joint
