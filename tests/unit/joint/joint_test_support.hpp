#pragma once
// Test-only helpers for the joint stage: serial (Eigen) references on gathered small problems, the
// monotonicity check every solve must pass, and the seeds' low-rank problem.
#include <Eigen/Dense>
#include <vector>

#include "../test_support.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/joint/alternating_solver.hpp"
#include "jointfact/joint/initial_factors.hpp"

namespace jf::test {

// The largest increase of F between consecutive history rows, relative to F. Rounding in F (the trace
// formula for ||W - L R^T||^2 and the solves) is ~1e-13 here; a real increase is far larger.
inline double largest_relative_increase(const std::vector<joint::HistoryRow>& history) {
  double worst = 0;
  for (size_t i = 1; i < history.size(); ++i)
    worst = std::max(worst, (history[i].objective - history[i - 1].objective) / std::abs(history[i - 1].objective));
  return worst;
}
constexpr double kMonotoneTolerance = 1e-12;

// The penalty settings the tests vary; the rest keep their defaults.
inline joint::PenaltyOptions penalty_options(double lambda, double tol, int max_iterations) {
  joint::PenaltyOptions options;
  options.lambda = lambda;
  options.tol = tol;
  options.max_iterations = max_iterations;
  return options;
}

// One penalty solve of `objective` on W from W's rank-k truncated SVD (the joint stage's start).
struct PenaltyRun {
  joint::InitialFactors start;
  joint::PenaltyResult result;
};
inline PenaltyRun solve_penalty_from_svd(const DistMatrix& w, const joint::Objective& objective, int64_t k,
                                         const joint::PenaltyOptions& options) {
  const double w_norm_squared = joint::squared_norm(w);
  const joint::AlternatingSolver solver(joint::JointProblem{w, objective, w_norm_squared});
  PenaltyRun run{joint::initial_factors(w, k, w_norm_squared), {}};
  run.result = solver.solve(run.start.factors, options);
  return run;
}

// X = L R^T gathered (small problems only).
inline Eigen::MatrixXd gathered_product(const joint::Factors& factors) {
  return gather(factors.l) * gather(factors.r).transpose();
}

// The best rank-k approximation of a (LAPACK-style reference by Eigen's JacobiSVD).
inline Eigen::MatrixXd truncated(const Eigen::MatrixXd& a, int64_t k) {
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(a, Eigen::ComputeThinU | Eigen::ComputeThinV);
  return svd.matrixU().leftCols(k) * svd.singularValues().head(k).asDiagonal() * svd.matrixV().leftCols(k).transpose();
}

inline double relative_difference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return (a - b).norm() / std::max(b.norm(), 1e-300);
}

// Serial alternating exact minimisation for rowsum, F = ||W - L R^T||^2 + lambda/m ||L R^T 1 - t||^2,
// written from the normal equations (the R-step by the Sherman-Morrison closed form).
struct SerialRowsum {
  Eigen::MatrixXd w;
  Eigen::VectorXd t;
  double lambda;

  double task_loss(const Eigen::MatrixXd& x) const {
    return (x.rowwise().sum() - t).squaredNorm() / static_cast<double>(w.rows());
  }
  double objective(const Eigen::MatrixXd& l, const Eigen::MatrixXd& r) const {
    const Eigen::MatrixXd x = l * r.transpose();
    return (w - x).squaredNorm() + lambda * task_loss(x);
  }
  void left_step(Eigen::MatrixXd& l, const Eigen::MatrixXd& r) const {
    const double gamma = lambda / static_cast<double>(w.rows());
    const Eigen::VectorXd rbar = r.colwise().sum().transpose();
    const Eigen::MatrixXd a = r.transpose() * r + gamma * rbar * rbar.transpose();
    const Eigen::MatrixXd b = w * r + gamma * t * rbar.transpose();
    l = a.ldlt().solve(b.transpose()).transpose();
  }
  void right_step(const Eigen::MatrixXd& l, Eigen::MatrixXd& r) const {
    const double gamma = lambda / static_cast<double>(w.rows());
    const double n = static_cast<double>(w.cols());
    const Eigen::MatrixXd a = l.transpose() * l;
    Eigen::MatrixXd b = w.transpose() * l;
    b.rowwise() += gamma * (l.transpose() * t).transpose();
    // (I + gamma 1 1^T) R A = B  =>  R = (B - gamma/(1 + gamma n) 1 1^T B) A^-1
    Eigen::MatrixXd y = b;
    y.rowwise() -= (gamma / (1.0 + gamma * n)) * b.colwise().sum();
    r = a.ldlt().solve(y.transpose()).transpose();
  }
  // Gradients of F with respect to L and R (zero at a stationary point).
  Eigen::MatrixXd gradient_l(const Eigen::MatrixXd& l, const Eigen::MatrixXd& r) const {
    const Eigen::MatrixXd x = l * r.transpose();
    const Eigen::VectorXd e = x.rowwise().sum() - t;
    const Eigen::VectorXd ones = Eigen::VectorXd::Ones(w.cols());
    return -2.0 * (w - x) * r + (2.0 * lambda / w.rows()) * e * (ones.transpose() * r);
  }
  Eigen::MatrixXd gradient_r(const Eigen::MatrixXd& l, const Eigen::MatrixXd& r) const {
    const Eigen::MatrixXd x = l * r.transpose();
    const Eigen::VectorXd e = x.rowwise().sum() - t;
    const Eigen::VectorXd ones = Eigen::VectorXd::Ones(w.cols());
    return -2.0 * (w - x).transpose() * l + (2.0 * lambda / w.rows()) * ones * (e.transpose() * l);
  }
};

}  // namespace jf::test
