// The divide-and-conquer exact path (pdgeqrf + pdgebrd, dbdsdc on the replicated bidiagonal, pdormbr /
// pdormqr on the k leading vectors) against LAPACK (Eigen BDCSVD on the gathered matrix): tall, wide,
// square, QR-first and degenerate shapes on every grid and block size, a spectrum spanning 15 decades (no
// accuracy lost on the small singular values, unlike a Gram-matrix route), rank-deficient and zero
// matrices, and agreement with the pdgesvd reference.
#include <catch2/catch.hpp>

#include "jointfact/core/error.hpp"
#include "jointfact/svd/truncated_svd.hpp"
#include "svd/bidiagonal_svd.hpp"
#include "svd/golub_kahan.hpp"
#include "svd_test_support.hpp"

using namespace jf;
using jf::test::gather;

namespace {

struct Shape {
  int64_t m, n;
};

// LAPACK-style acceptance of a truncated SVD of a_full, with the thresholds of the exact-mode tests.
void check_against_lapack(const Eigen::MatrixXd& a_full, const svd::TruncatedSvd& result, int64_t k) {
  const int64_t m = a_full.rows(), n = a_full.cols(), max_dim = std::max(m, n);
  const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
  REQUIRE(result.s.size() == static_cast<size_t>(k));
  REQUIRE(result.u.rows() == m);
  REQUIRE(result.u.cols() == k);
  REQUIRE(result.v.rows() == n);
  REQUIRE(result.v.cols() == k);
  const Eigen::VectorXd s = svd_test::singular_values(result);
  const double scale = std::max(reference(0), 1e-300);
  const double value_error = (s - reference.head(k)).cwiseAbs().maxCoeff() / (scale * max_dim * test::kEps);
  CHECK(value_error < 10.0);
  for (int64_t i = 1; i < k; ++i) CHECK(s(i) <= s(i - 1));
  CHECK(result.quality.residual / (max_dim * test::kEps) < 10.0);
  CHECK(result.quality.orthogonality_u / (m * test::kEps) < 10.0);
  CHECK(result.quality.orthogonality_v / (n * test::kEps) < 10.0);
  const double error = svd_test::reconstruction_error(a_full, result);
  CHECK(std::abs(error - svd_test::optimal_error(reference, k)) /
            (std::max(a_full.norm(), 1e-300) * max_dim * test::kEps) <
        10.0);
}

// The new path alone (no dispatch), with the quality measured as truncated_svd would.
svd::TruncatedSvd dc_svd(const DistMatrix& a, int64_t k) {
  svd::TruncatedSvd result = svd::exact_truncated_svd(a, k);
  svd::measure_quality(a, result);
  return result;
}

}  // namespace

TEST_CASE("divide-and-conquer exact SVD: tall, wide, QR-first and ragged shapes on every grid and block",
          "[svd][exact][dc]") {
  // 100 x 23 and 31 x 25 take the QR-first branch (rows >= 1.2 cols), 29 x 25 and 33 x 33 do not; the
  // transposes take the m < n branch; 1 x 9 and 9 x 1 have an empty superdiagonal.
  const std::vector<Shape> shapes = {{100, 23}, {23, 100}, {31, 25}, {25, 31}, {29, 25},
                                     {25, 29},  {33, 33},  {1, 9},   {9, 1}};
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : svd_test::svd_block_sizes()) {
      for (const Shape dims : shapes) {
        DistMatrix a(grid, dims.m, dims.n, nb, nb);
        fill_normal(a, 7, kStreamUser + 11);
        const Eigen::MatrixXd a_full = gather(a);
        const int64_t r = std::min(dims.m, dims.n);
        for (int64_t k : {int64_t{1}, std::max<int64_t>(1, r / 2), r}) {
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " " << dims.m << "x" << dims.n << " k "
                       << k);
          const svd::TruncatedSvd result = dc_svd(a, k);
          REQUIRE(result.u.row_block() == nb);
          check_against_lapack(a_full, result, k);
          REQUIRE(result.basis_columns == r);
          REQUIRE(gather(a) == a_full);  // the input is not modified
        }
      }
    }
  }
}

TEST_CASE("divide-and-conquer exact SVD with rectangular blocks returns factors in A's row block", "[svd][exact][dc]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (const Shape dims : {Shape{53, 31}, Shape{31, 53}, Shape{90, 20}}) {
      DistMatrix a(grid, dims.m, dims.n, 5, 8);
      fill_normal(a, 8, kStreamUser + 12);
      const Eigen::MatrixXd a_full = gather(a);
      const int64_t k = std::min<int64_t>(12, std::min(dims.m, dims.n));
      INFO("grid " << shape.prows << "x" << shape.pcols << " " << dims.m << "x" << dims.n);
      const svd::TruncatedSvd result = dc_svd(a, k);
      REQUIRE(result.u.row_block() == 5);
      REQUIRE(result.u.col_block() == 5);
      REQUIRE(result.v.row_block() == 5);
      check_against_lapack(a_full, result, k);
    }
  }
}

