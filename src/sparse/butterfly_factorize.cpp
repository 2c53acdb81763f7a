#include "jointfact/sparse/butterfly_factorize.hpp"

#include "sparse/butterfly_split.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace jf::sparse {

namespace {

using RangeKey = std::pair<int, int>;

RangeKey key(FactorRange range) { return {range.first, range.last}; }

int checked_log2n(const Eigen::MatrixXd& a) {
  if (a.rows() != a.cols())
    throw std::invalid_argument("butterfly: matrix is " + std::to_string(a.rows()) + " x " + std::to_string(a.cols()) +
                                ", expected a square matrix");
  const int log2n = butterfly_log2(a.rows());
  if (!a.allFinite()) throw std::invalid_argument("butterfly: the matrix contains NaN or Inf");
  return log2n;
}

// Product of the final factors over `range`, merged along the same tree: O(N * 2^count) at the top.
ButterflyPartialProduct product_of_factors(const std::map<RangeKey, ButterflyPartialProduct>& leaves, FactorRange range,
                                           ButterflyTree tree) {
  if (range.is_single_factor()) return leaves.at(key(range));
  const int k = split_after(tree, range);
  return multiply(product_of_factors(leaves, {range.first, k}, tree),
                  product_of_factors(leaves, {k + 1, range.last}, tree));
}

// ||A - F_1 ... F_J||_F / ||A||_F from the root split's block structure: one pass over A.
double root_relative_error(const Eigen::MatrixXd& a, const std::map<RangeKey, ButterflyPartialProduct>& leaves,
                           int log2n, ButterflyTree tree) {
  const double norm = a.norm();
  double error_squared = 0.0;
  if (log2n == 1) {
    error_squared = (a - to_dense(leaves.at({1, 1}))).squaredNorm();
  } else {
    const FactorRange whole{1, log2n};
    const ButterflySplit root{log2n, whole, split_after(tree, whole)};
    const SplitFactors halves{product_of_factors(leaves, root.left(), tree),
                              product_of_factors(leaves, root.right(), tree)};
    error_squared = split_squared_error(root, a, halves);
  }
  if (norm == 0.0) return error_squared == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(error_squared) / norm;
}

}  // namespace

ButterflyFactorization butterfly_factorize(const Eigen::MatrixXd& a, ButterflyTree tree) {
  const int log2n = checked_log2n(a);
  const FactorRange whole{1, log2n};

  // Partial products waiting for their split (or, for single factors, for output).
  std::map<RangeKey, ButterflyPartialProduct> pending;
  if (log2n == 1) pending.emplace(key(whole), restrict_to_support(a, log2n, whole));

  for (const auto& round : butterfly_split_rounds(log2n, tree)) {
    for (const ButterflySplit& split : round) {
      SplitFactors halves;
      if (split.range == whole) {
        halves = solve_split(split, a);  // the root reads A in place: no N x N copy
      } else {
        auto parent = pending.find(key(split.range));
        halves = solve_split(split, parent->second);
        pending.erase(parent);
      }
      pending.emplace(key(split.left()), std::move(halves.left));
      pending.emplace(key(split.right()), std::move(halves.right));
    }
  }

  ButterflyFactorization result;
  result.tree = tree;
  for (int i = 1; i <= log2n; ++i) result.factors.push_back(to_csr(pending.at({i, i})));
  result.rel_error = root_relative_error(a, pending, log2n, tree);
  return result;
}

}  // namespace jf::sparse
