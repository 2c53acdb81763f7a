#pragma once
// Test-only helpers for the svd tests: matrices with a prescribed spectrum, a serial Halko-Martinsson-
// Tropp reference in Eigen, and gathered views of a TruncatedSvd. Everything here is replicated (the same
// bits on every rank), so assertions on it agree across ranks.
#include <Eigen/Dense>
#include <cmath>
#include <vector>

#include "../test_support.hpp"
#include "distributed/counter_random.hpp"
#include "jointfact/svd/truncated_svd.hpp"

namespace jf::svd_test {

// rows x cols with orthonormal columns: the Q factor of a counter-generated Gaussian matrix.
inline Eigen::MatrixXd random_orthonormal(int64_t rows, int64_t cols, uint64_t stream) {
  Eigen::MatrixXd gaussian(rows, cols);
  for (int64_t j = 0; j < cols; ++j)
    for (int64_t i = 0; i < rows; ++i) gaussian(i, j) = counter_normal(99, kStreamUser + stream, i, j);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(gaussian);
  return qr.householderQ() * Eigen::MatrixXd::Identity(rows, cols);
}

// s_i = ratio^i, i = 0 .. count-1.
inline std::vector<double> geometric_spectrum(int64_t count, double ratio) {
  std::vector<double> s(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) s[i] = std::pow(ratio, static_cast<double>(i));
  return s;
}

// s_i = 1 / (i + 1)^power: slow decay, the hard case for randomized methods.
inline std::vector<double> polynomial_spectrum(int64_t count, double power) {
  std::vector<double> s(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) s[i] = std::pow(static_cast<double>(i + 1), -power);
  return s;
}

// A = U diag(s) V^T with random orthonormal U (m x r), V (n x r), r = s.size() <= min(m, n).
inline Eigen::MatrixXd matrix_with_spectrum(int64_t m, int64_t n, const std::vector<double>& s, uint64_t stream) {
  const int64_t r = static_cast<int64_t>(s.size());
  const Eigen::VectorXd sigma = Eigen::Map<const Eigen::VectorXd>(s.data(), r);
  return random_orthonormal(m, r, stream) * sigma.asDiagonal() * random_orthonormal(n, r, stream + 1).transpose();
}

inline DistMatrix distribute(const Eigen::MatrixXd& full, const GridPtr& grid, int64_t nb) {
  DistMatrix a(grid, full.rows(), full.cols(), nb, nb);
  test::scatter(full, a);
  return a;
}

inline Eigen::VectorXd singular_values(const svd::TruncatedSvd& result) {
  return Eigen::Map<const Eigen::VectorXd>(result.s.data(), static_cast<Eigen::Index>(result.s.size()));
}

// ||A - U diag(s) V^T||_F from the gathered factors.
inline double reconstruction_error(const Eigen::MatrixXd& a, const svd::TruncatedSvd& result) {
  const Eigen::MatrixXd u = test::gather(result.u), v = test::gather(result.v);
  return (a - u * singular_values(result).asDiagonal() * v.transpose()).norm();
}

// sqrt(sum_{i >= k} s_i^2): the optimal rank-k error (Eckart-Young).
inline double optimal_error(const Eigen::VectorXd& s_full, int64_t k) { return s_full.tail(s_full.size() - k).norm(); }

// Serial HMT with the very same test matrix as the distributed code (columns of the counter-based
// Gaussian, stream kStreamSketch): returns ||A - U_k S_k V_k^T||_F.
inline double serial_hmt_error(const Eigen::MatrixXd& a, int64_t k, int64_t p, int64_t q, uint64_t seed) {
  const int64_t n = a.cols(), l = std::min<int64_t>(k + p, std::min(a.rows(), a.cols()));
  Eigen::MatrixXd omega(n, l);
  for (int64_t j = 0; j < l; ++j)
    for (int64_t i = 0; i < n; ++i) omega(i, j) = counter_normal(seed, kStreamSketch, i, j);
  auto orthonormal_basis = [](const Eigen::MatrixXd& x) -> Eigen::MatrixXd {
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(x);
    return qr.householderQ() * Eigen::MatrixXd::Identity(x.rows(), x.cols());
  };
  Eigen::MatrixXd basis = orthonormal_basis(a * omega);
  for (int64_t iter = 0; iter < q; ++iter) {
    const Eigen::MatrixXd row_basis = orthonormal_basis(a.transpose() * basis);
    basis = orthonormal_basis(a * row_basis);
  }
  const Eigen::MatrixXd b = basis.transpose() * a;
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(b, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::MatrixXd u = basis * svd.matrixU().leftCols(k);
  const Eigen::MatrixXd approx = u * svd.singularValues().head(k).asDiagonal() * svd.matrixV().leftCols(k).transpose();
  return (a - approx).norm();
}

// The grid shapes of the conventions that fit, and the block sizes the svd acceptance asks for.
inline const std::vector<int64_t>& svd_block_sizes() {
  static const std::vector<int64_t> sizes = {3, 16, 64};
  return sizes;
}

}  // namespace jf::svd_test
