#include "jointfact/joint/joint_stage.hpp"

#include <algorithm>
#include <optional>

#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"

namespace jf::joint {
namespace {

void validate(const DistMatrix& w, const JointSettings& settings) {
  const int64_t limit = std::min(w.rows(), w.cols());
  if (settings.rank < 1 || settings.rank > limit) {
    throw InputError("rank " + std::to_string(settings.rank) +
                     " must be between 1 and min(m, n) = " + std::to_string(limit));
  }
  if (settings.lambda < 0) throw InputError("lambda must be >= 0 (got " + std::to_string(settings.lambda) + ")");
  if (settings.eps_rel < 0) throw InputError("eps_rel must be >= 0 (got " + std::to_string(settings.eps_rel) + ")");
  if (settings.smooth_l < 0 || settings.smooth_r < 0) throw InputError("smooth_l and smooth_r must be >= 0");
  if (settings.max_iterations < 1) throw InputError("max_iterations must be >= 1");
  if (settings.tol < 0) throw InputError("tol must be >= 0");
  if (!(settings.trust_radius >= 0)) throw InputError("trust_radius must be >= 0");
  if (!(settings.loss_tol >= 0)) throw InputError("loss_tol must be >= 0");
}

void append_segment(JointOutcome& outcome, LambdaSegment segment) {
  const int64_t index = static_cast<int64_t>(outcome.segments.size());
  for (const HistoryRow& row : segment.history) {
    outcome.history.push_back(row);
    outcome.history_segment.push_back(index);
  }
  segment.history.clear();
  outcome.segments.push_back(std::move(segment));
}

PenaltyOptions penalty_options(const JointSettings& settings) {
  PenaltyOptions options;
  options.lambda = settings.lambda;
  options.max_iterations = settings.max_iterations;
  options.tol = settings.tol;
  options.journal = settings.journal;
  options.progress_prefix = "joint: ";
  return options;
}

LosslessOptions lossless_options(const JointSettings& settings) {
  LosslessOptions options;
  options.eps_rel = settings.eps_rel;
  options.max_recon_error = settings.trust_radius > 0 ? settings.trust_radius : options.max_recon_error;
  options.lambda_start = settings.lambda;
  options.penalty = penalty_options(settings);
  return options;
}

void run_penalty(const AlternatingSolver& solver, const InitialFactors& start, const JointSettings& settings,
                 JointOutcome& outcome) {
  PenaltyOptions options = penalty_options(settings);
  options.progress_every = settings.progress_every;
  Factors factors = settings.nonneg ? nonnegative_start(start.factors) : start.factors;
  PenaltyResult result = solver.solve(std::move(factors), options);
  outcome.factors = std::move(result.factors);
  outcome.lambda = settings.lambda;
  outcome.iterations = result.iterations;
  outcome.converged = result.converged;
  append_segment(outcome,
                 {settings.lambda, settings.rank, std::move(result.history), result.iterations, true, result.stalled});
}

// Returns the answer's state (task loss, reconstruction error), which the search has measured already.
HistoryRow run_lossless(const AlternatingSolver& solver, const InitialFactors& start, const JointSettings& settings,
                        JointOutcome& outcome) {
  InitialFactors search_start = start;
  if (settings.nonneg) search_start.factors = nonnegative_start(start.factors);
  const double start_loss = settings.nonneg
                                ? solver.problem().objective.value(search_start.factors.l, search_start.factors.r)
                                : outcome.loss_svd;
  LosslessResult result = solve_lossless(solver, search_start, start_loss, lossless_options(settings));
  outcome.factors = std::move(result.factors);
  outcome.lambda = result.lambda;
  outcome.recon_bound = result.recon_bound;
  outcome.iterations = result.iterations;
  outcome.feasible = result.feasible;
  for (LambdaSegment& segment : result.segments) append_segment(outcome, std::move(segment));
  return result.state;
}

void run_compact(const AlternatingSolver& solver, const InitialFactors& start, const JointSettings& settings,
                 JointOutcome& outcome) {
  CompactResult result =
      solve_compact(solver, start, outcome.loss_original, lossless_options(settings), settings.loss_tol);
  outcome.rank = result.rank;
  outcome.factors = std::move(result.lossless.factors);
  outcome.lambda = result.lossless.lambda;
  outcome.recon_bound = result.lossless.recon_bound;
  outcome.iterations = result.iterations;
  outcome.feasible = result.lossless.feasible;
  outcome.compact_found = result.found;
  outcome.rank_curve = result.curve;
  // The SVD figures of the chosen k, not of the largest.
  outcome.recon_error_svd = result.svd_start.recon_error;
  outcome.loss_svd = solver.problem().objective.value(result.svd_start.factors.l, result.svd_start.factors.r);
  for (LambdaSegment& segment : result.segments) append_segment(outcome, std::move(segment));
}

}  // namespace

JointMode parse_mode(const std::string& text) {
  if (text == "penalty") return JointMode::Penalty;
  if (text == "lossless") return JointMode::Lossless;
  if (text == "compact") return JointMode::Compact;
  throw InputError("the joint mode must be penalty, lossless or compact, not '" + text + "'");
}

std::string mode_name(JointMode mode) {
  switch (mode) {
    case JointMode::Penalty:
      return "penalty";
    case JointMode::Lossless:
      return "lossless";
    case JointMode::Compact:
      return "compact";
  }
  return "?";
}

namespace {

JointOutcome run_from(const DistMatrix& w, const Objective& objective, const JointSettings& settings,
                      const InitialFactors& start, double w_norm_squared) {
  JointOutcome outcome;
  outcome.mode = mode_name(settings.mode);
  outcome.objective = objective.name();
  outcome.rank = settings.rank;
  outcome.loss_original = objective.value_of_matrix(w);
  outcome.loss_svd = objective.value(start.factors.l, start.factors.r);
  outcome.recon_error_svd = start.recon_error;
  const JointProblem problem{
      w, objective, w_norm_squared, settings.smooth_l, settings.smooth_r, settings.nonneg, settings.progress};
  const AlternatingSolver solver(problem);
  report(problem, "joint: " + outcome.mode + " mode, objective " + outcome.objective);
  JointSettings effective = settings;
  if (objective.loss_is_predicted()) {
    outcome.loss_kind = "predicted";
    effective.trust_radius = settings.trust_radius > 0 ? settings.trust_radius : objective.trust_radius_estimate();
    outcome.trust_radius = effective.trust_radius;
    report(problem,
           "joint: the objective is a Taylor model of the loss: its changes are predicted, not measured; "
           "trust radius " +
               format_number("%.4g", outcome.trust_radius) +
               " (||W - W_k||_F = " + format_number("%.4g", start.recon_error) + ")");
    if (outcome.trust_radius < start.recon_error) {
      report(problem, "joint: no rank-" + std::to_string(settings.rank) +
                          " factorization lies within the trust radius; the model cannot justify leaving the SVD");
    }
  } else {
    effective.trust_radius = 0;
  }
  std::optional<HistoryRow> measured;  // the answer's state where the mode has it already
  switch (settings.mode) {
    case JointMode::Penalty:
      run_penalty(solver, start, effective, outcome);
      break;
    case JointMode::Lossless:
      measured = run_lossless(solver, start, effective, outcome);
      break;
    case JointMode::Compact:
      run_compact(solver, start, effective, outcome);
      break;
  }
  const HistoryRow final_state = measured ? *measured : solver.evaluate(outcome.factors, outcome.lambda);
  outcome.loss_joint = final_state.task_loss;
  outcome.recon_error_joint = final_state.recon_error;
  if (outcome.loss_kind == "predicted") {
    outcome.within_trust_radius = outcome.recon_error_joint <= outcome.trust_radius * (1 + 1e-12) ||
                                  outcome.recon_error_joint <= outcome.recon_error_svd * (1 + 1e-12);
    if (!outcome.within_trust_radius) {
      report(problem, "joint: the answer lies outside the trust radius: its predicted loss change is not reliable");
    }
  }
  return outcome;
}

}  // namespace

JointOutcome run_joint(const DistMatrix& w, const Objective& objective, const JointSettings& settings) {
  validate(w, settings);
  const double w_norm_squared = squared_norm(w);
  if (settings.progress) settings.progress("joint: SVD start, rank " + std::to_string(settings.rank));
  return run_from(w, objective, settings, initial_factors(w, settings.rank, w_norm_squared), w_norm_squared);
}

JointOutcome run_joint(const DistMatrix& w, const Objective& objective, const JointSettings& settings,
                       const svd::TruncatedSvd& svd) {
  validate(w, settings);
  const double w_norm_squared = squared_norm(w);
  return run_from(w, objective, settings, factors_from_svd(w, svd, settings.rank, w_norm_squared), w_norm_squared);
}

void write_joint_outcome(OutputFile& out, const JointOutcome& outcome, const JointSettings& settings) {
  out.write_matrix("/joint/L", outcome.factors.l);
  out.write_matrix("/joint/R", outcome.factors.r);
  std::vector<double> history;
  for (const HistoryRow& row : outcome.history)
    history.insert(history.end(), {row.objective, row.task_loss, row.recon_error});
  out.write_replicated("/joint/history", history, {static_cast<int64_t>(outcome.history.size()), 3});
  out.write_replicated("/joint/history_segment", outcome.history_segment);
  std::vector<double> segments;
  for (const LambdaSegment& s : outcome.segments)
    segments.insert(segments.end(),
                    {static_cast<double>(s.rank), s.lambda, static_cast<double>(s.iterations), s.feasible ? 1.0 : 0.0});
  out.write_replicated("/joint/segments", segments, {static_cast<int64_t>(outcome.segments.size()), 4});
  if (!outcome.rank_curve.empty()) {
    std::vector<double> curve;
    for (const RankCurvePoint& p : outcome.rank_curve)
      curve.insert(curve.end(), {static_cast<double>(p.rank), p.task_loss});
    out.write_replicated("/joint/rank_curve", curve, {static_cast<int64_t>(outcome.rank_curve.size()), 2});
  }
  const std::string group = "/joint";
  out.set_attribute(group, "loss_original", outcome.loss_original);
  out.set_attribute(group, "loss_svd", outcome.loss_svd);
  out.set_attribute(group, "loss_joint", outcome.loss_joint);
  out.set_attribute(group, "recon_error_svd", outcome.recon_error_svd);
  out.set_attribute(group, "recon_error_joint", outcome.recon_error_joint);
  out.set_attribute(group, "lambda", outcome.lambda);
  out.set_attribute(group, "iterations", outcome.iterations);
  out.set_attribute(group, "mode", outcome.mode);
  out.set_attribute(group, "objective", outcome.objective);
  out.set_attribute(group, "rank", outcome.rank);
  out.set_attribute(group, "smooth_l", settings.smooth_l);
  out.set_attribute(group, "smooth_r", settings.smooth_r);
  out.set_attribute(group, "nonneg", settings.nonneg);
  if (outcome.mode == "penalty") {
    out.set_attribute(group, "converged", outcome.converged);
  } else {
    out.set_attribute(group, "eps_rel", settings.eps_rel);
    out.set_attribute(group, "recon_bound", outcome.recon_bound);
    out.set_attribute(group, "feasible", outcome.feasible);
  }
  if (outcome.mode == "compact") {
    out.set_attribute(group, "compact_found", outcome.compact_found);
    out.set_attribute(group, "loss_tol", settings.loss_tol);
  }
  out.set_attribute(group, "loss_kind", outcome.loss_kind);
  if (outcome.evaluations >= 0) {
    out.set_attribute(group, "evaluations", outcome.evaluations);
    out.set_attribute(group, "start", outcome.start_kind);
    out.set_attribute(group, "loss_start", outcome.loss_start);
  }
  if (outcome.loss_kind == "predicted") {
    out.set_attribute(group, "trust_radius", outcome.trust_radius);
    out.set_attribute(group, "within_trust_radius", outcome.within_trust_radius);
  }
}

}  // namespace jf::joint
