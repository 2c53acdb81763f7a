// The regression objective f(X) = (1/s) ||Xs X^T - Y||_F^2: with Y = Xs W^T and a large lambda the joint
// optimum approaches the whitened truncated SVD [W S]_k S^-1 (S S^T = Xs^T Xs / s, S lower triangular),
// because f(X) = ||(X - W) S||_F^2. At moderate lambda, the serial alternating reference.
#include <catch2/catch.hpp>

#include "distributed/counter_random.hpp"
#include "joint/regression_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/distributed/pblas.hpp"

using namespace jf;
using namespace jf::joint;
using Eigen::MatrixXd;

namespace {

struct RegressionData {
  DistMatrix w, samples, responses;
};

// W low-rank plus noise (m x n); samples with unequal column scales so whitening matters; Y = Xs W^T.
RegressionData make_regression_data(const GridPtr& grid, int64_t m, int64_t n, int64_t s, int64_t nb) {
  RegressionData data{make_lowrank(grid, m, n, 6, 0.3, 11, nb).w, DistMatrix(grid, s, n, nb, nb),
                      DistMatrix(grid, s, m, nb, nb)};
  fill_normal(data.samples, 12, kStreamUser + 1);
  data.samples.for_each_local([](int64_t, int64_t j, double& v) { v *= 1.0 + 0.5 * static_cast<double>(j % 9); });
  gemm(Op::None, Op::Trans, 1.0, data.samples, data.w, 0.0, data.responses);
  return data;
}

}  // namespace

TEST_CASE("regression with lambda = 1e6 reaches the whitened-SVD optimum within 1%", "[joint][regression]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 48, n = 36, s = 90, k = 4, nb = 8;
  RegressionData data = make_regression_data(grid, m, n, s, nb);
  const MatrixXd w = test::gather(data.w), xs = test::gather(data.samples), y = test::gather(data.responses);
  const RegressionObjective objective(data.samples, data.responses, m, n);
  const PenaltyResult result =
      test::solve_penalty_from_svd(data.w, objective, k, test::penalty_options(1e6, 1e-10, 3000)).result;

  // Closed form: f(X) = ||(X - W) S||_F^2, minimised over rank k by X S = [W S]_k.
  const MatrixXd whitening = Eigen::LLT<MatrixXd>(xs.transpose() * xs / static_cast<double>(s)).matrixL();
  const MatrixXd x_star = test::truncated(w * whitening, k) * whitening.inverse();
  auto f = [&](const MatrixXd& x) { return (xs * x.transpose() - y).squaredNorm() / static_cast<double>(s); };
  const MatrixXd x = test::gathered_product(result.factors);
  INFO("iterations " << result.iterations << ", f(joint) " << f(x) << ", f(closed form) " << f(x_star) << ", f(W_k) "
                     << result.history.front().task_loss << ", relative distance "
                     << test::relative_difference(x, x_star));
  CHECK_FALSE(result.stalled);
  CHECK(test::largest_relative_increase(result.history) < test::kMonotoneTolerance);
  CHECK(f(x) <= 1.01 * f(x_star));
  CHECK(test::relative_difference(x, x_star) < 0.01);
  CHECK(result.final_state().task_loss == Approx(f(x)).epsilon(1e-9));
  // The joint answer is clearly better for the task than the plain truncated SVD.
  CHECK(f(x) < 0.95 * result.history.front().task_loss);
}

TEST_CASE("regression penalty matches the serial alternating reference (Cholesky and Woodbury paths)",
          "[joint][regression]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  for (int64_t s : {int64_t{50}, int64_t{17}}) {  // s >= n: n x n Cholesky; s < n: s x s Woodbury
    const int64_t m = 40, n = 30, k = 3, nb = 5;
    RegressionData data = make_regression_data(grid, m, n, s, nb);
    const MatrixXd w = test::gather(data.w), xs = test::gather(data.samples), y = test::gather(data.responses);
    const RegressionObjective objective(data.samples, data.responses, m, n);
    PenaltyOptions options = test::penalty_options(3.0, 0, 25);
    options.closed_form = false;  // the alternating path itself (the closed form: test_whitened_penalty)
    const auto [start, result] = test::solve_penalty_from_svd(data.w, objective, k, options);
    // Serial: L = (W R + a Y^T P)(R^T R + a P^T P)^-1, P = Xs R; R = S^-1 (W^T L + a Xs^T Y L)(L^T L)^-1.
    const double a = options.lambda / static_cast<double>(s);
    const MatrixXd shifted = MatrixXd::Identity(n, n) + a * xs.transpose() * xs;
    MatrixXd l = test::gather(start.factors.l), r = test::gather(start.factors.r);
    for (int it = 0; it < options.max_iterations; ++it) {
      const MatrixXd p = xs * r;
      l = (r.transpose() * r + a * p.transpose() * p)
              .ldlt()
              .solve((w * r + a * y.transpose() * p).transpose())
              .transpose();
      const MatrixXd rhs = shifted.ldlt().solve(w.transpose() * l + a * xs.transpose() * (y * l));
      r = (l.transpose() * l).ldlt().solve(rhs.transpose()).transpose();
    }
    INFO("s = " << s);
    CHECK(test::relative_difference(test::gathered_product(result.factors), l * r.transpose()) < 1e-10);
    CHECK(test::largest_relative_increase(result.history) < test::kMonotoneTolerance);
  }
}
