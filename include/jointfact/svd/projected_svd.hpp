#pragma once
// The last step of the randomized and fixed-accuracy methods. Given an orthonormal basis Q (m x l) of
// A's approximate range and B^T = A^T Q (n x l, tall and skinny), A ~ Q B is factored without forming
// anything m x n:  B^T = Q_B R (pdgeqrf),  R = U_r S V_r^T (l x l, on rank 0, broadcast), so
// Q B = (Q V_r) S (Q_B U_r)^T, i.e. U = Q V_r and V = Q_B U_r.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd {

struct ProjectedSvd {
  DistMatrix q_b;            // n x l, orthonormal factor of B^T
  std::vector<double> s;     // the l singular values of B, descending (identical on every rank)
  Eigen::MatrixXd u_r, v_r;  // l x l singular vectors of R (identical on every rank)
};

// Factors B^T (taken over: its storage becomes Q_B). Precondition: n >= l.
ProjectedSvd factor_projection(DistMatrix b_t);

// U = Q V_r(:, 0:k), V = Q_B U_r(:, 0:k), s(0:k); quality is left empty. Precondition: k <= l.
TruncatedSvd rotate_to_singular_vectors(const DistMatrix& q, const ProjectedSvd& projected, int64_t k);

}  // namespace jf::svd
