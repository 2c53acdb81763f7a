#include "jointfact/joint/alternating_solver.hpp"

#include <cmath>
#include <cstdio>

#include "jointfact/core/log.hpp"
#include "jointfact/dist/pblas.hpp"
#include "jointfact/joint/thin_algebra.hpp"

namespace jf::joint {
namespace {

std::string describe(const HistoryRow& row) {
  char text[160];
  std::snprintf(text, sizeof text, "F = %.10e, task loss = %.6e, recon error = %.6e", row.objective, row.task_loss,
                row.recon_error);
  return text;
}

}  // namespace

double recon_error_squared(double w_norm_squared, const DistMatrix& w_t_l, const Factors& factors) {
  const double cross = inner(w_t_l, factors.r);
  const double model = gram(factors.l).cwiseProduct(gram(factors.r)).sum();
  return std::max(0.0, w_norm_squared - 2.0 * cross + model);
}

AlternatingSolver::AlternatingSolver(const JointProblem& problem)
    : problem_(problem), layouts_(problem.w.grid().comm()) {}

HistoryRow AlternatingSolver::assemble(const Factors& factors, double lambda, double recon_squared) const {
  HistoryRow row;
  row.recon_error = std::sqrt(recon_squared);
  row.task_loss = problem_.objective.value(factors.l, factors.r);
  row.objective = recon_squared + lambda * row.task_loss;
  if (problem_.smooth_l > 0) row.objective += problem_.smooth_l * smoothness_energy(factors.l, layouts_);
  if (problem_.smooth_r > 0) row.objective += problem_.smooth_r * smoothness_energy(factors.r, layouts_);
  return row;
}

HistoryRow AlternatingSolver::evaluate(const Factors& factors, double lambda) const {
  DistMatrix w_t_l = factors.r.like();
  gemm(Op::Trans, Op::None, 1.0, problem_.w, factors.l, 0.0, w_t_l);
  return assemble(factors, lambda, recon_error_squared(problem_.w_norm_squared, w_t_l, factors));
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

PenaltyResult AlternatingSolver::solve(Factors start, const PenaltyOptions& options) const {
  PenaltyResult result;
  result.factors = std::move(start);
  result.history.push_back(evaluate(result.factors, options.lambda));
  BlockRegularization left{problem_.smooth_l, problem_.nonneg, options.majorize_steps};
  BlockRegularization right{problem_.smooth_r, problem_.nonneg, options.majorize_steps};
  MPI_Comm comm = problem_.w.grid().comm();
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    Factors previous = result.factors;
    left_step(result.factors, options.lambda, left);
    const DistMatrix w_t_l = right_step(result.factors, options.lambda, right);
    const HistoryRow state =
        assemble(result.factors, options.lambda, recon_error_squared(problem_.w_norm_squared, w_t_l, result.factors));
    const double before = result.history.back().objective;
    if (state.objective - before > options.stall_tolerance * std::abs(before)) {
      result.factors = std::move(previous);
      result.stalled = true;
      log_progress(comm, options.progress_prefix + "iteration " + std::to_string(iteration) +
                             ": F rose by rounding-level noise; keeping the previous iterate and stopping");
      break;
    }
    result.history.push_back(state);
    result.iterations = iteration;
    const double change = std::max(relative_change(result.factors.l, previous.l),
                                   relative_change(result.factors.r, previous.r));
    result.converged = change <= options.tol;
    if (options.progress_every > 0 && (iteration % options.progress_every == 0 || result.converged)) {
      log_progress(comm, options.progress_prefix + "iteration " + std::to_string(iteration) + ": " +
                             describe(result.history.back()));
    }
    if (result.converged) break;
  }
  return result;
}

}  // namespace jf::joint
