#include "jointfact/joint/lossless_mode.hpp"

#include <algorithm>
#include <cmath>

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
  LambdaSearch(const AlternatingSolver& solver, const InitialFactors& start, const LosslessOptions& options)
      : solver_(solver), options_(options) {
    best_.factors = start.factors;
    best_.recon_bound =
        std::min((1.0 + options.eps_rel) * start.recon_error, std::max(options.max_recon_error, start.recon_error));
    best_.lambda = 0;
    rank_ = start.factors.l.cols();
    // The SVD start is feasible by definition; a non-negative or smoothed start need not be.
    best_.state = solver.evaluate(start.factors, 0.0);
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
    PenaltyResult result = solver_.solve(best_.factors, penalty);
    const HistoryRow& state = result.final_state();
    const bool feasible = state.recon_error <= best_.recon_bound;
    best_.iterations += result.iterations;
    last_recon_error_ = state.recon_error;
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
  bool resolution_reached() const { return resolution_reached_; }
  const LosslessResult& best() const { return best_; }
  LosslessResult take() { return std::move(best_); }

 private:
  const AlternatingSolver& solver_;
  const LosslessOptions& options_;
  LosslessResult best_;
  int64_t rank_ = 0;
  double last_recon_error_ = 0;
  bool resolution_reached_ = false;
};

// Whether the best answer is within options.loss_gap_rel of the constrained optimum, from the
// multiplier estimate df/d(eps^2) = -1/lambda.
bool close_enough(const LosslessResult& best, const LosslessOptions& options) {
  const double slack = best.recon_bound * best.recon_bound - best.state.recon_error * best.state.recon_error;
  return best.lambda > 0 && slack / best.lambda <= options.loss_gap_rel * std::abs(best.state.task_loss);
}

// The search when every penalty solution is one SVD (closed form): the growth of the squared error,
// g(lambda) = e(lambda)^2 - e(0)^2, is smooth and increasing, close to a power of lambda, so a secant
// step on log g against log lambda (interpolating once the bound is bracketed) reaches the bound in a
// few solves where continuation and bisection take a dozen or more.
LosslessResult closed_form_search(LambdaSearch& search, const InitialFactors& start, double start_loss, double floor,
                                  double first, const LosslessOptions& options) {
  const double base = start.recon_error * start.recon_error;
  const double bound = search.best().recon_bound;
  const double target = bound * bound - base;
  double low = 0, low_growth = 0, high = 0, high_growth = 0;  // feasible / infeasible brackets (0: none)
  double lambda = first;
  constexpr double kMaxStep = 1e3, kMinStep = 1.5;
  while (search.solves() < options.max_solves) {
    const bool feasible = search.try_lambda(lambda);
    const double growth = std::max(search.last_recon_error() * search.last_recon_error() - base, 0.0);
    if (search.resolution_reached()) break;
    if (feasible) {
      const bool stalled = low > 0 && growth <= low_growth * (1.0 + 1e-9);  // the bound is not active
      const double loss_now = search.best().state.task_loss;
      const bool at_floor = std::isfinite(floor) && loss_now - floor <= kNegligibleLoss * (start_loss - floor);
      low = lambda;
      low_growth = growth;
      if (stalled || at_floor || close_enough(search.best(), options)) break;
    } else {
      high = lambda;
      high_growth = growth;
    }
    if (high > 0 && low > 0 && high / low < 1.0 + 1e-6) break;
    if (high == 0) {
      // Not bracketed: g ~ lambda^2 for small lambda (the answer moves linearly in lambda).
      const double step = low_growth > 0 ? std::sqrt(target / low_growth) : kMaxStep;
      lambda = low * std::clamp(step, kMinStep, kMaxStep);
    } else if (low == 0) {
      const double step = high_growth > 0 ? std::sqrt(target / high_growth) : 1.0 / kMaxStep;
      lambda = high * std::clamp(step, 1.0 / kMaxStep, 1.0 / kMinStep);
    } else {
      double t = 0.5;
      if (low_growth > 0 && high_growth > low_growth) {
        t = std::log(target / low_growth) / std::log(high_growth / low_growth);
      }
      lambda = std::exp(std::log(low) + std::clamp(t, 0.05, 0.95) * std::log(high / low));
    }
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
  LambdaSearch search(solver, start, options);
  // No room: W_k is the only feasible answer.
  if (options.eps_rel <= 0 || search.best().recon_bound <= start.recon_error) return search.take();
  // With regularisers or L, R >= 0 the start may miss the bound: the plain fit (lambda = 0) is the
  // best chance to meet it; if even that fails the result says so (feasible = false).
  if (!search.best().feasible && !search.try_lambda(0.0)) return search.take();
  const double first =
      options.lambda_start > 0 ? options.lambda_start : default_lambda(start, start_loss, options.eps_rel);
  if (solver.uses_closed_form(options.penalty) && search.best().feasible) {
    return closed_form_search(search, start, start_loss, solver.problem().objective.lower_bound(), first, options);
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
