// The building blocks of one alternating step against dense serial references: the second-difference
// Gram and its banded solves, the non-negative active-set solver (KKT conditions), and solve_block for
// every structure (row coupling, S, smoothness, Z >= 0) against the Kronecker form of the block problem.
#include <catch2/catch.hpp>

#include "distributed/counter_random.hpp"
#include "joint/nonneg_quadratic.hpp"
#include "joint/second_difference.hpp"
#include "joint/shifted_gram_operator.hpp"
#include "joint/thin_algebra.hpp"
#include "joint_test_support.hpp"
#include "jointfact/joint/block_solver.hpp"

using namespace jf;
using namespace jf::joint;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

MatrixXd second_difference_matrix(int64_t n) {
  MatrixXd d = MatrixXd::Zero(std::max<int64_t>(n - 2, 0), n);
  for (int64_t r = 0; r + 2 < n; ++r) d.row(r).segment(r, 3) << 1, -2, 1;
  return d;
}

MatrixXd random_dense(int64_t rows, int64_t cols, uint64_t stream) {
  MatrixXd a(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) a(i, j) = counter_normal(5, kStreamUser + stream, i, j);
  return a;
}

MatrixXd random_spd(int64_t k, uint64_t stream) {
  const MatrixXd g = random_dense(k + 3, k, stream);
  return g.transpose() * g + 0.1 * MatrixXd::Identity(k, k);
}

DistMatrix distributed(const GridPtr& grid, const MatrixXd& full, int64_t nb) {
  DistMatrix a(grid, full.rows(), full.cols(), nb, nb);
  test::scatter(full, a);
  return a;
}

// The block problem in Kronecker form: q(Z) = vec(Z)^T Hq vec(Z) - 2 vec(B)^T vec(Z), column-major vec,
// Hq = A (x) (S + gamma 1 1^T) + I_k (x) mu K.
struct DenseBlock {
  MatrixXd a, b, s;
  double gamma = 0, mu = 0;

  MatrixXd hessian() const {
    const int64_t n = b.rows(), k = b.cols();
    const MatrixXd d2 = second_difference_matrix(n);
    const MatrixXd row_part = s + gamma * MatrixXd::Ones(n, n);
    MatrixXd h = MatrixXd::Zero(n * k, n * k);
    for (int64_t p = 0; p < k; ++p)
      for (int64_t q = 0; q < k; ++q) h.block(p * n, q * n, n, n) = a(p, q) * row_part;
    for (int64_t p = 0; p < k; ++p) h.block(p * n, p * n, n, n) += mu * d2.transpose() * d2;
    return h;
  }
  MatrixXd minimizer() const {
    const VectorXd z = hessian().ldlt().solve(Eigen::Map<const VectorXd>(b.data(), b.size()));
    return Eigen::Map<const MatrixXd>(z.data(), b.rows(), b.cols());
  }
  double q(const MatrixXd& z) const {
    const Eigen::Map<const VectorXd> v(z.data(), z.size());
    return v.dot(hessian() * v) - 2.0 * Eigen::Map<const VectorXd>(b.data(), b.size()).dot(v);
  }
  // Largest violation of the KKT conditions of min q over Z >= 0, relative to the size of B.
  double kkt_violation(const MatrixXd& z) const {
    const Eigen::Map<const VectorXd> v(z.data(), z.size());
    const VectorXd g = hessian() * v - Eigen::Map<const VectorXd>(b.data(), b.size());
    double worst = std::max(0.0, -v.minCoeff());
    for (Eigen::Index i = 0; i < v.size(); ++i)
      worst = std::max(worst, v(i) > 0 ? std::abs(g(i)) : std::max(0.0, -g(i)));
    return worst / b.cwiseAbs().maxCoeff();
  }
};

}  // namespace

