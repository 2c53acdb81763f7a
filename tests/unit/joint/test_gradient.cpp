// The gradient objective f(X) = <G, X - W> + 1/2 sum H (X - W)^2: exact least squares with a shifted
// target when H is absent or constant, majorise-minimise when H varies, and the seeds' key insight:
// the factorization noise delta = L R^T - W points against the gradient and the loss change is
// <G, delta> to first order.
#include <catch2/catch.hpp>

#include "distributed/counter_random.hpp"
#include "joint/gradient_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/distributed/pblas.hpp"

using namespace jf;
using namespace jf::joint;
using Eigen::MatrixXd;

namespace {

DistMatrix distributed_like(const DistMatrix& w, const MatrixXd& full) {
  DistMatrix a = w.like();
  test::scatter(full, a);
  return a;
}

// The seeds' task loss l(X) = (1/m) ||X 1 - t||^2 and its gradient (2/m) (X 1 - t) 1^T.
struct RowsumLoss {
  Eigen::VectorXd t;
  double value(const MatrixXd& x) const {
    return (x.rowwise().sum() - t).squaredNorm() / static_cast<double>(x.rows());
  }
  MatrixXd gradient(const MatrixXd& x) const {
    return (2.0 / static_cast<double>(x.rows())) * (x.rowwise().sum() - t) * Eigen::RowVectorXd::Ones(x.cols());
  }
};

}  // namespace

TEST_CASE("gradient objective without or with constant curvature: the best rank-k fit of the shifted target",
          "[joint][gradient]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 45, n = 32, k = 4, nb = 6;
  const LowRankProblem data = make_lowrank(grid, m, n, 6, 0.3, 21, nb);
  DistMatrix g = data.w.like();
  fill_normal(g, 22, kStreamUser + 3);
  const MatrixXd w = test::gather(data.w), g_full = test::gather(g);
  const double w_norm_squared = squared_norm(data.w);
  const InitialFactors start = initial_factors(data.w, k, w_norm_squared);
  for (double h : {0.0, 0.7}) {
    std::optional<DistMatrix> curvature;
    if (h > 0) curvature = filled_like(data.w, h);
    const GradientObjective objective(data.w, g, curvature);
    const AlternatingSolver solver(JointProblem{data.w, objective, w_norm_squared});
    const PenaltyOptions options = test::penalty_options(2.5, 1e-12, 3000);
    const PenaltyResult result = solver.solve(start.factors, options);
    // F = (1 + lambda h/2) ||X - T||^2 + const with T = W - lambda/(2 + lambda h) G.
    const MatrixXd target = w - (options.lambda / (2.0 + options.lambda * h)) * g_full;
    const MatrixXd x = test::gathered_product(result.factors);
    INFO("h = " << h << ", iterations " << result.iterations);
    CHECK(result.converged);
    CHECK(test::relative_difference(x, test::truncated(target, k)) < 1e-8);
    CHECK(test::largest_relative_increase(result.history) < test::kMonotoneTolerance);
    const double f_direct = g_full.cwiseProduct(x - w).sum() + 0.5 * h * (x - w).squaredNorm();
    CHECK(result.final_state().task_loss == Approx(f_direct).epsilon(1e-9));
  }
}

