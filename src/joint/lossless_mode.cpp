#include "jointfact/joint/lossless_mode.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "distributed/thin_product.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/core/log.hpp"

namespace jf::joint {
namespace {

constexpr double kGrowth = 10.0;
constexpr double kMaxLambdaRange = 1e16;  // continuation stops this far above the first lambda
// Continuation stops once the task loss is this close to its lower bound, relative to where it started:
// the bound is not active and larger lambdas only make the block problems ill-conditioned.
constexpr double kNegligibleLoss = 1e-8;

class LambdaSearch {
 public:
  LambdaSearch(const AlternatingSolver& solver, const InitialFactors& start, double start_loss,
               const LosslessOptions& options)
      : solver_(solver), options_(options) {
    best_.factors = start.factors;
    best_.recon_bound =
        std::min((1.0 + options.eps_rel) * start.recon_error, std::max(options.max_recon_error, start.recon_error));
    best_.lambda = 0;
    rank_ = start.factors.l.cols();
    // The SVD start is feasible by definition; a non-negative or smoothed start need not be.
    best_.state = solver.evaluate(start.factors, 0.0, start_loss);
    // Within rounding: the error from the thin products and the one from the singular values differ in
    // the last digits, and W_k itself must count as feasible when the bound is ||W - W_k||_F.
    best_.feasible = best_.state.recon_error <= best_.recon_bound * (1.0 + 1e-12);
  }

  // Solves at lambda from the best feasible factors; keeps the result when it meets the bound.
  bool try_lambda(double lambda) {
    PenaltyOptions penalty = options_.penalty;
    penalty.lambda = lambda;
    penalty.progress_every = 0;
    penalty.progress_prefix += "k = " + std::to_string(rank_) + ", ";
    penalty.start_task_loss = best_.state.task_loss;
    penalty.start_recon_error = best_.state.recon_error;
    PenaltyResult result = solver_.solve(best_.factors, penalty);
    const HistoryRow& state = result.final_state();
    const bool feasible = state.recon_error <= best_.recon_bound;
    best_.iterations += result.iterations;
    last_recon_error_ = state.recon_error;
    last_task_loss_ = state.task_loss;
    // A closed form that could not beat the best factors so far: the SVD's accuracy is the limit.
    if (result.closed_form && result.iterations == 0 && lambda > 0) resolution_reached_ = true;
    best_.segments.push_back({lambda, rank_, result.history, result.iterations, feasible, result.stalled});
    report(solver_.problem(), "lossless k = " + std::to_string(rank_) + ", lambda = " + format_number("%.6g", lambda) +
                                  ": task loss " + format_number("%.6g", state.task_loss) + ", recon error " +
                                  format_number("%.6g", state.recon_error) + (feasible ? " <= " : " > ") +
                                  format_number("%.6g", best_.recon_bound) + " (" + std::to_string(result.iterations) +
                                  " iterations)");
    if (feasible && (!best_.feasible || state.task_loss <= best_.state.task_loss)) {
      best_.factors = std::move(result.factors);
      best_.state = state;
      best_.lambda = lambda;
      best_.feasible = true;
    }
    return feasible;
  }

  int solves() const { return static_cast<int>(best_.segments.size()); }
  double last_recon_error() const { return last_recon_error_; }
  double last_task_loss() const { return last_task_loss_; }
  bool resolution_reached() const { return resolution_reached_; }
  const LosslessResult& best() const { return best_; }
  LosslessResult take() { return std::move(best_); }

 private:
  const AlternatingSolver& solver_;
  const LosslessOptions& options_;
  LosslessResult best_;
  int64_t rank_ = 0;
  double last_recon_error_ = 0, last_task_loss_ = 0;
  bool resolution_reached_ = false;
};

// Whether the best answer is within options.loss_gap_rel of the constrained optimum, from the
// multiplier estimate df/d(eps^2) = -1/lambda.
bool close_enough(const LosslessResult& best, const LosslessOptions& options) {
  const double slack = best.recon_bound * best.recon_bound - best.state.recon_error * best.state.recon_error;
  return best.lambda > 0 && slack / best.lambda <= options.loss_gap_rel * std::abs(best.state.task_loss);
}

// The search when every penalty solution is one SVD (closed form). The growth of the squared error,
// g(lambda) = e(lambda)^2 - e(0)^2, is smooth and increasing, close to a power of lambda (lambda^2 while
// the answer moves linearly in lambda), so log g is nearly linear in log lambda: each step is a secant on
// (log lambda, log g) through the two latest points (interpolating once the bound is bracketed; after the
// first solve the exponent comes from how much task loss that solve bought, see next()). It aims
// half the loss tolerance inside the bound, so the first feasible landing usually ends the search.
// e(0) is the start's error, measured (not the estimate from its singular values): the start is the
// lambda = 0 solution, so no solve repeats it. A randomized start may be slightly less accurate than the
// warm-started solves that follow; growth then reads a little low, which the secant absorbs.
class GrowthSecant {
 public:
  GrowthSecant(double target) : target_(target) {}

