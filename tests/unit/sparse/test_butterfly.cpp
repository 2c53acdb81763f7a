#include "jointfact/sparse/butterfly_factorize.hpp"
#include "jointfact/sparse/butterfly_support.hpp"
#include "jointfact/sparse/butterfly_tree.hpp"
#include "jointfact/sparse/csr.hpp"
#include "jointfact/sparse/low_rank_block.hpp"
#include "sparse/butterfly_apply.hpp"
#include "sparse/butterfly_split.hpp"
#include "sparse_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

using namespace jf::sparse;
using jf::sparse::testing::gaussian_matrix;
using jf::sparse::testing::random_butterfly_factors;
using jf::sparse::testing::sylvester_hadamard;

namespace {

Eigen::MatrixXd kron(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd k(a.rows() * b.rows(), a.cols() * b.cols());
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) k.block(i * b.rows(), j * b.cols(), b.rows(), b.cols()) = a(i, j) * b;
  return k;
}

// S_l = I_{N/2^l} (x) 1_{2x2} (x) I_{2^(l-1)} built literally from the definition.
Eigen::MatrixXd kronecker_support(int log2n, int level) {
  const Eigen::Index n = Eigen::Index{1} << log2n;
  const Eigen::Index inner = Eigen::Index{1} << (level - 1);
  return kron(kron(Eigen::MatrixXd::Identity(n / (2 * inner), n / (2 * inner)), Eigen::MatrixXd::Ones(2, 2)),
              Eigen::MatrixXd::Identity(inner, inner));
}

// Every stored entry of contract factor F_index lies on S_(J+1-index).
bool on_factor_support(const CsrMatrix& f, int log2n, int index) {
  const int level = support_level_of_factor(log2n, index);
  for (std::int64_t i = 0; i < f.rows; ++i)
    for (std::int64_t k = f.indptr[i]; k < f.indptr[i + 1]; ++k)
      if (!in_butterfly_support(i, f.indices[k], level)) return false;
  return true;
}

bool dense_on_support(const Eigen::MatrixXd& m, int log2n, FactorRange range) {
  for (Eigen::Index j = 0; j < m.cols(); ++j)
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      if (m(i, j) != 0.0 && !in_product_support(i, j, log2n, range)) return false;
  return true;
}

std::vector<CsrMatrix> sub_chain(const std::vector<CsrMatrix>& factors, FactorRange range) {
  return {factors.begin() + (range.first - 1), factors.begin() + range.last};
}

void check_factorization_shape(const ButterflyFactorization& result, int log2n) {
  const std::int64_t n = std::int64_t{1} << log2n;
  REQUIRE(static_cast<int>(result.factors.size()) == log2n);
  for (int i = 1; i <= log2n; ++i) {
    const CsrMatrix& f = result.factors[i - 1];
    CHECK_NOTHROW(validate(f));
    CHECK(f.rows == n);
    CHECK(f.cols == n);
    CHECK(f.nnz() <= 2 * n);
    CHECK(on_factor_support(f, log2n, i));
  }
}

const ButterflyTree kBothTrees[] = {ButterflyTree::balanced, ButterflyTree::left_to_right};

}  // namespace

TEST_CASE("butterfly supports follow the Kronecker definition and the contract order", "[sparse][butterfly]") {
  const int log2n = 4;
  const std::int64_t n = 16;
  for (int level = 1; level <= log2n; ++level) {
    const Eigen::MatrixXd s = kronecker_support(log2n, level);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 0; j < n; ++j) CHECK(in_butterfly_support(i, j, level) == (s(i, j) != 0));
  }
  for (int index = 1; index <= log2n; ++index) {
    const CsrMatrix f = butterfly_factor_pattern(log2n, index);
    CHECK_NOTHROW(validate(f));
    CHECK(f.nnz() == 2 * n);
    CHECK(on_factor_support(f, log2n, index));
  }
  // F_1 couples rows i and i + N/2; F_J is block-diagonal with 2 x 2 blocks.
  const CsrMatrix first = butterfly_factor_pattern(log2n, 1);
  CHECK(first.indices[0] == 0);
  CHECK(first.indices[1] == n / 2);
  const CsrMatrix last = butterfly_factor_pattern(log2n, log2n);
  CHECK(last.indices[2 * 5] == 4);
  CHECK(last.indices[2 * 5 + 1] == 5);
}

