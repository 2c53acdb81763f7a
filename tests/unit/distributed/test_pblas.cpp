// The ScaLAPACK/PBLAS wrappers against Eigen on gathered small matrices, over the grids and block sizes
// of the testing conventions (ragged shapes, blocks of 1-7, grids with idle ranks).
#include <catch2/catch.hpp>

#include "../test_support.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/fortran_int.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/pblas.hpp"

using namespace jf;
using jf::test::gather;

namespace {

DistMatrix random_matrix(const GridPtr& grid, int64_t m, int64_t n, int64_t nb, uint64_t stream) {
  DistMatrix a(grid, m, n, nb, nb);
  fill_normal(a, 7, kStreamUser + stream);
  return a;
}

}  // namespace

TEST_CASE("gemm matches Eigen for every transpose combination, grid and block size", "[dist][pblas]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : test::block_sizes()) {
      const int64_t m = 23, n = 17, k = 11;
      for (Op op_a : {Op::None, Op::Trans})
        for (Op op_b : {Op::None, Op::Trans}) {
          DistMatrix a = op_a == Op::None ? random_matrix(grid, m, k, nb, 1) : random_matrix(grid, k, m, nb, 1);
          DistMatrix b = op_b == Op::None ? random_matrix(grid, k, n, nb, 2) : random_matrix(grid, n, k, nb, 2);
          DistMatrix c = random_matrix(grid, m, n, nb, 3);
          const Eigen::MatrixXd a_full = gather(a), b_full = gather(b), c_full = gather(c);
          gemm(op_a, op_b, 1.5, a, b, -0.5, c);
          const Eigen::MatrixXd op_a_full = op_a == Op::None ? a_full : Eigen::MatrixXd(a_full.transpose());
          const Eigen::MatrixXd op_b_full = op_b == Op::None ? b_full : Eigen::MatrixXd(b_full.transpose());
          const Eigen::MatrixXd expected = 1.5 * op_a_full * op_b_full - 0.5 * c_full;
          const double residual = (gather(c) - expected).norm();
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb);
          REQUIRE(test::scaled_residual(residual, op_a_full.norm() * op_b_full.norm(), m, n) < 10.0);
        }
    }
  }
}

TEST_CASE("gemm on sub-matrices touches only the target block", "[dist][pblas]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    const int64_t nb = 3;
    DistMatrix a = random_matrix(grid, 20, 15, nb, 4), b = random_matrix(grid, 15, 12, nb, 5);
    DistMatrix c = random_matrix(grid, 20, 12, nb, 6);
    const Eigen::MatrixXd a_full = gather(a), b_full = gather(b), c_before = gather(c);
    // C(2:9, 4:10) = A(1:8, 3:8) * B(5:10, 0:6)^... : m = 8, n = 7, k = 6
    gemm_sub(Op::None, Op::None, 8, 7, 6, 1.0, a, 1, 3, b, 5, 0, 0.0, c, 2, 4);
    Eigen::MatrixXd expected = c_before;
    expected.block(2, 4, 8, 7) = a_full.block(1, 3, 8, 6) * b_full.block(5, 0, 6, 7);
    REQUIRE(test::scaled_residual((gather(c) - expected).norm(), a_full.norm() * b_full.norm(), 20, 12) < 10.0);
  }
}

TEST_CASE("QR through the wrappers gives an orthonormal basis of the same span", "[dist][pblas]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {int64_t{2}, int64_t{7}, int64_t{64}}) {
      const int64_t m = 41, n = 9;
      DistMatrix a = random_matrix(grid, m, n, nb, 7);
      const Eigen::MatrixXd a_full = gather(a);
      DistMatrix q = random_matrix(grid, m, n, nb, 7);
      orthonormalize_columns(q);
      const Eigen::MatrixXd q_full = gather(q);
      const double orthogonality =
          (q_full.transpose() * q_full - Eigen::MatrixXd::Identity(n, n)).cwiseAbs().maxCoeff();
      REQUIRE(orthogonality / (m * test::kEps) < 10.0);
      // A = Q (Q^T A): the span is preserved.
      const double residual = (a_full - q_full * (q_full.transpose() * a_full)).norm();
      REQUIRE(test::scaled_residual(residual, a_full.norm(), m, n) < 10.0);
    }
  }
}

