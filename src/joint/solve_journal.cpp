#include "joint/solve_journal.hpp"

#include <cmath>
#include <string>

#include "jointfact/core/error.hpp"

namespace jf::joint {
namespace {

// Lambdas are recomputed on resume from quantities (norms, the SVD start) whose rounding depends on the
// rank count, so they match the recorded ones to rounding, not bit for bit.
bool same_solve(double lambda, int64_t rank, double recorded_lambda, int64_t recorded_rank) {
  return rank == recorded_rank &&
         std::abs(lambda - recorded_lambda) <= 1e-8 * std::max(std::abs(recorded_lambda), 1e-300);
}

[[noreturn]] void diverged(double lambda, int64_t rank, double recorded_lambda, int64_t recorded_rank) {
  throw CheckpointMismatch("the joint checkpoint does not match this run (solve at k = " + std::to_string(rank) +
                           ", lambda = " + std::to_string(lambda) + " vs the recorded k = " +
                           std::to_string(recorded_rank) + ", lambda = " + std::to_string(recorded_lambda) + ")");
}

}  // namespace

SolveJournal::SolveJournal(JointSnapshot snapshot)
    : to_replay_(std::move(snapshot.finished)), running_(std::move(snapshot.running)) {}

std::optional<PenaltyResult> SolveJournal::replay(double lambda, const Factors& start) {
  const int64_t rank = start.l.cols();
  if (next_replay_ >= to_replay_.size()) return std::nullopt;
  const FinishedSolve& recorded = to_replay_[next_replay_++];
  if (!same_solve(lambda, rank, recorded.lambda, recorded.rank)) diverged(lambda, rank, recorded.lambda, recorded.rank);
  PenaltyResult result;
  // A finished solve's factors matter to the search only if they are its best feasible ones, and the
  // best feasible factors at the time of the snapshot are exactly the running solve's start. Earlier
  // bests are superseded before the resumed run uses them, so every replayed solve of the running
  // solve's k can return that start. Solves of an earlier k (compact mode) belong to a search whose
  // result was discarded (that k did not qualify); their own start has the right shape and suffices.
  result.factors = rank == running_->rank ? running_->start : start;
  result.history = recorded.history;
  result.iterations = recorded.iterations;
  result.converged = recorded.converged;
  result.stalled = recorded.stalled;
  finished_.push_back(recorded);
  return result;
}

std::optional<RunningSolve> SolveJournal::take_running(double lambda, int64_t rank) {
  if (!running_ || next_replay_ < to_replay_.size()) return std::nullopt;
  if (!same_solve(lambda, rank, running_->lambda, running_->rank))
    diverged(lambda, rank, running_->lambda, running_->rank);
  std::optional<RunningSolve> running = std::move(running_);
  running_.reset();
  to_replay_.clear();
  return running;
}

void SolveJournal::at_safe_point(const RunningSolveView& view) const {
  if (safe_point_) safe_point_(*this, view);
}

void SolveJournal::record_finished(double lambda, int64_t rank, const PenaltyResult& result) {
  finished_.push_back({lambda, rank, result.history, result.iterations, result.converged, result.stalled});
}

int64_t SolveJournal::finished_iterations() const {
  int64_t total = 0;
  for (const FinishedSolve& solve : finished_) total += solve.iterations;
  return total;
}

}  // namespace jf::joint