TEST_CASE("butterfly sizes must be powers of two", "[sparse][butterfly]") {
  CHECK(butterfly_log2(2) == 1);
  CHECK(butterfly_log2(1024) == 10);
  for (std::int64_t bad : {0, 1, 3, 6, 12, 1023}) CHECK_THROWS_AS(butterfly_log2(bad), std::invalid_argument);
  CHECK_THROWS_AS(butterfly_factorize(Eigen::MatrixXd::Zero(8, 4), ButterflyTree::balanced), std::invalid_argument);
  CHECK_THROWS_AS(butterfly_factorize(Eigen::MatrixXd::Zero(12, 12), ButterflyTree::balanced), std::invalid_argument);
  Eigen::MatrixXd not_finite = Eigen::MatrixXd::Ones(8, 8);
  not_finite(3, 5) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(butterfly_factorize(not_finite, ButterflyTree::balanced), std::invalid_argument);
  CHECK_THROWS_AS(parse_butterfly_tree("right-to-left"), std::invalid_argument);
  CHECK(parse_butterfly_tree("left-to-right") == ButterflyTree::left_to_right);
  CHECK(butterfly_tree_name(parse_butterfly_tree("balanced")) == "balanced");
}

TEST_CASE("tree schedules split every range of two or more factors once", "[sparse][butterfly]") {
  const int log2n = 10;
  SECTION("balanced") {
    const auto rounds = butterfly_split_rounds(log2n, ButterflyTree::balanced);
    REQUIRE(rounds.size() == 4);  // ceil(log2 10)
    CHECK(rounds[0].size() == 1);
    CHECK(rounds[0][0].left() == FactorRange{1, 5});
    CHECK(rounds[0][0].right() == FactorRange{6, 10});
    int splits = 0;
    for (const auto& round : rounds) splits += static_cast<int>(round.size());
    CHECK(splits == log2n - 1);
  }
  SECTION("left-to-right") {
    const auto rounds = butterfly_split_rounds(log2n, ButterflyTree::left_to_right);
    REQUIRE(rounds.size() == static_cast<std::size_t>(log2n - 1));
    for (int r = 0; r < log2n - 1; ++r) {
      REQUIRE(rounds[r].size() == 1);
      CHECK(rounds[r][0].left() == FactorRange{r + 1, r + 1});
      CHECK(rounds[r][0].right() == FactorRange{r + 2, log2n});
    }
  }
}

TEST_CASE("split blocks tile the support of the matrix being split", "[sparse][butterfly]") {
  const int log2n = 5;
  const std::int64_t n = 32;
  for (ButterflyTree tree : kBothTrees) {
    for (const auto& round : butterfly_split_rounds(log2n, tree)) {
      for (const ButterflySplit& split : round) {
        Eigen::MatrixXi covered = Eigen::MatrixXi::Zero(n, n);
        for (std::int64_t m = 0; m < split_block_count(split); ++m) {
          const BlockIndices idx = split_block_indices(split, m);
          REQUIRE(static_cast<std::int64_t>(idx.rows.size()) == split_block_rows(split));
          REQUIRE(static_cast<std::int64_t>(idx.cols.size()) == split_block_cols(split));
          for (std::int64_t i : idx.rows)
            for (std::int64_t j : idx.cols) covered(i, j) += 1;
          // Block m is column m of the left factor and row m of the right factor.
          for (std::int64_t i : idx.rows) CHECK(in_product_support(i, m, log2n, split.left()));
          for (std::int64_t j : idx.cols) CHECK(in_product_support(m, j, log2n, split.right()));
        }
        for (std::int64_t i = 0; i < n; ++i)
          for (std::int64_t j = 0; j < n; ++j)
            CHECK(covered(i, j) == (in_product_support(i, j, log2n, split.range) ? 1 : 0));
      }
    }
  }
}

