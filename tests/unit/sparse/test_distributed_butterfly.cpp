// The distributed butterfly driver: exact recovery on every grid, factors bit-identical to the
// serial reference for any P, grid and block size, noise behaviour, and input validation.
#include "../test_support.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/norms.hpp"
#include "jointfact/distributed/synthetic.hpp"
#include "jointfact/sparse/distributed_butterfly.hpp"
#include "sparse/block_ownership.hpp"
#include "sparse/butterfly_apply.hpp"
#include "sparse/butterfly_chain.hpp"
#include "sparse_test_helpers.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Dense>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace jf::sparse;
using jf::sparse::testing::random_butterfly_factors;

namespace {

const ButterflyTree kBothTrees[] = {ButterflyTree::balanced, ButterflyTree::left_to_right};

jf::GridPtr world_grid(jf::GridShape shape = {}) { return jf::make_grid(MPI_COMM_WORLD, shape); }

// Every stored entry of contract factor F_index lies on S_(J+1-index), 2 per row.
bool is_contract_factor(const CsrMatrix& f, int log2n, int index) {
  const std::int64_t n = std::int64_t{1} << log2n;
  if (f.rows != n || f.cols != n || f.nnz() > 2 * n) return false;
  const int level = support_level_of_factor(log2n, index);
  for (std::int64_t i = 0; i < f.rows; ++i)
    for (std::int64_t k = f.indptr[i]; k < f.indptr[i + 1]; ++k)
      if (!in_butterfly_support(i, f.indices[k], level)) return false;
  return true;
}

void check_factors(const ButterflyFactorization& result, int log2n) {
  REQUIRE(static_cast<int>(result.factors.size()) == log2n);
  for (int i = 1; i <= log2n; ++i) {
    CHECK_NOTHROW(validate(result.factors[i - 1]));
    CHECK(is_contract_factor(result.factors[i - 1], log2n, i));
  }
}

bool same_factors(const ButterflyFactorization& a, const ButterflyFactorization& b) {
  if (a.factors.size() != b.factors.size()) return false;
  for (std::size_t i = 0; i < a.factors.size(); ++i)
    if (a.factors[i].data != b.factors[i].data || a.factors[i].indices != b.factors[i].indices ||
        a.factors[i].indptr != b.factors[i].indptr)
      return false;
  return true;
}

// A + noise with ||noise||_F = level * ||A||_F; the noise depends only on (i, j).
jf::DistMatrix with_noise(const jf::DistMatrix& clean, double level) {
  jf::DistMatrix noise = clean.like();
  jf::fill_normal(noise, 77, jf::kStreamUser + 3);
  const double scale = level * jf::frobenius_norm(clean) / jf::frobenius_norm(noise);
  jf::DistMatrix noisy = clean.like();
  noisy.local() = clean.local() + scale * noise.local();
  return noisy;
}

}  // namespace

TEST_CASE("equal blocks are split into contiguous balanced ranges", "[sparse][distributed]") {
  for (int ranks : {1, 3, 4, 7}) {
    for (std::int64_t blocks : {2, 5, 64}) {
      const EqualBlockOwnership owners(blocks, ranks);
      std::int64_t covered = 0;
      for (int r = 0; r < ranks; ++r) {
        CHECK(owners.count(r) >= blocks / ranks);
        CHECK(owners.count(r) <= blocks / ranks + 1);
        for (std::int64_t m = owners.first(r); m < owners.end(r); ++m) CHECK(owners.owner(m) == r);
        covered += owners.count(r);
      }
      CHECK(covered == blocks);
    }
  }
  // Unequal areas: largest first to the least loaded rank.
  const std::vector<int> owner = assign_by_area({10, 1, 7, 3, 3}, 2);
  CHECK(owner == std::vector<int>{0, 1, 1, 1, 0});
}

