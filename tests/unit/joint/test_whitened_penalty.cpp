// Closed-form penalty solutions (whitened_penalty.hpp) against a dense Eigen computation on the gathered
// data: X* = [T M^(-1/2)]_k M^(-1/2), M = I + alpha A^T A, T = W + alpha Y^T A, with M^(+-1/2) from a full
// symmetric eigendecomposition. Regression (s >= n and s < n, responses Xs W^T and arbitrary) and
// rowsum, on every grid that fits, ragged block sizes.
#include <catch2/catch.hpp>

#include "distributed/counter_random.hpp"
#include "joint/regression_objective.hpp"
#include "joint/rowsum_objective.hpp"
#include "joint/whitened_penalty.hpp"
#include "joint_test_support.hpp"
#include "jointfact/distributed/pblas.hpp"

using namespace jf;
using namespace jf::joint;
using Eigen::MatrixXd;

namespace {

// The dense reference for f(X) = c ||A X^T - Y||_F^2.
MatrixXd dense_minimizer(const MatrixXd& w, const MatrixXd& a, const MatrixXd& y, double c, double lambda, int64_t k) {
  const double alpha = lambda * c;
  const MatrixXd metric = MatrixXd::Identity(w.cols(), w.cols()) + alpha * a.transpose() * a;
  const Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(metric);
  const MatrixXd inverse_root = eigen.operatorInverseSqrt();
  return test::truncated((w + alpha * y.transpose() * a) * inverse_root, k) * inverse_root;
}

double penalty_objective(const MatrixXd& w, const MatrixXd& a, const MatrixXd& y, double c, double lambda,
                         const MatrixXd& x) {
  return (w - x).squaredNorm() + lambda * c * (a * x.transpose() - y).squaredNorm();
}

}  // namespace

TEST_CASE("regression penalty solutions equal the dense whitened closed form", "[joint][whitened]") {
  const int64_t m = 31, n = 23, k = 4;
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    for (int64_t nb : {int64_t{3}, int64_t{7}, int64_t{64}}) {
      for (int64_t s : {int64_t{40}, int64_t{9}}) {  // s >= n and s < n (thin basis, no n x n metric)
        for (bool activation_aware : {true, false}) {
          auto grid = make_grid(MPI_COMM_WORLD, shape);
          const DistMatrix w = make_lowrank(grid, m, n, 6, 0.4, 17, nb).w;
          DistMatrix samples(grid, s, n, nb, nb), responses(grid, s, m, nb, nb);
          fill_normal(samples, 5, kStreamUser + 30);
          samples.for_each_local([](int64_t, int64_t j, double& v) { v *= 1.0 + 0.4 * static_cast<double>(j % 5); });
          if (activation_aware) {
            gemm(Op::None, Op::Trans, 1.0, samples, w, 0.0, responses);
          } else {
            fill_normal(responses, 5, kStreamUser + 31);
          }
          const MatrixXd w_full = test::gather(w), a = test::gather(samples), y = test::gather(responses);
          const RegressionObjective objective(samples, responses, m, n);
          for (double lambda : {0.0, 0.7, 25.0, 1e4}) {
            const std::optional<Factors> factors = objective.penalty_minimizer(w, lambda, k);
            REQUIRE(factors);
            const MatrixXd x = test::gathered_product(*factors);
            const double c = 1.0 / static_cast<double>(s);
            const MatrixXd reference = dense_minimizer(w_full, a, y, c, lambda, k);
            INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << nb << ", s " << s << ", Y = Xs W^T "
                         << activation_aware << ", lambda " << lambda);
            CHECK(test::relative_difference(x, reference) < 1e-10);
            // F at the answer agrees with F at the dense optimum (both are the global rank-k minimum).
            CHECK(penalty_objective(w_full, a, y, c, lambda, x) ==
                  Approx(penalty_objective(w_full, a, y, c, lambda, reference)).epsilon(1e-12));
          }
        }
      }
    }
  }
}

TEST_CASE("rowsum penalty solutions equal the dense closed form", "[joint][whitened]") {
  const int64_t m = 29, n = 19, k = 3;
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    for (int64_t nb : {int64_t{2}, int64_t{5}}) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      const LowRankProblem data = make_lowrank(grid, m, n, 5, 0.5, 23, nb);
      const RowsumObjective objective(data.targets, m, n);
      const MatrixXd w = test::gather(data.w), t = test::gather(data.targets);
      const MatrixXd ones_row = MatrixXd::Ones(1, n);
      for (double lambda : {0.3, 10.0, 1e5}) {
        const MatrixXd x = test::gathered_product(*objective.penalty_minimizer(data.w, lambda, k));
        const MatrixXd reference = dense_minimizer(w, ones_row, t.transpose(), 1.0 / m, lambda, k);
        INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << nb << ", lambda " << lambda);
        CHECK(test::relative_difference(x, reference) < 1e-10);
      }
    }
  }
}