  // `loss_drop`: how far the task loss at lambda lies below the start's.
  void add(double lambda, double growth, bool feasible, double loss_drop) {
    if (growth > 0) latest_.push_back({lambda, growth, loss_drop});
    if (latest_.size() > 2) latest_.erase(latest_.begin());
    if (feasible && lambda > low_.lambda) low_ = {lambda, growth};
    if (!feasible && (high_.lambda == 0 || lambda < high_.lambda)) high_ = {lambda, growth};
  }
  bool bracketed() const { return low_.lambda > 0 && high_.lambda > 0; }
  double bracket_ratio() const { return high_.lambda / low_.lambda; }

  // The next lambda after `lambda`, aiming at growth `aim` (<= target).
  double next(double lambda, double aim) const {
    // The smallest step stays well below the resolution the aim asks for: near the bound a step of 1%
    // moves the growth by ~2%, several times the loss tolerance, and would overshoot into a bracket.
    constexpr double kMaxStep = 1e3, kMinStep = 1.0001;
    if (bracketed() && low_.growth > 0 && high_.growth > low_.growth) {
      const double t = std::log(aim / low_.growth) / std::log(high_.growth / low_.growth);
      return std::exp(std::log(low_.lambda) + std::clamp(t, 0.02, 0.98) * std::log(high_.lambda / low_.lambda));
    }
    if (bracketed()) return std::sqrt(low_.lambda * high_.lambda);
    double power = 2.0;  // g ~ lambda^2 for small lambda
    if (latest_.size() == 2 && latest_[1].lambda != latest_[0].lambda) {
      power = std::log(latest_[1].growth / latest_[0].growth) / std::log(latest_[1].lambda / latest_[0].lambda);
      power = std::clamp(power, 0.5, 4.0);
    } else if (latest_.size() == 1 && latest_[0].loss_drop > 0) {
      // One point: the envelope theorem gives d(e^2)/d lambda = -lambda f'(lambda) along the minimisers.
      // With -f' ~ lambda^q on (0, lambda], f drops by c lambda^(q+1) / (q+1) and the squared error grows
      // by c lambda^(q+2) / (q+2), so g ~ lambda^p with p = q + 2 = 1 / (1 - rho), rho = g / (lambda drop).
      const double rho = latest_[0].growth / (latest_[0].lambda * latest_[0].loss_drop);
      if (rho > 0 && rho < 1) power = std::clamp(1.0 / (1.0 - rho), 0.5, 4.0);
    }
    if (latest_.empty() || latest_.back().lambda != lambda) {  // no growth measured here: leap
      return high_.lambda == lambda ? lambda / kMaxStep : lambda * kMaxStep;
    }
    const double step = std::pow(aim / latest_.back().growth, 1.0 / power);
    return high_.lambda == lambda ? lambda * std::clamp(step, 1.0 / kMaxStep, 1.0 / kMinStep)
                                  : lambda * std::clamp(step, kMinStep, kMaxStep);
  }

