#include "jointfact/sparse/fsmf.hpp"
#include "jointfact/sparse/low_rank_block.hpp"
#include "jointfact/sparse/support_classes.hpp"
#include "sparse_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

using namespace jf::sparse;
using jf::sparse::testing::gaussian_matrix;
using jf::sparse::testing::make_sec_data;
using jf::sparse::testing::pearson;
using jf::sparse::testing::SecData;
using jf::sparse::testing::support_from;

namespace {

bool zero_off_support(const Eigen::MatrixXd& factor, const SupportMatrix& support) {
  for (Eigen::Index j = 0; j < factor.cols(); ++j)
    for (Eigen::Index i = 0; i < factor.rows(); ++i)
      if (!support(i, j) && factor(i, j) != 0.0) return false;
  return true;
}

double tail_energy(const Eigen::MatrixXd& block, Eigen::Index rank) {
  const Eigen::VectorXd s = Eigen::JacobiSVD<Eigen::MatrixXd>(block).singularValues();
  return s.tail(s.size() - std::min<Eigen::Index>(rank, s.size())).squaredNorm();
}

// Algorithm 2 written literally on full-size masked matrices: M_c = best rank-|P| approximation
// of (A - sum of previous M) restricted to the class's support.
Eigen::MatrixXd reference_greedy_product(const Eigen::MatrixXd& a, const std::vector<SupportClass>& classes) {
  Eigen::MatrixXd residual = a;
  Eigen::MatrixXd total = Eigen::MatrixXd::Zero(a.rows(), a.cols());
  for (const SupportClass& c : classes) {
    Eigen::MatrixXd masked = Eigen::MatrixXd::Zero(a.rows(), a.cols());
    for (std::int64_t i : c.rows)
      for (std::int64_t j : c.cols) masked(i, j) = residual(i, j);
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(masked, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const auto k = static_cast<Eigen::Index>(c.members.size());
    const Eigen::MatrixXd m =
        svd.matrixU().leftCols(k) * svd.singularValues().head(k).asDiagonal() * svd.matrixV().leftCols(k).transpose();
    residual -= m;
    total += m;
  }
  return total;
}

}  // namespace

TEST_CASE("rank-one supports are grouped into classes of identical supports", "[sparse][fsmf]") {
  // Columns 0 and 2 share a support; column 1 differs only in S_Y; column 3 is empty.
  SupportMatrix sx = support_from(6, 4, {{{0, 3}, {0, 1, 2}}});
  SupportMatrix sy = support_from(5, 4, {{{0, 2}, {0, 2}}, {{1, 4}, {1}}});
  const std::vector<SupportClass> classes = group_support_classes(sx, sy);
  REQUIRE(classes.size() == 3);
  CHECK(classes[0].members == std::vector<std::int64_t>{0, 2});
  CHECK(classes[0].rows == std::vector<std::int64_t>{0, 1, 2});
  CHECK(classes[0].cols == std::vector<std::int64_t>{0, 1});
  CHECK(classes[1].members == std::vector<std::int64_t>{1});
  CHECK(classes[1].cols == std::vector<std::int64_t>{1, 2, 3});
  CHECK(classes[2].members == std::vector<std::int64_t>{3});
  CHECK(classes[2].rows.empty());
  CHECK_FALSE(classes_pairwise_disjoint(classes));  // classes 0 and 1 share (rows 0-2, column 1)
  const std::vector<SupportClass> disjoint = {classes[0], classes[2]};
  CHECK(classes_pairwise_disjoint(disjoint));
  CHECK_THROWS_AS(group_support_classes(sx, SupportMatrix::Constant(5, 3, true)), std::invalid_argument);
}

TEST_CASE("best rank-k of a block: truncated SVD, exact when complete", "[sparse][fsmf]") {
  std::mt19937_64 rng(7);
  const Eigen::MatrixXd block = gaussian_matrix(9, 5, rng);
  for (Eigen::Index k : {1, 2, 4}) {
    const LowRankFactors f = best_rank_k(block, k);
    CHECK(f.u.cols() == k);
    CHECK((block - f.u * f.v.transpose()).squaredNorm() == Approx(tail_energy(block, k)).epsilon(1e-10));
  }
  for (Eigen::Index k : {5, 7}) {
    const LowRankFactors f = best_rank_k(block, k);
    CHECK((block - f.u * f.v.transpose()).norm() <= 1e-14 * block.norm());
    CHECK(f.u.cols() == k);
  }
  const Eigen::MatrixXd wide = block.transpose();
  const LowRankFactors w = best_rank_k(wide, 5);
  CHECK((wide - w.u * w.v.transpose()).norm() <= 1e-14 * wide.norm());
  CHECK(best_rank_k(block, 0).u.cols() == 0);
}

TEST_CASE("FSMF with disjoint or identical supports is the per-class SVD optimum", "[sparse][fsmf]") {
  const Eigen::Index m = 30, n = 24;
  std::mt19937_64 rng(13);
  const Eigen::MatrixXd a = gaussian_matrix(m, n, rng);
  // Class A: members {0, 3}, rows 0-9,  cols 0-11 (identical supports, rank 2)
  // Class B: member  {1},    rows 10-19, cols 5-15 (rows disjoint from A)
  // Class C: member  {2},    rows 0-9,  cols 12-23 (columns disjoint from A, rows from B)
  // Class D: members {4, 5}, rows 20-21, cols 0-23 (complete: 2 >= min(2, 24), exact)
  const SupportMatrix sx = support_from(m, 6, {{{0, 10}, {0, 3, 2}}, {{10, 20}, {1}}, {{20, 22}, {4, 5}}});
  const SupportMatrix sy = support_from(n, 6, {{{0, 12}, {0, 3}}, {{5, 16}, {1}}, {{12, 24}, {2}}, {{0, 24}, {4, 5}}});

  const FsmfResult result = fsmf_factorize(a, sx, sy);
  CHECK(result.optimal);
  CHECK(result.refine_history.empty());
  CHECK(zero_off_support(result.x, sx));
  CHECK(zero_off_support(result.y, sy));

  // Optimum: ||A||^2 minus what each class's truncated SVD captures (supports do not overlap).
  const double captured = (a.block(0, 0, 10, 12).squaredNorm() - tail_energy(a.block(0, 0, 10, 12), 2)) +
                          (a.block(10, 5, 10, 11).squaredNorm() - tail_energy(a.block(10, 5, 10, 11), 1)) +
                          (a.block(0, 12, 10, 12).squaredNorm() - tail_energy(a.block(0, 12, 10, 12), 1)) +
                          a.block(20, 0, 2, 24).squaredNorm();
  const double optimum = std::sqrt((a.squaredNorm() - captured) / a.squaredNorm());
  CHECK(std::abs(result.rel_error - optimum) <= 1e-10);
  CHECK(result.rel_error == Approx(result.greedy_rel_error).epsilon(0));

  const Eigen::MatrixXd product = result.x * result.y.transpose();
  CHECK((product.block(20, 0, 2, 24) - a.block(20, 0, 2, 24)).norm() <= 1e-12 * a.norm());
}

TEST_CASE("FSMF with one full class is the truncated SVD", "[sparse][fsmf]") {
  std::mt19937_64 rng(19);
  const Eigen::MatrixXd a = gaussian_matrix(20, 15, rng);
  const FsmfResult result =
      fsmf_factorize(a, SupportMatrix::Constant(20, 3, true), SupportMatrix::Constant(15, 3, true));
  CHECK(result.optimal);
  CHECK(std::abs(result.rel_error - std::sqrt(tail_energy(a, 3) / a.squaredNorm())) <= 1e-10);
}

TEST_CASE("least-squares pieces of the refinement", "[sparse][fsmf]") {
  std::mt19937_64 rng(29);
  const Eigen::MatrixXd basis = gaussian_matrix(12, 3, rng);
  const Eigen::MatrixXd targets = gaussian_matrix(12, 4, rng);
  const Eigen::MatrixXd c = least_squares_coefficients(basis, targets);
  const Eigen::MatrixXd normal = (basis.transpose() * basis).ldlt().solve(basis.transpose() * targets);
  CHECK((c - normal).norm() <= 1e-12 * normal.norm());
  // A zero basis column (a factor column not yet used) gets a zero coefficient.
  Eigen::MatrixXd deficient = basis;
  deficient.col(1).setZero();
  const Eigen::MatrixXd cd = least_squares_coefficients(deficient, targets);
  CHECK(cd.row(1).norm() <= 1e-12);

  // A half-step: each row of the result solves its own problem over its support.
  const Eigen::MatrixXd a = gaussian_matrix(8, 12, rng);
  const SupportMatrix support = support_from(8, 3, {{{0, 5}, {0}}, {{3, 8}, {1, 2}}});
  const Eigen::MatrixXd x = solve_rows_on_support(a, basis, support);
  CHECK(zero_off_support(x, support));
  const Eigen::MatrixXd residual = a - x * basis.transpose();
  const Eigen::MatrixXd gradient = residual * basis;  // zero on the support at the optimum
  for (Eigen::Index i = 0; i < 8; ++i)
    for (Eigen::Index k = 0; k < 3; ++k)
      if (support(i, k)) CHECK(std::abs(gradient(i, k)) <= 1e-10 * a.norm() * basis.norm());
}

TEST_CASE("FSMF on overlapping SEC-like windows: greedy, then monotone refinement", "[sparse][fsmf]") {
  const SecData d = make_sec_data(2e-3);
  const std::vector<SupportClass> classes = group_support_classes(d.support_x, d.support_y);
  REQUIRE(classes.size() == 3);
  CHECK_FALSE(classes_pairwise_disjoint(classes));

  const FsmfFactors greedy = fsmf_greedy(d.noisy, classes, 3);
  CHECK((greedy.x * greedy.y.transpose() - reference_greedy_product(d.noisy, classes)).norm() <=
        1e-10 * d.noisy.norm());

  FsmfOptions options;
  options.refine_iters = 100;
  const FsmfResult result = fsmf_factorize(d.noisy, d.support_x, d.support_y, options);
  CHECK_FALSE(result.optimal);
  REQUIRE_FALSE(result.refine_history.empty());
  CHECK(result.refine_history.front() <= result.greedy_rel_error);
  for (std::size_t i = 1; i < result.refine_history.size(); ++i)
    CHECK(result.refine_history[i] <= result.refine_history[i - 1]);
  CHECK(result.rel_error == result.refine_history.back());
  CHECK(zero_off_support(result.x, d.support_x));
  CHECK(zero_off_support(result.y, d.support_y));

  INFO("greedy " << result.greedy_rel_error << ", refined " << result.rel_error << " after "
                 << result.refine_history.size() << " sweeps, noise " << d.noise_rel);
  CHECK(result.rel_error <= 1.01 * d.noise_rel);
  for (int k = 0; k < 3; ++k) {
    CHECK(std::abs(pearson(result.x.col(k), d.profiles.col(k))) >= 0.99);
    CHECK(std::abs(pearson(result.y.col(k), d.concentrations.col(k))) >= 0.99);
  }
}

TEST_CASE("FSMF rejects supports that do not match the matrix", "[sparse][fsmf]") {
  const Eigen::MatrixXd a = Eigen::MatrixXd::Ones(4, 5);
  CHECK_THROWS_AS(fsmf_factorize(a, SupportMatrix::Constant(3, 2, true), SupportMatrix::Constant(5, 2, true)),
                  std::invalid_argument);
  CHECK_THROWS_AS(fsmf_factorize(a, SupportMatrix::Constant(4, 2, true), SupportMatrix::Constant(4, 2, true)),
                  std::invalid_argument);
  CHECK_THROWS_AS(fsmf_factorize(a, SupportMatrix::Constant(4, 2, true), SupportMatrix::Constant(5, 3, true)),
                  std::invalid_argument);
  Eigen::MatrixXd not_finite = a;
  not_finite(1, 1) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(fsmf_factorize(not_finite, SupportMatrix::Constant(4, 2, true), SupportMatrix::Constant(5, 2, true)),
                  std::invalid_argument);
}
