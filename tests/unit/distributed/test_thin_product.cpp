// The thin products (one local product per rank + a reduce) and CholeskyQR2 against Eigen on gathered
// matrices: every grid that fits, blocks of 1-64 (ragged edges), thin operands in the aligned layout
// and in others, l below and above the block size, and the Householder fallback on rank-deficient input.
#include <catch2/catch.hpp>

#include "../test_support.hpp"
#include "distributed/cholesky_qr.hpp"
#include "distributed/counter_random.hpp"
#include "distributed/narrow_gemm.hpp"
#include "distributed/single_precision_copy.hpp"
#include "distributed/thin_product.hpp"

using namespace jf;
using jf::test::gather;

namespace {

DistMatrix random_matrix(const GridPtr& grid, int64_t m, int64_t n, int64_t mb, int64_t nb, uint64_t stream) {
  DistMatrix a(grid, m, n, mb, nb);
  fill_normal(a, 11, kStreamUser + stream);
  return a;
}

double orthogonality_error(const Eigen::MatrixXd& q) {
  return (q.transpose() * q - Eigen::MatrixXd::Identity(q.cols(), q.cols())).norm();
}

// Largest principal-angle sine between the column spans of orthonormal q and of y.
double span_distance(const Eigen::MatrixXd& q, const Eigen::MatrixXd& y) {
  const Eigen::MatrixXd y_basis =
      Eigen::HouseholderQR<Eigen::MatrixXd>(y).householderQ() * Eigen::MatrixXd::Identity(y.rows(), y.cols());
  return (y_basis - q * (q.transpose() * y_basis)).norm();
}

// y == A x and z == A^T q to LAPACK-style scaled residuals (after multiply_thin and multiply_thin_transposed).
void require_thin_products(const DistMatrix& a, const DistMatrix& x, const DistMatrix& q, const DistMatrix& y,
                           const DistMatrix& z) {
  const Eigen::MatrixXd a_full = gather(a), x_full = gather(x), q_full = gather(q);
  REQUIRE(test::scaled_residual((gather(y) - a_full * x_full).norm(), a_full.norm() * x_full.norm(), a.rows(),
                                x.cols()) < 10.0);
  REQUIRE(test::scaled_residual((gather(z) - a_full.transpose() * q_full).norm(), a_full.norm() * q_full.norm(),
                                a.cols(), q.cols()) < 10.0);
}

}  // namespace

TEST_CASE("thin products equal A x and A^T q for every grid, block size and thin layout", "[dist][thin]") {
  const int64_t m = 29, n = 23;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : test::block_sizes()) {
      for (int64_t l : {1, 5, 9}) {
        // Thin operands with A's block size (the aligned layout when l <= nb) and with other blocks.
        for (int64_t thin_block : {nb, int64_t{2}}) {
          const DistMatrix a = random_matrix(grid, m, n, nb, nb, 1);
          const DistMatrix x = random_matrix(grid, n, l, thin_block, thin_block, 2);
          const DistMatrix q = random_matrix(grid, m, l, thin_block, thin_block, 3);
          DistMatrix y = random_matrix(grid, m, l, thin_block, thin_block, 4);  // overwritten, not accumulated
          DistMatrix z = random_matrix(grid, n, l, thin_block, thin_block, 5);
          multiply_thin(a, x, y);
          multiply_thin_transposed(a, q, z);
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " l " << l << " thin block "
                       << thin_block);
          require_thin_products(a, x, q, y, z);
        }
      }
    }
  }
}

