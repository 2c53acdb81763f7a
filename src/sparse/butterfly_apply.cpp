#include "sparse/butterfly_apply.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace jf::sparse {

namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr Eigen::Index kErrorColumnChunk = 256;

void check_chain(const std::vector<CsrMatrix>& factors, Eigen::Index x_rows) {
  if (factors.empty()) throw std::invalid_argument("apply_factors: no factors");
  for (std::size_t i = 0; i + 1 < factors.size(); ++i)
    if (factors[i].cols != factors[i + 1].rows)
      throw std::invalid_argument("apply_factors: factor " + std::to_string(i + 1) + " has " +
                                  std::to_string(factors[i].cols) + " columns but factor " + std::to_string(i + 2) +
                                  " has " + std::to_string(factors[i + 1].rows) + " rows");
  if (factors.back().cols != x_rows)
    throw std::invalid_argument("apply_factors: last factor has " + std::to_string(factors.back().cols) +
                                " columns, input has " + std::to_string(x_rows) + " rows");
}

// Row-major in and out, so that a whole chain runs without re-layouting between factors.
RowMajorMatrix multiply_rows(const CsrMatrix& a, const RowMajorMatrix& x) {
  RowMajorMatrix y = RowMajorMatrix::Zero(a.rows, x.cols());
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) y.row(i) += a.data[k] * x.row(a.indices[k]);
  return y;
}

}  // namespace

Eigen::VectorXd apply_factors(const std::vector<CsrMatrix>& factors, const Eigen::VectorXd& x) {
  check_chain(factors, x.size());
  Eigen::VectorXd y = x;
  for (auto f = factors.rbegin(); f != factors.rend(); ++f) y = multiply(*f, y);
  return y;
}

Eigen::MatrixXd apply_factors(const std::vector<CsrMatrix>& factors, const Eigen::MatrixXd& x) {
  check_chain(factors, x.rows());
  RowMajorMatrix y = x;
  for (auto f = factors.rbegin(); f != factors.rend(); ++f) y = multiply_rows(*f, y);
  return y;
}

Eigen::MatrixXd dense_product(const std::vector<CsrMatrix>& factors) {
  if (factors.empty()) throw std::invalid_argument("dense_product: no factors");
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(factors.back().cols, factors.back().cols);
  return apply_factors(factors, identity);
}

double relative_error(const Eigen::MatrixXd& a, const std::vector<CsrMatrix>& factors) {
  check_chain(factors, a.cols());
  if (factors.front().rows != a.rows())
    throw std::invalid_argument("relative_error: product has " + std::to_string(factors.front().rows) +
                                " rows, matrix has " + std::to_string(a.rows()));
  double diff_squared = 0.0;
  for (Eigen::Index c0 = 0; c0 < a.cols(); c0 += kErrorColumnChunk) {
    const Eigen::Index width = std::min(kErrorColumnChunk, a.cols() - c0);
    Eigen::MatrixXd unit = Eigen::MatrixXd::Zero(a.cols(), width);
    for (Eigen::Index c = 0; c < width; ++c) unit(c0 + c, c) = 1.0;
    diff_squared += (a.middleCols(c0, width) - apply_factors(factors, unit)).squaredNorm();
  }
  const double norm_squared = a.squaredNorm();
  if (norm_squared == 0.0) return diff_squared == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(diff_squared / norm_squared);
}

}  // namespace jf::sparse
