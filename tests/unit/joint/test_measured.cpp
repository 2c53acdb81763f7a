// Measured task losses (classifier cross-entropy, activation matching): values against a serial Eigen
// reference and gradients against central finite differences on gathered small cases, across grids and
// block sizes; the trust-region solver never raises the measured objective and keeps the error bound.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "joint/measured_solver.hpp"
#include "joint/sample_loss.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/core/error.hpp"

using namespace jf;
using namespace jf::joint;
using Eigen::MatrixXd;

namespace {

constexpr int64_t kM = 5, kN = 9, kS = 13, kK = 3;

MatrixXd random_matrix(int64_t rows, int64_t cols, unsigned seed) {
  std::mt19937 generator(seed);
  std::normal_distribution<double> normal;
  MatrixXd a(rows, cols);
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) a(i, j) = normal(generator);
  return a;
}

DistMatrix distributed(const GridPtr& grid, const MatrixXd& full, int64_t nb) {
  DistMatrix a(grid, full.rows(), full.cols(), nb, nb);
  test::scatter(full, a);
  return a;
}

double act(Activation a, double z) {
  switch (a) {
    case Activation::Relu:
      return std::max(z, 0.0);
    case Activation::Gelu:
      return 0.5 * z * (1 + std::erf(z / std::sqrt(2.0)));
    case Activation::Tanh:
      return std::tanh(z);
    case Activation::Identity:
      return z;
  }
  return z;
}

// Serial references on the gathered data.
double serial_cross_entropy(const MatrixXd& xs, const MatrixXd& x, const Eigen::VectorXd& b,
                            const std::vector<double>& labels) {
  const MatrixXd z = (xs * x.transpose()).rowwise() + b.transpose();
  double total = 0;
  for (int64_t i = 0; i < z.rows(); ++i) {
    const double top = z.row(i).maxCoeff();
    total += top + std::log((z.row(i).array() - top).exp().sum()) - z(i, static_cast<int64_t>(labels[i]));
  }
  return total / static_cast<double>(z.rows());
}

double serial_activation(const MatrixXd& xs, const MatrixXd& x, const MatrixXd& w, const Eigen::VectorXd& b,
                         Activation a) {
  const MatrixXd z = (xs * x.transpose()).rowwise() + b.transpose();
  const MatrixXd zw = (xs * w.transpose()).rowwise() + b.transpose();
  return z.unaryExpr([&](double v) { return act(a, v); })
             .binaryExpr(zw.unaryExpr([&](double v) { return act(a, v); }), std::minus<double>())
             .squaredNorm() /
         static_cast<double>(z.size());
}

struct Case {
  MatrixXd w, xs, l, r, dl;
  Eigen::VectorXd b;
  std::vector<double> labels;
};

Case make_case() {
  Case c;
  c.w = random_matrix(kM, kN, 1);
  c.xs = random_matrix(kS, kN, 2);
  c.l = random_matrix(kM, kK, 3) * 0.5;
  c.r = random_matrix(kN, kK, 4) * 0.5;
  c.dl = random_matrix(kM, kK, 5);
  c.b = random_matrix(kM, 1, 6).col(0);
  for (int64_t i = 0; i < kS; ++i) c.labels.push_back(static_cast<double>((i * 7 + 3) % kM));
  return c;
}

std::vector<double> as_vector(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

// The derivative along X -> (L + h dL) R^T: <G, dL R^T> against the central difference.
void check_loss(const TaskLoss& loss, const Case& c, const GridPtr& grid, int64_t nb, double serial_value) {
  const Factors x{distributed(grid, c.l, nb), distributed(grid, c.r, nb)};
  const LossEvaluation at_x = loss.at(x, true);
  CHECK(std::abs(at_x.loss - serial_value) <= 1e-12 * std::max(1.0, std::abs(serial_value)));
  const MatrixXd gradient = test::gather(at_x.gradient);
  const double analytic = (gradient.array() * (c.dl * c.r.transpose()).array()).sum();
  const double h = 1e-5;
  const Factors plus{distributed(grid, c.l + h * c.dl, nb), distributed(grid, c.r, nb)};
  const Factors minus{distributed(grid, c.l - h * c.dl, nb), distributed(grid, c.r, nb)};
  const double numeric = (loss.at(plus, false).loss - loss.at(minus, false).loss) / (2 * h);
  INFO("analytic " << analytic << ", finite difference " << numeric);
  CHECK(std::abs(analytic - numeric) <= 1e-6 * std::max(1.0, std::abs(numeric)));
}

}  // namespace