TEST_CASE("thin products with local blocks larger than the narrow kernels' register tiles", "[dist][thin]") {
  // Local parts of 70-260 rows: whole 32-row tiles of the A x kernel plus ragged rows, on every grid.
  const int64_t m = 261, n = 150;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {int64_t{7}, int64_t{64}}) {
      for (int64_t l : {6, 17, 40}) {
        const DistMatrix a = random_matrix(grid, m, n, nb, nb, 11);
        const DistMatrix x = random_matrix(grid, n, l, nb, nb, 12);
        const DistMatrix q = random_matrix(grid, m, l, nb, nb, 13);
        DistMatrix y = random_matrix(grid, m, l, nb, nb, 14), z = random_matrix(grid, n, l, nb, nb, 15);
        multiply_thin(a, x, y);
        multiply_thin_transposed(a, q, z);
        INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " l " << l);
        require_thin_products(a, x, q, y, z);
      }
    }
  }
}

TEST_CASE("thin products with A in rectangular blocks and a non-zero source", "[dist][thin]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    DistMatrix a(grid, 31, 19, 4, 3, shape.prows - 1, shape.pcols - 1);
    fill_normal(a, 11, kStreamUser + 6);
    const DistMatrix x = random_matrix(grid, 19, 6, 5, 5, 7);
    const DistMatrix q = random_matrix(grid, 31, 6, 4, 8, 8);
    DistMatrix y = random_matrix(grid, 31, 6, 3, 3, 9), z = random_matrix(grid, 19, 6, 7, 7, 10);
    multiply_thin(a, x, y);
    multiply_thin_transposed(a, q, z);
    INFO("grid " << shape.prows << "x" << shape.pcols);
    require_thin_products(a, x, q, y, z);
  }
}

TEST_CASE("thin products in the SVDs' layout: rows exchanged directly, any row block and source", "[dist][thin]") {
  // All l columns in one block (the randomized SVD's bases) move by one all-to-all; here also on a
  // non-zero process column and row source, with row blocks unlike A's, and on grids smaller than the
  // communicator (the ranks outside take part with nothing).
  const int64_t m = 37, n = 26;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    if (grid->in_grid()) REQUIRE(grid->rank_of(grid->myrow(), grid->mycol()) == grid->rank());
    for (int64_t nb : {int64_t{1}, int64_t{3}, int64_t{8}}) {
      for (int64_t l : {1, 6, 11}) {
        for (int64_t thin_rows : {nb, int64_t{5}}) {
          const int row_src = shape.prows - 1, col_src = shape.pcols - 1;
          DistMatrix a(grid, m, n, nb, nb + 1, shape.prows > 1 ? 1 : 0, 0);
          fill_normal(a, 11, kStreamUser + 11);
          DistMatrix x(grid, n, l, thin_rows, l, row_src, col_src), z(grid, n, l, thin_rows, l, 0, col_src);
          DistMatrix q(grid, m, l, thin_rows, l, row_src, col_src), y(grid, m, l, thin_rows, l, 0, col_src);
          fill_normal(x, 12, kStreamUser + 12);
          fill_normal(q, 13, kStreamUser + 13);
          fill_normal(z, 14, kStreamUser + 14);  // overwritten, not accumulated
          multiply_thin(a, x, y);
          multiply_thin_transposed(a, q, z);
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " l " << l << " thin rows "
                       << thin_rows);
          require_thin_products(a, x, q, y, z);
        }
      }
    }
  }
}