TEST_CASE("second-difference Gram, its energy and banded solves match dense algebra", "[joint][smoothness]") {
  for (int64_t n : {1, 2, 3, 4, 9, 30}) {
    const MatrixXd d2 = second_difference_matrix(n);
    const MatrixXd k_dense = d2.transpose() * d2;
    const SecondDifferenceGram k(n);
    MatrixXd k_built(n, n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) k_built(i, j) = k.entry(i, j);
    REQUIRE(k_built == k_dense);
    const VectorXd z = random_dense(n, 1, 1).col(0);
    REQUIRE((k.apply(z) - k_dense * z).norm() <= 1e-13 * (1 + k_dense.norm() * z.norm()));
    REQUIRE(SecondDifferenceGram::energy(z) == Approx((d2 * z).squaredNorm()).epsilon(1e-13).margin(1e-13));
    const MatrixXd m = 0.7 * MatrixXd::Identity(n, n) + 2.5 * k_dense;
    const VectorXd rhs = random_dense(n, 1, 2).col(0);
    REQUIRE((solve_shifted_banded(k, 0.7, 2.5, {}, rhs) - m.ldlt().solve(rhs)).norm() <= 1e-10 * rhs.norm());
    // A principal sub-matrix (every other index dropped somewhere) stays banded.
    std::vector<int64_t> free;
    for (int64_t i = 0; i < n; ++i)
      if (i % 3 != 1) free.push_back(i);
    MatrixXd sub(free.size(), free.size());
    for (size_t a = 0; a < free.size(); ++a)
      for (size_t b = 0; b < free.size(); ++b) sub(a, b) = m(free[a], free[b]);
    const VectorXd rhs_free = rhs.head(static_cast<Eigen::Index>(free.size()));
    REQUIRE((solve_shifted_banded(k, 0.7, 2.5, free, rhs_free) - sub.ldlt().solve(rhs_free)).norm() <=
            1e-10 * rhs_free.norm());
  }
}

TEST_CASE("non-negative active-set solver meets the KKT conditions and never rises", "[joint][nonneg]") {
  for (uint64_t trial = 0; trial < 20; ++trial) {
    const int64_t k = 1 + static_cast<int64_t>(trial % 7);
    const MatrixXd m = random_spd(k, 10 + trial);
    const VectorXd c = random_dense(k, 1, 40 + trial).col(0) * 3.0;
    const VectorXd start = random_dense(k, 1, 70 + trial).col(0).cwiseAbs();
    const DenseFaceSystem system(m);
    const VectorXd z = nonneg_quadratic_minimum(system, c, start, 1000);
    auto phi = [&](const VectorXd& x) { return x.dot(m * x) - 2.0 * c.dot(x); };
    REQUIRE(z.minCoeff() >= 0);
    REQUIRE(phi(z) <= phi(start) + 1e-12 * std::abs(phi(start)));
    const VectorXd g = m * z - c;
    for (int64_t i = 0; i < k; ++i) REQUIRE((z(i) > 0 ? std::abs(g(i)) : std::max(0.0, -g(i))) < 1e-10 * c.norm());
  }
  // Banded (smoothness) system, cold and warm started.
  const int64_t n = 60;
  const SecondDifferenceGram k(n);
  const BandedFaceSystem system(k, 0.3, 4.0);
  VectorXd c(n);
  for (int64_t i = 0; i < n; ++i) c(i) = std::sin(0.2 * i) + 0.3 * counter_normal(9, kStreamUser, i, 0);
  const VectorXd cold = nonneg_quadratic_minimum(system, c, VectorXd::Zero(n), 10000);
  const VectorXd warm = nonneg_quadratic_minimum(system, c, VectorXd::Constant(n, 0.5), 10000);
  for (const VectorXd& z : {cold, warm}) {
    REQUIRE(z.minCoeff() >= 0);
    const VectorXd g = system.apply(z) - c;
    for (int64_t i = 0; i < n; ++i) REQUIRE((z(i) > 0 ? std::abs(g(i)) : std::max(0.0, -g(i))) < 1e-10 * c.norm());
  }
  REQUIRE((cold - warm).norm() <= 1e-10 * cold.norm());
}

TEST_CASE("solve_block: exact structures match the Kronecker solution", "[joint][block]") {
  const int64_t n = 23, k = 3, s_rows = 31;
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    const FactorLayouts layouts(MPI_COMM_WORLD);
    for (int64_t nb : {int64_t{2}, int64_t{7}}) {
      DenseBlock dense{random_spd(k, 1), random_dense(n, k, 2), MatrixXd::Identity(n, n)};
      const DistMatrix z_start = distributed(grid, random_dense(n, k, 3), nb);
      for (double gamma : {0.0, 0.37})
        for (double mu : {0.0, 2.5}) {
          dense.gamma = gamma;
          dense.mu = mu;
          BlockProblem problem{dense.a, distributed(grid, dense.b, nb), gamma, nullptr};
          const BlockRegularization regularization{mu, false, 5};
          REQUIRE(block_is_exact(problem, regularization));
          DistMatrix z = z_start;
          solve_block(problem, regularization, layouts, z);
          INFO("grid " << shape.prows << "x" << shape.pcols << " nb " << nb << " gamma " << gamma << " mu " << mu);
          CHECK(test::relative_difference(test::gather(z), dense.minimizer()) < 1e-10);
        }
      // S = I + alpha Xs^T Xs, through the n x n Cholesky (s >= n) and through Woodbury (s < n).
      for (int64_t s : {s_rows, int64_t{9}}) {
        const MatrixXd xs = random_dense(s, n, 4 + s);
        const double alpha = 0.8;
        const DistMatrix xs_dist = distributed(grid, xs, nb);
        auto op = std::make_shared<ShiftedGramOperator>(xs_dist, alpha);
        DenseBlock with_s{dense.a, dense.b, MatrixXd::Identity(n, n) + alpha * xs.transpose() * xs};
        BlockProblem problem{with_s.a, distributed(grid, with_s.b, nb), 0.0, op};
        DistMatrix z = z_start;
        solve_block(problem, BlockRegularization{}, layouts, z);
        INFO("S with s = " << s);
        CHECK(test::relative_difference(test::gather(z), with_s.minimizer()) < 1e-10);
        // apply() is S Z.
        CHECK(test::relative_difference(test::gather(op->apply(z_start)), with_s.s * test::gather(z_start)) < 1e-12);
      }
    }
  }
}

