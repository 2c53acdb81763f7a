#pragma once
// Penalty mode: alternating block minimisation of
//   F(L, R) = ||W - L R^T||_F^2 + lambda f(L R^T) + mu_L ||D2 L||^2 + mu_R ||D2 R||^2   [L, R >= 0]
// for a fixed lambda. Each iteration is an L-step then an R-step (block_solver.hpp); neither increases F.
// Per iteration the m x n data is touched by exactly two thin products, W R and W^T L; the
// reconstruction error comes from them for free:
//   ||W - L R^T||^2 = ||W||^2 - 2 <W^T L, R> + tr((L^T L)(R^T R)).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jointfact/core/progress.hpp"
#include "jointfact/joint/block_solver.hpp"
#include "jointfact/joint/factor_layouts.hpp"
#include "jointfact/joint/initial_factors.hpp"
#include "jointfact/joint/objective.hpp"

namespace jf::joint {

class SolveJournal;  // solve_journal.hpp

// Progress lines: the one callback type of every stage (core/progress.hpp).
using jf::ProgressFn;

// What stays fixed while lambda (and, in compact mode, k) change.
struct JointProblem {
  const DistMatrix& w;
  const Objective& objective;
  double w_norm_squared;
  double smooth_l = 0;
  double smooth_r = 0;
  bool nonneg = false;
  ProgressFn progress;  // may be empty: the library itself never prints
};

// Sends `line` to problem.progress when there is one.
void report(const JointProblem& problem, const std::string& line);

struct PenaltyOptions {
  double lambda = 1.0;
  int max_iterations = 500;
  // Stop when both factors change by at most tol (relative Frobenius) in one iteration.
  double tol = 1e-9;
  int majorize_steps = 5;
  int progress_every = 0;  // log every N iterations (0: never)
  // An increase of F larger than this (relative) counts as a stall; smaller ones are rounding.
  double stall_tolerance = 1e-11;
  std::string progress_prefix;
  // A progress line (iteration, F, task loss, recon error, ETA of this solve) at most this often, from
  // rank 0, besides the progress_every lines. 0: never.
  double progress_interval_s = 5.0;
  // Replays or continues an interrupted stage and is told about every safe point (may be null).
  SolveJournal* journal = nullptr;
  // Use the objective's closed-form penalty minimiser when it has one and no regulariser is set
  // (Objective::penalty_minimizer); false forces the alternating iteration.
  bool closed_form = true;
  // The start's task loss and recon error when the caller has them (a lossless search's best factors):
  // a closed-form solve then skips evaluating its start. Ignored by the alternating iteration.
  double start_task_loss = 0, start_recon_error = -1;  // recon error < 0: unknown
};

struct HistoryRow {
  double objective = 0;    // F
  double task_loss = 0;    // f(L R^T)
  double recon_error = 0;  // ||W - L R^T||_F
};

struct PenaltyResult {
  Factors factors;
  std::vector<HistoryRow> history;  // row 0: the start; then one row per iteration
  int iterations = 0;
  bool converged = false;
  // F rose by more than rounding in an iteration (the block problems are too ill-conditioned to solve
  // to the accuracy the iteration needs, e.g. lambda ~ 1e8 or more). That iteration is discarded and
  // the solve stops, so the returned factors are the best ones seen.
  bool stalled = false;
  bool closed_form = false;  // solved by the objective's closed form (history: the start, the minimiser)
  const HistoryRow& final_state() const { return history.back(); }
};

class AlternatingSolver {
 public:
  explicit AlternatingSolver(const JointProblem& problem);

  // Collective. With a closed form (PenaltyOptions::closed_form) one SVD replaces the iteration; the
  // result is the start again if rounding (or a randomized SVD) made the minimiser's F larger.
  PenaltyResult solve(Factors start, const PenaltyOptions& options) const;

  // Whether solve() takes the objective's closed form under these options (no regulariser set).
  bool uses_closed_form(const PenaltyOptions& options) const;

  // F, f and the reconstruction error at (L, R) (one extra product with W).
  HistoryRow evaluate(const Factors& factors, double lambda) const;
  // The same when f(L R^T) = task_loss is already known: the product with W only.
  HistoryRow evaluate(const Factors& factors, double lambda, double task_loss) const;

  const JointProblem& problem() const { return problem_; }

 private:
  std::optional<PenaltyResult> solve_closed_form(const Factors& start, const PenaltyOptions& options) const;
  void left_step(Factors& factors, double lambda, const BlockRegularization& regularization) const;
  // Returns W^T L (for the reconstruction error).
  DistMatrix right_step(Factors& factors, double lambda, const BlockRegularization& regularization) const;
  HistoryRow assemble(const Factors& factors, double lambda, double recon_squared) const;
  HistoryRow assemble(const Factors& factors, double lambda, double recon_squared, double task_loss) const;

  JointProblem problem_;
  FactorLayouts layouts_;
};

// ||W - L R^T||_F^2 from <W^T L, R>, without an m x n temporary.
double recon_error_squared(double w_norm_squared, const DistMatrix& w_t_l, const Factors& factors);

}  // namespace jf::joint
