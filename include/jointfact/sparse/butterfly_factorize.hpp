#pragma once
// Hierarchical butterfly factorization (Zheng, Riccietti, Gribonval; Le et al.), serial core.
//
// A (N x N, N = 2^J) ~ F_1 F_2 ... F_J in the output's order (F_i on S_(J+1-i), see
// butterfly_support.hpp). The tree's splits run round by round (butterfly_tree.hpp); each split
// is N independent best rank-one problems (butterfly_split.hpp). Exact butterfly products are
// recovered to rounding error. Work per round is one pass over the support of the matrices being
// split (N^2 at the root); no dense N x N matrix is formed below the root.

#include "jointfact/sparse/butterfly_tree.hpp"
#include "jointfact/sparse/csr.hpp"

#include <Eigen/Dense>

#include <vector>

namespace jf::sparse {

struct ButterflyFactorization {
  std::vector<CsrMatrix> factors;  // F_1 ... F_J, each with the 2N entries of its support
  double rel_error = 0.0;          // ||A - F_1 ... F_J||_F / ||A||_F
  ButterflyTree tree = ButterflyTree::balanced;
  // One value per round of splits: sqrt(sum ||P - L R||^2 / sum ||P||^2) over the round's
  // splits, i.e. how well each round fits the matrices it splits (the first is the error of A
  // after the root split). Filled by the distributed driver; empty for N = 2 (no split).
  std::vector<double> round_errors;
};

// Throws std::invalid_argument if A is not square with a power-of-two size >= 2, or not finite.
ButterflyFactorization butterfly_factorize(const Eigen::MatrixXd& a, ButterflyTree tree);

}  // namespace jf::sparse
