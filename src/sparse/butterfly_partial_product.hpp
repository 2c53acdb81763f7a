#pragma once
// The product F_first ... F_last of consecutive butterfly factors, stored on its support only.
//
// Row i has width() = 2^(last-first+1) entries; slot t holds column
//   column(i, t) = (i with the free bits cleared) | (t << low_bit()),
// so columns increase with t. Storage is row-major (size() x width()), N * width() values: the
// hierarchical algorithm never forms a dense N x N matrix below the root.

#include "jointfact/sparse/butterfly_support.hpp"
#include "jointfact/sparse/csr.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace jf::sparse {

struct ButterflyPartialProduct {
  int log2n = 1;
  FactorRange range;
  std::vector<double> values;

  static ButterflyPartialProduct zeros(int log2n, FactorRange range);

  std::int64_t size() const { return std::int64_t{1} << log2n; }
  std::int64_t width() const { return std::int64_t{1} << range.count(); }
  int low_bit() const { return low_free_bit(log2n, range); }
  std::int64_t mask() const { return free_bit_mask(log2n, range); }

  std::int64_t column(std::int64_t row, std::int64_t slot) const { return (row & ~mask()) | (slot << low_bit()); }
  // Precondition: (row, col) lies in the support.
  std::int64_t slot(std::int64_t col) const { return (col & mask()) >> low_bit(); }

  double& at(std::int64_t row, std::int64_t slot) { return values[row * width() + slot]; }
  double at(std::int64_t row, std::int64_t slot) const { return values[row * width() + slot]; }
};

Eigen::MatrixXd to_dense(const ButterflyPartialProduct& p);

// All support entries are stored, zeros included, so the pattern is the support itself.
CsrMatrix to_csr(const ButterflyPartialProduct& p);

// Keeps the entries of an N x N matrix that lie on the support of F_first ... F_last.
ButterflyPartialProduct restrict_to_support(const Eigen::MatrixXd& dense, int log2n, FactorRange range);

// (F_a ... F_k)(F_(k+1) ... F_b) for adjacent ranges, directly on the support of the result:
// each of its N * 2^(b-a+1) entries is a single product (see butterfly_split.hpp for why).
ButterflyPartialProduct multiply(const ButterflyPartialProduct& left, const ButterflyPartialProduct& right);

}  // namespace jf::sparse
