#include "jointfact/joint/compact_mode.hpp"

#include <cstdio>

#include "jointfact/core/log.hpp"

namespace jf::joint {

CompactResult solve_compact(const AlternatingSolver& solver, const InitialFactors& start, double original_loss,
                            const LosslessOptions& options) {
  const JointProblem& problem = solver.problem();
  const int64_t max_rank = start.factors.l.cols();
  CompactResult result;
  for (int64_t k = 1; k <= max_rank; ++k) {
    InitialFactors start_k = truncate_start(start, k, problem.w_norm_squared);
    if (problem.nonneg) start_k.factors = nonnegative_start(start_k.factors);
    const double svd_loss = problem.objective.value(start_k.factors.l, start_k.factors.r);
    LosslessResult lossless = solve_lossless(solver, start_k, svd_loss, options);
    const double best_loss = lossless.state.task_loss;
    result.curve.push_back({k, best_loss});
    result.iterations += lossless.iterations;
    result.segments.insert(result.segments.end(), lossless.segments.begin(), lossless.segments.end());
    char line[160];
    std::snprintf(line, sizeof line, "compact: k = %lld, f*(k) = %.6e %s f(W) = %.6e", static_cast<long long>(k),
                  best_loss, best_loss <= original_loss ? "<=" : ">", original_loss);
    report(problem, line);
    const bool qualifies = best_loss <= original_loss;
    if (qualifies || k == max_rank) {
      result.rank = k;
      result.found = qualifies;
      result.lossless = std::move(lossless);
      result.svd_start = std::move(start_k);
      result.svd_loss = svd_loss;
      break;
    }
  }
  return result;
}

}  // namespace jf::joint
