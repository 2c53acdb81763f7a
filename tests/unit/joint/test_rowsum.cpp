// The seeds' rowsum task: penalty mode against a serial reference optimum, lossless mode in the seeds'
// setting, monotone F, and agreement across grids, block sizes and rank counts.
#include <catch2/catch.hpp>

#include <tuple>

#include "joint/rowsum_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/joint/joint_stage.hpp"
#include "jointfact/joint/lossless_mode.hpp"

using namespace jf;
using namespace jf::joint;

TEST_CASE("rowsum penalty: monotone, and converges to the serial reference optimum", "[joint][rowsum]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 240, n = 130, k = 6, nb = 16;
  const LowRankProblem data = make_lowrank(grid, m, n, k, 0.5, 42, nb);
  const RowsumObjective objective(data.targets, m, n);
  const PenaltyOptions options = test::penalty_options(50.0, 1e-13, 2000);
  const auto [start, result] = test::solve_penalty_from_svd(data.w, objective, k, options);
  INFO("iterations " << result.iterations);
  CHECK(result.converged);
  CHECK(test::largest_relative_increase(result.history) < test::kMonotoneTolerance);
  CHECK_FALSE(result.stalled);

  // Serial reference: the same exact alternating steps, from the same start, to convergence.
  test::SerialRowsum reference{test::gather(data.w), test::gather(data.targets).col(0), options.lambda};
  Eigen::MatrixXd l = test::gather(start.factors.l), r = test::gather(start.factors.r);
  for (int it = 0; it < 5000; ++it) {
    const Eigen::MatrixXd l_old = l, r_old = r;
    reference.left_step(l, r);
    reference.right_step(l, r);
    if ((l - l_old).norm() <= 1e-15 * l.norm() && (r - r_old).norm() <= 1e-15 * r.norm()) break;
  }
  const Eigen::MatrixXd x_reference = l * r.transpose();
  const Eigen::MatrixXd x = test::gathered_product(result.factors);
  const double difference = test::relative_difference(x, x_reference);
  INFO("relative difference to the serial optimum " << difference);
  CHECK(difference < 1e-8);
  // Stationarity of the distributed answer, scaled by the size of the gradient's terms.
  const Eigen::MatrixXd l_final = test::gather(result.factors.l), r_final = test::gather(result.factors.r);
  const double scale = 2.0 * (reference.w * r_final).norm() + 1.0;
  CHECK(reference.gradient_l(l_final, r_final).norm() / scale < 1e-8);
  CHECK(reference.gradient_r(l_final, r_final).norm() / scale < 1e-8);
  CHECK(std::abs(result.final_state().task_loss - reference.task_loss(x)) <= 1e-10 * reference.task_loss(x));
}

namespace {

// The seeds' lossless setting (240 x 130, rank 6 + noise 0.5, blocks of 32) with the SVD start.
struct SeedsLosslessSetting {
  GridPtr grid = make_grid(MPI_COMM_WORLD);
  LowRankProblem data = make_lowrank(grid, 240, 130, 6, 0.5, 42, 32);
  RowsumObjective objective{data.targets, 240, 130};
  double w_norm_squared = squared_norm(data.w);
  AlternatingSolver solver{JointProblem{data.w, objective, w_norm_squared}};
  InitialFactors start = initial_factors(data.w, 6, w_norm_squared);
  double svd_loss = objective.value(start.factors.l, start.factors.r);

  auto parts() const { return std::tie(data, objective, solver, start, svd_loss); }
};

}  // namespace

