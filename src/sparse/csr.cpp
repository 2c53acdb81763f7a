#include "jointfact/sparse/csr.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace jf::sparse {

namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void fail(const std::string& what) { throw std::invalid_argument("CSR matrix: " + what); }

}  // namespace

void validate(const CsrMatrix& a) {
  if (a.rows < 0 || a.cols < 0) fail("negative shape");
  if (static_cast<std::int64_t>(a.indptr.size()) != a.rows + 1)
    fail("indptr has " + std::to_string(a.indptr.size()) +
         " entries, expected rows + 1 = " + std::to_string(a.rows + 1));
  if (a.indices.size() != a.data.size()) fail("indices and data differ in length");
  if (a.indptr.front() != 0) fail("indptr[0] is not 0");
  if (a.indptr.back() != a.nnz()) fail("indptr[rows] differs from the number of stored values");
  for (std::int64_t i = 0; i < a.rows; ++i) {
    if (a.indptr[i + 1] < a.indptr[i]) fail("indptr decreases at row " + std::to_string(i));
    for (std::int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) {
      const std::int64_t j = a.indices[k];
      if (j < 0 || j >= a.cols) fail("column " + std::to_string(j) + " out of range in row " + std::to_string(i));
      if (k > a.indptr[i] && a.indices[k - 1] >= j) fail("columns not strictly increasing in row " + std::to_string(i));
    }
  }
}

Eigen::MatrixXd to_dense(const CsrMatrix& a) {
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(a.rows, a.cols);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) dense(i, a.indices[k]) += a.data[k];
  return dense;
}

CsrMatrix csr_from_dense(const Eigen::MatrixXd& dense, double drop_tol) {
  CsrMatrix a;
  a.rows = dense.rows();
  a.cols = dense.cols();
  a.indptr.reserve(a.rows + 1);
  a.indptr.push_back(0);
  for (std::int64_t i = 0; i < a.rows; ++i) {
    for (std::int64_t j = 0; j < a.cols; ++j) {
      const double value = dense(i, j);
      if (value != 0.0 && std::abs(value) > drop_tol) {
        a.data.push_back(value);
        a.indices.push_back(j);
      }
    }
    a.indptr.push_back(a.nnz());
  }
  return a;
}

Eigen::VectorXd multiply(const CsrMatrix& a, const Eigen::VectorXd& x) {
  if (x.size() != a.cols)
    fail("multiply: vector of length " + std::to_string(x.size()) + " for " + std::to_string(a.cols) + " columns");
  Eigen::VectorXd y(a.rows);
  for (std::int64_t i = 0; i < a.rows; ++i) {
    double sum = 0.0;
    for (std::int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) sum += a.data[k] * x[a.indices[k]];
    y[i] = sum;
  }
  return y;
}

Eigen::MatrixXd multiply(const CsrMatrix& a, const Eigen::MatrixXd& x) {
  if (x.rows() != a.cols)
    fail("multiply: block with " + std::to_string(x.rows()) + " rows for " + std::to_string(a.cols) + " columns");
  // Row-major copies make each CSR entry an axpy over contiguous memory.
  const RowMajorMatrix x_rows = x;
  RowMajorMatrix y_rows = RowMajorMatrix::Zero(a.rows, x.cols());
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) y_rows.row(i) += a.data[k] * x_rows.row(a.indices[k]);
  return y_rows;
}

}  // namespace jf::sparse