TEST_CASE("solve_block with Z >= 0: exact rows and columns meet KKT; majorise-minimise never rises and converges",
          "[joint][block][nonneg]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const FactorLayouts layouts(MPI_COMM_WORLD);
  const int64_t n = 40, k = 3, nb = 4;
  const MatrixXd a = random_spd(k, 21);
  MatrixXd b = random_dense(n, k, 22);
  const DistMatrix z_start = distributed(grid, random_dense(n, k, 23).cwiseAbs(), nb);

  SECTION("rows: k-dimensional NNLS per row") {
    DenseBlock dense{a, b, MatrixXd::Identity(n, n)};
    BlockProblem problem{a, distributed(grid, b, nb), 0.0, nullptr};
    const BlockRegularization regularization{0.0, true, 5};
    REQUIRE(block_is_exact(problem, regularization));
    DistMatrix z = z_start;
    solve_block(problem, regularization, layouts, z);
    CHECK(dense.kkt_violation(test::gather(z)) < 1e-10);
  }
  SECTION("columns: banded non-negative problems when A is diagonal") {
    const MatrixXd a_diagonal = MatrixXd(a.diagonal().asDiagonal());
    DenseBlock dense{a_diagonal, b, MatrixXd::Identity(n, n), 0.0, 3.0};
    BlockProblem problem{a_diagonal, distributed(grid, b, nb), 0.0, nullptr};
    const BlockRegularization regularization{3.0, true, 5};
    REQUIRE(block_is_exact(problem, regularization));
    DistMatrix z = z_start;
    solve_block(problem, regularization, layouts, z);
    CHECK(dense.kkt_violation(test::gather(z)) < 1e-10);
  }
  SECTION("majorise-minimise: smoothness with a full A, row coupling, and S with smoothness") {
    const MatrixXd xs = random_dense(12, n, 24);
    struct Case {
      double gamma, mu;
      bool nonneg, with_s;
    };
    for (const Case c : {Case{0.0, 3.0, true, false}, Case{0.2, 0.0, true, false}, Case{0.2, 3.0, true, false},
                         Case{0.0, 3.0, false, true}, Case{0.0, 0.0, true, true}}) {
      const double alpha = 0.05;
      const DistMatrix xs_dist = distributed(grid, xs, nb);
      std::shared_ptr<const RowOperator> op;
      MatrixXd s = MatrixXd::Identity(n, n);
      if (c.with_s) {
        op = std::make_shared<ShiftedGramOperator>(xs_dist, alpha);
        s += alpha * xs.transpose() * xs;
      }
      DenseBlock dense{a, b, s, c.gamma, c.mu};
      BlockProblem problem{a, distributed(grid, b, nb), c.gamma, op};
      const BlockRegularization regularization{c.mu, c.nonneg, 5};
      REQUIRE_FALSE(block_is_exact(problem, regularization));
      DistMatrix z = z_start;
      double previous = dense.q(test::gather(z));
      for (int call = 0; call < 150; ++call) {
        solve_block(problem, regularization, layouts, z);
        const double now = dense.q(test::gather(z));
        INFO("gamma " << c.gamma << " mu " << c.mu << " nonneg " << c.nonneg << " S " << c.with_s << " call " << call);
        REQUIRE(now <= previous + 1e-12 * std::abs(previous));
        previous = now;
      }
      const MatrixXd z_full = test::gather(z);
      INFO("gamma " << c.gamma << " mu " << c.mu << " nonneg " << c.nonneg << " S " << c.with_s);
      if (c.nonneg) {
        CHECK(dense.kkt_violation(z_full) < 1e-6);
      } else {
        CHECK(test::relative_difference(z_full, dense.minimizer()) < 1e-6);
      }
    }
  }
}
