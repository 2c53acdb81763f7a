// Compact mode: the smallest k whose lossless optimum is at least as good for the task as W itself,
// checked against a brute-force scan that solves the lossless problem at every k independently.
#include <catch2/catch.hpp>

#include "distributed/counter_random.hpp"
#include "joint/rowsum_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/joint/compact_mode.hpp"

using namespace jf;
using namespace jf::joint;

TEST_CASE("compact mode returns the smallest k with f*(k) <= f(W), as a brute-force scan finds", "[joint][compact]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 70, n = 50, max_rank = 7, nb = 8;
  const LowRankProblem data = make_lowrank(grid, m, n, 5, 0.5, 61, nb);
  // Targets near W's own row sums, so that f(W) is small and only a k near the true rank can match it.
  DistMatrix targets(grid, m, 1, nb, nb);
  gemm(Op::None, Op::None, 1.0, data.w, ones_column(grid, n, nb), 0.0, targets);
  targets.for_each_local([](int64_t i, int64_t, double& v) { v += 1.5 * counter_normal(62, kStreamUser + 8, i, 0); });
  const RowsumObjective objective(targets, m, n);
  const double w_norm_squared = squared_norm(data.w);
  const AlternatingSolver solver(JointProblem{data.w, objective, w_norm_squared});
  const double original_loss = objective.value_of_matrix(data.w);
  LosslessOptions options;
  options.eps_rel = 0.01;
  options.penalty.tol = 1e-8;
  const InitialFactors start = initial_factors(data.w, max_rank, w_norm_squared);
  const CompactResult compact = solve_compact(solver, start, original_loss, options);

  // Brute force: every k from its own SVD, no shared state with the compact search.
  std::vector<double> brute_force;
  int64_t smallest = -1;
  for (int64_t k = 1; k <= max_rank; ++k) {
    const InitialFactors start_k = initial_factors(data.w, k, w_norm_squared);
    const LosslessResult result =
        solve_lossless(solver, start_k, objective.value(start_k.factors.l, start_k.factors.r), options);
    brute_force.push_back(result.state.task_loss);
    if (smallest < 0 && result.state.task_loss <= original_loss) smallest = k;
  }
  std::string curve;
  for (size_t i = 0; i < brute_force.size(); ++i)
    curve += std::to_string(i + 1) + ": " + std::to_string(brute_force[i]) + "  ";
  INFO("f(W) = " << original_loss << "; brute force f*(k): " << curve << "; compact chose " << compact.rank);
  REQUIRE(smallest > 0);
  // Bisection relies on every k above the smallest qualifying too; this problem has that shape.
  for (int64_t k = smallest; k <= max_rank; ++k) REQUIRE(brute_force[static_cast<size_t>(k - 1)] <= original_loss);
  CHECK(compact.found);
  CHECK(compact.rank == smallest);
  // Bisection: about log2(max_rank) + 1 ranks tried, not a scan.
  CHECK(compact.curve.size() <= 4);
  for (const RankCurvePoint& point : compact.curve)
    CHECK(point.task_loss == Approx(brute_force[static_cast<size_t>(point.rank - 1)]).epsilon(1e-6));
  CHECK(compact.lossless.state.task_loss <= original_loss);
  CHECK(compact.lossless.state.recon_error <= compact.lossless.recon_bound);
  for (const LambdaSegment& segment : compact.segments)
    CHECK(test::largest_relative_increase(segment.history) < test::kMonotoneTolerance);
}
