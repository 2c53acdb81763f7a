// The randomized SVD (Halko-Martinsson-Tropp): accurate singular values on a fast-decaying spectrum, no
// worse than a serial HMT with the same p, q and test matrix on a slow one, and the same factors (up to
// rounding) on any grid, block size and rank count for one seed.
#include <catch2/catch.hpp>

#include "jointfact/svd/truncated_svd.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using jf::test::gather;

namespace {

svd::SvdOptions randomized(int64_t k, int64_t p = 10, int64_t q = 2, uint64_t seed = 1) {
  svd::SvdOptions options;
  options.rank = k;
  options.oversample = p;
  options.power_iters = q;
  options.seed = seed;
  return options;
}

// The factors of a run, gathered (tests only), to compare runs on different layouts.
struct Factors {
  Eigen::MatrixXd u, v;
  Eigen::VectorXd s;
};

Factors gathered(const svd::TruncatedSvd& result) {
  return {gather(result.u), gather(result.v), svd_test::singular_values(result)};
}

}  // namespace

TEST_CASE("randomized SVD of s_i = 0.7^i, k = 20: top-k values within 1e-10; same factors on any layout",
          "[svd][randomized]") {
  const int64_t m = 230, n = 150, k = 20;
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, svd_test::geometric_spectrum(n, 0.7), 20);
  const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
  // Reference layout: one rank, default block.
  const Factors first =
      gathered(svd::truncated_svd(svd_test::distribute(a_full, make_grid(MPI_COMM_WORLD, {1, 1}), 64), randomized(k)));
  double worst_value_error = 0, worst_factor_difference = 0;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : svd_test::svd_block_sizes()) {
      const DistMatrix a = svd_test::distribute(a_full, grid, nb);
      const svd::TruncatedSvd result = svd::truncated_svd(a, randomized(k));
      INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb);
      REQUIRE(result.s.size() == static_cast<size_t>(k));
      REQUIRE(result.basis_columns == k + 10);
      const Factors factors = gathered(result);
      const double value_error = ((factors.s - reference.head(k)).array() / reference.head(k).array()).abs().maxCoeff();
      CHECK(value_error < 1e-10);
      CHECK(result.quality.orthogonality_u < 1e-13);
      CHECK(result.quality.orthogonality_v < 1e-13);
      // The rank-k error is the optimal one to many digits (the spectrum decays fast).
      CHECK(svd_test::reconstruction_error(a_full, result) <= svd_test::optimal_error(reference, k) * (1 + 1e-6));
      const double factor_difference =
          std::max({(factors.u - first.u).cwiseAbs().maxCoeff(), (factors.v - first.v).cwiseAbs().maxCoeff(),
                    ((factors.s - first.s).array() / first.s.array()).abs().maxCoeff()});
      CHECK(factor_difference < 1e-12);
      worst_value_error = std::max(worst_value_error, value_error);
      worst_factor_difference = std::max(worst_factor_difference, factor_difference);
    }
  }
  if (test::world_rank() == 0) {
    WARN("0.7^i: worst relative singular value error " << worst_value_error << ", worst difference between layouts "
                                                       << worst_factor_difference);
  }
}

TEST_CASE("randomized SVD on a slowly decaying spectrum is no worse than serial HMT with the same p, q",
          "[svd][randomized]") {
  const int64_t m = 200, n = 140;
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, svd_test::polynomial_spectrum(n, 0.5), 30);
  const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (auto kpq : {std::array<int64_t, 3>{10, 10, 2}, {25, 5, 0}, {25, 10, 1}}) {
      const int64_t k = kpq[0], p = kpq[1], q = kpq[2];
      const DistMatrix a = svd_test::distribute(a_full, grid, 16);
      const svd::TruncatedSvd result = svd::truncated_svd(a, randomized(k, p, q, 7));
      const double error = svd_test::reconstruction_error(a_full, result);
      const double serial = svd_test::serial_hmt_error(a_full, k, p, q, 7);
      INFO("grid " << shape.prows << "x" << shape.pcols << " k " << k << " p " << p << " q " << q << ": error " << error
                   << ", serial HMT " << serial << ", optimal " << svd_test::optimal_error(reference, k));
      CHECK(error <= serial * (1 + 1e-10));
      CHECK(error >= svd_test::optimal_error(reference, k) * (1 - 1e-12));  // sanity: no better than optimal
      // Rayleigh-Ritz: A^T U = V S holds exactly for the computed triplets (A V = U S only approximately).
      const Eigen::MatrixXd u = gather(result.u), v = gather(result.v);
      const double ritz_residual = (a_full.transpose() * u - v * svd_test::singular_values(result).asDiagonal()).norm();
      CHECK(test::scaled_residual(ritz_residual, a_full.norm(), m, n) < 10.0);
    }
  }
}

TEST_CASE("a wide dynamic range (s_i = 0.4^i, q = 3) keeps every value accurate to rounding relative to s_0",
          "[svd][randomized]") {
  // s_19 / s_0 = 3e-8: power iterations without re-orthonormalisation would mix such directions into
  // rounding noise; with a QR after every product each value stays accurate to ~eps s_0.
  const int64_t m = 120, n = 80, k = 20;
  const std::vector<double> spectrum = svd_test::geometric_spectrum(n, 0.4);
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, spectrum, 45);
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    const svd::TruncatedSvd result =
        svd::truncated_svd(svd_test::distribute(a_full, make_grid(MPI_COMM_WORLD, shape), 16), randomized(k, 10, 3));
    const Eigen::VectorXd expected = Eigen::Map<const Eigen::VectorXd>(spectrum.data(), k);
    INFO("grid " << shape.prows << "x" << shape.pcols);
    CHECK((svd_test::singular_values(result) - expected).cwiseAbs().maxCoeff() / expected(0) < 1e-13);
  }
}

TEST_CASE("a different seed gives a different sketch but the same converged answer", "[svd][randomized]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(90, 70, svd_test::geometric_spectrum(70, 0.5), 40);
  const DistMatrix a = svd_test::distribute(a_full, grid, 8);
  const Factors one = gathered(svd::truncated_svd(a, randomized(5, 10, 2, 1)));
  const Factors two = gathered(svd::truncated_svd(a, randomized(5, 10, 2, 2)));
  REQUIRE(((one.s - two.s).array() / one.s.array()).abs().maxCoeff() < 1e-12);
  REQUIRE((one.u - two.u).cwiseAbs().maxCoeff() < 1e-10);  // the sign convention makes vectors comparable
}

TEST_CASE("randomized SVD with k + p beyond min(m, n) uses the whole space and is exact", "[svd][randomized]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix a(grid, 37, 12, 5, 5);
  fill_normal(a, 3, kStreamUser + 5);
  const Eigen::MatrixXd a_full = gather(a);
  const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
  const svd::TruncatedSvd result = svd::truncated_svd(a, randomized(12, 10, 0));
  REQUIRE(result.basis_columns == 12);
  REQUIRE((svd_test::singular_values(result) - reference).cwiseAbs().maxCoeff() / (reference(0) * 37 * test::kEps) <
          10);
  REQUIRE(result.quality.residual / (37 * test::kEps) < 10);
}
