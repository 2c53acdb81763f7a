#pragma once
// Compressed sparse row matrix, laid out like scipy.sparse.csr_matrix so it maps
// one-to-one onto the HDF5 output groups (data, indices, indptr, shape).

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

namespace jf::sparse {

struct CsrMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<double> data;           // nonzero values, row by row
  std::vector<std::int64_t> indices;  // column of each value; sorted within a row
  std::vector<std::int64_t> indptr;   // rows + 1 offsets into data/indices

  std::int64_t nnz() const { return static_cast<std::int64_t>(data.size()); }
};

// Throws std::invalid_argument naming the first inconsistency (sizes, offsets, column range).
void validate(const CsrMatrix& a);

Eigen::MatrixXd to_dense(const CsrMatrix& a);

// Keeps the entries of `dense` whose magnitude exceeds drop_tol (all nonzeros by default).
CsrMatrix csr_from_dense(const Eigen::MatrixXd& dense, double drop_tol = 0.0);

// y = A x and Y = A X; throw std::invalid_argument on a size mismatch.
Eigen::VectorXd multiply(const CsrMatrix& a, const Eigen::VectorXd& x);
Eigen::MatrixXd multiply(const CsrMatrix& a, const Eigen::MatrixXd& x);

}  // namespace jf::sparse
