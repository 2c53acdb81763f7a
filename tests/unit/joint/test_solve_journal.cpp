// Stopping the joint stage at a safe point and resuming from the snapshot (solve_journal.hpp) ends
// exactly where the uninterrupted run ends: same factors bit for bit, same history, same solves.
#include <algorithm>

#include <catch2/catch.hpp>
#include <set>

#include "joint/rowsum_objective.hpp"
#include "joint/solve_journal.hpp"
#include "joint_test_support.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/joint/joint_stage.hpp"
#include "jointfact/svd/truncated_svd.hpp"

using namespace jf;
using namespace jf::joint;

namespace {

struct StopHere {};  // thrown from the safe point, as Interrupted is in the pipeline

// The start, as the pipeline gets it from its svd stage (computed once, shared by every run below).
svd::TruncatedSvd start_svd(const DistMatrix& w, int64_t rank) {
  svd::SvdOptions options;
  options.rank = rank;
  options.power_iters = 4;
  return svd::truncated_svd(w, options);
}

JointSettings settings_for(JointMode mode) {
  JointSettings settings;
  settings.rank = 6;
  settings.mode = mode;
  settings.eps_rel = 0.01;
  settings.tol = 1e-12;
  settings.max_iterations = 60;
  settings.progress_every = 0;
  return settings;
}

// Copies the journal's state at the safe point numbered `stop_at` (counting every safe point), then stops.
JointSnapshot snapshot_at(const DistMatrix& w, const Objective& objective, JointSettings settings,
                          const svd::TruncatedSvd& svd, int stop_at) {
  SolveJournal journal;
  JointSnapshot snapshot;
  int safe_points = 0;
  journal.set_safe_point([&](const SolveJournal& state, const RunningSolveView& running) {
    if (++safe_points < stop_at) return;
    snapshot.finished = state.finished();
    snapshot.running = {running.lambda,  running.rank,    running.start,
                        running.iterate, running.history, running.iterations};
    throw StopHere{};
  });
  settings.journal = &journal;
  REQUIRE_THROWS_AS(run_joint(w, objective, settings, svd), StopHere);
  return snapshot;
}

void require_identical(const JointOutcome& resumed, const JointOutcome& reference) {
  REQUIRE(resumed.segments.size() == reference.segments.size());
  REQUIRE(resumed.history.size() == reference.history.size());
  for (size_t i = 0; i < reference.history.size(); ++i)
    CHECK(resumed.history[i].objective == reference.history[i].objective);
  CHECK(resumed.lambda == reference.lambda);
  CHECK(resumed.iterations == reference.iterations);
  CHECK((test::gather(resumed.factors.l) - test::gather(reference.factors.l)).cwiseAbs().maxCoeff() == 0.0);
  CHECK((test::gather(resumed.factors.r) - test::gather(reference.factors.r)).cwiseAbs().maxCoeff() == 0.0);
}

}  // namespace

TEST_CASE("joint stage resumed from a safe-point snapshot equals the uninterrupted run", "[joint][journal]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 160, n = 90, nb = 7;
  const LowRankProblem data = make_lowrank(grid, m, n, 6, 0.5, 11, nb);
  const RowsumObjective objective(data.targets, m, n);
  const svd::TruncatedSvd svd = start_svd(data.w, 6);
  for (JointMode mode : {JointMode::Penalty, JointMode::Lossless, JointMode::Compact}) {
    const JointSettings settings = settings_for(mode);
    // The uninterrupted run, counting its safe points.
    SolveJournal counting;
    int total = 0;
    counting.set_safe_point([&](const SolveJournal&, const RunningSolveView&) { ++total; });
    JointSettings counted = settings;
    counted.journal = &counting;
    const JointOutcome reference = run_joint(data.w, objective, counted, svd);
    // Closed-form solves have one safe point each (penalty mode: one solve); searches have several.
    REQUIRE(total >= (mode == JointMode::Penalty ? 1 : 3));
    // Early (first solve), middle (a later solve of the search, or a later k) and the last safe points.
    for (int stop_at : std::set<int>{1, std::max(1, total / 2), total}) {
      DYNAMIC_SECTION(mode_name(mode) << ", stopped at safe point " << stop_at << " of ~" << total) {
        JointSnapshot snapshot = snapshot_at(data.w, objective, settings, svd, stop_at);
        SolveJournal journal(std::move(snapshot));
        JointSettings resumed_settings = settings;
        resumed_settings.journal = &journal;
        require_identical(run_joint(data.w, objective, resumed_settings, svd), reference);
        CHECK_FALSE(journal.replaying());
      }
    }
  }
}

TEST_CASE("a snapshot of another search is refused", "[joint][journal]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const LowRankProblem data = make_lowrank(grid, 120, 80, 5, 0.5, 3, 16);
  const RowsumObjective objective(data.targets, 120, 80);
  JointSettings settings = settings_for(JointMode::Lossless);
  settings.rank = 5;
  const svd::TruncatedSvd svd = start_svd(data.w, 5);
  JointSnapshot snapshot = snapshot_at(data.w, objective, settings, svd, 3);
  // A solve at lambda > 0 (a closed-form search begins with lambda = 0, which no factor changes).
  auto changed = std::find_if(snapshot.finished.begin(), snapshot.finished.end(),
                              [](const auto& solve) { return solve.lambda > 0; });
  REQUIRE(changed != snapshot.finished.end());
  changed->lambda *= 3;  // as if recorded for another configuration
  SolveJournal journal(std::move(snapshot));
  settings.journal = &journal;
  CHECK_THROWS_AS(run_joint(data.w, objective, settings, svd), InputError);
}
