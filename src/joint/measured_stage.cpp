#include "joint/measured_stage.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "joint/measured_solver.hpp"
#include "joint/regression_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/core/log.hpp"
#include "jointfact/distributed/pblas.hpp"

namespace jf::joint {
namespace {

// The regression objective on the layer's own outputs, f(X) = (1/s) ||Xs X^T - Xs W^T||^2: its lossless
// optimum (a few closed-form SVDs) is the whitened start.
class WhitenedStart {
 public:
  WhitenedStart(const DistMatrix& w, const DistMatrix& samples, double w_norm_squared)
      : objective_(samples, responses_of(w, samples), w.rows(), w.cols()),
        problem_{w, objective_, w_norm_squared, 0, 0, false, {}},
        solver_(problem_) {}

  Factors at(const InitialFactors& svd_start, double eps_rel) const {
    LosslessOptions options;
    options.eps_rel = eps_rel;
    const double start_loss = objective_.value(svd_start.factors.l, svd_start.factors.r);
    return solve_lossless(solver_, svd_start, start_loss, options).factors;
  }

 private:
  static DistMatrix responses_of(const DistMatrix& w, const DistMatrix& samples) {
    DistMatrix responses(samples.grid_ptr(), samples.rows(), w.rows(), samples.row_block(), w.row_block());
    gemm(Op::None, Op::Trans, 1.0, samples, w, 0.0, responses);
    return responses;
  }

  RegressionObjective objective_;
  JointProblem problem_;
  AlternatingSolver solver_;
};

struct RankAnswer {
  int64_t rank = 0;
  InitialFactors svd_start;
  double loss_svd = 0, loss_start = 0;
  std::string start_kind = "svd";
  MeasuredResult solved;
};

class MeasuredStage {
 public:
  MeasuredStage(const DistMatrix& w, const TaskLoss& loss, const JointSettings& settings, const DistMatrix* samples)
      : w_(w),
        loss_(loss),
        settings_(settings),
        w_norm_squared_(squared_norm(w)),
        problem_{w, w_norm_squared_, settings.progress} {
    if (samples) whitened_ = std::make_unique<WhitenedStart>(w, *samples, w_norm_squared_);
  }

  double w_norm_squared() const { return w_norm_squared_; }
  void say(const std::string& line) const {
    if (problem_.progress) problem_.progress(line);
  }

  RankAnswer solve_rank(const InitialFactors& svd_start) const {
    RankAnswer answer;
    answer.rank = svd_start.factors.l.cols();
    answer.svd_start = svd_start;
    const std::string prefix = "joint: k = " + std::to_string(answer.rank) + ", ";
    answer.loss_svd = loss_.at(svd_start.factors, false).loss;
    Factors start = svd_start.factors;
    answer.loss_start = answer.loss_svd;
    if (whitened_) {
      Factors candidate = whitened_->at(svd_start, settings_.mode == JointMode::Penalty ? 1e300 : settings_.eps_rel);
      const double candidate_loss = loss_.at(candidate, false).loss;
      say(prefix + "start: measured loss " + format_number("%.8g", answer.loss_svd) + " at the SVD, " +
          format_number("%.8g", candidate_loss) + " at the whitened SVD");
      if (candidate_loss < answer.loss_svd) {
        start = std::move(candidate);
        answer.loss_start = candidate_loss;
        answer.start_kind = "whitened";
      }
    }
    MeasuredOptions options;
    options.max_evaluations = settings_.max_evaluations;
    options.progress_prefix = prefix;
    if (settings_.mode == JointMode::Penalty) {
      options.alpha = 1;
      options.beta = settings_.lambda;
    } else {
      options.recon_bound = (1.0 + settings_.eps_rel) * svd_start.recon_error;
    }
    answer.solved = solve_measured(problem_, loss_, start, options);
    return answer;
  }