TEST_CASE("divide-and-conquer exact SVD keeps the small singular values of a 15-decade spectrum",
          "[svd][exact][dc][accuracy]") {
  // s_i = 10^(-i/4): s_59 = 10^-14.75. A Gram-matrix route (eigenvalues of A^T A) would get every value
  // below ~1e-8 s_0 wrong by ~eps s_0^2 / s_i, i.e. up to 1e-2 s_0 here; the bound below is 1e-13 s_0.
  std::vector<double> spectrum(60);
  for (int64_t i = 0; i < 60; ++i) spectrum[i] = std::pow(10.0, -static_cast<double>(i) / 4.0);
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (const Shape dims : {Shape{80, 60}, Shape{60, 80}, Shape{200, 60}}) {
      const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(dims.m, dims.n, spectrum, 30);
      for (int64_t nb : {int64_t{3}, int64_t{16}}) {
        const DistMatrix a = svd_test::distribute(a_full, grid, nb);
        for (int64_t k : {int64_t{20}, int64_t{60}}) {
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " " << dims.m << "x" << dims.n << " k "
                       << k);
          const svd::TruncatedSvd result = dc_svd(a, k);
          check_against_lapack(a_full, result, k);
          // Against the prescribed spectrum too (A carries it up to rounding of the product).
          const int64_t max_dim = std::max(dims.m, dims.n);
          for (int64_t i = 0; i < k; ++i) {
            CHECK(std::abs(result.s[i] - spectrum[i]) / (max_dim * test::kEps) < 10.0);
          }
        }
      }
    }
  }
}

TEST_CASE("divide-and-conquer exact SVD of rank-deficient and zero matrices stays orthonormal", "[svd][exact][dc]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    const Eigen::MatrixXd low_rank = svd_test::matrix_with_spectrum(45, 30, {3.0, 2.0, 2.0, 1.0}, 40);
    for (const Eigen::MatrixXd& a_full : {low_rank, Eigen::MatrixXd(Eigen::MatrixXd::Zero(30, 45))}) {
      const DistMatrix a = svd_test::distribute(a_full, grid, 16);
      INFO("grid " << shape.prows << "x" << shape.pcols << " " << a_full.rows() << "x" << a_full.cols());
      const svd::TruncatedSvd result = dc_svd(a, 30);
      const Eigen::VectorXd reference = Eigen::BDCSVD<Eigen::MatrixXd>(a_full).singularValues();
      const Eigen::VectorXd s = svd_test::singular_values(result);
      CHECK((s - reference.head(30)).cwiseAbs().maxCoeff() <= 10.0 * 45 * test::kEps * std::max(reference(0), 1.0));
      CHECK(result.quality.orthogonality_u / (45 * test::kEps) < 10.0);
      CHECK(result.quality.orthogonality_v / (45 * test::kEps) < 10.0);
      CHECK(svd_test::reconstruction_error(a_full, result) <= 10.0 * 45 * test::kEps * std::max(a_full.norm(), 1.0));
    }
  }
}

TEST_CASE("the exact path and the pdgesvd reference agree, vectors included", "[svd][exact][dc][pdgesvd]") {
  // Well-separated singular values, so the vectors are determined to ~eps / gap; the sign convention of
  // truncated_svd makes them comparable entry by entry.
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (const Shape dims : {Shape{50, 30}, Shape{30, 50}, Shape{120, 30}}) {
      const Eigen::MatrixXd a_full =
          svd_test::matrix_with_spectrum(dims.m, dims.n, svd_test::geometric_spectrum(30, 0.7), 50);
      const DistMatrix a = svd_test::distribute(a_full, grid, 16);
      svd::SvdOptions options;
      options.rank = 12;
      options.method = svd::Method::Exact;
      const svd::TruncatedSvd fast = svd::truncated_svd(a, options);
      options.method = svd::Method::ExactPdgesvd;
      const svd::TruncatedSvd reference = svd::truncated_svd(a, options);
      INFO("grid " << shape.prows << "x" << shape.pcols << " " << dims.m << "x" << dims.n);
      CHECK((svd_test::singular_values(fast) - svd_test::singular_values(reference)).cwiseAbs().maxCoeff() < 1e-13);
      CHECK((gather(fast.u) - gather(reference.u)).cwiseAbs().maxCoeff() < 1e-11);
      CHECK((gather(fast.v) - gather(reference.v)).cwiseAbs().maxCoeff() < 1e-11);
    }
  }
}

