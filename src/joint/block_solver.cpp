#include "jointfact/joint/block_solver.hpp"

#include <algorithm>

#include "joint/nonneg_quadratic.hpp"
#include "joint/second_difference.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

// Eigenvalues below this fraction of the largest are treated as zero (a factor column that died).
constexpr double kRelativeEigenFloor = 1e-13;

bool coupled(const BlockProblem& problem) { return problem.row_operator || problem.row_coupling > 0; }

bool is_diagonal(const Eigen::MatrixXd& a) {
  return (a - Eigen::MatrixXd(a.diagonal().asDiagonal())).cwiseAbs().maxCoeff() == 0;
}

Eigen::MatrixXd pseudo_inverse(const Eigen::MatrixXd& a) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(a);
  const Eigen::VectorXd d = eigen.eigenvalues();
  const double floor = kRelativeEigenFloor * std::max(d.cwiseAbs().maxCoeff(), 1e-300);
  Eigen::VectorXd inverse(d.size());
  for (Eigen::Index i = 0; i < d.size(); ++i) inverse(i) = d(i) > floor ? 1.0 / d(i) : 0.0;
  return eigen.eigenvectors() * inverse.asDiagonal() * eigen.eigenvectors().transpose();
}

// (I + gamma 1 1^T)^-1 Y = Y - gamma / (1 + gamma N) 1 (1^T Y).
void remove_row_coupling(double gamma, DistMatrix& y) {
  if (gamma == 0) return;
  const double n = static_cast<double>(y.rows());
  add_to_every_row(y, -(gamma / (1.0 + gamma * n)) * column_sums(y));
}

DistMatrix exact_unconstrained_without_smoothness(const BlockProblem& problem) {
  DistMatrix y = problem.rhs;
  remove_row_coupling(problem.row_coupling, y);
  if (problem.row_operator) problem.row_operator->solve(y);
  return times_small(y, pseudo_inverse(problem.gram));
}

// (I + gamma 1 1^T) Z A + mu K Z = B, through Z Q with A = Q diag(d) Q^T: column j of Z Q solves
// (d_j I + mu K + gamma d_j 1 1^T) z = (B Q)_j. Since K 1 = 0, (d_j I + mu K)^-1 1 = 1 / d_j and
// Sherman-Morrison gives z = y - gamma (1^T y) / (1 + gamma N) 1 with y = (d_j I + mu K)^-1 (B Q)_j.
DistMatrix exact_unconstrained_smooth(const BlockProblem& problem, double mu, const FactorLayouts& layouts) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(problem.gram);
  const Eigen::MatrixXd q = eigen.eigenvectors();
  const Eigen::VectorXd d = eigen.eigenvalues();
  const double floor = kRelativeEigenFloor * std::max(d.cwiseAbs().maxCoeff(), 1e-300);
  const DistMatrix rhs_rotated = times_small(problem.rhs, q);
  DistMatrix columns = layouts.whole_columns(rhs_rotated);
  const SecondDifferenceGram k(columns.rows());
  const double gamma = problem.row_coupling, n = static_cast<double>(columns.rows());
  auto local = columns.local();
  for (int64_t j_lc = 0; j_lc < columns.local_cols(); ++j_lc) {
    const double shift = std::max(d(columns.col_map().local_to_global(j_lc)), floor);
    Eigen::VectorXd y = solve_shifted_banded(k, shift, mu, {}, local.col(j_lc));
    if (gamma != 0) y.array() -= gamma * y.sum() / (1.0 + gamma * n);
    local.col(j_lc) = y;
  }
  DistMatrix rotated = rhs_rotated.like();
  redistribute(columns, rotated);
  return times_small(rotated, q.transpose());
}

// Z >= 0, uncoupled, no smoothness: rows are independent k-dimensional problems.
void exact_nonneg_rows(const BlockProblem& problem, const FactorLayouts& layouts, DistMatrix& z) {
  const DistMatrix rhs_rows = layouts.whole_rows(problem.rhs);
  DistMatrix z_rows = layouts.whole_rows(z);
  const DenseFaceSystem system(problem.gram);
  const int64_t max_steps = 10 * problem.gram.rows() + 20;
  auto z_local = z_rows.local();
  const auto rhs_local = rhs_rows.local();
  for (int64_t i = 0; i < z_rows.local_rows(); ++i) {
    z_local.row(i) =
        nonneg_quadratic_minimum(system, rhs_local.row(i).transpose(), z_local.row(i).transpose(), max_steps)
            .transpose();
  }
  redistribute(z_rows, z);
}

