#pragma once
// Stopping and resuming the joint stage in the middle of its work.
//
// The stage is a deterministic sequence of penalty solves: one in penalty mode, a lambda search in
// lossless mode, one search per k in compact mode. A snapshot therefore needs only
//   (a) the outcome of every finished solve (history, iterations, flags): a resumed run replays these
//       instead of recomputing them, so the searches take the same decisions as the interrupted run;
//   (b) the running solve's start, current iterate and history: the resumed run continues it from the
//       iterate, exactly as the interrupted run would have.
// Only thin factors (m x k, n x k) are stored, never anything of W's size.
#include <functional>
#include <optional>
#include <vector>

#include "jointfact/joint/alternating_solver.hpp"

namespace jf::joint {

struct FinishedSolve {
  double lambda = 0;
  int64_t rank = 0;
  std::vector<HistoryRow> history;
  int iterations = 0;
  bool converged = false;
  bool stalled = false;
};

struct RunningSolve {
  double lambda = 0;
  int64_t rank = 0;
  Factors start;    // where the solve began: in the searches, the best feasible factors so far
  Factors iterate;  // after `iterations` iterations
  std::vector<HistoryRow> history;
  int iterations = 0;
};

// What a checkpoint of an unfinished joint stage holds.
struct JointSnapshot {
  std::vector<FinishedSolve> finished;
  RunningSolve running;
};

// The running solve at a safe point, by reference (nothing is copied unless a snapshot is written).
struct RunningSolveView {
  double lambda;
  int64_t rank;
  const Factors& start;
  const Factors& iterate;
  const std::vector<HistoryRow>& history;
  int iterations;
};

class SolveJournal {
 public:
  // Called on every rank after each iteration that is not the last of its solve. Collective: it may
  // write a checkpoint, and it may throw (Interrupted) to stop the run there.
  using SafePoint = std::function<void(const SolveJournal&, const RunningSolveView&)>;

  SolveJournal() = default;
  // Resuming: the snapshot's finished solves are replayed, its running solve continues.
  explicit SolveJournal(JointSnapshot snapshot);

  void set_safe_point(SafePoint safe_point) { safe_point_ = std::move(safe_point); }

  // --- for AlternatingSolver::solve
  // The recorded result when this solve was finished before the snapshot (replay). Its factors are the
  // snapshot's start, the only finished factors the resumed search can still use, or, for a solve of
  // an earlier k in compact mode (whose search is over), the solve's own start (see the .cpp).
  // InputError when the recorded solve has another lambda or rank (the search went another way).
  std::optional<PenaltyResult> replay(double lambda, const Factors& start);
  // The snapshot's running solve when this solve is it (once; every replay comes first).
  std::optional<RunningSolve> take_running(double lambda, int64_t rank);
  void at_safe_point(const RunningSolveView& view) const;
  void record_finished(double lambda, int64_t rank, const PenaltyResult& result);

  // Every solve finished so far, replayed ones included, in order.
  const std::vector<FinishedSolve>& finished() const { return finished_; }
  // Alternating iterations over the finished solves.
  int64_t finished_iterations() const;
  bool replaying() const { return next_replay_ < to_replay_.size() || running_.has_value(); }

 private:
  std::vector<FinishedSolve> finished_;
  std::vector<FinishedSolve> to_replay_;
  size_t next_replay_ = 0;
  std::optional<RunningSolve> running_;
  SafePoint safe_point_;
};

}  // namespace jf::joint