TEST_CASE("the per-method exact functions refuse ranks outside [1, min(m, n)]", "[svd][exact][options]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix a(grid, 20, 12, 4, 4);
  fill_normal(a, 9, kStreamUser + 13);
  REQUIRE_THROWS_AS(svd::exact_truncated_svd(a, 0), InputError);
  REQUIRE_THROWS_AS(svd::exact_truncated_svd(a, 13), InputError);
  REQUIRE_THROWS_AS(svd::pdgesvd_truncated_svd(a, 0), InputError);
  REQUIRE_THROWS_AS(svd::pdgesvd_truncated_svd(a, 13), InputError);
  REQUIRE_THROWS_AS(svd::bidiagonal_dc_svd(a, [](const std::vector<double>&) { return int64_t{13}; }), InputError);
  // Nobody was left inside a collective.
  REQUIRE(svd::exact_truncated_svd(a, 12).s.size() == 12);
  REQUIRE(svd::pdgesvd_truncated_svd(a, 12).s.size() == 12);
}

TEST_CASE("the distributed Golub-Kahan route: leading vectors at LAPACK accuracy on every grid and block",
          "[svd][exact][dc][golub-kahan]") {
  // k <= min(m, n) / 4 and no tiny wanted singular value: the vectors come from pdstebz + pdstein on the
  // Golub-Kahan tridiagonal, never an r x r matrix. Random spectra (close neighbours), an exactly repeated
  // cluster (3, 2, 2, 2, 1) that inverse iteration must reorthogonalize, QR-first and wide shapes.
  const Eigen::MatrixXd clustered = svd_test::matrix_with_spectrum(70, 44, {3.0, 2.0, 2.0, 2.0, 1.0, 0.5}, 60);
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {int64_t{1}, int64_t{3}, int64_t{7}, int64_t{64}}) {
      for (const Shape dims : {Shape{97, 61}, Shape{61, 97}, Shape{150, 40}, Shape{48, 48}}) {
        DistMatrix a(grid, dims.m, dims.n, nb, nb);
        fill_normal(a, 21, kStreamUser + 14);
        const Eigen::MatrixXd a_full = gather(a);
        const int64_t r = std::min(dims.m, dims.n);
        for (int64_t k : {int64_t{1}, int64_t{5}, r / 4}) {
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " " << dims.m << "x" << dims.n << " k "
                       << k);
          svd::BidiagonalRoute route;
          svd::TruncatedSvd result = svd::bidiagonal_dc_svd(
              a, [k](const std::vector<double>&) { return k; }, &route);
          svd::measure_quality(a, result);
          INFO(route.reason);
          CHECK(route.distributed);
          check_against_lapack(a_full, result, k);
        }
      }
      const DistMatrix a = svd_test::distribute(clustered, grid, nb);
      for (int64_t k : {int64_t{4}, int64_t{6}}) {
        INFO("clustered, grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " k " << k);
        svd::BidiagonalRoute route;
        svd::TruncatedSvd result = svd::bidiagonal_dc_svd(
            a, [k](const std::vector<double>&) { return k; }, &route);
        svd::measure_quality(a, result);
        CHECK(route.distributed);
        check_against_lapack(clustered, result, k);
      }
    }
  }
}

TEST_CASE("the exact path says which route it took and keeps tiny singular values on the replicated one",
          "[svd][exact][dc][golub-kahan]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  std::vector<double> spectrum(40);
  for (int64_t i = 0; i < 40; ++i) spectrum[i] = std::pow(10.0, -static_cast<double>(i) / 2.0);
  const Eigen::MatrixXd a_full = svd_test::matrix_with_spectrum(90, 40, spectrum, 61);
  const DistMatrix a = svd_test::distribute(a_full, grid, 8);
  svd::BidiagonalRoute route;
  // s_3 = 10^-1.5 >= s_1 / 80: distributed. s_10 = 10^-4.5: tiny, replicated.
  svd::TruncatedSvd few = svd::bidiagonal_dc_svd(
      a, [](const std::vector<double>&) { return int64_t{4}; }, &route);
  CHECK(route.distributed);
  svd::measure_quality(a, few);
  check_against_lapack(a_full, few, 4);
  svd::TruncatedSvd tiny = svd::bidiagonal_dc_svd(
      a, [](const std::vector<double>&) { return int64_t{10}; }, &route);
  CHECK_FALSE(route.distributed);
  CHECK(route.reason.find("tiny") != std::string::npos);
  svd::measure_quality(a, tiny);
  check_against_lapack(a_full, tiny, 10);
  svd::bidiagonal_dc_svd(
      a, [](const std::vector<double>&) { return int64_t{11}; }, &route);
  CHECK_FALSE(route.distributed);
}

