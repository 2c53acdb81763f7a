// Both exact paths (Method::Exact, the divide-and-conquer route, and Method::ExactPdgesvd, ScaLAPACK
// pdgesvd, truncated) against LAPACK (Eigen BDCSVD on the gathered matrix): singular values, residual and
// orthogonality at LAPACK-style thresholds, over grids, blocks 3/16/64 and ragged shapes; and the tolerance
// variant picks the optimal k. test_bidiagonal_svd.cpp covers the divide-and-conquer route in more depth.
#include <catch2/catch.hpp>

#include "jointfact/svd/truncated_svd.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using jf::test::gather;

namespace {

const svd::Method kExactMethods[] = {svd::Method::Exact, svd::Method::ExactPdgesvd};

svd::SvdOptions exact_rank(svd::Method method, int64_t k) {
  svd::SvdOptions options;
  options.method = method;
  options.rank = k;
  return options;
}

}  // namespace

TEST_CASE("exact SVD matches LAPACK on every grid, block size and ragged shape", "[svd][exact]") {
  for (const svd::Method method : kExactMethods) {
    for (const GridShape shape : test::grids_fitting(test::world_size())) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      for (int64_t nb : svd_test::svd_block_sizes()) {
        for (auto dims : {std::pair<int64_t, int64_t>{47, 29}, {29, 47}, {33, 33}}) {
          const int64_t m = dims.first, n = dims.second, max_dim = std::max(m, n);
          DistMatrix a(grid, m, n, nb, nb);
          fill_normal(a, 5, kStreamUser + 1);
          const Eigen::MatrixXd a_full = gather(a);
          const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
          for (int64_t k : {int64_t{1}, int64_t{9}, std::min(m, n)}) {
            const svd::TruncatedSvd result = svd::truncated_svd(a, exact_rank(method, k));
            INFO(svd::method_name(method) << " grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " " << m
                                          << "x" << n << " k " << k);
            REQUIRE(result.s.size() == static_cast<size_t>(k));
            REQUIRE(result.u.rows() == m);
            REQUIRE(result.u.cols() == k);
            REQUIRE(result.v.rows() == n);
            REQUIRE(result.v.cols() == k);
            const Eigen::VectorXd s = svd_test::singular_values(result);
            // |s_i - s_i(LAPACK)| / (s_0 max(m, n) eps) < 10, i.e. well within 1e-12 * max(m, n) relative.
            const double value_error =
                (s - reference.head(k)).cwiseAbs().maxCoeff() / (reference(0) * max_dim * test::kEps);
            CHECK(value_error < 10.0);
            CHECK(result.quality.residual / (max_dim * test::kEps) < 10.0);
            CHECK(result.quality.orthogonality_u / (m * test::kEps) < 10.0);
            CHECK(result.quality.orthogonality_v / (n * test::kEps) < 10.0);
            // Truncation error equals the optimal one (Eckart-Young) at LAPACK-style precision.
            const double error = svd_test::reconstruction_error(a_full, result);
            CHECK(std::abs(error - svd_test::optimal_error(reference, k)) / (a_full.norm() * max_dim * test::kEps) <
                  10.0);
            REQUIRE(gather(a) == a_full);  // the input is not modified
          }
        }
      }
    }
  }
}

TEST_CASE("measure_quality agrees with the same figures computed serially", "[svd][quality]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix a(grid, 40, 25, 7, 7);
  fill_normal(a, 6, kStreamUser + 2);
  const Eigen::MatrixXd a_full = gather(a);
  // A deliberately imperfect factorization, so every figure is far from zero.
  svd::TruncatedSvd result{
      DistMatrix(grid, 40, 5, 7, 7), {3.0, 2.0, 1.5, 1.0, 0.5}, DistMatrix(grid, 25, 5, 7, 7), {}, 5};
  fill_normal(result.u, 6, kStreamUser + 3);
  fill_normal(result.v, 6, kStreamUser + 4);
  svd::measure_quality(a, result);
  const Eigen::MatrixXd u = gather(result.u), v = gather(result.v);
  const Eigen::VectorXd s = svd_test::singular_values(result);
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(5, 5);
  CHECK(result.quality.residual == Approx((a_full * v - u * s.asDiagonal()).norm() / a_full.norm()).epsilon(1e-12));
  CHECK(result.quality.orthogonality_u == Approx((u.transpose() * u - identity).cwiseAbs().maxCoeff()).epsilon(1e-12));
  CHECK(result.quality.orthogonality_v == Approx((v.transpose() * v - identity).cwiseAbs().maxCoeff()).epsilon(1e-12));
  const double expected_tail = std::sqrt(std::max(0.0, a_full.squaredNorm() - s.squaredNorm())) / a_full.norm();
  CHECK(result.quality.tail_energy == Approx(expected_tail).epsilon(1e-12));
}

TEST_CASE("exact SVD to a tolerance picks the optimal rank and meets the tolerance", "[svd][exact][tol]") {
  for (const svd::Method method : kExactMethods) {
    for (const GridShape shape : test::grids_fitting(test::world_size())) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(60, 45, svd_test::polynomial_spectrum(45, 1.0), 10);
      const DistMatrix a = svd_test::distribute(a_full, grid, 16);
      const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
      for (double tol : {0.3, 0.1, 0.05}) {
        svd::SvdOptions options;
        options.method = method;
        options.tol = tol;
        const svd::TruncatedSvd result = svd::truncated_svd(a, options);
        const int64_t k = static_cast<int64_t>(result.s.size());
        INFO(svd::method_name(method) << " grid " << shape.prows << "x" << shape.pcols << " tol " << tol << " k " << k);
        REQUIRE(svd_test::optimal_error(reference, k) <= tol * a_full.norm());
        REQUIRE(svd_test::optimal_error(reference, k - 1) > tol * a_full.norm());  // k - 1 would not do
        CHECK(svd_test::reconstruction_error(a_full, result) <= tol * a_full.norm() * (1 + 1e-12));
      }
    }
  }
}
