#pragma once
// Fast application of a factor chain: y = F_1 (F_2 (... (F_J x))). Each sparse product costs
// O(nnz), so butterfly factors (2N nonzeros each) apply in O(N log N) per column.

#include "jointfact/sparse/csr.hpp"

#include <Eigen/Dense>

#include <vector>

namespace jf::sparse {

// Throws std::invalid_argument if the chain is empty, inconsistent or does not fit x.
Eigen::VectorXd apply_factors(const std::vector<CsrMatrix>& factors, const Eigen::VectorXd& x);
Eigen::MatrixXd apply_factors(const std::vector<CsrMatrix>& factors, const Eigen::MatrixXd& x);

// F_1 F_2 ... F_J as a dense matrix (for checks on sizes that fit in memory).
Eigen::MatrixXd dense_product(const std::vector<CsrMatrix>& factors);

// ||A - F_1 ... F_J||_F / ||A||_F, computed a block of columns at a time (0 when A = 0 and the
// product vanishes).
double relative_error(const Eigen::MatrixXd& a, const std::vector<CsrMatrix>& factors);

}  // namespace jf::sparse