TEST_CASE("the divide-and-conquer Golub-Kahan route: many leading vectors on every grid and block",
          "[dc-route][svd][exact][golub-kahan]") {
  // pdstedc on the whole Golub-Kahan tridiagonal, forced (the estimates pick it on many ranks with large
  // clusters). A 1-decade spectrum (s_k / s_1 >= 1 / (2r), so nothing is tiny) with a repeated value, and
  // random matrices.
  std::vector<double> spectrum(40);
  for (int64_t i = 0; i < 40; ++i) spectrum[i] = std::pow(10.0, -static_cast<double>(i) / 40.0);
  spectrum[5] = spectrum[6] = spectrum[7];
  const Eigen::MatrixXd graded = svd_test::matrix_with_spectrum(75, 40, spectrum, 62);
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {int64_t{1}, int64_t{3}, int64_t{7}, int64_t{64}}) {
      // 150 x 97 with blocks of 64: the tridiagonal (order 194, blocks of 128) leaves a 3 x 1 grid's last
      // process row without rows, where pdstedc's own workspace query falls short.
      for (const Shape dims : {Shape{97, 61}, Shape{61, 97}, Shape{150, 40}, Shape{150, 97}}) {
        DistMatrix a(grid, dims.m, dims.n, nb, nb);
        fill_normal(a, 23, kStreamUser + 15);
        const Eigen::MatrixXd a_full = gather(a);
        const int64_t r = std::min(dims.m, dims.n);
        for (int64_t k : {r / 2, r}) {
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " " << dims.m << "x" << dims.n << " k "
                       << k);
          svd::BidiagonalRoute route;
          svd::TruncatedSvd result = svd::bidiagonal_dc_svd(
              a, [k](const std::vector<double>&) { return k; }, &route, svd::VectorRoute::DivideAndConquer);
          svd::measure_quality(a, result);
          INFO(route.reason);
          CHECK(route.taken == svd::VectorRoute::DivideAndConquer);
          check_against_lapack(a_full, result, k);
        }
      }
      const DistMatrix a = svd_test::distribute(graded, grid, nb);
      for (int64_t k : {int64_t{12}, int64_t{40}}) {
        INFO("graded, grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " k " << k);
        svd::BidiagonalRoute route;
        svd::TruncatedSvd result = svd::bidiagonal_dc_svd(
            a, [k](const std::vector<double>&) { return k; }, &route, svd::VectorRoute::DivideAndConquer);
        svd::measure_quality(a, result);
        INFO(route.reason);
        CHECK(route.taken == svd::VectorRoute::DivideAndConquer);
        check_against_lapack(graded, result, k);
      }
    }
  }
}

TEST_CASE("inverse iteration for many vectors: clusters, repeated values and a dense bulk on every grid and block",
          "[ii-route][svd][exact][golub-kahan]") {
  // pdstebz + pdstein forced for k up to r, where clusters are large: a dense bulk (every gap below
  // 1e-3 ||T||, one cluster of r vectors reorthogonalized on one process), values repeated exactly, a
  // tight cluster inside a spread spectrum, and random matrices (a Marchenko-Pastur bulk).
  std::vector<double> bulk(40), repeated(40), tight(40);
  for (int64_t i = 0; i < 40; ++i) {
    bulk[i] = 2.0 - 1e-5 * static_cast<double>(i);
    repeated[i] = i < 25 ? 1.0 : 0.5;
    tight[i] = std::pow(10.0, -static_cast<double>(i) / 40.0);
  }
  repeated[0] = 3.0;
  for (int64_t i = 10; i < 30; ++i) tight[i] = tight[10] * (1.0 - 1e-9 * static_cast<double>(i - 10));
  const std::vector<Eigen::MatrixXd> spectra = {svd_test::matrix_with_spectrum(75, 40, bulk, 63),
                                                svd_test::matrix_with_spectrum(40, 66, repeated, 65),
                                                svd_test::matrix_with_spectrum(52, 40, tight, 67)};
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {int64_t{1}, int64_t{3}, int64_t{7}, int64_t{64}}) {
      for (size_t which = 0; which < spectra.size(); ++which) {
        const DistMatrix a = svd_test::distribute(spectra[which], grid, nb);
        for (int64_t k : {int64_t{30}, int64_t{40}}) {
          INFO("spectrum " << which << ", grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " k " << k);
          svd::BidiagonalRoute route;
          svd::TruncatedSvd result = svd::bidiagonal_dc_svd(
              a, [k](const std::vector<double>&) { return k; }, &route, svd::VectorRoute::InverseIteration);
          svd::measure_quality(a, result);
          INFO(route.reason);
          CHECK(route.taken == svd::VectorRoute::InverseIteration);
          check_against_lapack(spectra[which], result, k);
        }
      }
      for (const Shape dims : {Shape{97, 61}, Shape{61, 97}}) {
        DistMatrix a(grid, dims.m, dims.n, nb, nb);
        fill_normal(a, 29, kStreamUser + 16);
        const Eigen::MatrixXd a_full = gather(a);
        INFO("random, grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " " << dims.m << "x" << dims.n);
        svd::BidiagonalRoute route;
        svd::TruncatedSvd result = svd::bidiagonal_dc_svd(
            a, [](const std::vector<double>&) { return int64_t{50}; }, &route, svd::VectorRoute::InverseIteration);
        svd::measure_quality(a, result);
        INFO(route.reason);
        CHECK(route.taken == svd::VectorRoute::InverseIteration);
        check_against_lapack(a_full, result, 50);
      }
    }
  }
}