TEST_CASE("one split of an exact partial product is exact and stays on the supports", "[sparse][butterfly]") {
  const int log2n = 6;
  std::mt19937_64 rng(11);
  const std::vector<CsrMatrix> factors = random_butterfly_factors(log2n, rng);
  for (ButterflyTree tree : kBothTrees) {
    for (const auto& round : butterfly_split_rounds(log2n, tree)) {
      for (const ButterflySplit& split : round) {
        const Eigen::MatrixXd p = dense_product(sub_chain(factors, split.range));
        const SplitFactors halves = solve_split(split, restrict_to_support(p, log2n, split.range));
        const Eigen::MatrixXd left = to_dense(halves.left);
        const Eigen::MatrixXd right = to_dense(halves.right);
        CHECK(dense_on_support(left, log2n, split.left()));
        CHECK(dense_on_support(right, log2n, split.right()));
        CHECK((p - left * right).norm() <= 1e-13 * p.norm());
        // The dense and the stored form of the same matrix give the same split.
        const SplitFactors from_dense = solve_split(split, p);
        CHECK(from_dense.left.values == halves.left.values);
        CHECK(from_dense.right.values == halves.right.values);
      }
    }
  }
}

TEST_CASE("assemble_split matches storing block solutions one by one", "[sparse][butterfly]") {
  const int log2n = 4;
  std::mt19937_64 rng(5);
  const Eigen::MatrixXd a = gaussian_matrix(16, 16, rng);
  const ButterflySplit split{log2n, {1, log2n}, 2};
  std::vector<RankOneFactors> solutions;
  for (std::int64_t m = 0; m < split_block_count(split); ++m)
    solutions.push_back(best_rank_one(gather_block(a, split_block_indices(split, m))));
  const SplitFactors assembled = assemble_split(split, solutions);
  const SplitFactors serial = solve_split(split, a);
  CHECK(assembled.left.values == serial.left.values);
  CHECK(assembled.right.values == serial.right.values);
  solutions.pop_back();
  CHECK_THROWS_AS(assemble_split(split, solutions), std::invalid_argument);
}

TEST_CASE("best rank-one approximation of a block", "[sparse][butterfly]") {
  std::mt19937_64 rng(3);
  for (const auto& [rows, cols] : {std::pair<int, int>{2, 64}, {64, 2}, {7, 9}, {32, 32}, {24, 80}}) {
    const Eigen::MatrixXd u = gaussian_matrix(rows, 1, rng);
    const Eigen::MatrixXd v = gaussian_matrix(cols, 1, rng);
    const Eigen::MatrixXd exact = u * v.transpose();
    const RankOneFactors r1 = best_rank_one(exact);
    CHECK((exact - r1.u * r1.v.transpose()).norm() <= 1e-14 * exact.norm());
    CHECK(r1.u.norm() == Approx(r1.v.norm()).epsilon(1e-12));  // balanced scaling

    const Eigen::MatrixXd noisy = exact + 0.3 * gaussian_matrix(rows, cols, rng);
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(noisy);
    const Eigen::VectorXd s = svd.singularValues();
    const double optimum = std::sqrt(s.squaredNorm() - s[0] * s[0]);
    const RankOneFactors approx = best_rank_one(noisy);
    CHECK((noisy - approx.u * approx.v.transpose()).norm() <= optimum * (1 + 1e-10));
  }
  // A block of pure noise (small spectral gap) still gets the optimum.
  const Eigen::MatrixXd noise = gaussian_matrix(40, 40, rng);
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(noise);
  const Eigen::VectorXd s = svd.singularValues();
  const RankOneFactors approx = best_rank_one(noise);
  CHECK((noise - approx.u * approx.v.transpose()).norm() ==
        Approx(std::sqrt(s.squaredNorm() - s[0] * s[0])).epsilon(1e-9));
  const RankOneFactors zero = best_rank_one(Eigen::MatrixXd::Zero(12, 10));
  CHECK(zero.u.isZero(0));
  CHECK(zero.v.isZero(0));
}