// Z >= 0, uncoupled, A diagonal: column j solves min z^T (A_jj I + mu K) z - 2 B_j^T z over z >= 0.
void exact_nonneg_columns(const BlockProblem& problem, double mu, const FactorLayouts& layouts, DistMatrix& z) {
  const DistMatrix rhs_columns = layouts.whole_columns(problem.rhs);
  DistMatrix z_columns = layouts.whole_columns(z);
  const SecondDifferenceGram k(z.rows());
  const int64_t max_steps = 10 * z.rows() + 20;
  auto z_local = z_columns.local();
  const auto rhs_local = rhs_columns.local();
  for (int64_t j_lc = 0; j_lc < z_columns.local_cols(); ++j_lc) {
    const double shift =
        problem.gram(z_columns.col_map().local_to_global(j_lc), z_columns.col_map().local_to_global(j_lc));
    const BandedFaceSystem system(k, shift, mu);
    z_local.col(j_lc) = nonneg_quadratic_minimum(system, rhs_local.col(j_lc), z_local.col(j_lc), max_steps);
  }
  redistribute(z_columns, z);
}

// The exact solvers, for problems block_is_exact accepts.
void solve_exactly(const BlockProblem& problem, const BlockRegularization& regularization, const FactorLayouts& layouts,
                   DistMatrix& z) {
  const double mu = regularization.smoothness;
  if (!regularization.nonneg) {
    z = mu > 0 ? exact_unconstrained_smooth(problem, mu, layouts) : exact_unconstrained_without_smoothness(problem);
  } else if (mu == 0) {
    exact_nonneg_rows(problem, layouts, z);
  } else {
    exact_nonneg_columns(problem, mu, layouts, z);
  }
}

// The coupled part of H applied to Z without the smoothness term: (S + gamma 1 1^T) Z A.
DistMatrix coupled_product(const BlockProblem& problem, const DistMatrix& z) {
  DistMatrix z_a = times_small(z, problem.gram);
  DistMatrix product = problem.row_operator ? problem.row_operator->apply(z_a) : z_a;
  if (problem.row_coupling > 0) add_to_every_row(product, problem.row_coupling * column_sums(z_a));
  return product;
}

// A' >= A that the exact solvers accept: sigma A, or sigma diag(Gershgorin) when Z >= 0 meets smoothness.
Eigen::MatrixXd majorizing_gram(const BlockProblem& problem, const BlockRegularization& regularization) {
  const double n = static_cast<double>(problem.rhs.rows());
  const double sigma = (problem.row_operator ? problem.row_operator->upper_bound() : 1.0) + problem.row_coupling * n;
  if (!(regularization.nonneg && regularization.smoothness > 0)) return sigma * problem.gram;
  const Eigen::VectorXd gershgorin = problem.gram.cwiseAbs().rowwise().sum();
  return sigma * Eigen::MatrixXd(gershgorin.asDiagonal());
}

// Majorise-minimise: with H' >= H, q(Z) <= q(Z0) + 2 <H Z0 - B, Z - Z0> + <Z - Z0, H'(Z - Z0)>, whose
// minimiser solves the uncoupled problem with gram A' and right side B + (H' - H) Z0. The smoothness
// term is kept exactly, so it cancels from (H' - H) Z0 = Z0 A' - (S + gamma 1 1^T) Z0 A.
void majorize_minimize(const BlockProblem& problem, const BlockRegularization& regularization,
                       const FactorLayouts& layouts, DistMatrix& z) {
  BlockProblem majorizer;
  majorizer.gram = majorizing_gram(problem, regularization);
  for (int step = 0; step < regularization.majorize_steps; ++step) {
    majorizer.rhs = problem.rhs;
    scale_add(1.0, majorizer.rhs, 1.0, times_small(z, majorizer.gram));
    scale_add(1.0, majorizer.rhs, -1.0, coupled_product(problem, z));
    const DistMatrix previous = z;
    solve_exactly(majorizer, regularization, layouts, z);
    if (relative_change(z, previous) < 1e-14) break;
  }
}

}  // namespace

bool block_is_exact(const BlockProblem& problem, const BlockRegularization& regularization) {
  const bool smooth = regularization.smoothness > 0;
  if (!regularization.nonneg) return !(problem.row_operator && (smooth || problem.row_coupling > 0));
  if (coupled(problem)) return false;
  return !smooth || is_diagonal(problem.gram);
}

void solve_block(const BlockProblem& problem, const BlockRegularization& regularization, const FactorLayouts& layouts,
                 DistMatrix& z) {
  if (block_is_exact(problem, regularization)) {
    solve_exactly(problem, regularization, layouts, z);
  } else {
    majorize_minimize(problem, regularization, layouts, z);
  }
}

}  // namespace jf::joint
