// Synthetic generators: independent of grid and block size, and mathematically what they claim.
#include <catch2/catch.hpp>

#include <bitset>

#include "../test_support.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/distributed/synthetic.hpp"

using namespace jf;
using jf::test::gather;

TEST_CASE("counter-based normals have the right moments", "[dist][random]") {
  double sum = 0, sum_sq = 0;
  const int count = 200000;
  for (int i = 0; i < count; ++i) {
    const double x = counter_normal(3, kStreamUser, i, 0);
    sum += x;
    sum_sq += x * x;
  }
  REQUIRE(std::abs(sum / count) < 0.01);
  REQUIRE(std::abs(sum_sq / count - 1.0) < 0.02);
  REQUIRE(counter_normal(3, kStreamUser, 1, 2) != counter_normal(4, kStreamUser, 1, 2));
  REQUIRE(counter_normal(3, kStreamUser, 1, 2) != counter_normal(3, kStreamUser + 1, 1, 2));
}

TEST_CASE("generators give bit-identical matrices on every grid and block size", "[dist][synthetic]") {
  auto reference_grid = make_grid(MPI_COMM_WORLD, {1, 1});
  const LowRankProblem reference = make_lowrank(reference_grid, 61, 37, 4, 0.5, 9, 64);
  const Eigen::MatrixXd w_ref = gather(reference.w), t_ref = gather(reference.targets);
  const Eigen::MatrixXd bf_ref = gather(make_butterfly_product(reference_grid, 32, 9, 64));
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : test::block_sizes()) {
      const LowRankProblem problem = make_lowrank(grid, 61, 37, 4, 0.5, 9, nb);
      REQUIRE(gather(problem.w) == w_ref);
      REQUIRE(gather(problem.targets) == t_ref);
      REQUIRE(gather(make_butterfly_product(grid, 32, 9, nb)) == bf_ref);
    }
  }
}

TEST_CASE("fill_normal writes exactly counter_normal at every global index, offsets included", "[dist][random]") {
  for (const GridShape shape : test::grids_fitting(test::world_size())) {
    auto grid = make_grid(MPI_COMM_WORLD, shape);
    for (int64_t nb : test::block_sizes()) {
      DistMatrix a(grid, 23, 11, nb, nb);
      fill_normal(a, 7, kStreamUser + 2, 5, 3);
      int mismatches = 0;
      a.for_each_local([&](int64_t i, int64_t j, double value) {
        if (value != counter_normal(7, kStreamUser + 2, static_cast<uint64_t>(i + 5), static_cast<uint64_t>(j + 3))) {
          ++mismatches;
        }
      });
      REQUIRE(mismatches == 0);
    }
  }
}

TEST_CASE("lowrank: W - noise has rank k and targets are its row sums plus small noise", "[dist][synthetic]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const Eigen::MatrixXd clean = gather(make_lowrank(grid, 50, 30, 3, 0.0, 5, 8).w);
  const Eigen::VectorXd s = Eigen::JacobiSVD<Eigen::MatrixXd>(clean).singularValues();
  REQUIRE(s(2) > 1.0);
  REQUIRE(s(3) < 1e-12 * s(0));
  const Eigen::MatrixXd targets = gather(make_lowrank(grid, 50, 30, 3, 0.0, 5, 8).targets);
  const Eigen::VectorXd deviation = targets.col(0) - clean.rowwise().sum();
  REQUIRE(deviation.norm() / std::sqrt(50.0) == Approx(0.1).epsilon(0.35));  // 0.1 * standard normal
}

TEST_CASE("Hadamard is Sylvester's and orthogonal", "[dist][synthetic]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const Eigen::MatrixXd h = gather(make_hadamard(grid, 64, 5));
  REQUIRE((h.transpose() * h - 64 * Eigen::MatrixXd::Identity(64, 64)).cwiseAbs().maxCoeff() == 0.0);
  REQUIRE(h(3, 5) == ((std::bitset<8>(3 & 5).count() % 2) ? -1.0 : 1.0));
}

TEST_CASE("butterfly product equals F1 F2 ... FJ built densely from the factor entries", "[dist][synthetic]") {
  auto grid = make_grid(MPI_COMM_WORLD);
  const int levels = 4;
  const int64_t n = 16;
  Eigen::MatrixXd product = Eigen::MatrixXd::Identity(n, n);
  for (int l = 1; l <= levels; ++l) {
    const int64_t bit = int64_t{1} << (levels - l);
    Eigen::MatrixXd factor = Eigen::MatrixXd::Zero(n, n);
    for (int64_t q = 0; q < n; ++q) {
      factor(q, q) = butterfly_factor_entry(9, levels, l, q, q);
      factor(q ^ bit, q) = butterfly_factor_entry(9, levels, l, q ^ bit, q);
    }
    if (l == 1) REQUIRE(factor(0, n / 2) != 0.0);   // F1 couples i and i + N/2
    if (l == levels) REQUIRE(factor(0, 1) != 0.0);  // FJ is 2x2 block diagonal
    product = product * factor;
  }
  const Eigen::MatrixXd generated = gather(make_butterfly_product(grid, n, 9, 3));
  REQUIRE((generated - product).norm() <= 1e-13 * product.norm());
}
