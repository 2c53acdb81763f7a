#pragma once
// The joint stage as a whole: start from the SVD, run the chosen mode, and describe the result the way
// the output's /joint group does. Used by `jointfact joint` and by the pipeline.
#include <string>
#include <vector>

#include "jointfact/io/output_file.hpp"
#include "jointfact/joint/compact_mode.hpp"
#include "jointfact/joint/lossless_mode.hpp"

namespace jf::joint {

enum class JointMode { Penalty, Lossless, Compact };

// "penalty" | "lossless" | "compact"; InputError otherwise.
JointMode parse_mode(const std::string& text);
std::string mode_name(JointMode mode);

struct JointSettings {
  int64_t rank = 0;  // k (compact mode: the largest k tried)
  JointMode mode = JointMode::Penalty;
  double lambda = 1.0;  // penalty weight; in lossless / compact the first lambda tried (0: automatic)
  double eps_rel = 0.01;
  double smooth_l = 0, smooth_r = 0;
  bool nonneg = false;
  int max_iterations = 500;  // per penalty solve
  double tol = 1e-9;         // relative change of the factors per iteration
  int progress_every = 10;
  // Resumes an interrupted stage and takes its periodic checkpoints (solve_journal.hpp); may be null.
  SolveJournal* journal = nullptr;
  ProgressFn progress;  // progress lines (may be empty); called on every rank
  // For a predicted loss (Objective::loss_is_predicted): keep ||W - L R^T||_F within this radius of W
  // (lossless / compact: the bound becomes min(eps, max(radius, ||W - W_k||_F))). 0: the objective's
  // estimate; infinity: no limit.
  double trust_radius = 0;
  // Compact mode: a k qualifies when its task loss is at most f(W) + loss_tol (absolute, >= 0).
  double loss_tol = 0;
  // Measured task losses (measured_stage.hpp): loss evaluations allowed per trust-region solve.
  int max_evaluations = 40;
};

struct JointOutcome {
  Factors factors;
  std::string mode, objective;
  int64_t rank = 0;
  double loss_original = 0, loss_svd = 0, loss_joint = 0;
  double recon_error_svd = 0, recon_error_joint = 0;
  double lambda = 0;
  double recon_bound = 0;  // lossless / compact: eps
  int64_t iterations = 0;
  bool converged = false;  // penalty: the last solve met tol
  bool feasible = true;    // lossless / compact: the answer meets eps
  bool compact_found = false;
  std::vector<HistoryRow> history;       // every solve's rows, in order
  std::vector<int64_t> history_segment;  // for each history row, its solve (row of `segments`)
  std::vector<LambdaSegment> segments;   // one per penalty solve (history kept in `history`)
  std::vector<RankCurvePoint> rank_curve;
  // "measured" (f is the task loss itself) or "predicted" (f is a model: its changes are predictions).
  std::string loss_kind = "measured";
  double trust_radius = 0;          // predicted: the radius used (infinity: none known)
  bool within_trust_radius = true;  // predicted: ||W - L R^T||_F <= trust_radius
  // Measured task losses: evaluations of the loss (-1: not such a loss), the start chosen ("svd" or
  // "whitened") and its measured loss.
  int64_t evaluations = -1;
  std::string start_kind;
  double loss_start = 0;
};

// Throws InputError when the rank is out of range or a setting is negative.
JointOutcome run_joint(const DistMatrix& w, const Objective& objective, const JointSettings& settings);

// The same, starting from the svd stage's result (rank >= settings.rank) instead of computing an SVD.
JointOutcome run_joint(const DistMatrix& w, const Objective& objective, const JointSettings& settings,
                       const svd::TruncatedSvd& svd);

// /joint/L, /joint/R, /joint/history (rows x 3: F, task loss, recon error), /joint/history_segment,
// /joint/segments (solves x 4: k, lambda, iterations, feasible), /joint/rank_curve (compact), and the
// attributes of /joint.
void write_joint_outcome(OutputFile& out, const JointOutcome& outcome, const JointSettings& settings);

}  // namespace jf::joint
