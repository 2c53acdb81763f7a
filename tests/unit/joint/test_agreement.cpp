// Every objective, regulariser and mode gives the same factors on every grid, block size and rank count
// (within 1e-10 relative), and F never increases along the way. The reference is the 1 x 1 grid of the
// same run, so at 4 ranks this compares P = 1, 2, 3 and 4; the suite runs at 1, 2 and 4 ranks.
#include <catch2/catch.hpp>
#include <functional>
#include <memory>

#include "distributed/counter_random.hpp"
#include "joint/gradient_objective.hpp"
#include "joint/regression_objective.hpp"
#include "joint/rowsum_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/distributed/pblas.hpp"
#include "jointfact/joint/compact_mode.hpp"

using namespace jf;
using namespace jf::joint;
using Eigen::MatrixXd;

namespace {

constexpr int64_t kM = 37, kN = 23, kRank = 3;

struct Outcome {
  MatrixXd l, r;
  std::vector<std::vector<HistoryRow>> segments;  // one per penalty solve (one in penalty mode)

  std::vector<HistoryRow> all_rows() const {
    std::vector<HistoryRow> rows;
    for (const auto& segment : segments) rows.insert(rows.end(), segment.begin(), segment.end());
    return rows;
  }
};

struct Scenario {
  std::string name;
  std::string objective;  // rowsum | regression | gradient | gradient-curvature
  double lambda;
  double smooth_l = 0, smooth_r = 0;
  bool nonneg = false;
  std::string mode = "penalty";  // penalty | lossless | compact
};

std::unique_ptr<Objective> make_objective(const std::string& kind, const LowRankProblem& data) {
  const GridPtr& grid = data.w.grid_ptr();
  const int64_t nb = data.w.row_block();
  if (kind == "rowsum") return std::make_unique<RowsumObjective>(data.targets, kM, kN);
  if (kind == "regression") {
    DistMatrix samples(grid, 29, kN, nb, nb), responses(grid, 29, kM, nb, nb);
    fill_normal(samples, 3, kStreamUser + 20);
    fill_normal(responses, 3, kStreamUser + 21);
    return std::make_unique<RegressionObjective>(samples, responses, kM, kN);
  }
  DistMatrix gradient = data.w.like();
  fill_normal(gradient, 3, kStreamUser + 22);
  std::optional<DistMatrix> curvature;
  if (kind == "gradient-curvature") {
    curvature = data.w.like();
    fill_normal(*curvature, 3, kStreamUser + 23);
    curvature->for_each_local([](int64_t, int64_t, double& v) { v = std::abs(v); });
  }
  return std::make_unique<GradientObjective>(data.w, gradient, curvature);
}

Outcome run(const Scenario& scenario, GridShape shape, int64_t nb) {
  auto grid = make_grid(MPI_COMM_WORLD, shape);
  const LowRankProblem data = make_lowrank(grid, kM, kN, 4, 0.5, 71, nb);
  const std::unique_ptr<Objective> objective = make_objective(scenario.objective, data);
  const double w_norm_squared = squared_norm(data.w);
  const AlternatingSolver solver(
      JointProblem{data.w, *objective, w_norm_squared, scenario.smooth_l, scenario.smooth_r, scenario.nonneg});
  const InitialFactors start = initial_factors(data.w, kRank, w_norm_squared);
  PenaltyOptions penalty;
  penalty.lambda = scenario.lambda;
  penalty.tol = 0;  // a fixed number of iterations: no stopping test can tip differently on another grid
  penalty.max_iterations = 12;
  Outcome outcome;
  auto keep = [&](const Factors& f) {
    outcome.l = test::gather(f.l);
    outcome.r = test::gather(f.r);
  };
  if (scenario.mode == "penalty") {
    const PenaltyResult result =
        solver.solve(scenario.nonneg ? nonnegative_start(start.factors) : start.factors, penalty);
    keep(result.factors);
    outcome.segments.push_back(result.history);
    return outcome;
  }
  LosslessOptions lossless;
  lossless.eps_rel = 0.01;
  lossless.penalty = penalty;
  lossless.max_solves = 8;
  if (scenario.mode == "lossless") {
    const LosslessResult result =
        solve_lossless(solver, start, objective->value(start.factors.l, start.factors.r), lossless);
    keep(result.factors);
    for (const LambdaSegment& s : result.segments) outcome.segments.push_back(s.history);
    return outcome;
  }
  const CompactResult result = solve_compact(solver, start, objective->value_of_matrix(data.w), lossless);
  keep(result.lossless.factors);
  for (const LambdaSegment& s : result.segments) outcome.segments.push_back(s.history);
  return outcome;
}

}  // namespace

TEST_CASE("joint results agree across grids, block sizes and rank counts; F is monotone", "[joint][agreement]") {
  const std::vector<Scenario> scenarios = {
      {"rowsum penalty", "rowsum", 5.0},
      {"regression penalty", "regression", 2.0},
      {"gradient penalty", "gradient", 1.0},
      {"gradient with curvature (majorise-minimise)", "gradient-curvature", 1.0},
      {"rowsum, smooth L (exact banded)", "rowsum", 2.0, 3.0, 0.0},
      {"regression, smooth R (majorise-minimise with S)", "regression", 2.0, 0.0, 3.0},
      {"gradient, non-negative rows", "gradient", 1.0, 0.0, 0.0, true},
      {"rowsum, smooth and non-negative", "rowsum", 1.0, 2.0, 2.0, true},
      {"rowsum lossless", "rowsum", 0.0, 0.0, 0.0, false, "lossless"},
      {"rowsum compact", "rowsum", 0.0, 0.0, 0.0, false, "compact"},
  };
  const std::vector<GridShape> shapes = test::grids_fitting(test::world_size());
  for (const Scenario& scenario : scenarios) {
    const Outcome reference = run(scenario, GridShape{1, 1}, 64);
    for (size_t g = 0; g < shapes.size(); ++g) {
      const int64_t nb = g % 2 == 0 ? 3 : 7;
      const Outcome outcome = run(scenario, shapes[g], nb);
      INFO(scenario.name << " on grid " << shapes[g].prows << "x" << shapes[g].pcols << ", block " << nb);
      CHECK(test::relative_difference(outcome.l, reference.l) < 1e-10);
      CHECK(test::relative_difference(outcome.r, reference.r) < 1e-10);
      const std::vector<HistoryRow> rows = outcome.all_rows(), reference_rows = reference.all_rows();
      REQUIRE(rows.size() == reference_rows.size());
      for (size_t i = 0; i < rows.size(); ++i)
        CHECK(rows[i].objective == Approx(reference_rows[i].objective).epsilon(1e-10));
      for (const auto& segment : outcome.segments)
        CHECK(test::largest_relative_increase(segment) < test::kMonotoneTolerance);
      if (scenario.nonneg) CHECK(std::min(outcome.l.minCoeff(), outcome.r.minCoeff()) >= 0);
    }
  }
}
