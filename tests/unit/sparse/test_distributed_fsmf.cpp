// The distributed FSMF driver against the serial fsmf_factorize, on every grid the conventions
// list: disjoint, identical and complete classes (optimal), the overlapping SEC-like case
// (greedy + refinement), and input validation.
#include "../test_support.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/sparse/distributed_fsmf.hpp"
#include "jointfact/sparse/fsmf.hpp"
#include "sparse_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace jf::sparse;
using jf::sparse::testing::gaussian_matrix;
using jf::sparse::testing::make_sec_data;
using jf::sparse::testing::pearson;
using jf::sparse::testing::support_from;

namespace {

jf::DistMatrix distribute(const Eigen::MatrixXd& full, jf::GridShape shape, std::int64_t block) {
  jf::DistMatrix a(jf::make_grid(MPI_COMM_WORLD, shape), full.rows(), full.cols(), block, block);
  jf::test::scatter(full, a);
  return a;
}

// The distributed result gathered (test-sized matrices only) to compare with the serial one.
FsmfResult gathered(const DistributedFsmfResult& d) {
  return {jf::test::gather(d.x), jf::test::gather(d.y), d.rel_error, d.greedy_rel_error, d.optimal, d.refine_history};
}

double relative_difference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& reference) {
  return (a - reference).norm() / std::max(reference.norm(), 1e-300);
}

// The factors are unique up to the sign of each column pair (X(:, i), Y(:, i)): a class solved on the whole
// grid gets its signs from a different SVD than the serial one. Flip d's pairs to agree with s's.
FsmfResult with_signs_of(FsmfResult d, const FsmfResult& s) {
  for (Eigen::Index i = 0; i < d.x.cols(); ++i) {
    if (d.x.col(i).dot(s.x.col(i)) + d.y.col(i).dot(s.y.col(i)) < 0) {
      d.x.col(i) *= -1.0;
      d.y.col(i) *= -1.0;
    }
  }
  return d;
}

void check_equal_to_serial(const FsmfResult& d_any_signs, const FsmfResult& s) {
  const FsmfResult d = with_signs_of(d_any_signs, s);
  CHECK(d.optimal == s.optimal);
  CHECK(std::abs(d.greedy_rel_error - s.greedy_rel_error) <= 1e-10);
  CHECK(std::abs(d.rel_error - s.rel_error) <= 1e-10);
  CHECK(relative_difference(d.x, s.x) <= 1e-10);
  CHECK(relative_difference(d.y, s.y) <= 1e-10);
  CHECK(relative_difference(d.x * d.y.transpose(), s.x * s.y.transpose()) <= 1e-10);
}

bool zero_off_support(const Eigen::MatrixXd& factor, const SupportMatrix& support) {
  return ((factor.array() != 0.0) && !support).count() == 0;
}

}  // namespace

TEST_CASE("distributed FSMF with disjoint, identical and complete classes equals the serial optimum",
          "[sparse][distributed][fsmf]") {
  const Eigen::Index m = 30, n = 24;
  std::mt19937_64 rng(13);
  const Eigen::MatrixXd a = gaussian_matrix(m, n, rng);
  // Same supports as the serial test: classes {0,3} and {1}, {2} disjoint; {4,5} complete (exact).
  const SupportMatrix sx = support_from(m, 6, {{{0, 10}, {0, 3, 2}}, {{10, 20}, {1}}, {{20, 22}, {4, 5}}});
  const SupportMatrix sy = support_from(n, 6, {{{0, 12}, {0, 3}}, {{5, 16}, {1}}, {{12, 24}, {2}}, {{0, 24}, {4, 5}}});
  const FsmfResult serial = fsmf_factorize(a, sx, sy);
  REQUIRE(serial.optimal);
  for (const jf::GridShape& shape : jf::test::grids_fitting(jf::test::world_size())) {
    for (std::int64_t block : {std::int64_t{1}, std::int64_t{5}, std::int64_t{64}}) {
      INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << block);
      const FsmfResult result = gathered(fsmf_factorize_distributed(distribute(a, shape, block), sx, sy));
      check_equal_to_serial(result, serial);
      CHECK(result.refine_history.empty());
      CHECK(zero_off_support(result.x, sx));
      CHECK(zero_off_support(result.y, sy));
      const Eigen::MatrixXd product = result.x * result.y.transpose();
      CHECK((product.block(20, 0, 2, 24) - a.block(20, 0, 2, 24)).norm() <= 1e-12 * a.norm());
    }
  }
}