TEST_CASE("single rows and columns of a factor chain match the dense product", "[sparse][distributed]") {
  const int log2n = 6;
  const std::int64_t n = 64;
  std::mt19937_64 rng(5);
  const std::vector<CsrMatrix> csr = random_butterfly_factors(log2n, rng);
  std::vector<ButterflyPartialProduct> singles;
  for (int t = 1; t <= log2n; ++t) singles.push_back(restrict_to_support(to_dense(csr[t - 1]), log2n, {t, t}));
  for (FactorRange range : {FactorRange{1, 6}, FactorRange{2, 4}, FactorRange{5, 5}, FactorRange{1, 3}}) {
    const std::vector<CsrMatrix> chain(csr.begin() + (range.first - 1), csr.begin() + range.last);
    const ButterflyPartialProduct p = restrict_to_support(dense_product(chain), log2n, range);
    for (std::int64_t k : {std::int64_t{0}, std::int64_t{13}, n - 1}) {
      const std::vector<double> row = chain_row(singles, range, k);
      const std::vector<double> col = chain_column(singles, range, k);
      REQUIRE(static_cast<std::int64_t>(row.size()) == p.width());
      for (std::int64_t s = 0; s < p.width(); ++s) {
        CHECK(row[s] == Approx(p.at(k, s)).margin(1e-13));
        const std::int64_t i = (k & ~p.mask()) | (s << p.low_bit());
        CHECK(col[s] == Approx(p.at(i, p.slot(k))).margin(1e-13));
      }
    }
  }
}

TEST_CASE("distributed butterfly recovers Hadamard 2^10 with both trees", "[sparse][distributed]") {
  const jf::DistMatrix h = jf::make_hadamard(world_grid(), 1024);
  for (ButterflyTree tree : kBothTrees) {
    const ButterflyFactorization result = butterfly_factorize_distributed(h, tree);
    INFO("P = " << jf::test::world_size() << ", tree " << butterfly_tree_name(tree) << ", rel_error "
                << result.rel_error);
    CHECK(result.rel_error <= 1e-12);
    CHECK(result.tree == tree);
    check_factors(result, 10);
    CHECK(result.round_errors.size() == butterfly_split_rounds(10, tree).size());
    for (double e : result.round_errors) CHECK(e <= 1e-12);
  }
}

TEST_CASE("distributed butterfly recovers random butterfly products (N = 256, 1024)", "[sparse][distributed]") {
  for (std::int64_t n : {256, 1024}) {
    const int log2n = n == 256 ? 8 : 10;
    const jf::DistMatrix a = jf::make_butterfly_product(world_grid(), n, 9);
    for (ButterflyTree tree : kBothTrees) {
      const ButterflyFactorization result = butterfly_factorize_distributed(a, tree);
      INFO("N = " << n << ", P = " << jf::test::world_size() << ", tree " << butterfly_tree_name(tree) << ", rel_error "
                  << result.rel_error);
      CHECK(result.rel_error <= 1e-12);
      check_factors(result, log2n);
      if (n == 256) {  // the factors reproduce A through the fast apply, checked on a gathered copy
        const Eigen::MatrixXd full = jf::test::gather(a);
        CHECK(relative_error(full, result.factors) <= 1e-12);
      }
    }
  }
}

