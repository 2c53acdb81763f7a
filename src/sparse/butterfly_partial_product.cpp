#include "sparse/butterfly_partial_product.hpp"

#include <stdexcept>
#include <string>

namespace jf::sparse {

ButterflyPartialProduct ButterflyPartialProduct::zeros(int log2n, FactorRange range) {
  if (range.first < 1 || range.last > log2n || range.first > range.last)
    throw std::invalid_argument("butterfly: factor range " + std::to_string(range.first) + ".." +
                                std::to_string(range.last) + " invalid for J = " + std::to_string(log2n));
  ButterflyPartialProduct p;
  p.log2n = log2n;
  p.range = range;
  p.values.assign(static_cast<std::size_t>(p.size() * p.width()), 0.0);
  return p;
}

Eigen::MatrixXd to_dense(const ButterflyPartialProduct& p) {
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(p.size(), p.size());
  for (std::int64_t i = 0; i < p.size(); ++i)
    for (std::int64_t t = 0; t < p.width(); ++t) dense(i, p.column(i, t)) = p.at(i, t);
  return dense;
}

CsrMatrix to_csr(const ButterflyPartialProduct& p) {
  CsrMatrix a;
  a.rows = p.size();
  a.cols = p.size();
  a.data = p.values;
  a.indices.resize(p.values.size());
  a.indptr.resize(a.rows + 1);
  for (std::int64_t i = 0; i < p.size(); ++i) {
    a.indptr[i] = i * p.width();
    for (std::int64_t t = 0; t < p.width(); ++t) a.indices[i * p.width() + t] = p.column(i, t);
  }
  a.indptr[a.rows] = a.nnz();
  return a;
}

ButterflyPartialProduct restrict_to_support(const Eigen::MatrixXd& dense, int log2n, FactorRange range) {
  ButterflyPartialProduct p = ButterflyPartialProduct::zeros(log2n, range);
  if (dense.rows() != p.size() || dense.cols() != p.size())
    throw std::invalid_argument("butterfly: expected a " + std::to_string(p.size()) + " x " + std::to_string(p.size()) +
                                " matrix");
  for (std::int64_t i = 0; i < p.size(); ++i)
    for (std::int64_t t = 0; t < p.width(); ++t) p.at(i, t) = dense(i, p.column(i, t));
  return p;
}

ButterflyPartialProduct multiply(const ButterflyPartialProduct& left, const ButterflyPartialProduct& right) {
  if (left.log2n != right.log2n || left.range.last + 1 != right.range.first)
    throw std::invalid_argument("butterfly: multiplying partial products of non-adjacent ranges");
  ButterflyPartialProduct p = ButterflyPartialProduct::zeros(left.log2n, {left.range.first, right.range.last});
  const std::int64_t mask_left = left.mask();
  for (std::int64_t i = 0; i < p.size(); ++i) {
    for (std::int64_t t = 0; t < p.width(); ++t) {
      const std::int64_t j = p.column(i, t);
      const std::int64_t m = (i & ~mask_left) | (j & mask_left);  // the only inner index
      p.at(i, t) = left.at(i, left.slot(m)) * right.at(m, right.slot(j));
    }
  }
  return p;
}

}  // namespace jf::sparse