TEST_CASE("gradient objective with varying curvature: majorise-minimise is monotone and reaches a stationary point",
          "[joint][gradient]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 40, n = 28, k = 3, nb = 5;
  const LowRankProblem data = make_lowrank(grid, m, n, 5, 0.3, 31, nb);
  DistMatrix g = data.w.like(), h = data.w.like();
  fill_normal(g, 32, kStreamUser + 4);
  fill_normal(h, 33, kStreamUser + 5);
  h.for_each_local([](int64_t, int64_t, double& v) { v = 0.2 + std::abs(v); });
  const MatrixXd w = test::gather(data.w), g_full = test::gather(g), h_full = test::gather(h);
  const GradientObjective objective(data.w, g, h);
  const PenaltyOptions options = test::penalty_options(1.5, 1e-11, 4000);
  const PenaltyResult result = test::solve_penalty_from_svd(data.w, objective, k, options).result;
  INFO("iterations " << result.iterations);
  CHECK(result.converged);
  CHECK_FALSE(result.stalled);
  CHECK(test::largest_relative_increase(result.history) < test::kMonotoneTolerance);
  // grad_L F = (-2 (W - X) + lambda (G + H o (X - W))) R, and the same with L for R.
  const MatrixXd l = test::gather(result.factors.l), r = test::gather(result.factors.r), x = l * r.transpose();
  const MatrixXd outer = -2.0 * (w - x) + options.lambda * (g_full + h_full.cwiseProduct(x - w));
  const double scale = (2.0 * w.norm() + options.lambda * g_full.norm()) * std::max(l.norm(), r.norm());
  CHECK((outer * r).norm() / scale < 1e-7);
  CHECK((outer.transpose() * l).norm() / scale < 1e-7);
  const double f_direct = g_full.cwiseProduct(x - w).sum() + 0.5 * h_full.cwiseProduct((x - w).cwiseAbs2()).sum();
  CHECK(result.final_state().task_loss == Approx(f_direct).epsilon(1e-9));
}

TEST_CASE("the seeds' key insight: the joint noise points against the gradient, and the loss change is first order",
          "[joint][gradient][insight]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 60, n = 40, k = 5, nb = 8;
  const LowRankProblem data = make_lowrank(grid, m, n, k, 0.03, 41, nb);
  const MatrixXd w = test::gather(data.w);
  // Targets well away from W's row sums: the loss has a clear gradient, and the small factorization
  // noise is a perturbation of it (the regime where the seeds' first-order argument applies).
  Eigen::VectorXd targets = test::gather(data.targets).col(0);
  for (int64_t i = 0; i < m; ++i) targets(i) += 10.0 * counter_normal(42, kStreamUser + 6, i, 0);
  const RowsumLoss loss{targets};
  const MatrixXd g_full = loss.gradient(w);
  const GradientObjective objective(data.w, distributed_like(data.w, g_full), std::nullopt);
  const auto [start, result] =
      test::solve_penalty_from_svd(data.w, objective, k, test::penalty_options(0.1, 1e-12, 500));
  const MatrixXd x = test::gathered_product(result.factors), x_svd = test::gathered_product(start.factors);
  const double predicted = g_full.cwiseProduct(x - w).sum(), measured = loss.value(x) - loss.value(w);
  const double predicted_svd = g_full.cwiseProduct(x_svd - w).sum(), measured_svd = loss.value(x_svd) - loss.value(w);
  INFO("joint: <G, delta> = " << predicted << ", measured change " << measured
                              << "; svd: <G, delta> = " << predicted_svd << ", measured change " << measured_svd
                              << "; recon joint " << (x - w).norm() << " svd " << (x_svd - w).norm());
  CHECK(predicted < 0);
  CHECK(measured < 0);
  CHECK(std::abs(measured - predicted) <= 0.05 * std::abs(predicted));
  CHECK(measured < measured_svd);
}

TEST_CASE("the estimated trust radius: the Cauchy step, capped at a tenth of ||W||_F", "[joint][gradient]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 14, n = 11;
  const LowRankProblem data = make_lowrank(grid, m, n, 3, 0.2, 71, 4);
  const MatrixXd w = test::gather(data.w);
  MatrixXd g_full = MatrixXd::Zero(m, n), h_full = MatrixXd::Zero(m, n);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      g_full(i, j) = 0.01 * std::sin(static_cast<double>(3 * i + j));
      h_full(i, j) = 1.0 + 0.1 * static_cast<double>((i + j) % 3);
    }
  }
  const double cauchy = std::pow(g_full.norm(), 3) / h_full.cwiseProduct(g_full.cwiseAbs2()).sum();
  for (double h_scale : {1e4, 1e-6}) {  // strong curvature: the Cauchy step binds; a vanishing one: ||W||
    const GradientObjective objective(data.w, distributed_like(data.w, g_full),
                                      distributed_like(data.w, h_scale * h_full));
    const double expected = std::min(cauchy / h_scale, 0.1 * w.norm());
    INFO("curvature scale " << h_scale);
    CHECK(objective.trust_radius_estimate() == Approx(expected).epsilon(1e-12));
  }
  CHECK(cauchy / 1e4 < 0.1 * w.norm());
  CHECK(cauchy / 1e-6 > 0.1 * w.norm());
  // Without curvature only the relative limit is left.
  const GradientObjective flat(data.w, distributed_like(data.w, g_full), std::nullopt);
  CHECK(flat.trust_radius_estimate() == Approx(0.1 * w.norm()).epsilon(1e-12));
}