TEST_CASE("distributed FSMF with one full class is the truncated SVD", "[sparse][distributed][fsmf]") {
  std::mt19937_64 rng(19);
  const Eigen::MatrixXd a = gaussian_matrix(20, 15, rng);
  const SupportMatrix sx = SupportMatrix::Constant(20, 3, true);
  const SupportMatrix sy = SupportMatrix::Constant(15, 3, true);
  const FsmfResult serial = fsmf_factorize(a, sx, sy);
  const FsmfResult result = gathered(fsmf_factorize_distributed(distribute(a, {}, 4), sx, sy));
  check_equal_to_serial(result, serial);
  const Eigen::VectorXd s = Eigen::JacobiSVD<Eigen::MatrixXd>(a).singularValues();
  CHECK(result.rel_error == Approx(std::sqrt(s.tail(s.size() - 3).squaredNorm()) / a.norm()).epsilon(1e-10));
}

TEST_CASE("distributed FSMF on overlapping SEC-like windows matches the serial greedy and refinement",
          "[sparse][distributed][fsmf]") {
  const testing::SecData d = make_sec_data(2e-3);
  FsmfOptions options;
  options.refine_iters = 100;
  const FsmfResult serial = fsmf_factorize(d.noisy, d.support_x, d.support_y, options);
  REQUIRE_FALSE(serial.optimal);
  const std::vector<jf::GridShape> shapes = jf::test::grids_fitting(jf::test::world_size());
  for (const jf::GridShape& shape : shapes) {
    const std::int64_t block = shape.prows * shape.pcols == 1 ? 64 : 7;
    INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << block << ": greedy " << serial.greedy_rel_error
                 << ", refined " << serial.rel_error << ", noise " << d.noise_rel);
    const FsmfResult result =
        gathered(fsmf_factorize_distributed(distribute(d.noisy, shape, block), d.support_x, d.support_y, options));
    check_equal_to_serial(result, serial);
    REQUIRE_FALSE(result.refine_history.empty());
    CHECK(result.refine_history.size() == serial.refine_history.size());
    CHECK(result.refine_history.front() <= result.greedy_rel_error);
    for (std::size_t i = 1; i < result.refine_history.size(); ++i)
      CHECK(result.refine_history[i] <= result.refine_history[i - 1]);
    CHECK(result.rel_error == result.refine_history.back());
    CHECK(result.rel_error <= 1.01 * d.noise_rel);
    CHECK(zero_off_support(result.x, d.support_x));
    CHECK(zero_off_support(result.y, d.support_y));
    for (int k = 0; k < 3; ++k) {
      CHECK(std::abs(pearson(result.x.col(k), d.profiles.col(k))) >= 0.99);
      CHECK(std::abs(pearson(result.y.col(k), d.concentrations.col(k))) >= 0.99);
    }
  }
}

TEST_CASE("distributed FSMF greedy in waves: classes wait only for the overlapping earlier ones",
          "[sparse][distributed][fsmf]") {
  // Class 0 overlaps class 2; class 1 is disjoint from both: waves {0, 1} then {2}.
  const Eigen::Index m = 40, n = 36;
  std::mt19937_64 rng(3);
  const Eigen::MatrixXd a = gaussian_matrix(m, n, rng);
  const SupportMatrix sx = support_from(m, 4, {{{0, 20}, {0}}, {{25, 40}, {1, 3}}, {{10, 30}, {2}}});
  const SupportMatrix sy = support_from(n, 4, {{{0, 18}, {0, 2}}, {{20, 36}, {1, 3}}});
  FsmfOptions no_refinement;
  no_refinement.refine_iters = 0;
  const FsmfResult serial = fsmf_factorize(a, sx, sy, no_refinement);
  REQUIRE_FALSE(serial.optimal);
  const FsmfResult result = gathered(fsmf_factorize_distributed(distribute(a, {}, 3), sx, sy, no_refinement));
  check_equal_to_serial(result, serial);
  CHECK(result.refine_history.empty());
  CHECK(result.rel_error == result.greedy_rel_error);
}