 private:
  const DistMatrix& w_;
  const TaskLoss& loss_;
  const JointSettings& settings_;
  double w_norm_squared_;
  MeasuredProblem problem_;
  std::unique_ptr<WhitenedStart> whitened_;
};

void record(JointOutcome& outcome, RankAnswer answer, double lambda) {
  const int64_t segment = static_cast<int64_t>(outcome.segments.size());
  for (const HistoryRow& row : answer.solved.history) {
    outcome.history.push_back(row);
    outcome.history_segment.push_back(segment);
  }
  outcome.segments.push_back({lambda, answer.rank, {}, answer.solved.evaluations, true, false});
  outcome.iterations += answer.solved.accepted;
}

void adopt(JointOutcome& outcome, RankAnswer& answer) {
  outcome.rank = answer.rank;
  outcome.factors = std::move(answer.solved.factors);
  outcome.loss_svd = answer.loss_svd;
  outcome.loss_start = answer.loss_start;
  outcome.start_kind = answer.start_kind;
  outcome.loss_joint = answer.solved.loss;
  outcome.recon_error_svd = answer.svd_start.recon_error;
  outcome.recon_error_joint = answer.solved.recon_error;
}

}  // namespace

JointOutcome run_joint_measured(const DistMatrix& w, const TaskLoss& loss, const JointSettings& settings,
                                const DistMatrix* samples) {
  const int64_t limit = std::min(w.rows(), w.cols());
  if (settings.rank < 1 || settings.rank > limit) {
    throw InputError("the rank " + std::to_string(settings.rank) +
                     " must be between 1 and min(m, n) = " + std::to_string(limit));
  }
  if (settings.smooth_l != 0 || settings.smooth_r != 0 || settings.nonneg) {
    throw InputError("smoothness and non-negativity are not available with the " + loss.name() + " objective");
  }
  if (settings.max_evaluations < 2) throw InputError("the evaluation limit must be >= 2");
  MeasuredStage stage(w, loss, settings, samples);
  JointOutcome outcome;
  outcome.mode = mode_name(settings.mode);
  outcome.objective = loss.name();
  outcome.loss_kind = "measured";
  outcome.lambda = settings.mode == JointMode::Penalty ? settings.lambda : 0;
  stage.say("joint: " + outcome.mode + " mode, objective " + outcome.objective +
            " (measured at every step, trust-region steps)");
  outcome.loss_original = loss.at_original();
  stage.say("joint: measured loss at W: " + format_number("%.8g", outcome.loss_original));
  const InitialFactors full_start = initial_factors(w, settings.rank, stage.w_norm_squared());
  if (settings.mode != JointMode::Compact) {
    RankAnswer answer = stage.solve_rank(full_start);
    outcome.recon_bound = settings.mode == JointMode::Lossless ? (1.0 + settings.eps_rel) * full_start.recon_error : 0;
    record(outcome, answer, outcome.lambda);
    adopt(outcome, answer);
  } else {
    const double threshold = outcome.loss_original + settings.loss_tol;
    auto trial = [&](int64_t k) {
      RankAnswer answer = stage.solve_rank(truncate_start(full_start, k, stage.w_norm_squared()));
      record(outcome, answer, 0);
      outcome.rank_curve.push_back({k, answer.solved.loss});
      char line[200];
      std::snprintf(line, sizeof line, "compact: k = %lld, measured f*(k) = %.8e %s f(W) + tol = %.8e",
                    static_cast<long long>(k), answer.solved.loss, answer.solved.loss <= threshold ? "<=" : ">",
                    threshold);
      stage.say(line);
      return answer;
    };
    RankAnswer chosen = trial(settings.rank);
    outcome.compact_found = chosen.solved.loss <= threshold;
    int64_t failing = 0;
    while (outcome.compact_found && chosen.rank - failing > 1) {
      RankAnswer middle = trial(failing + (chosen.rank - failing) / 2);
      if (middle.solved.loss <= threshold) {
        chosen = std::move(middle);
      } else {
        failing = middle.rank;
      }
    }
    if (!outcome.compact_found) {
      stage.say("compact: no k <= " + std::to_string(settings.rank) +
                " reaches f(W) + tol; reporting k = " + std::to_string(settings.rank));
    }
    std::sort(outcome.rank_curve.begin(), outcome.rank_curve.end(),
              [](const RankCurvePoint& a, const RankCurvePoint& b) { return a.rank < b.rank; });
    outcome.recon_bound = (1.0 + settings.eps_rel) * chosen.svd_start.recon_error;
    adopt(outcome, chosen);
  }
  outcome.feasible =
      settings.mode == JointMode::Penalty || outcome.recon_error_joint <= outcome.recon_bound * (1 + 1e-12);
  outcome.converged = true;
  outcome.evaluations = loss.evaluations();
  stage.say("joint: " + std::to_string(outcome.evaluations) + " loss evaluations" +
            (loss.reused() > 0 ? ", " + std::to_string(loss.reused()) +
                                     " results read back from earlier evaluation files (not run again)"
                               : ""));
  return outcome;
}

}  // namespace jf::joint