namespace {

MatrixXd counter_matrix(int64_t rows, int64_t cols, uint64_t stream) {
  MatrixXd full(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) full(i, j) = counter_normal(81, kStreamUser + stream, i, j);
  return full;
}

DistMatrix distributed(const GridPtr& grid, const MatrixXd& full, int64_t nb) {
  DistMatrix a(grid, full.rows(), full.cols(), nb, nb);
  test::scatter(full, a);
  return a;
}

}  // namespace

TEST_CASE("gradient objective: F and its gradient products agree with Eigen on every grid, block size and layout",
          "[joint][gradient][grids]") {
  // Ragged sizes; with small blocks the difference L R^T - W is formed in several panels, with 64 in one.
  const int64_t m = 29, n = 19, k = 3;
  const MatrixXd w = counter_matrix(m, n, 10), g = counter_matrix(m, n, 11), l = counter_matrix(m, k, 12),
                 r = counter_matrix(n, k, 13), x = l * r.transpose();
  const MatrixXd varying = counter_matrix(m, n, 14).cwiseAbs();
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (const int64_t nb : test::block_sizes()) {
      const DistMatrix w_d = distributed(grid, w, nb), l_d = distributed(grid, l, nb), r_d = distributed(grid, r, nb);
      DistMatrix w_r = l_d.like(), w_t_l = r_d.like();
      gemm(Op::None, Op::None, 1.0, w_d, r_d, 0.0, w_r);
      gemm(Op::Trans, Op::None, 1.0, w_d, l_d, 0.0, w_t_l);
      for (const int curvature_kind : {0, 1, 2}) {  // none, constant 0.7, varying
        const MatrixXd h = curvature_kind == 0   ? MatrixXd::Zero(m, n)
                           : curvature_kind == 1 ? MatrixXd::Constant(m, n, 0.7)
                                                 : varying;
        const MatrixXd outer = g + h.cwiseProduct(x - w);  // grad f(X)
        const double f_direct = g.cwiseProduct(x - w).sum() + 0.5 * h.cwiseProduct((x - w).cwiseAbs2()).sum();
        // G and H on W's layout, and on another block size (moved to W's layout by the objective).
        for (const int64_t input_block : {nb, nb == 64 ? int64_t{5} : nb + 1}) {
          std::optional<DistMatrix> curvature;
          if (curvature_kind > 0) curvature = distributed(grid, h, input_block);
          const GradientObjective objective(w_d, distributed(grid, g, input_block), curvature);
          INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << nb << ", G/H block " << input_block
                       << ", curvature kind " << curvature_kind);
          CHECK(objective.value(l_d, r_d) == Approx(f_direct).epsilon(1e-11).margin(1e-9));
          CHECK(objective.value_of_matrix(distributed(grid, x, nb)) == Approx(f_direct).epsilon(1e-11).margin(1e-9));
          CHECK(objective.value_of_matrix(distributed(grid, x, input_block + 2)) ==
                Approx(f_direct).epsilon(1e-11).margin(1e-9));
          CHECK(objective.value_of_matrix(w_d) == Approx(0.0).margin(1e-14));
          CHECK(test::relative_difference(test::gather(objective.gradient_times_right(l_d, r_d, w_r)), outer * r) <
                1e-13);
          CHECK(test::relative_difference(test::gather(objective.gradient_transpose_times_left(l_d, r_d, w_t_l)),
                                          outer.transpose() * l) < 1e-13);
        }
      }
    }
  }
}