 private:
  struct Point {
    double lambda = 0, growth = 0, loss_drop = 0;
  };
  double target_;
  std::vector<Point> latest_;
  Point low_, high_;  // the largest feasible and the smallest infeasible lambda (0: none)
};

// A first lambda from the first-order motion of the penalty minimiser: for small lambda it moves from the
// rank-k optimum X0 by about -lambda/2 P_T(grad f(X0)) (P_T: projection onto the tangent space of the
// rank-k matrices at X0), so the squared error grows by about lambda^2/4 ||P_T grad f||^2 and
// lambda = 2 sqrt(target) / ||P_T grad f|| meets the target to first order. Thin products only: with
// U, V orthonormal bases of span L, span R, ||P_T G||^2 = ||G V||^2 + ||U^T G||^2 - ||U^T G V||^2.
// Returns 0 when the gradient has no tangent part.
double first_order_lambda(const AlternatingSolver& solver, const Factors& x, double target) {
  const JointProblem& problem = solver.problem();
  DistMatrix w_r = x.l.like(), w_t_l = x.r.like();
  multiply_thin(problem.w, x.r, w_r);
  multiply_thin_transposed(problem.w, x.l, w_t_l);
  const DistMatrix g_r = problem.objective.gradient_times_right(x.l, x.r, w_r);
  const DistMatrix g_t_l = problem.objective.gradient_transpose_times_left(x.l, x.r, w_t_l);
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(x.l.cols(), x.l.cols());
  const Eigen::MatrixXd l_inverse = gram(x.l).ldlt().solve(identity), r_inverse = gram(x.r).ldlt().solve(identity);
  const Eigen::MatrixXd middle = cross_gram(x.l, g_r);  // L^T G R
  const double tangent = (gram(g_r) * r_inverse).trace() + (gram(g_t_l) * l_inverse).trace() -
                         (middle.transpose() * l_inverse * middle * r_inverse).trace();
  return tangent > 0 && std::isfinite(tangent) ? 2.0 * std::sqrt(target / tangent) : 0.0;
}

LosslessResult closed_form_search(const AlternatingSolver& solver, LambdaSearch& search, double start_loss,
                                  double floor, double first, const LosslessOptions& options) {
  const double bound = search.best().recon_bound;
  solver.problem().objective.hint_penalty_minimizer(solver.problem().w, search.best().factors);
  const double base = search.best().state.recon_error * search.best().state.recon_error;
  const double target = bound * bound - base;
  if (!(target > 0)) return search.take();
  GrowthSecant secant(target);
  double lambda = first, previous_growth = -1;
  if (options.lambda_start <= 0) {
    const double guess = first_order_lambda(solver, search.best().factors, target);
    if (guess > 0) lambda = guess;
  }
  while (search.solves() < options.max_solves) {
    const bool feasible = search.try_lambda(lambda);
    const double growth = std::max(search.last_recon_error() * search.last_recon_error() - base, 0.0);
    if (search.resolution_reached()) break;
    if (feasible) {
      const bool stalled = previous_growth > 0 && growth <= previous_growth * (1.0 + 1e-9);  // bound not active
      const double loss_now = search.best().state.task_loss;
      const bool at_floor = std::isfinite(floor) && loss_now - floor <= kNegligibleLoss * (start_loss - floor);
      if (stalled || at_floor || close_enough(search.best(), options)) break;
      previous_growth = growth;
    }
    secant.add(lambda, growth, feasible, start_loss - search.last_task_loss());
    if (secant.bracketed() && secant.bracket_ratio() < 1.0 + 1e-6) break;
    // The loss the slack could still buy is slack / lambda: aim half the tolerance inside the bound.
    const double tolerance = options.loss_gap_rel * std::abs(search.best().state.task_loss) * lambda;
    lambda = secant.next(lambda, std::max(target - 0.5 * tolerance, 0.5 * target));
  }
  return search.take();
}

// A lambda at which the task term and the allowed growth of the squared error are comparable.
double default_lambda(const InitialFactors& start, double start_loss, double eps_rel) {
  const double allowed_growth = ((1.0 + eps_rel) * (1.0 + eps_rel) - 1.0) * start.recon_error * start.recon_error;
  return std::max(allowed_growth, 1e-300) / std::max(std::abs(start_loss), 1e-300);
}

}  // namespace

LosslessResult solve_lossless(const AlternatingSolver& solver, const InitialFactors& start, double start_loss,
                              const LosslessOptions& options) {
  LambdaSearch search(solver, start, start_loss, options);
  // No room: W_k is the only feasible answer.
  if (options.eps_rel <= 0 || search.best().recon_bound <= start.recon_error) return search.take();
  // With regularisers or L, R >= 0 the start may miss the bound: the plain fit (lambda = 0) is the
  // best chance to meet it; if even that fails the result says so (feasible = false).
  if (!search.best().feasible && !search.try_lambda(0.0)) return search.take();
  const double first =
      options.lambda_start > 0 ? options.lambda_start : default_lambda(start, start_loss, options.eps_rel);
  if (solver.uses_closed_form(options.penalty) && search.best().feasible) {
    return closed_form_search(solver, search, start_loss, solver.problem().objective.lower_bound(), first, options);
  }
  // Continuation: grow lambda while the bound holds; shrink it if even the first is infeasible.
  double feasible = 0, infeasible = 0;
  if (search.try_lambda(first)) {
    feasible = first;
    for (double lambda = first * kGrowth; lambda <= first * kMaxLambdaRange && search.solves() < options.max_solves;
         lambda *= kGrowth) {
      const double loss_before = search.best().state.task_loss;
      if (!search.try_lambda(lambda)) {
        infeasible = lambda;
        break;
      }
      feasible = lambda;
      // The task loss stopped moving or vanished: the bound is not active, larger lambdas change nothing.
      const double loss_now = search.best().state.task_loss, floor = solver.problem().objective.lower_bound();
      const bool at_floor = std::isfinite(floor) && loss_now - floor <= kNegligibleLoss * (start_loss - floor);
      if (loss_now >= loss_before * (1.0 - 1e-12) || at_floor) break;
    }
  } else {
    infeasible = first;
    for (double lambda = first / kGrowth; search.solves() < options.max_solves && lambda >= first / kMaxLambdaRange;
         lambda /= kGrowth) {
      if (search.try_lambda(lambda)) {
        feasible = lambda;
        break;
      }
      infeasible = lambda;
    }
  }
  if (feasible == 0 || infeasible == 0) return search.take();
  // Bisection on log(lambda) between the largest feasible and the smallest infeasible lambda.
  while (search.solves() < options.max_solves && infeasible / feasible > 1.0 + 1e-9) {
    const LosslessResult& best = search.best();
    const double eps_squared = best.recon_bound * best.recon_bound;
    const double slack = eps_squared - best.state.recon_error * best.state.recon_error;
    if (best.lambda > 0 && slack / best.lambda <= options.loss_gap_rel * std::abs(best.state.task_loss)) break;
    const double middle = std::sqrt(feasible * infeasible);
    if (search.try_lambda(middle)) {
      feasible = middle;
    } else {
      infeasible = middle;
    }
  }
  return search.take();
}

}  // namespace jf::joint
