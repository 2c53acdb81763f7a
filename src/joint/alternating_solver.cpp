#include "jointfact/joint/alternating_solver.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>

#include "distributed/thin_product.hpp"
#include "joint/solve_journal.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/core/progress.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

std::string describe(const HistoryRow& row) {
  char text[160];
  std::snprintf(text, sizeof text, "F = %.10e, task loss = %.6e, recon error = %.6e", row.objective, row.task_loss,
                row.recon_error);
  return text;
}

// Timed progress lines with an estimate of the time left in this solve. The factors' change per
// iteration falls roughly geometrically, so the iterations still needed to reach tol follow from the
// rate over the last few iterations; max_iterations bounds the estimate (and is all there is to go by
// once the change stagnates at rounding level).
class SolveProgress {
 public:
  SolveProgress(const JointProblem& problem, const PenaltyOptions& options, int first_iteration)
      : problem_(problem), options_(options), first_iteration_(first_iteration) {}

  void after_iteration(int iteration, double change, const HistoryRow& state) {
    recent_changes_.push_back(change);
    if (recent_changes_.size() > kRateWindow) recent_changes_.pop_front();
    const auto now = std::chrono::steady_clock::now();
    if (options_.progress_interval_s <= 0 ||
        std::chrono::duration<double>(now - last_print_).count() < options_.progress_interval_s) {
      return;
    }
    last_print_ = now;
    const double per_iteration = std::chrono::duration<double>(now - start_).count() / (iteration - first_iteration_);
    const double at_most = options_.max_iterations - iteration;
    double expected = at_most;
    const double oldest = recent_changes_.front();
    if (recent_changes_.size() > 1 && oldest > 0 && change > options_.tol) {
      const double rate = std::pow(change / oldest, 1.0 / static_cast<double>(recent_changes_.size() - 1));
      if (rate < 0.999) expected = std::min(at_most, std::ceil(std::log(options_.tol / change) / std::log(rate)));
    }
    char line[320];
    std::snprintf(line, sizeof line, "%slambda = %.4g, iteration %d: %s, change %.2e, ETA %s (this solve; at most %s)",
                  options_.progress_prefix.c_str(), options_.lambda, iteration, describe(state).c_str(), change,
                  format_duration(expected * per_iteration).c_str(), format_duration(at_most * per_iteration).c_str());
    report(problem_, line);
  }

 private:
  static constexpr size_t kRateWindow = 10;
  const JointProblem& problem_;
  const PenaltyOptions& options_;
  int first_iteration_;
  std::deque<double> recent_changes_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_print_ = start_;
};

}  // namespace

void report(const JointProblem& problem, const std::string& line) {
  if (problem.progress) problem.progress(line);
}

double recon_error_squared(double w_norm_squared, const DistMatrix& w_t_l, const Factors& factors) {
  const double cross = inner(w_t_l, factors.r);
  const double model = gram(factors.l).cwiseProduct(gram(factors.r)).sum();
  return std::max(0.0, w_norm_squared - 2.0 * cross + model);
}

AlternatingSolver::AlternatingSolver(const JointProblem& problem)
    : problem_(problem), layouts_(problem.w.grid().comm()) {}

HistoryRow AlternatingSolver::assemble(const Factors& factors, double lambda, double recon_squared) const {
  return assemble(factors, lambda, recon_squared, problem_.objective.value(factors.l, factors.r));
}

HistoryRow AlternatingSolver::assemble(const Factors& factors, double lambda, double recon_squared,
                                       double task_loss) const {
  HistoryRow row;
  row.recon_error = std::sqrt(recon_squared);
  row.task_loss = task_loss;
  row.objective = recon_squared + lambda * row.task_loss;
  if (problem_.smooth_l > 0) row.objective += problem_.smooth_l * smoothness_energy(factors.l, layouts_);
  if (problem_.smooth_r > 0) row.objective += problem_.smooth_r * smoothness_energy(factors.r, layouts_);
  return row;
}

HistoryRow AlternatingSolver::evaluate(const Factors& factors, double lambda) const {
  DistMatrix w_t_l = factors.r.like();
  multiply_thin_transposed(problem_.w, factors.l, w_t_l);  // one local dgemm per rank, not pdgemm's panels
  return assemble(factors, lambda, recon_error_squared(problem_.w_norm_squared, w_t_l, factors));
}

HistoryRow AlternatingSolver::evaluate(const Factors& factors, double lambda, double task_loss) const {
  DistMatrix w_t_l = factors.r.like();
  multiply_thin_transposed(problem_.w, factors.l, w_t_l);
  return assemble(factors, lambda, recon_error_squared(problem_.w_norm_squared, w_t_l, factors), task_loss);
}

void AlternatingSolver::left_step(Factors& factors, double lambda, const BlockRegularization& regularization) const {
  DistMatrix w_r = factors.l.like();
  gemm(Op::None, Op::None, 1.0, problem_.w, factors.r, 0.0, w_r);
  const Eigen::MatrixXd r_gram = gram(factors.r);
  const BlockContext context{problem_.w, factors.l, factors.r, w_r, r_gram, lambda};
  const BlockProblem block = problem_.objective.left_block(context);
  solve_block(block, regularization, layouts_, factors.l);
}

DistMatrix AlternatingSolver::right_step(Factors& factors, double lambda,
                                         const BlockRegularization& regularization) const {
  DistMatrix w_t_l = factors.r.like();
  gemm(Op::Trans, Op::None, 1.0, problem_.w, factors.l, 0.0, w_t_l);
  const Eigen::MatrixXd l_gram = gram(factors.l);
  const BlockContext context{problem_.w, factors.l, factors.r, w_t_l, l_gram, lambda};
  const BlockProblem block = problem_.objective.right_block(context);
  solve_block(block, regularization, layouts_, factors.r);
  return w_t_l;
}