TEST_CASE("QR of a column range leaves the other columns alone", "[dist][pblas]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix a = random_matrix(grid, 30, 10, 4, 8);
  const Eigen::MatrixXd before = gather(a);
  orthonormalize_columns(a, 3, 5);
  const Eigen::MatrixXd after = gather(a);
  REQUIRE(after.leftCols(3) == before.leftCols(3));
  REQUIRE(after.rightCols(2) == before.rightCols(2));
  const Eigen::MatrixXd q = after.middleCols(3, 5);
  REQUIRE((q.transpose() * q - Eigen::MatrixXd::Identity(5, 5)).cwiseAbs().maxCoeff() < 1e-13);
}

TEST_CASE("pdgesvd through the wrapper matches LAPACK (Eigen BDCSVD)", "[dist][pblas][svd]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (auto dims : {std::pair<int64_t, int64_t>{37, 19}, {19, 37}, {30, 30}}) {
      const int64_t m = dims.first, n = dims.second, r = std::min(m, n);
      DistMatrix a = random_matrix(grid, m, n, 5, 9);
      const Eigen::MatrixXd a_full = gather(a);
      const DistSvd svd = gesvd(a);
      const Eigen::BDCSVD<Eigen::MatrixXd> reference(a_full);
      const Eigen::VectorXd s = Eigen::Map<const Eigen::VectorXd>(svd.s.data(), r);
      REQUIRE((s - reference.singularValues()).cwiseAbs().maxCoeff() / (s(0) * std::max(m, n) * test::kEps) < 10.0);
      const Eigen::MatrixXd u = gather(svd.u), vt = gather(svd.vt);
      const double residual = (a_full - u * s.asDiagonal() * vt).norm();
      REQUIRE(test::scaled_residual(residual, a_full.norm(), m, n) < 10.0);
      REQUIRE(gather(a) == a_full);  // input untouched
    }
  }
}

TEST_CASE("norms: pdlange and the scaled Frobenius norm agree with Eigen", "[dist][norms]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : test::block_sizes()) {
      DistMatrix a = random_matrix(grid, 31, 13, nb, 10);
      const Eigen::MatrixXd full = gather(a);
      REQUIRE(std::abs(frobenius_norm(a) - full.norm()) <= 1e-14 * full.norm());
      REQUIRE(std::abs(lange('F', a) - full.norm()) <= 1e-14 * full.norm());
      REQUIRE(lange('M', a) == full.cwiseAbs().maxCoeff());
    }
  }
  // No overflow where the naive sum of squares would overflow.
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix big(grid, 10, 10, 3, 3);
  big.local().setConstant(1e200);
  REQUIRE(frobenius_norm(big) == Approx(1e201).epsilon(1e-14));
}

TEST_CASE("redistribution between block sizes and grids is exact", "[dist][redistribute]") {
  const auto shapes = test::grids_fitting(test::world_size());
  for (auto dims : {std::pair<int64_t, int64_t>{301, 157}, {1, 1}, {7, 100}, {100, 7}}) {
    auto source_grid = make_grid(MPI_COMM_WORLD);
    DistMatrix source = random_matrix(source_grid, dims.first, dims.second, 64, 11);
    const Eigen::MatrixXd expected = gather(source);
    for (const GridShape shape : shapes) {
      auto grid = make_grid(MPI_COMM_WORLD, shape);
      for (int64_t nb : test::block_sizes()) {
        DistMatrix target(grid, dims.first, dims.second, nb, nb);
        redistribute(source, target);
        INFO(dims.first << "x" << dims.second << " to grid " << shape.prows << "x" << shape.pcols << " nb " << nb);
        REQUIRE(gather(target) == expected);
      }
    }
  }
}

TEST_CASE("transpose through pdtran", "[dist][pblas]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  DistMatrix a = random_matrix(grid, 13, 29, 4, 12);
  DistMatrix at(grid, 29, 13, 4, 4);
  transpose(a, at);
  REQUIRE(gather(at) == gather(a).transpose());
}

TEST_CASE("int64 sizes beyond the Fortran range are refused, not wrapped", "[dist][pblas]") {
  REQUIRE_THROWS_AS(to_fortran_int(int64_t{1} << 31, "test size"), LibraryError);
  REQUIRE(to_fortran_int(int64_t{2147483647}, "test size") == 2147483647);
}