TEST_CASE("rowsum lossless in the seeds' setting: within the bound, task loss below 1e-3 of the SVD's",
          "[joint][rowsum][lossless]") {
  const SeedsLosslessSetting setting;
  const auto& [data, objective, solver, start, svd_loss] = setting.parts();
  LosslessOptions options;
  options.eps_rel = 0.01;
  const LosslessResult result = solve_lossless(solver, start, svd_loss, options);
  INFO("svd loss " << svd_loss << ", joint loss " << result.state.task_loss << ", lambda " << result.lambda
                   << ", recon " << result.state.recon_error << " vs svd " << start.recon_error << ", solves "
                   << result.segments.size() << ", iterations " << result.iterations);
  CHECK(result.feasible);
  CHECK(result.state.recon_error <= 1.01 * start.recon_error);
  CHECK(result.state.task_loss < 1e-3 * svd_loss);
  // Every solve of the search is monotone in its own F.
  for (const LambdaSegment& segment : result.segments) {
    CHECK(test::largest_relative_increase(segment.history) < test::kMonotoneTolerance);
    CHECK_FALSE(segment.stalled);
  }
  // The reported state is the factors' own (recomputed independently).
  const Eigen::MatrixXd x = test::gathered_product(result.factors);
  const Eigen::MatrixXd w = test::gather(data.w);
  CHECK(std::abs((w - x).norm() - result.state.recon_error) <= 1e-10 * result.state.recon_error);
}

TEST_CASE("rowsum lossless with an active bound: the answer sits on the bound at the largest feasible lambda",
          "[joint][rowsum][lossless]") {
  const SeedsLosslessSetting setting;
  const auto& [data, objective, solver, start, svd_loss] = setting.parts();
  LosslessOptions options;
  options.eps_rel = 0.001;  // small enough that the bound stops the task loss from reaching zero
  options.penalty.tol = 1e-11;
  const LosslessResult result = solve_lossless(solver, start, svd_loss, options);
  INFO("joint loss " << result.state.task_loss << " (svd " << svd_loss << "), lambda " << result.lambda << ", recon "
                     << result.state.recon_error << " <= " << result.recon_bound);
  CHECK(result.feasible);
  CHECK(result.state.recon_error <= result.recon_bound);
  CHECK(result.state.recon_error >= (1.0 - 1e-5) * result.recon_bound);
  CHECK(result.state.task_loss < 0.5 * svd_loss);
  // A 1% larger lambda would lower the task loss further only by breaking the bound.
  PenaltyOptions larger;
  larger.lambda = 1.01 * result.lambda;
  larger.tol = 1e-11;
  const PenaltyResult beyond = solver.solve(result.factors, larger);
  CHECK(beyond.final_state().recon_error > result.recon_bound);
  CHECK(beyond.final_state().task_loss < result.state.task_loss);
  for (const LambdaSegment& segment : result.segments) {
    CHECK(test::largest_relative_increase(segment.history) < test::kMonotoneTolerance);
    CHECK_FALSE(segment.stalled);
  }
}

TEST_CASE("run_joint from the svd stage's factors equals run_joint computing its own SVD", "[joint][rowsum][stage]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 50, n = 35, nb = 8;
  const LowRankProblem data = make_lowrank(grid, m, n, 5, 0.5, 43, nb);
  const RowsumObjective objective(data.targets, m, n);
  JointSettings settings;
  settings.rank = 4;
  settings.lambda = 3.0;
  settings.tol = 1e-12;
  settings.progress_every = 0;
  const JointOutcome own = run_joint(data.w, objective, settings);
  const JointOutcome from_stage = run_joint(data.w, objective, settings, svd::exact_truncated_svd(data.w, 6));
  CHECK(test::relative_difference(test::gathered_product(from_stage.factors), test::gathered_product(own.factors)) <
        1e-10);
  CHECK(from_stage.loss_svd == Approx(own.loss_svd).epsilon(1e-12));
  CHECK(from_stage.recon_error_svd == Approx(own.recon_error_svd).epsilon(1e-12));
  CHECK(own.loss_joint < own.loss_svd);
  CHECK(own.history.size() == static_cast<size_t>(own.iterations + 1));
  CHECK(own.history_segment.size() == own.history.size());
  REQUIRE_THROWS_AS(run_joint(data.w, objective, settings, svd::exact_truncated_svd(data.w, 3)), InputError);
  settings.rank = 36;
  REQUIRE_THROWS_AS(run_joint(data.w, objective, settings), InputError);
}
