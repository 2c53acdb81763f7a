#include "jointfact/sparse/fsmf.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace jf::sparse {

namespace {

std::string shape(Eigen::Index rows, Eigen::Index cols) { return std::to_string(rows) + " x " + std::to_string(cols); }

void check_shapes(const Eigen::MatrixXd& a, const SupportMatrix& support_x, const SupportMatrix& support_y) {
  if (support_x.rows() != a.rows())
    throw std::invalid_argument("fsmf: support_x is " + shape(support_x.rows(), support_x.cols()) +
                                " but the input has " + std::to_string(a.rows()) + " rows");
  if (support_y.rows() != a.cols())
    throw std::invalid_argument("fsmf: support_y is " + shape(support_y.rows(), support_y.cols()) +
                                " but the input has " + std::to_string(a.cols()) + " columns");
  if (support_x.cols() != support_y.cols())
    throw std::invalid_argument("fsmf: support_x has " + std::to_string(support_x.cols()) +
                                " columns but support_y has " + std::to_string(support_y.cols()));
  if (!a.allFinite()) throw std::invalid_argument("fsmf: the matrix contains NaN or Inf");
}

Eigen::MatrixXd submatrix(const Eigen::MatrixXd& a, const std::vector<std::int64_t>& rows,
                          const std::vector<std::int64_t>& cols) {
  Eigen::MatrixXd block(rows.size(), cols.size());
  for (std::size_t c = 0; c < cols.size(); ++c)
    for (std::size_t r = 0; r < rows.size(); ++r) block(r, c) = a(rows[r], cols[c]);
  return block;
}

void subtract_from(Eigen::MatrixXd& a, const std::vector<std::int64_t>& rows, const std::vector<std::int64_t>& cols,
                   const Eigen::MatrixXd& block) {
  for (std::size_t c = 0; c < cols.size(); ++c)
    for (std::size_t r = 0; r < rows.size(); ++r) a(rows[r], cols[c]) -= block(r, c);
}

// Scatters the class solution's columns into X[I, P] (or Y[J, P]).
void place_columns(Eigen::MatrixXd& factor, const std::vector<std::int64_t>& rows,
                   const std::vector<std::int64_t>& members, const Eigen::MatrixXd& values) {
  for (std::size_t k = 0; k < members.size(); ++k)
    for (std::size_t r = 0; r < rows.size(); ++r) factor(rows[r], members[k]) = values(r, k);
}

}  // namespace

double fsmf_relative_error(const Eigen::MatrixXd& a, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
  const double residual = (a - x * y.transpose()).norm();
  const double norm = a.norm();
  if (norm == 0.0) return residual == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return residual / norm;
}

FsmfFactors fsmf_greedy(const Eigen::MatrixXd& a, const std::vector<SupportClass>& classes, std::int64_t rank) {
  FsmfFactors f{Eigen::MatrixXd::Zero(a.rows(), rank), Eigen::MatrixXd::Zero(a.cols(), rank)};
  Eigen::MatrixXd residual = a;
  for (const SupportClass& c : classes) {
    const auto class_rank = static_cast<std::int64_t>(c.members.size());
    const LowRankFactors best = best_rank_k(submatrix(residual, c.rows, c.cols), class_rank);
    place_columns(f.x, c.rows, c.members, best.u);
    place_columns(f.y, c.cols, c.members, best.v);
    subtract_from(residual, c.rows, c.cols, best.u * best.v.transpose());
  }
  return f;
}

Eigen::MatrixXd least_squares_coefficients(const Eigen::MatrixXd& basis, const Eigen::MatrixXd& targets) {
  if (basis.rows() != targets.rows())
    throw std::invalid_argument("least squares: basis has " + std::to_string(basis.rows()) + " rows, targets " +
                                std::to_string(targets.rows()));
  if (basis.cols() == 0) return Eigen::MatrixXd::Zero(0, targets.cols());
  // Complete orthogonal decomposition: minimum-norm solution when the basis is rank deficient
  // (e.g. a factor column that is still zero).
  return Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(basis).solve(targets);
}

