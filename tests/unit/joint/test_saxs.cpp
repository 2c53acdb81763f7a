// SEC-SAXS-like data (seed 000, last section): D = C S^T + noise with two smooth elution profiles C and
// two smooth scattering curves S. Joint factorization with smoothness and
// non-negativity recovers the components; the plain SVD's singular vectors do not.
#include <catch2/catch.hpp>
#include <cmath>

#include "distributed/counter_random.hpp"
#include "joint/rowsum_objective.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"

using namespace jf;
using namespace jf::joint;
using Eigen::MatrixXd;

namespace {

struct SaxsTruth {
  MatrixXd elution;     // m x 2
  MatrixXd scattering;  // n x 2
};

// Two partly overlapping elution peaks; a globular particle's Guinier curve exp(-q^2 Rg^2 / 3) and a
// curve with a correlation peak (e.g. micelles). Each component has frames and q-ranges where the other
// is nearly zero, which is what makes the non-negative factorization identifiable at all.
SaxsTruth saxs_truth(int64_t m, int64_t n) {
  SaxsTruth truth{MatrixXd(m, 2), MatrixXd(n, 2)};
  for (int64_t i = 0; i < m; ++i) {
    const double t = static_cast<double>(i);
    truth.elution(i, 0) = std::exp(-0.5 * std::pow((t - 38.0) / 7.0, 2));
    truth.elution(i, 1) = 0.8 * std::exp(-0.5 * std::pow((t - 60.0) / 8.0, 2));
  }
  for (int64_t j = 0; j < n; ++j) {
    const double q = 0.005 + 0.295 * static_cast<double>(j) / static_cast<double>(n - 1);
    truth.scattering(j, 0) = std::exp(-q * q * 40.0 * 40.0 / 3.0);
    truth.scattering(j, 1) = 0.6 * std::exp(-0.5 * std::pow((q - 0.17) / 0.04, 2));
  }
  return truth;
}

double correlation(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  const Eigen::VectorXd ac = a.array() - a.mean(), bc = b.array() - b.mean();
  return ac.dot(bc) / (ac.norm() * bc.norm());
}

// The smaller of the two component correlations, under the better of the two pairings.
double matched_correlation(const MatrixXd& found, const MatrixXd& truth) {
  const double same = std::min(correlation(found.col(0), truth.col(0)), correlation(found.col(1), truth.col(1)));
  const double swapped = std::min(correlation(found.col(0), truth.col(1)), correlation(found.col(1), truth.col(0)));
  return std::max(same, swapped);
}

// The same for singular vectors, whose sign is arbitrary.
double matched_abs_correlation(const MatrixXd& found, const MatrixXd& truth) {
  auto c = [&](int a, int b) { return std::abs(correlation(found.col(a), truth.col(b))); };
  return std::max(std::min(c(0, 0), c(1, 1)), std::min(c(0, 1), c(1, 0)));
}

}  // namespace

TEST_CASE("SAXS-like data: smoothness and non-negativity recover the components", "[joint][saxs]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int64_t m = 100, n = 80, k = 2, nb = 16;
  const SaxsTruth truth = saxs_truth(m, n);
  const MatrixXd clean = truth.elution * truth.scattering.transpose();
  DistMatrix d(grid, m, n, nb, nb);
  const double noise = 0.005 * clean.maxCoeff();
  d.for_each_local(
      [&](int64_t i, int64_t j, double& v) { v = clean(i, j) + noise * counter_normal(77, kStreamUser + 7, i, j); });
  // The task term is switched off (lambda = 0): this is the regularised factorization of the seed.
  DistMatrix row_sums(grid, m, 1, nb, nb);
  const RowsumObjective objective(row_sums, m, n);
  const double d_norm_squared = squared_norm(d);
  const InitialFactors start = initial_factors(d, k, d_norm_squared);

  JointProblem problem{d, objective, d_norm_squared, 0.5, 0.5, true};
  const AlternatingSolver solver(problem);
  PenaltyOptions options;
  options.lambda = 0;
  options.tol = 1e-8;
  options.max_iterations = 200;  // the components settle long before the slow drift along flat directions ends
  const PenaltyResult result = solver.solve(nonnegative_start(start.factors), options);
  const MatrixXd l = test::gather(result.factors.l), r = test::gather(result.factors.r);
  const double elution_correlation = matched_correlation(l, truth.elution);
  const double scattering_correlation = matched_correlation(r, truth.scattering);
  const double svd_elution = matched_abs_correlation(test::gather(start.factors.l), truth.elution);
  const double svd_scattering = matched_abs_correlation(test::gather(start.factors.r), truth.scattering);
  INFO("joint: elution " << elution_correlation << ", scattering " << scattering_correlation << " ("
                         << result.iterations << " iterations); plain SVD: elution " << svd_elution << ", scattering "
                         << svd_scattering);
  CHECK(l.minCoeff() >= 0);
  CHECK(r.minCoeff() >= 0);
  CHECK(elution_correlation >= 0.99);
  CHECK(scattering_correlation >= 0.99);
  CHECK_FALSE(result.stalled);
  CHECK(test::largest_relative_increase(result.history) < test::kMonotoneTolerance);
  CHECK(svd_elution < 0.99);
}