bool AlternatingSolver::uses_closed_form(const PenaltyOptions& options) const {
  return options.closed_form && problem_.smooth_l == 0 && problem_.smooth_r == 0 && !problem_.nonneg &&
         problem_.objective.has_penalty_minimizer();
}

std::optional<PenaltyResult> AlternatingSolver::solve_closed_form(const Factors& start,
                                                                  const PenaltyOptions& options) const {
  if (!uses_closed_form(options)) return std::nullopt;
  // One safe point per closed-form solve, before its SVD: a run resumed there recomputes the solve from
  // the snapshot's start (the solve has no iterate of its own).
  const int64_t rank = start.l.cols();
  std::optional<RunningSolve> running =
      options.journal ? options.journal->take_running(options.lambda, rank) : std::nullopt;
  const Factors& base = running ? running->start : start;
  PenaltyResult result;
  if (running && !running->history.empty()) {
    result.history = running->history;  // the interrupted solve's own start row, bit for bit
  } else if (!running && options.start_recon_error >= 0 && problem_.smooth_l == 0 && problem_.smooth_r == 0) {
    const double recon_squared = options.start_recon_error * options.start_recon_error;
    result.history.push_back(
        {recon_squared + options.lambda * options.start_task_loss, options.start_task_loss, options.start_recon_error});
  } else {
    result.history.push_back(evaluate(base, options.lambda));
  }
  if (options.journal && !running)
    options.journal->at_safe_point({options.lambda, rank, base, base, result.history, 0});
  std::optional<Factors> minimizer = problem_.objective.penalty_minimizer(problem_.w, options.lambda, start.l.cols());
  if (!minimizer) return std::nullopt;
  result.closed_form = true;
  result.converged = true;
  const HistoryRow state = evaluate(*minimizer, options.lambda);
  const double before = result.history.back().objective;
  // Rounding-level differences count as equal (the lambda = 0 solve of a search returns its start): the
  // minimiser is kept, so the decision does not depend on the grid.
  if (state.objective > before + 1e-12 * std::abs(before)) {
    // Only a randomized SVD (or rounding) can land above the start; the start is then the better answer.
    result.factors = base;
    report(problem_, options.progress_prefix + "lambda = " + format_number("%.4g", options.lambda) +
                         ": the closed form is no better than the start (F " + format_number("%.10e", state.objective) +
                         " > " + format_number("%.10e", before) + "); keeping the start");
    return result;
  }
  result.factors = std::move(*minimizer);
  result.history.push_back(state);
  result.iterations = 1;
  return result;
}

PenaltyResult AlternatingSolver::solve(Factors start, const PenaltyOptions& options) const {
  SolveJournal* journal = options.journal;
  const int64_t rank = start.l.cols();
  if (journal) {
    if (std::optional<PenaltyResult> replayed = journal->replay(options.lambda, start)) return std::move(*replayed);
  }
  if (std::optional<PenaltyResult> closed = solve_closed_form(start, options)) {
    if (journal) journal->record_finished(options.lambda, rank, *closed);
    return std::move(*closed);
  }
  PenaltyResult result;
  std::optional<RunningSolve> running = journal ? journal->take_running(options.lambda, rank) : std::nullopt;
  if (running) {
    // Continue the interrupted solve from its last iterate, with its history.
    start = std::move(running->start);
    result.factors = std::move(running->iterate);
    result.history = std::move(running->history);
    result.iterations = running->iterations;
  } else {
    result.factors = start;
    result.history.push_back(evaluate(result.factors, options.lambda));
  }
  BlockRegularization left{problem_.smooth_l, problem_.nonneg, options.majorize_steps};
  BlockRegularization right{problem_.smooth_r, problem_.nonneg, options.majorize_steps};
  SolveProgress progress(problem_, options, result.iterations);
  for (int iteration = result.iterations + 1; iteration <= options.max_iterations; ++iteration) {
    Factors previous = result.factors;
    left_step(result.factors, options.lambda, left);
    const DistMatrix w_t_l = right_step(result.factors, options.lambda, right);
    const HistoryRow state =
        assemble(result.factors, options.lambda, recon_error_squared(problem_.w_norm_squared, w_t_l, result.factors));
    const double before = result.history.back().objective;
    if (state.objective - before > options.stall_tolerance * std::abs(before)) {
      result.factors = std::move(previous);
      result.stalled = true;
      report(problem_, options.progress_prefix + "iteration " + std::to_string(iteration) +
                           ": F rose by rounding-level noise; keeping the previous iterate and stopping");
      break;
    }
    result.history.push_back(state);
    result.iterations = iteration;
    const double change =
        std::max(relative_change(result.factors.l, previous.l), relative_change(result.factors.r, previous.r));
    result.converged = change <= options.tol;
    if (options.progress_every > 0 && (iteration % options.progress_every == 0 || result.converged)) {
      report(problem_, options.progress_prefix + "iteration " + std::to_string(iteration) + ": " +
                           describe(result.history.back()));
    }
    progress.after_iteration(iteration, change, result.history.back());
    if (result.converged) break;
    if (journal && iteration < options.max_iterations) {
      journal->at_safe_point({options.lambda, rank, start, result.factors, result.history, iteration});
    }
  }
  if (journal) journal->record_finished(options.lambda, rank, result);
  return result;
}

}  // namespace jf::joint