TEST_CASE("fast apply equals the dense product", "[sparse][butterfly]") {
  const int log2n = 7;
  const Eigen::Index n = 128;
  std::mt19937_64 rng(17);
  const std::vector<CsrMatrix> factors = random_butterfly_factors(log2n, rng);
  Eigen::MatrixXd dense = Eigen::MatrixXd::Identity(n, n);
  for (const CsrMatrix& f : factors) dense = dense * to_dense(f);  // F_1 F_2 ... F_J literally
  const Eigen::VectorXd x = gaussian_matrix(n, 1, rng);
  const Eigen::MatrixXd block = gaussian_matrix(n, 5, rng);
  CHECK((apply_factors(factors, x) - dense * x).norm() <= 1e-12 * (dense * x).norm());
  CHECK((apply_factors(factors, block) - dense * block).norm() <= 1e-12 * (dense * block).norm());
  CHECK((dense_product(factors) - dense).norm() <= 1e-12 * dense.norm());
  CHECK(relative_error(dense, factors) <= 1e-13);
  const Eigen::VectorXd wrong = Eigen::VectorXd::Zero(n + 1);
  CHECK_THROWS_AS(apply_factors(factors, wrong), std::invalid_argument);
}

TEST_CASE("CSR conversion and validation", "[sparse][csr]") {
  Eigen::MatrixXd m(3, 4);
  m << 1, 0, 0, 2,  //
      0, 0, 0, 0,   //
      0, 3, 4, 0;
  CsrMatrix a = csr_from_dense(m);
  CHECK(a.nnz() == 4);
  CHECK(a.indptr == std::vector<std::int64_t>{0, 2, 2, 4});
  CHECK(a.indices == std::vector<std::int64_t>{0, 3, 1, 2});
  CHECK_NOTHROW(validate(a));
  CHECK(to_dense(a) == m);
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(4, 1, 4);
  CHECK((multiply(a, x) - m * x).norm() == 0.0);
  a.indices[1] = 4;
  CHECK_THROWS_AS(validate(a), std::invalid_argument);
  a.indices[1] = 3;
  a.indptr[1] = 3;
  CHECK_THROWS_AS(validate(a), std::invalid_argument);
}

TEST_CASE("Hadamard 2^10 is recovered exactly by both trees", "[sparse][butterfly]") {
  const int log2n = 10;
  const Eigen::MatrixXd h = sylvester_hadamard(1024);
  std::mt19937_64 rng(23);
  const Eigen::VectorXd x = gaussian_matrix(1024, 1, rng);
  for (ButterflyTree tree : kBothTrees) {
    const ButterflyFactorization result = butterfly_factorize(h, tree);
    INFO("tree " << butterfly_tree_name(tree) << " rel_error " << result.rel_error);
    CHECK(result.tree == tree);
    CHECK(result.rel_error <= 1e-12);
    check_factorization_shape(result, log2n);
    CHECK((apply_factors(result.factors, x) - h * x).norm() <= 1e-12 * (h * x).norm());
  }
}

TEST_CASE("random butterfly products are recovered exactly by both trees", "[sparse][butterfly]") {
  for (int log2n : {8, 10}) {
    std::mt19937_64 rng(100 + log2n);
    const std::vector<CsrMatrix> truth = random_butterfly_factors(log2n, rng);
    const Eigen::MatrixXd a = dense_product(truth);
    for (ButterflyTree tree : kBothTrees) {
      const ButterflyFactorization result = butterfly_factorize(a, tree);
      INFO("N = 2^" << log2n << ", tree " << butterfly_tree_name(tree) << ", rel_error " << result.rel_error);
      CHECK(result.rel_error <= 1e-12);
      check_factorization_shape(result, log2n);
    }
  }
}