TEST_CASE("classifier and activation losses: values and gradients across grids and block sizes", "[joint][measured]") {
  const Case c = make_case();
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {1, 2, 3, 7, 64}) {
      INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << nb);
      const DistMatrix w = distributed(grid, c.w, nb);
      const SampleLoss classifier = SampleLoss::classifier(w, distributed(grid, c.xs, nb), c.labels, as_vector(c.b));
      check_loss(classifier, c, grid, nb, serial_cross_entropy(c.xs, c.l * c.r.transpose(), c.b, c.labels));
      CHECK(std::abs(classifier.at_original() - serial_cross_entropy(c.xs, c.w, c.b, c.labels)) <= 1e-12);
      for (Activation a : {Activation::Relu, Activation::Gelu, Activation::Tanh, Activation::Identity}) {
        INFO("activation " << activation_name(a));
        const SampleLoss matching = SampleLoss::activation(w, distributed(grid, c.xs, nb), as_vector(c.b), a);
        check_loss(matching, c, grid, nb, serial_activation(c.xs, c.l * c.r.transpose(), c.w, c.b, a));
        CHECK(matching.at_original() == 0.0);
      }
    }
  }
}

TEST_CASE("measured losses refuse labels out of range and misshapen data", "[joint][measured]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const Case c = make_case();
  const DistMatrix w = distributed(grid, c.w, 2);
  std::vector<double> bad = c.labels;
  bad[3] = static_cast<double>(kM);
  CHECK_THROWS_AS(SampleLoss::classifier(w, distributed(grid, c.xs, 2), bad, {}), InputError);
  CHECK_THROWS_AS(SampleLoss::activation(w, distributed(grid, c.xs.leftCols(kN - 1), 2), {}, Activation::Tanh),
                  InputError);
  CHECK_THROWS_AS(parse_activation("sigmoid"), InputError);
}

TEST_CASE("trust-region steps never raise the measured objective and keep the error bound", "[joint][measured]") {
  const Case c = make_case();
  for (const GridShape& shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    const int64_t nb = 2;
    const DistMatrix w = distributed(grid, c.w, nb);
    const double w_norm_squared = squared_norm(w);
    const InitialFactors start = initial_factors(w, 2, w_norm_squared);
    const SampleLoss classifier = SampleLoss::classifier(w, distributed(grid, c.xs, nb), c.labels, as_vector(c.b));
    const SampleLoss matching =
        SampleLoss::activation(w, distributed(grid, c.xs, nb), as_vector(c.b), Activation::Tanh);
    const MeasuredProblem problem{w, w_norm_squared, {}};
    for (const TaskLoss* loss : {static_cast<const TaskLoss*>(&classifier), static_cast<const TaskLoss*>(&matching)}) {
      for (bool lossless : {true, false}) {
        INFO(loss->name() << (lossless ? " lossless" : " penalty") << " on " << shape.prows << "x" << shape.pcols);
        MeasuredOptions options;
        options.max_evaluations = 25;
        if (lossless) {
          options.recon_bound = 1.3 * start.recon_error;
        } else {
          options.alpha = 1;
          options.beta = 10;
        }
        const MeasuredResult result = solve_measured(problem, *loss, start.factors, options);
        for (size_t i = 1; i < result.history.size(); ++i) {
          CHECK(result.history[i].objective < result.history[i - 1].objective);
        }
        CHECK(result.loss == loss->at(result.factors, false).loss);
        if (lossless) {
          CHECK(result.recon_error <= options.recon_bound * (1 + 1e-12));
          CHECK(result.loss < result.history.front().task_loss);  // the bound leaves room: some step is taken
        }
        CHECK(result.evaluations <= options.max_evaluations);
      }
    }
  }
}
