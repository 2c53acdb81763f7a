#include "jointfact/joint/compact_mode.hpp"

#include <algorithm>
#include <cstdio>

namespace jf::joint {
namespace {

struct RankTrial {
  int64_t rank = 0;
  bool qualifies = false;
  LosslessResult lossless;
  InitialFactors start;
  double svd_loss = 0;
};

}  // namespace

CompactResult solve_compact(const AlternatingSolver& solver, const InitialFactors& start, double original_loss,
                            const LosslessOptions& options, double loss_tol) {
  const JointProblem& problem = solver.problem();
  const int64_t max_rank = start.factors.l.cols();
  const double threshold = original_loss + loss_tol;
  CompactResult result;
  auto trial = [&](int64_t k) {
    RankTrial t;
    t.rank = k;
    t.start = truncate_start(start, k, problem.w_norm_squared);
    if (problem.nonneg) t.start.factors = nonnegative_start(t.start.factors);
    t.svd_loss = problem.objective.value(t.start.factors.l, t.start.factors.r);
    t.lossless = solve_lossless(solver, t.start, t.svd_loss, options);
    const double best_loss = t.lossless.state.task_loss;
    t.qualifies = best_loss <= threshold;
    result.curve.push_back({k, best_loss});
    result.iterations += t.lossless.iterations;
    result.segments.insert(result.segments.end(), t.lossless.segments.begin(), t.lossless.segments.end());
    char line[200];
    std::snprintf(line, sizeof line, "compact: k = %lld, f*(k) = %.6e %s f(W) + tol = %.6e%s",
                  static_cast<long long>(k), best_loss, t.qualifies ? "<=" : ">", threshold,
                  problem.objective.loss_is_predicted() ? " (predicted)" : "");
    report(problem, line);
    return t;
  };
  // The largest k first: when even it does not qualify no smaller k is tried. Then bisection on k,
  // assuming f*(k) <= threshold holds for every k above the smallest that qualifies (f* falls with k
  // wherever the error bound is active); each k is one lossless search.
  RankTrial chosen = trial(max_rank);
  int64_t failing = 0;  // the largest k known not to qualify (0: none)
  if (chosen.qualifies) {
    while (chosen.rank - failing > 1) {
      RankTrial middle = trial(failing + (chosen.rank - failing) / 2);
      if (middle.qualifies) {
        chosen = std::move(middle);
      } else {
        failing = middle.rank;
      }
    }
  } else {
    report(problem, "compact: no k <= " + std::to_string(max_rank) +
                        " reaches f(W) + tol; reporting k = " + std::to_string(max_rank));
  }
  std::sort(result.curve.begin(), result.curve.end(),
            [](const RankCurvePoint& a, const RankCurvePoint& b) { return a.rank < b.rank; });
  result.rank = chosen.rank;
  result.found = chosen.qualifies;
  result.lossless = std::move(chosen.lossless);
  result.svd_start = std::move(chosen.start);
  result.svd_loss = chosen.svd_loss;
  return result;
}

}  // namespace jf::joint