TEST_CASE("a 2 x 2 matrix is its own single butterfly factor", "[sparse][butterfly]") {
  Eigen::MatrixXd a(2, 2);
  a << 1, 2, 3, 4;
  const ButterflyFactorization result = butterfly_factorize(a, ButterflyTree::balanced);
  REQUIRE(result.factors.size() == 1);
  CHECK(to_dense(result.factors[0]) == a);
  CHECK(result.rel_error == 0.0);
}

TEST_CASE("identity and zero matrices", "[sparse][butterfly]") {
  for (ButterflyTree tree : kBothTrees) {
    const ButterflyFactorization identity = butterfly_factorize(Eigen::MatrixXd::Identity(64, 64), tree);
    CHECK(identity.rel_error <= 1e-15);
    check_factorization_shape(identity, 6);
    const ButterflyFactorization zero = butterfly_factorize(Eigen::MatrixXd::Zero(64, 64), tree);
    CHECK(zero.rel_error == 0.0);
    for (const CsrMatrix& f : zero.factors) CHECK(to_dense(f).isZero(0.0));
  }
}

TEST_CASE("noisy butterfly products: error within the noise level", "[sparse][butterfly]") {
  for (int log2n : {8, 10}) {
    const Eigen::Index n = Eigen::Index{1} << log2n;
    std::mt19937_64 rng(31 + log2n);
    const Eigen::MatrixXd clean = dense_product(random_butterfly_factors(log2n, rng));
    const Eigen::MatrixXd noise = gaussian_matrix(n, n, rng);
    for (double level : {1e-3, 1e-2}) {
      const Eigen::MatrixXd e = noise * (level * clean.norm() / noise.norm());
      const Eigen::MatrixXd a = clean + e;
      for (ButterflyTree tree : kBothTrees) {
        const ButterflyFactorization result = butterfly_factorize(a, tree);
        const double ratio = result.rel_error * a.norm() / e.norm();
        INFO("N = 2^" << log2n << ", noise " << level << ", tree " << butterfly_tree_name(tree)
                      << ", error / noise = " << ratio);
        CHECK(ratio <= 2.0);  // the acceptance bound
        CHECK(ratio <= 1.1);  // what both trees reach with leaf-aware scaling
        check_factorization_shape(result, log2n);
      }
    }
  }
}

TEST_CASE("the side split further carries the scale of a rank-one term", "[sparse][butterfly]") {
  std::mt19937_64 rng(41);
  const RankOneFactors balanced{gaussian_matrix(2, 1, rng).col(0), gaussian_matrix(8, 1, rng).col(0)};
  const Eigen::MatrixXd term = balanced.u * balanced.v.transpose();
  const ButterflySplit leaf_left{4, {1, 4}, 1};   // F_1 | F_2 F_3 F_4
  const ButterflySplit leaf_right{4, {1, 4}, 3};  // F_1 F_2 F_3 | F_4
  const ButterflySplit no_leaf{4, {1, 4}, 2};     // F_1 F_2 | F_3 F_4
  const RankOneFactors a = scale_for_split(leaf_left, balanced);
  CHECK(a.u.norm() == Approx(1.0));
  CHECK((a.u * a.v.transpose() - term).norm() <= 1e-14 * term.norm());
  const RankOneFactors swapped{balanced.v, balanced.u};
  const RankOneFactors b = scale_for_split(leaf_right, swapped);
  CHECK(b.v.norm() == Approx(1.0));
  CHECK((b.u * b.v.transpose() - term.transpose()).norm() <= 1e-14 * term.norm());
  const RankOneFactors c = scale_for_split(no_leaf, balanced);
  CHECK(c.u == balanced.u);
  CHECK(c.v == balanced.v);
}