TEST_CASE("CholeskyQR2 gives an orthonormal basis of the same span", "[dist][thin]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : test::block_sizes()) {
      for (int64_t l : {1, 6, 13}) {
        const int64_t m = 41;
        // Block columns nb and >= l: the CholeskyQR path when all l columns are in one block column.
        DistMatrix y = random_matrix(grid, m, l, nb, std::max(nb, l), 12);
        // Columns of very different scales (condition ~1e5): still well inside CholeskyQR2's range.
        y.for_each_local([](int64_t, int64_t j, double& value) { value *= std::pow(10.0, -0.4 * j); });
        const Eigen::MatrixXd y_before = gather(y);
        DistMatrix y_with_r = y;
        orthonormalize_thin(y);
        const Eigen::MatrixXd q = gather(y);
        INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " l " << l);
        REQUIRE(orthogonality_error(q) < 50 * l * test::kEps);
        REQUIRE(span_distance(q, y_before) < 1e-9);

        // The R that try_cholesky_qr2 returns: upper triangular, the same on every rank, Y = Q R.
        Eigen::MatrixXd r;
        REQUIRE(try_cholesky_qr2(y_with_r, r));
        const Eigen::MatrixXd q_r = gather(y_with_r);
        REQUIRE(r.rows() == l);
        REQUIRE(r.cols() == l);
        REQUIRE(r.triangularView<Eigen::StrictlyLower>().toDenseMatrix().norm() == 0.0);
        REQUIRE((y_before - q_r * r).norm() < 50 * l * test::kEps * y_before.norm());
        Eigen::MatrixXd r_root = r;
        MPI_Bcast(r_root.data(), static_cast<int>(r_root.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD);
        REQUIRE(r_root == r);
      }
    }
  }
}

TEST_CASE("CholeskyQR2 falls back to Householder QR on rank-deficient and ill-conditioned input", "[dist][thin]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    const int64_t m = 37, l = 8, nb = 16;
    SECTION("a repeated column and a zero column") {
      DistMatrix y = random_matrix(grid, m, l, nb, nb, 13);
      Eigen::MatrixXd full = gather(y);
      full.col(3) = full.col(1);
      full.col(5).setZero();
      y.for_each_local([&](int64_t i, int64_t j, double& value) { value = full(i, j); });
      orthonormalize_thin(y);
      const Eigen::MatrixXd q = gather(y);
      INFO("grid " << shape.prows << "x" << shape.pcols);
      REQUIRE(orthogonality_error(q) < 50 * l * test::kEps);
      // The independent columns stay inside the span (q has two more, arbitrary, directions).
      Eigen::MatrixXd independent(m, l - 2);
      independent << full.leftCols(3), full.col(4), full.rightCols(2);
      REQUIRE((independent - q * (q.transpose() * independent)).norm() < 1e-12 * independent.norm());
    }
    // 1e9: the Cholesky factor exists but CholeskyQR2 would lose orthogonality (the spread check
    // catches it); 1e12: the Cholesky factorization itself breaks down.
    for (const double log_condition : {9.0, 12.0}) {
      // Singular values 1 .. 10^-c, mixed by an orthogonal matrix so that no column scaling undoes them.
      DistMatrix y = random_matrix(grid, m, l, nb, nb, 14);
      const Eigen::MatrixXd gaussian = gather(y);
      const Eigen::MatrixXd left =
          Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian).householderQ() * Eigen::MatrixXd::Identity(m, l);
      const Eigen::MatrixXd mixing =
          Eigen::HouseholderQR<Eigen::MatrixXd>(gaussian.topRows(l).transpose()).householderQ();
      Eigen::VectorXd singular(l);
      for (int64_t j = 0; j < l; ++j) singular(j) = std::pow(10.0, -log_condition * j / (l - 1.0));
      const Eigen::MatrixXd full = left * singular.asDiagonal() * mixing.transpose();
      y.for_each_local([&](int64_t i, int64_t j, double& value) { value = full(i, j); });
      const Eigen::MatrixXd y_before = gather(y);
      Eigen::MatrixXd r;
      REQUIRE_FALSE(try_cholesky_qr2(y, r));  // declined, and Y left as it was
      REQUIRE(gather(y) == y_before);
      orthonormalize_thin(y);
      const Eigen::MatrixXd q = gather(y);
      INFO("grid " << shape.prows << "x" << shape.pcols << " condition 1e" << log_condition);
      REQUIRE(orthogonality_error(q) < 50 * l * test::kEps);
      REQUIRE((y_before - q * (q.transpose() * y_before)).norm() < 1e-12 * y_before.norm());
    }
  }
}

