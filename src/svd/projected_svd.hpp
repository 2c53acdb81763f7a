#pragma once
// The last step of the randomized and fixed-accuracy methods. Given an orthonormal basis Q (m x l) of
// A's approximate range and B^T = A^T Q (n x l, tall and skinny), A ~ Q B is factored without forming
// anything m x n:  B^T = Q_B R (QR),  R = U_r S V_r^T (l x l), so Q B = (Q V_r) S (Q_B U_r)^T, i.e.
// U = Q V_r and V = Q_B U_r.
//
// R's SVD takes one of two routes (ProjectedRoute says which; the progress callback is told):
//   - replicated: R on every rank, LAPACK's divide and conquer (Eigen BDCSVD) on rank 0 alone, U_r and
//     V_r broadcast. Per rank ~3 l^2 doubles, rank 0 ~12 l^2 transient; O(l^3) on one core.
//   - distributed (l >= ProjectionOptions::distributed_from, on more than one grid rank): B^T moved to
//     square blocks, Householder QR (pdgeqrf / pdorgqr), R block-cyclic on the grid and factored by the
//     distributed exact SVD (bidiagonal_svd.hpp), which returns only the leading columns of U_r and V_r.
//     Per rank O(n l / P + l^2 / P) plus that SVD's route's transient; no rank holds R whole.
// Both give the same factors to rounding (the sign of each singular pair aside: truncated_svd fixes it).
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

// The l from which the randomized and fixed-accuracy methods distribute R's SVD: at l = 1000 rank 0's
// transient is ~100 MB and its serial SVD ~1 s; at l = 3000 ~900 MB and ~60 s.
inline constexpr int64_t kDistributedProjectionFrom = 1000;

struct ProjectionOptions {
  // How many leading singular vectors of R are needed later, from its l singular values (descending,
  // identical on every rank); empty: all l. Only the distributed route computes fewer.
  std::function<int64_t(const std::vector<double>& s)> vectors;
  // Smallest l that takes the distributed route; the default keeps every l replicated (callers that read
  // u_r / v_r directly rely on it).
  int64_t distributed_from = std::numeric_limits<int64_t>::max();
  ProgressFn progress;  // may be empty; told the route taken
};

struct ProjectedRoute {
  bool distributed = false;
  std::string reason;
};

struct ProjectedSvd {
  DistMatrix q_b;                       // n x l, orthonormal factor of B^T
  std::vector<double> s;                // the l singular values of B, descending (identical on every rank)
  Eigen::MatrixXd u_r, v_r;             // replicated route: l x l singular vectors of R (identical on every rank)
  DistMatrix u_r_leading, v_r_leading;  // distributed route: l x options.vectors(s), block-cyclic on the grid
  ProjectedRoute route;
};

// Factors B^T (taken over: its storage becomes Q_B). Collective over B^T's grid. Precondition: n >= l.
// Throws LibraryError when the small SVD does not converge; InputError / LibraryError from the distributed
// SVD as bidiagonal_dc_svd does.
ProjectedSvd factor_projection(DistMatrix b_t, const ProjectionOptions& options = {});

// U = Q V_r(:, 0:k), V = Q_B U_r(:, 0:k), s(0:k); quality is left empty. Precondition: k <= l (and k no more
// than the vectors the distributed route kept).
TruncatedSvd rotate_to_singular_vectors(const DistMatrix& q, const ProjectedSvd& projected, int64_t k);

}  // namespace jf::svd