Eigen::MatrixXd solve_rows_on_support(const Eigen::MatrixXd& a, const Eigen::MatrixXd& fixed,
                                      const SupportMatrix& support) {
  if (fixed.rows() != a.cols() || support.rows() != a.rows() || support.cols() != fixed.cols())
    throw std::invalid_argument("fsmf: inconsistent shapes in a least-squares half-step");
  Eigen::MatrixXd updated = Eigen::MatrixXd::Zero(a.rows(), fixed.cols());
  for (const auto& [pattern, rows] : rows_by_support_pattern(support)) {
    Eigen::MatrixXd basis(fixed.rows(), static_cast<Eigen::Index>(pattern.size()));
    for (std::size_t k = 0; k < pattern.size(); ++k) basis.col(k) = fixed.col(pattern[k]);
    Eigen::MatrixXd targets(a.cols(), static_cast<Eigen::Index>(rows.size()));
    for (std::size_t g = 0; g < rows.size(); ++g) targets.col(g) = a.row(rows[g]).transpose();
    const Eigen::MatrixXd coefficients = least_squares_coefficients(basis, targets);
    for (std::size_t g = 0; g < rows.size(); ++g)
      for (std::size_t k = 0; k < pattern.size(); ++k) updated(rows[g], pattern[k]) = coefficients(k, g);
  }
  return updated;
}

std::vector<double> fsmf_refine(const Eigen::MatrixXd& a, const SupportMatrix& support_x,
                                const SupportMatrix& support_y, FsmfFactors& factors, const FsmfOptions& options) {
  check_shapes(a, support_x, support_y);
  if (factors.x.rows() != a.rows() || factors.x.cols() != support_x.cols() || factors.y.rows() != a.cols() ||
      factors.y.cols() != support_y.cols())
    throw std::invalid_argument("fsmf: starting factors are " + shape(factors.x.rows(), factors.x.cols()) + " and " +
                                shape(factors.y.rows(), factors.y.cols()) + ", expected " +
                                shape(a.rows(), support_x.cols()) + " and " + shape(a.cols(), support_y.cols()));
  const Eigen::MatrixXd a_transposed = a.transpose();
  std::vector<double> history;
  double error = fsmf_relative_error(a, factors.x, factors.y);
  for (int sweep = 0; sweep < options.refine_iters; ++sweep) {
    const double before = error;
    // Each half-step is an exact block minimisation; the checks only catch rounding.
    Eigen::MatrixXd x = solve_rows_on_support(a, factors.y, support_x);
    if (const double e = fsmf_relative_error(a, x, factors.y); e <= error) {
      factors.x = std::move(x);
      error = e;
    }
    Eigen::MatrixXd y = solve_rows_on_support(a_transposed, factors.x, support_y);
    if (const double e = fsmf_relative_error(a, factors.x, y); e <= error) {
      factors.y = std::move(y);
      error = e;
    }
    history.push_back(error);
    if (before - error <= options.refine_rel_tol * before) break;
  }
  return history;
}

FsmfResult fsmf_factorize(const Eigen::MatrixXd& a, const SupportMatrix& support_x, const SupportMatrix& support_y,
                          const FsmfOptions& options) {
  check_shapes(a, support_x, support_y);
  const std::vector<SupportClass> classes = group_support_classes(support_x, support_y);
  FsmfFactors factors = fsmf_greedy(a, classes, support_x.cols());
  FsmfResult result;
  result.greedy_rel_error = fsmf_relative_error(a, factors.x, factors.y);
  result.optimal = classes_pairwise_disjoint(classes);
  if (!result.optimal) result.refine_history = fsmf_refine(a, support_x, support_y, factors, options);
  result.rel_error = fsmf_relative_error(a, factors.x, factors.y);
  result.x = std::move(factors.x);
  result.y = std::move(factors.y);
  return result;
}

}  // namespace jf::sparse
