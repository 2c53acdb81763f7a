#include "joint/nonneg_quadratic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace jf::joint {
namespace {

std::vector<int64_t> indices_where(const std::vector<char>& flags) {
  std::vector<int64_t> indices;
  for (size_t i = 0; i < flags.size(); ++i)
    if (flags[i]) indices.push_back(static_cast<int64_t>(i));
  return indices;
}

// Moves z towards the minimiser on the face {z_i = 0 for i not free}; frees nothing, fixes every
// variable that reaches zero. Returns false if the only progress possible was none (the variable
// `just_freed` came straight back), which means z is optimal to rounding.
bool descend_on_face(const FaceSystem& m, const Eigen::VectorXd& c, Eigen::VectorXd& z, std::vector<char>& free,
                     int64_t just_freed, int64_t& steps, int64_t max_steps) {
  while (steps < max_steps) {
    ++steps;
    const std::vector<int64_t> indices = indices_where(free);
    if (indices.empty()) return true;
    Eigen::VectorXd rhs(static_cast<Eigen::Index>(indices.size()));
    for (size_t a = 0; a < indices.size(); ++a) rhs(static_cast<Eigen::Index>(a)) = c(indices[a]);
    const Eigen::VectorXd y = m.solve_on(indices, rhs);
    // Largest step along y - z that keeps every free variable >= 0.
    double step = 1.0;
    int64_t blocking = -1;
    for (size_t a = 0; a < indices.size(); ++a) {
      const double target = y(static_cast<Eigen::Index>(a)), current = z(indices[a]);
      if (target <= 0 || !std::isfinite(target)) {
        // current > 0 >= target, so the limit is in [0, 1); a just-freed variable (current 0) blocks at 0.
        const double limit = (current <= 0 || !std::isfinite(target)) ? 0.0 : current / (current - target);
        if (limit < step || blocking < 0) {
          step = std::min(step, limit);
          blocking = indices[a];
        }
      }
    }
    if (blocking < 0) {
      for (size_t a = 0; a < indices.size(); ++a) z(indices[a]) = y(static_cast<Eigen::Index>(a));
      return true;
    }
    if (blocking == just_freed && step <= 0) return false;
    for (size_t a = 0; a < indices.size(); ++a) {
      double& value = z(indices[a]);
      value += step * (y(static_cast<Eigen::Index>(a)) - value);
    }
    z(blocking) = 0;
    free[static_cast<size_t>(blocking)] = 0;
    for (int64_t i : indices)
      if (z(i) <= 0) {
        z(i) = 0;
        free[static_cast<size_t>(i)] = 0;
      }
    just_freed = -1;
  }
  return true;
}

// Bertsekas' projected Newton method (SIAM J. Control Optim. 1982) for the bound z >= 0: variables at
// (or within eps of) zero whose gradient pushes them further down take a diagonally scaled gradient
// step, the others a Newton step on their face, and a projected Armijo search keeps phi decreasing. It
// changes many bounds per step, so from a poor start it finds the active set in a few solves where
// one-at-a-time pivoting needs one solve per bound change (O(N) of them for a long column).
void projected_newton(const FaceSystem& m, const Eigen::VectorXd& c, Eigen::VectorXd& z,
                      const std::vector<char>& usable, int max_iterations) {
  const int64_t n = m.size();
  double scale = 0;  // typical size of an entry of the solution
  for (int64_t i = 0; i < n; ++i)
    if (usable[i]) scale = std::max(scale, std::abs(c(i)) / m.diagonal(i));
  const double tolerance = 1e-12 * std::max(scale, std::numeric_limits<double>::min());
  Eigen::VectorXd m_z = m.apply(z);
  double value = z.dot(m_z) - 2.0 * c.dot(z);
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    const Eigen::VectorXd half_gradient = m_z - c;
    // Size of the scaled projected gradient step: zero exactly at a KKT point.
    double stationarity = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (!usable[i]) continue;
      const double step = half_gradient(i) / m.diagonal(i);
      stationarity = std::max(stationarity, std::abs(z(i) - std::max(z(i) - step, 0.0)));
    }
    if (stationarity <= tolerance) return;
    std::vector<int64_t> free;
    Eigen::VectorXd direction = Eigen::VectorXd::Zero(n);
    for (int64_t i = 0; i < n; ++i) {
      if (!usable[i]) continue;
      if (z(i) <= stationarity && half_gradient(i) > 0) {
        direction(i) = half_gradient(i) / m.diagonal(i);
      } else {
        free.push_back(i);
      }
    }
    if (!free.empty()) {
      Eigen::VectorXd rhs(static_cast<Eigen::Index>(free.size()));
      for (size_t a = 0; a < free.size(); ++a) rhs(static_cast<Eigen::Index>(a)) = half_gradient(free[a]);
      const Eigen::VectorXd newton = m.solve_on(free, rhs);
      if (!newton.allFinite()) return;
      for (size_t a = 0; a < free.size(); ++a) direction(free[a]) = newton(static_cast<Eigen::Index>(a));
    }
    bool accepted = false;
    for (double alpha = 1.0; alpha > 1e-12; alpha *= 0.5) {
      const Eigen::VectorXd trial = (z - alpha * direction).cwiseMax(0.0);
      const Eigen::VectorXd m_trial = m.apply(trial);
      const double trial_value = trial.dot(m_trial) - 2.0 * c.dot(trial);
      // Armijo with Bertsekas' predicted decrease (sigma = 1e-4).
      const double predicted = 2.0 * half_gradient.dot(z - trial);
      if (trial_value <= value - 1e-4 * std::max(predicted, 0.0) && trial_value <= value) {
        z = trial;
        m_z = m_trial;
        value = trial_value;
        accepted = true;
        break;
      }
    }
    if (!accepted) return;
  }
}

}  // namespace