TEST_CASE("the vector route is the least memory per rank among the accurate ones", "[svd][exact][golub-kahan]") {
  // B = diag(s) (e = 0), so ||T||_1 = s_1 and the clusters follow from the gaps alone.
  const int64_t r = 1000, r_spread = 500;
  std::vector<double> dense(r), spread(r_spread);
  for (int64_t i = 0; i < r; ++i) dense[i] = 2.0 - 1e-3 * static_cast<double>(i);          // gaps 1e-3 <= 2e-3
  for (int64_t i = 0; i < r_spread; ++i) spread[i] = 2.0 - 3e-3 * static_cast<double>(i);  // gaps 3e-3 > 2e-3
  const std::vector<double> zeros(r, 0.0);
  CHECK(svd::golub_kahan_largest_cluster(dense, zeros, dense, r) == r);
  CHECK(svd::golub_kahan_largest_cluster(dense, zeros, dense, 10) == 10);
  CHECK(svd::golub_kahan_largest_cluster(spread, zeros, spread, r_spread) == 1);

  // Well separated: inverse iteration holds 2r (4 k / P + 128) at most, below the others from 4 ranks on; on
  // one rank all r vectors cost more than dbdsdc's 5 r^2.
  CHECK(svd::choose_vector_route(spread, zeros, spread, r_spread, 1).taken == svd::VectorRoute::Replicated);
  svd::BidiagonalRoute route = svd::choose_vector_route(spread, zeros, spread, r_spread, 4);
  CHECK(route.taken == svd::VectorRoute::InverseIteration);
  CHECK(route.distributed);
  CHECK(route.reason.find("largest cluster of 1,") != std::string::npos);
  // One cluster of all r vectors: 2r (4 r / P + 2 r) on every rank. On one rank dbdsdc's 5 r^2 is less; on 16
  // ranks divide and conquer's 12 r^2 / 16; with few vectors wanted the cluster is small again.
  CHECK(svd::choose_vector_route(dense, zeros, dense, r, 1).taken == svd::VectorRoute::Replicated);
  route = svd::choose_vector_route(dense, zeros, dense, r, 16);
  CHECK(route.taken == svd::VectorRoute::DivideAndConquer);
  CHECK(route.reason.find("largest cluster of 1000") != std::string::npos);
  CHECK(svd::choose_vector_route(dense, zeros, dense, 20, 16).taken == svd::VectorRoute::InverseIteration);
  // Estimates: doubles per rank as documented.
  CHECK(svd::golub_kahan_divide_and_conquer_doubles(r, r, 16) == Approx((3.0 * 4e6 + 2e6) / 16 + 12000));
  CHECK(svd::golub_kahan_inverse_iteration_doubles(r, r, r, 4) == Approx(2000.0 * (4 * 250 + 2 * 1000) + 10000));
  // A tiny wanted singular value: only dbdsdc is accurate, whatever the memory.
  std::vector<double> graded = spread;
  graded[r_spread - 1] = 1e-6;
  route = svd::choose_vector_route(graded, zeros, graded, r_spread, 16);
  CHECK(route.taken == svd::VectorRoute::Replicated);
  CHECK(route.reason.find("tiny") != std::string::npos);
}