TEST_CASE("distributed FSMF rejects supports that do not match the matrix", "[sparse][distributed][fsmf]") {
  const jf::DistMatrix a = distribute(Eigen::MatrixXd::Ones(4, 5), {}, 2);
  CHECK_THROWS_AS(
      fsmf_factorize_distributed(a, SupportMatrix::Constant(3, 2, true), SupportMatrix::Constant(5, 2, true)),
      jf::InputError);
  CHECK_THROWS_AS(
      fsmf_factorize_distributed(a, SupportMatrix::Constant(4, 2, true), SupportMatrix::Constant(4, 2, true)),
      jf::InputError);
  CHECK_THROWS_AS(
      fsmf_factorize_distributed(a, SupportMatrix::Constant(4, 2, true), SupportMatrix::Constant(5, 3, true)),
      jf::InputError);
  Eigen::MatrixXd not_finite = Eigen::MatrixXd::Ones(4, 5);
  not_finite(3, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(fsmf_factorize_distributed(distribute(not_finite, {}, 2), SupportMatrix::Constant(4, 2, true),
                                             SupportMatrix::Constant(5, 2, true)),
                  jf::InputError);
}

TEST_CASE("distributed FSMF with random overlapping rank-one supports equals the serial result to 1e-12",
          "[sparse][distributed][fsmf]") {
  // Each column of S_X, S_Y a third full at random: every class is rank-one, they all overlap, and each
  // exceeds an eighth of a rank's share, so with P > 1 each is solved on the grid from the ranks' own
  // entries; then refinement. Class 0's block of A is zero: X(:, 0) = Y(:, 0) = 0 after the greedy
  // step, so the refinement's bases are rank deficient (minimum-norm coefficients).
  const Eigen::Index m = 90, n = 60, r = 5;
  std::mt19937_64 rng(29);
  Eigen::MatrixXd a = gaussian_matrix(m, n, rng) + 3.0 * gaussian_matrix(m, 2, rng) * gaussian_matrix(2, n, rng);
  std::bernoulli_distribution third(1.0 / 3.0);
  SupportMatrix sx(m, r), sy(n, r);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index k = 0; k < r; ++k) sx(i, k) = third(rng);
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index k = 0; k < r; ++k) sy(j, k) = third(rng);
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      if (sx(i, 0) && sy(j, 0)) a(i, j) = 0.0;
  FsmfOptions options;
  options.refine_iters = 15;
  const FsmfResult serial = fsmf_factorize(a, sx, sy, options);
  REQUIRE_FALSE(serial.optimal);
  REQUIRE(serial.refine_history.size() >= 2);
  REQUIRE(serial.x.col(0).isZero(0.0));
  for (const jf::GridShape& shape : jf::test::grids_fitting(jf::test::world_size())) {
    for (std::int64_t block : {std::int64_t{1}, std::int64_t{7}, std::int64_t{64}}) {
      INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << block);
      const FsmfResult d =
          with_signs_of(gathered(fsmf_factorize_distributed(distribute(a, shape, block), sx, sy, options)), serial);
      CHECK(std::abs(d.greedy_rel_error - serial.greedy_rel_error) <= 1e-12 * serial.greedy_rel_error);
      CHECK(std::abs(d.rel_error - serial.rel_error) <= 1e-12 * serial.rel_error);
      CHECK(d.refine_history.size() == serial.refine_history.size());
      CHECK(relative_difference(d.x, serial.x) <= 1e-12);
      CHECK(relative_difference(d.y, serial.y) <= 1e-12);
      CHECK(d.x.col(0).isZero(0.0));
      CHECK(zero_off_support(d.x, sx));
      CHECK(zero_off_support(d.y, sy));
    }
  }
}

TEST_CASE("distributed FSMF from distributed supports equals the serial result and keeps factors distributed",
          "[sparse][distributed][fsmf]") {
  // Overlapping classes (two share a support: one class of two members), greedy in waves, then refinement;
  // the supports enter as 0/1 DistMatrix with blocks unlike A's, so they are redistributed to A's rows.
  const Eigen::Index m = 50, n = 41;
  std::mt19937_64 rng(31);
  const Eigen::MatrixXd a = gaussian_matrix(m, n, rng);
  const SupportMatrix sx = support_from(m, 5, {{{0, 30}, {0, 2}}, {{20, 50}, {1, 3}}, {{5, 45}, {4}}});
  const SupportMatrix sy = support_from(n, 5, {{{0, 25}, {0, 1, 2}}, {{15, 41}, {3, 4}}});
  FsmfOptions options;
  options.refine_iters = 10;
  const FsmfResult serial = fsmf_factorize(a, sx, sy, options);
  REQUIRE_FALSE(serial.optimal);
  for (const jf::GridShape& shape : jf::test::grids_fitting(jf::test::world_size())) {
    for (std::int64_t block : {std::int64_t{2}, std::int64_t{7}}) {
      INFO("grid " << shape.prows << "x" << shape.pcols << ", block " << block);
      const jf::DistMatrix da = distribute(a, shape, block);
      jf::DistMatrix dsx(da.grid_ptr(), m, 5, 3, 2), dsy(da.grid_ptr(), n, 5, 5, 1);
      jf::test::scatter(sx.cast<double>().matrix(), dsx);
      jf::test::scatter(sy.cast<double>().matrix(), dsy);
      const DistributedFsmfResult d = fsmf_factorize_distributed(da, dsx, dsy, options);
      // Each rank holds its block-cyclic share of X and Y, never a whole factor (P > 1).
      CHECK(d.x.local_rows() == da.local_rows());
      if (shape.prows * shape.pcols > 1)
        CHECK(d.x.local_rows() * d.x.local_cols() + d.y.local_rows() * d.y.local_cols() < (m + n) * 5);
      check_equal_to_serial(gathered(d), serial);
      check_equal_to_serial(gathered(fsmf_factorize_distributed(da, sx, sy, options)), serial);
    }
  }
}