Eigen::VectorXd DenseFaceSystem::solve_on(const std::vector<int64_t>& free, const Eigen::VectorXd& rhs) const {
  const Eigen::Index size = static_cast<Eigen::Index>(free.size());
  Eigen::MatrixXd sub(size, size);
  for (Eigen::Index a = 0; a < size; ++a)
    for (Eigen::Index b = 0; b < size; ++b) sub(a, b) = m_(free[a], free[b]);
  return sub.ldlt().solve(rhs);
}

Eigen::VectorXd nonneg_quadratic_minimum(const FaceSystem& m, const Eigen::VectorXd& c, Eigen::VectorXd z,
                                         int64_t max_steps) {
  const int64_t n = m.size();
  double largest_diagonal = 0;
  for (int64_t i = 0; i < n; ++i) largest_diagonal = std::max(largest_diagonal, m.diagonal(i));
  // A variable whose diagonal is (numerically) zero does not affect phi's curvature: keep it at zero.
  std::vector<char> usable(static_cast<size_t>(n), 0), free(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n; ++i) {
    usable[i] = m.diagonal(i) > 1e-14 * largest_diagonal;
    if (!usable[i] || !(z(i) > 0)) z(i) = 0;
    free[i] = z(i) > 0;
  }
  // Find the active set quickly, then finish with exact pivoting (finite termination at a KKT point).
  projected_newton(m, c, z, usable, 50);
  for (int64_t i = 0; i < n; ++i) free[i] = z(i) > 0;
  const double tolerance = 1e-13 * std::max(c.cwiseAbs().maxCoeff(), std::numeric_limits<double>::min());
  int64_t steps = 0, just_freed = -1;
  while (steps < max_steps) {
    if (!descend_on_face(m, c, z, free, just_freed, steps, max_steps)) break;
    const Eigen::VectorXd half_gradient = m.apply(z) - c;
    just_freed = -1;
    double most_negative = -tolerance;
    for (int64_t i = 0; i < n; ++i) {
      if (!free[i] && usable[i] && half_gradient(i) < most_negative) {
        most_negative = half_gradient(i);
        just_freed = i;
      }
    }
    if (just_freed < 0) break;  // KKT conditions hold
    free[static_cast<size_t>(just_freed)] = 1;
  }
  return z;
}

}  // namespace jf::joint