TEST_CASE("distributed butterfly equals the serial one bit for bit on every grid and block size",
          "[sparse][distributed]") {
  const std::int64_t n = 256;
  const Eigen::MatrixXd full = jf::test::gather(jf::make_butterfly_product(world_grid({1, 1}), n, 4));
  std::mt19937_64 rng(8);
  const Eigen::MatrixXd noisy = full + 0.05 * testing::gaussian_matrix(n, n, rng) * (full.norm() / n);
  for (ButterflyTree tree : kBothTrees) {
    const ButterflyFactorization serial = butterfly_factorize(noisy, tree);
    for (const jf::GridShape& shape : jf::test::grids_fitting(jf::test::world_size())) {
      for (std::int64_t block : {std::int64_t{1}, std::int64_t{7}, std::int64_t{64}}) {
        jf::DistMatrix a(world_grid(shape), n, n, block, block);
        jf::test::scatter(noisy, a);
        const ButterflyFactorization result = butterfly_factorize_distributed(a, tree);
        INFO("tree " << butterfly_tree_name(tree) << ", grid " << shape.prows << "x" << shape.pcols << ", block "
                     << block);
        CHECK(same_factors(result, serial));
        CHECK(result.rel_error == Approx(serial.rel_error).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("distributed butterfly on noisy products: error within the noise level", "[sparse][distributed]") {
  for (std::int64_t n : {256, 1024}) {
    const jf::DistMatrix clean = jf::make_butterfly_product(world_grid(), n, 21);
    const double level = 1e-2;
    const jf::DistMatrix a = with_noise(clean, level);
    const double noise_rel = level * jf::frobenius_norm(clean) / jf::frobenius_norm(a);
    for (ButterflyTree tree : kBothTrees) {
      const ButterflyFactorization result = butterfly_factorize_distributed(a, tree);
      const double ratio = result.rel_error / noise_rel;
      INFO("N = " << n << ", tree " << butterfly_tree_name(tree) << ", error / noise = " << ratio);
      CHECK(ratio <= 2.0);  // the acceptance bound
      // Close to 1x: 0.98-1.06 on seeds 1-8 at N = 256; this seed is the worst seen, 1.154 for the
      // balanced tree at N = 256 (1.009 at N = 1024; left-to-right 0.98 and 0.99).
      CHECK(ratio <= 1.2);
      check_factors(result, n == 256 ? 8 : 10);
    }
  }
}

TEST_CASE("distributed butterfly: smallest sizes", "[sparse][distributed]") {
  for (std::int64_t n : {2, 4, 8}) {
    Eigen::MatrixXd full(n, n);
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t i = 0; i < n; ++i) full(i, j) = 1.0 + i + 3.0 * j * j;
    jf::DistMatrix a(world_grid(), n, n, 1, 1);
    jf::test::scatter(full, a);
    for (ButterflyTree tree : kBothTrees) {
      const ButterflyFactorization result = butterfly_factorize_distributed(a, tree);
      const ButterflyFactorization serial = butterfly_factorize(full, tree);
      INFO("N = " << n);
      CHECK(same_factors(result, serial));
      CHECK(result.rel_error == Approx(serial.rel_error).margin(1e-15));
    }
  }
}

TEST_CASE("distributed butterfly rejects bad input on every rank", "[sparse][distributed]") {
  CHECK_THROWS_AS(butterfly_factorize_distributed(jf::DistMatrix(world_grid(), 8, 4), ButterflyTree::balanced),
                  jf::InputError);
  CHECK_THROWS_AS(butterfly_factorize_distributed(jf::DistMatrix(world_grid(), 12, 12), ButterflyTree::balanced),
                  jf::InputError);
  CHECK_THROWS_AS(butterfly_factorize_distributed(jf::DistMatrix(world_grid(), 1, 1), ButterflyTree::balanced),
                  jf::InputError);
  jf::DistMatrix bad(world_grid(), 16, 16, 4, 4);
  bad.for_each_local([](std::int64_t i, std::int64_t j, double& v) {
    v = (i == 9 && j == 14) ? std::numeric_limits<double>::quiet_NaN() : 1.0;
  });
  CHECK_THROWS_AS(butterfly_factorize_distributed(bad, ButterflyTree::left_to_right), jf::InputError);
  try {
    require_butterfly_shape(96, 96, "W.h5:/W");
    FAIL("no error for 96 x 96");
  } catch (const jf::InputError& e) {
    CHECK(std::string(e.what()) ==
          "butterfly needs a square N x N matrix with N a power of two >= 2; W.h5:/W is 96 x 96");
  }
}
