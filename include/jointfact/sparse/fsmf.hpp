#pragma once
// Fixed-support matrix factorization (FSMF): min ||A - X Y^T||_F with supp(X) in S_X and
// supp(Y) in S_Y (Le, Riccietti, Gribonval; seed 003).
//
// 1. Group the rank-one supports into classes (support_classes.hpp).
// 2. Greedy Algorithm 2, one class at a time in class order: the class (rows I, columns J,
//    members P) takes the best rank-|P| approximation of the current residual on I x J, which is
//    then subtracted. If the classes are pairwise disjoint this is optimal (Theorem 2) and the
//    residual on I x J is just A[I, J].
// 3. Otherwise refine by alternating least squares inside the supports: with Y fixed, row i of X
//    solves min ||A[i, :] - X[i, s_i] Y[:, s_i]^T|| over its support s_i, and vice versa. Each
//    half-step is kept only if it does not increase the error, so the error never increases.
// The pieces taking small dense inputs (best_rank_k, least_squares_coefficients) are pure so a
// distributed driver can solve them wherever the data lives.

#include "jointfact/sparse/low_rank_block.hpp"
#include "jointfact/sparse/support_classes.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace jf::sparse {

struct FsmfOptions {
  int refine_iters = 100;         // alternating least-squares sweeps (X then Y) at most
  double refine_rel_tol = 1e-12;  // stop when a sweep lowers the error by less than this fraction
};

struct FsmfFactors {
  Eigen::MatrixXd x;  // m x r, zero off S_X
  Eigen::MatrixXd y;  // n x r, zero off S_Y
};

struct FsmfResult {
  Eigen::MatrixXd x;
  Eigen::MatrixXd y;
  double rel_error = 0.0;              // ||A - X Y^T||_F / ||A||_F
  double greedy_rel_error = 0.0;       // the same after the greedy step, before refinement
  bool optimal = false;                // classes pairwise disjoint: the result is a global optimum
  std::vector<double> refine_history;  // rel_error after each refinement sweep
};

// ||A - X Y^T||_F / ||A||_F (0 if both vanish).
double fsmf_relative_error(const Eigen::MatrixXd& a, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y);

// Greedy Algorithm 2 over the classes, in the given order; `rank` is r (columns of X and Y).
FsmfFactors fsmf_greedy(const Eigen::MatrixXd& a, const std::vector<SupportClass>& classes, std::int64_t rank);

// Minimum-norm least-squares coefficients C (k x t) of targets (p x t) in basis (p x k):
// argmin ||targets - basis C||_F. One column per row of the factor being updated.
Eigen::MatrixXd least_squares_coefficients(const Eigen::MatrixXd& basis, const Eigen::MatrixXd& targets);

// One half-step: the X (a.rows() x r) minimising ||a - X fixed^T|| with supp(X) in `support`.
// Rows sharing a support pattern share one factorization of their basis.
Eigen::MatrixXd solve_rows_on_support(const Eigen::MatrixXd& a, const Eigen::MatrixXd& fixed,
                                      const SupportMatrix& support);

// Alternating least squares from (X, Y), updated in place; returns rel_error after each sweep.
std::vector<double> fsmf_refine(const Eigen::MatrixXd& a, const SupportMatrix& support_x,
                                const SupportMatrix& support_y, FsmfFactors& factors, const FsmfOptions& options);

// The whole method. Throws std::invalid_argument when the supports do not match A's shape or A
// is not finite.
FsmfResult fsmf_factorize(const Eigen::MatrixXd& a, const SupportMatrix& support_x, const SupportMatrix& support_y,
                          const FsmfOptions& options = {});

}  // namespace jf::sparse
