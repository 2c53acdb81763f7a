// Fixed accuracy (randQB_EI): the tolerance is met, and k is at most 10% above the optimal k that the
// exact SVD gives, on several grids and block sizes.
#include <catch2/catch.hpp>

#include "jointfact/svd/truncated_svd.hpp"
#include "svd/rank_selection.hpp"
#include "svd_test_support.hpp"

using namespace jf;

namespace {

svd::SvdOptions to_tolerance(double tol, int64_t block_columns = 0) {
  svd::SvdOptions options;
  options.tol = tol;
  options.block_columns = block_columns;
  return options;
}

std::vector<double> to_vector(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }

}  // namespace

TEST_CASE("--tol reaches the requested accuracy with k <= 1.1 optimal k", "[svd][tol]") {
  struct Case {
    const char* name;
    std::vector<double> spectrum;
    double tol;
  };
  const int64_t m = 210, n = 160;
  const std::vector<Case> cases = {{"1/(i+1)", svd_test::polynomial_spectrum(n, 1.0), 0.1},
                                   {"1/(i+1)^2", svd_test::polynomial_spectrum(n, 2.0), 0.01},
                                   {"0.9^i", svd_test::geometric_spectrum(n, 0.9), 1e-3},
                                   {"0.7^i", svd_test::geometric_spectrum(n, 0.7), 1e-6}};
  for (const Case& c : cases) {
    const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(m, n, c.spectrum, 50);
    const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
    const int64_t optimal_k = svd::optimal_rank_from_spectrum(to_vector(reference), c.tol);
    int64_t largest_k = 0;
    double largest_error = 0;
    for (const GridShape shape : test::grids_fitting(test::world_size())) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      for (int64_t nb : {int64_t{3}, int64_t{64}}) {
        const svd::TruncatedSvd result =
            svd::truncated_svd(svd_test::distribute(a_full, grid, nb), to_tolerance(c.tol));
        const int64_t k = static_cast<int64_t>(result.s.size());
        const double error = svd_test::reconstruction_error(a_full, result) / a_full.norm();
        INFO(c.name << " tol " << c.tol << " grid " << shape.prows << "x" << shape.pcols << " nb " << nb << ": k " << k
                    << " (optimal " << optimal_k << ", basis " << result.basis_columns << "), error " << error);
        CHECK(error <= c.tol);
        CHECK(k >= optimal_k);
        CHECK(k <= 1.1 * optimal_k);
        // The reported estimate is the true error (Q orthonormal, B = Q^T A) up to rounding.
        CHECK(std::abs(result.quality.tail_energy - error) <= 1e-6 * c.tol + 1e-7);
        CHECK(result.quality.orthogonality_u < 1e-12);
        CHECK(result.quality.orthogonality_v < 1e-12);
        largest_k = std::max(largest_k, k);
        largest_error = std::max(largest_error, error);
      }
    }
    if (test::world_rank() == 0) {
      WARN(c.name << " tol " << c.tol << ": optimal k " << optimal_k << ", largest k " << largest_k
                  << ", largest error " << largest_error);
    }
  }
}

TEST_CASE("fixed accuracy: block size does not change k much, a tiny block still works", "[svd][tol]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(120, 90, svd_test::polynomial_spectrum(90, 1.0), 60);
  const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
  const int64_t optimal_k = svd::optimal_rank_from_spectrum(to_vector(reference), 0.15);
  for (int64_t block : {1, 5, 17, 90}) {
    const svd::TruncatedSvd result =
        svd::truncated_svd(svd_test::distribute(a_full, grid, 7), to_tolerance(0.15, block));
    const int64_t k = static_cast<int64_t>(result.s.size());
    INFO("block columns " << block << ": k " << k << " optimal " << optimal_k << " basis " << result.basis_columns);
    CHECK(svd_test::reconstruction_error(a_full, result) <= 0.15 * a_full.norm());
    CHECK(k <= 1.1 * optimal_k);
    CHECK(result.basis_columns <= 90);
  }
}

TEST_CASE("fixed accuracy on an exactly low-rank matrix stops at its rank; the zero matrix gives k = 1", "[svd][tol]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(80, 60, {5.0, 4.0, 3.0, 2.0, 1.0}, 70);
  const svd::TruncatedSvd result = svd::truncated_svd(svd_test::distribute(a_full, grid, 8), to_tolerance(1e-6));
  REQUIRE(result.s.size() == 5);
  REQUIRE(svd_test::reconstruction_error(a_full, result) <= 1e-12 * a_full.norm());
  const svd::TruncatedSvd zero = svd::truncated_svd(DistMatrix(grid, 30, 20, 4, 4), to_tolerance(0.1));
  REQUIRE(zero.s.size() == 1);
  REQUIRE(zero.s[0] == 0.0);
}