TEST_CASE("the closed form is a global minimum: no alternating iterate does better", "[joint][whitened]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 30, n = 20, s = 12, k = 3, nb = 4;
  const DistMatrix w = make_lowrank(grid, m, n, 5, 0.3, 41, nb).w;
  DistMatrix samples(grid, s, n, nb, nb), responses(grid, s, m, nb, nb);
  fill_normal(samples, 8, kStreamUser + 40);
  fill_normal(responses, 8, kStreamUser + 41);
  const RegressionObjective objective(samples, responses, m, n);
  PenaltyOptions closed = test::penalty_options(4.0, 1e-12, 400);
  PenaltyOptions alternating = closed;
  alternating.closed_form = false;
  const auto [start, closed_run] = test::solve_penalty_from_svd(w, objective, k, closed);
  const PenaltyResult alternating_run = test::solve_penalty_from_svd(w, objective, k, alternating).result;
  CHECK(closed_run.closed_form);
  CHECK(closed_run.history.size() == 2);
  CHECK(test::largest_relative_increase(closed_run.history) < test::kMonotoneTolerance);
  CHECK(closed_run.final_state().objective <= alternating_run.final_state().objective * (1 + 1e-12));
  CHECK(closed_run.final_state().objective < closed_run.history.front().objective);
}

TEST_CASE("the whitened operator's products equal the formed matrix's", "[joint][whitened]") {
  const int64_t m = 27, n = 19, r = 6, l = 5;
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    for (int64_t nb : {int64_t{2}, int64_t{7}, int64_t{64}}) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      DistMatrix w(grid, m, n, nb, nb), basis(grid, n, r, nb, nb), side(grid, m, r, nb, nb);
      DistMatrix x(grid, n, l, nb, nb), q(grid, m, l, nb, nb);
      fill_normal(w, 3, kStreamUser + 50);
      fill_normal(basis, 3, kStreamUser + 51);
      fill_normal(side, 3, kStreamUser + 52);
      fill_normal(x, 3, kStreamUser + 53);
      fill_normal(q, 3, kStreamUser + 54);
      Eigen::VectorXd g(r), h(r);
      for (int64_t i = 0; i < r; ++i) {
        g(i) = -0.1 * static_cast<double>(i);
        h(i) = 0.5 + static_cast<double>(i);
      }
      const LowRankUpdate op{w, basis, side, g, h};
      DistMatrix y(grid, m, l, nb, nb), z(grid, n, l, nb, nb);
      apply_update(op, x, y);
      apply_update_transposed(op, q, z);
      const MatrixXd v = test::gather(basis);
      const MatrixXd b = test::gather(w) * (MatrixXd::Identity(n, n) + v * g.asDiagonal() * v.transpose()) +
                         test::gather(side) * h.asDiagonal() * v.transpose();
      INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << nb);
      CHECK(test::relative_difference(test::gather(y), b * test::gather(x)) < 1e-13);
      CHECK(test::relative_difference(test::gather(z), b.transpose() * test::gather(q)) < 1e-13);
    }
  }
}

TEST_CASE("the operator path (randomized, warm-started) reaches the dense closed form", "[joint][whitened]") {
  const int64_t m = 48, n = 36, s = 20, k = 4;
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    for (int64_t nb : {int64_t{5}, int64_t{64}}) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      // Rank k plus small noise: a clear gap after the k-th singular value at every lambda.
      const DistMatrix w = make_lowrank(grid, m, n, k, 1e-3, 19, nb).w;
      DistMatrix samples(grid, s, n, nb, nb), responses(grid, s, m, nb, nb);
      fill_normal(samples, 6, kStreamUser + 60);
      samples.for_each_local([](int64_t, int64_t j, double& v) { v *= 1.0 + 0.3 * static_cast<double>(j % 4); });
      gemm(Op::None, Op::Trans, 1.0, samples, w, 0.0, responses);
      const double c = 1.0 / static_cast<double>(s);
      const RightMetric metric = right_metric_from(w, samples, responses, c);
      WhitenedPenaltyOptions options;
      options.exact_limit = 0;  // the operator path even for this small matrix
      options.subspace.energy_tol = 1e-13;
      options.subspace.max_iterations = 40;
      const WhitenedPenalty penalty(metric, options);
      const MatrixXd w_full = test::gather(w), a = test::gather(samples), y = test::gather(responses);
      int warm_iterations = 0;
      for (double lambda : {0.0, 0.7, 1.0, 25.0, 1e4}) {  // consecutive calls start from the previous basis
        const MatrixXd x = test::gathered_product(penalty.minimizer(w, lambda, k));
        if (lambda == 1.0) warm_iterations = penalty.last_iterations();
        const MatrixXd reference = dense_minimizer(w_full, a, y, c, lambda, k);
        INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << nb << ", lambda " << lambda);
        CHECK(test::relative_difference(x, reference) < 1e-10);
        // F to 1e-10: at lambda = 1e4 the task term amplifies X's last digits (5e-12 seen on 1x3).
        CHECK(penalty_objective(w_full, a, y, c, lambda, x) ==
              Approx(penalty_objective(w_full, a, y, c, lambda, reference)).epsilon(1e-10));
      }
      // From a Gaussian sketch the same solve needs at least as many passes as from the basis of lambda = 0.7.
      const WhitenedPenalty cold(metric, options);
      const MatrixXd x_cold = test::gathered_product(cold.minimizer(w, 1.0, k));
      CHECK(test::relative_difference(x_cold, dense_minimizer(w_full, a, y, c, 1.0, k)) < 1e-10);
      CHECK(warm_iterations <= cold.last_iterations());
    }
  }
}
