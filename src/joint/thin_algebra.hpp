#pragma once
// Operations on thin distributed matrices (N x k, k small) and the small replicated k x k matrices the
// joint stage is allowed to hold on every rank. Everything here is collective over the grid's
// communicator; ranks outside the grid take part in the reductions with zero contributions.
#include <Eigen/Dense>

#include "distributed/small_matrix.hpp"
#include "jointfact/distributed/dist_matrix.hpp"

namespace jf::joint {

// A^T B (k x l), replicated, for A (N x k) and B (N x l) on the same grid.
Eigen::MatrixXd cross_gram(const DistMatrix& a, const DistMatrix& b);
inline Eigen::MatrixXd gram(const DistMatrix& a) { return cross_gram(a, a); }

// A M for A (N x k) and a replicated M (k x l): an N x l matrix laid out like A.
DistMatrix times_small(const DistMatrix& a, const Eigen::MatrixXd& m);

// 1^T A as a replicated vector (the column sums).
Eigen::VectorXd column_sums(const DistMatrix& a);

// <A, B> = sum_ij A_ij B_ij for two matrices with the same layout.
double inner(const DistMatrix& a, const DistMatrix& b);

// ||A||_F^2 (plain sum of squares; factors are well scaled).
inline double squared_norm(const DistMatrix& a) { return inner(a, a); }

// A := alpha A + beta B (same layout).
void scale_add(double alpha, DistMatrix& a, double beta, const DistMatrix& b);

// A += 1 v^T: v added to every row (v replicated, length A.cols()).
void add_to_every_row(DistMatrix& a, const Eigen::VectorXd& v);

// A += alpha u v^T with u an N x 1 DistMatrix on A's grid and v replicated.
void add_outer(DistMatrix& a, double alpha, const DistMatrix& u, const Eigen::VectorXd& v);

// A matrix with A's layout and every entry equal to `value`.
DistMatrix filled_like(const DistMatrix& a, double value);

// An N x 1 column of ones on `grid`.
DistMatrix ones_column(const GridPtr& grid, int64_t n, int64_t block);

// A' (N x cols) := the first `cols` columns of A, same blocks.
DistMatrix leading_columns(const DistMatrix& a, int64_t cols);

// Relative change ||A - B||_F / max(||A||_F, tiny).
double relative_change(const DistMatrix& a, const DistMatrix& b);

}  // namespace jf::joint
