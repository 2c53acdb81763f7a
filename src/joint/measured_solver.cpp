#include "joint/measured_solver.hpp"

#include <cmath>
#include <cstdio>

#include "joint/thin_algebra.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

constexpr double kAcceptRatio = 0.1, kGoodRatio = 0.75, kShrink = 4.0, kGrow = 0.5;
constexpr int kMaxRejectedInARow = 12;

DistMatrix product_of(const DistMatrix& w, const Factors& x) {
  DistMatrix full = w.like();
  gemm(Op::None, Op::Trans, 1.0, x.l, x.r, 0.0, full);
  return full;
}

double recon_of(const MeasuredProblem& problem, const Factors& x) {
  DistMatrix w_t_l = x.r.like();
  gemm(Op::Trans, Op::None, 1.0, problem.w, x.l, 0.0, w_t_l);
  return std::sqrt(recon_error_squared(problem.w_norm_squared, w_t_l, x));
}

struct Projection {
  Factors factors;
  double recon_error = 0;
};

Factors rank_k_of(const DistMatrix& a, int64_t k) {
  return factors_from_svd(a, choose_truncated_svd(a, k), k, 0.0).factors;
}

// The rank-k point [(1 - t) Y + t W]_k with the smallest t in [0, 1] found that meets the bound.
Projection project(const MeasuredProblem& problem, const DistMatrix& y, int64_t k, double bound, int steps) {
  Projection best{rank_k_of(y, k), 0};
  best.recon_error = recon_of(problem, best.factors);
  if (best.recon_error <= bound) return best;
  auto at = [&](double t) {
    DistMatrix mixed = y;
    scale_add(1.0 - t, mixed, t, problem.w);
    Projection p{rank_k_of(mixed, k), 0};
    p.recon_error = recon_of(problem, p.factors);
    return p;
  };
  best = at(1.0);
  double low = 0, high = 1;
  for (int i = 0; i < steps; ++i) {
    const double middle = 0.5 * (low + high);
    Projection p = at(middle);
    if (p.recon_error <= bound) {
      high = middle;
      best = std::move(p);
    } else {
      low = middle;
    }
  }
  return best;
}

}  // namespace

MeasuredResult solve_measured(const MeasuredProblem& problem, const TaskLoss& loss, const Factors& start,
                              const MeasuredOptions& options) {
  const DistMatrix& w = problem.w;
  const int64_t k = start.l.cols();
  MeasuredResult result;
  result.factors = start;
  result.recon_error = recon_of(problem, start);
  LossEvaluation current = loss.at(start, true);
  result.evaluations = 1;
  result.loss = current.loss;
  auto phi_of = [&](double f, double e) { return options.alpha * e * e + options.beta * f; };
  double phi = phi_of(current.loss, result.recon_error);
  result.history.push_back({phi, current.loss, result.recon_error});
  const double gradient_norm = std::sqrt(squared_norm(current.gradient));
  double c = current.curvature_hint > 0 ? current.curvature_hint
                                        : gradient_norm / (0.05 * std::sqrt(problem.w_norm_squared) + 1e-300);
  if (!(c > 0) || !std::isfinite(c)) c = 1.0;
  int small_steps = 0, rejected_in_a_row = 0;
  while (result.evaluations < options.max_evaluations && rejected_in_a_row < kMaxRejectedInARow) {
    const DistMatrix x0 = product_of(w, result.factors);
    const double a = options.alpha + options.beta * c / 2;
    DistMatrix y = w.like();
    scale_add(0.0, y, options.alpha / a, w);
    scale_add(1.0, y, options.beta * c / (2 * a), x0);
    scale_add(1.0, y, -options.beta / (2 * a), current.gradient);
    Projection step = project(problem, y, k, options.recon_bound, options.bisection_steps);
    DistMatrix difference = product_of(w, step.factors);
    scale_add(1.0, difference, -1.0, x0);
    const double distance_squared = squared_norm(difference);
    const double predicted =
        options.alpha * (step.recon_error * step.recon_error - result.recon_error * result.recon_error) +
        options.beta * (inner(current.gradient, difference) + 0.5 * c * distance_squared);
    if (!(predicted < -1e-15 * std::abs(phi))) {
      // The model sees no descent at this damping: a smaller region, no evaluation spent.
      c *= kShrink;
      ++rejected_in_a_row;
      if (distance_squared == 0 || -predicted <= 1e-15 * std::abs(phi)) ++small_steps;
      if (small_steps >= 2) break;
      continue;
    }
    LossEvaluation trial = loss.at(step.factors, true);
    ++result.evaluations;
    const double trial_phi = phi_of(trial.loss, step.recon_error);
    const double actual = trial_phi - phi;
    const double ratio = actual / predicted;
    const bool accept = actual < 0 && ratio >= kAcceptRatio;
    char line[320];
    std::snprintf(line, sizeof line,
                  "%sstep %d: measured loss %.8g (was %.8g), change %.3e vs model %.3e (ratio %.2f), radius %.4g, "
                  "recon error %.6g: %s",
                  options.progress_prefix.c_str(), result.evaluations - 1, trial.loss, result.loss, actual, predicted,
                  ratio, std::sqrt(distance_squared), step.recon_error, accept ? "accepted" : "rejected");
    if (problem.progress) problem.progress(line);
    if (!accept) {
      c *= kShrink;
      ++result.rejected;
      ++rejected_in_a_row;
      continue;
    }
    rejected_in_a_row = 0;
    ++result.accepted;
    small_steps = -actual <= options.tol * std::abs(phi) ? small_steps + 1 : 0;
    result.factors = std::move(step.factors);
    result.recon_error = step.recon_error;
    result.loss = trial.loss;
    current = std::move(trial);
    phi = trial_phi;
    result.history.push_back({phi, result.loss, result.recon_error});
    if (ratio > kGoodRatio) c *= kGrow;
    if (small_steps >= 2) break;
  }
  return result;
}

}  // namespace jf::joint