TEST_CASE("thin products with A's float32 copy stay within kSingleProductError ||A||_F ||x_j|| per column",
          "[dist][thin]") {
  // Local parts above the float kernels' 64-column sums and 256-vector row blocks on one rank, ragged on more.
  const int64_t m = 2300, n = 310;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : {int64_t{7}, int64_t{64}}) {
      const DistMatrix a = random_matrix(grid, m, n, nb, nb, 21);
      const SinglePrecisionCopy single(a);
      const Eigen::MatrixXd a_full = gather(a);
      REQUIRE(std::abs(single.frobenius_norm() - a_full.norm()) <= 1e-12 * a_full.norm());
      for (int64_t l : {1, 16, 33}) {
        const DistMatrix x = random_matrix(grid, n, l, nb, nb, 22), q = random_matrix(grid, m, l, nb, nb, 23);
        DistMatrix y = random_matrix(grid, m, l, nb, nb, 24), z = random_matrix(grid, n, l, nb, nb, 25);
        multiply_thin(single, x, y);
        multiply_thin_transposed(single, q, z);
        INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " l " << l);
        const Eigen::MatrixXd x_full = gather(x), q_full = gather(q);
        const Eigen::MatrixXd y_error = gather(y) - a_full * x_full, z_error = gather(z) - a_full.transpose() * q_full;
        double y_seen = 0;
        for (int64_t j = 0; j < l; ++j) {
          REQUIRE(y_error.col(j).norm() <= kSingleProductError * a_full.norm() * x_full.col(j).norm());
          REQUIRE(z_error.col(j).norm() <= kSingleTransposedProductError * a_full.norm() * q_full.col(j).norm());
          y_seen = std::max(y_seen, y_error.col(j).norm() / (a_full.norm() * x_full.col(j).norm()));
        }
        REQUIRE(y_seen > 1e-12);  // float rounding, not double
      }
    }
  }
}

TEST_CASE("A's float32 copy is scaled by a power of two where float32 would overflow or lose tiny entries",
          "[dist][thin]") {
  const int64_t m = 300, n = 140, l = 5;
  auto grid = make_grid(MPI_COMM_WORLD, test::grids_fitting(test::world_size()).back());
  for (const double magnitude : {1e-45, 1.0, 1e200}) {
    INFO("entries ~ " << magnitude);
    DistMatrix a = random_matrix(grid, m, n, 7, 7, 31);
    a.for_each_local([&](int64_t, int64_t, double& value) { value *= magnitude; });
    const SinglePrecisionCopy single(a);
    CHECK((single.scale() == 1.0) == (magnitude == 1.0));
    const Eigen::MatrixXd a_full = gather(a);
    const double norm_a = a_full.stableNorm();  // ||A||_F without overflow at 1e200
    REQUIRE(std::isfinite(single.frobenius_norm()));
    REQUIRE(std::abs(single.frobenius_norm() - norm_a) <= 1e-12 * norm_a);
    const DistMatrix x = random_matrix(grid, n, l, 7, 7, 32), q = random_matrix(grid, m, l, 7, 7, 33);
    DistMatrix y = random_matrix(grid, m, l, 7, 7, 34), z = random_matrix(grid, n, l, 7, 7, 35);
    multiply_thin(single, x, y);
    multiply_thin_transposed(single, q, z);
    const Eigen::MatrixXd x_full = gather(x), q_full = gather(q);
    const Eigen::MatrixXd y_error = gather(y) - a_full * x_full, z_error = gather(z) - a_full.transpose() * q_full;
    for (int64_t j = 0; j < l; ++j) {
      CHECK(y_error.col(j).stableNorm() <= kSingleProductError * norm_a * x_full.col(j).norm());
      CHECK(z_error.col(j).stableNorm() <= kSingleTransposedProductError * norm_a * q_full.col(j).norm());
      CHECK(std::isfinite(y_error.col(j).stableNorm()));
    }
  }
}
