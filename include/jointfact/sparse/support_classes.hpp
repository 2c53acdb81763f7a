#pragma once
// Rank-one supports of a fixed-support factorization A ~ X Y^T (Le, Riccietti, Gribonval).
//
// X (m x r) may be nonzero only where S_X is true, Y (n x r) only where S_Y is true, so the
// i-th rank-one term X[:, i] Y[:, i]^T lives on S_i = S_X[:, i] S_Y[:, i]^T. Terms with identical
// S_i form a class P with rows I and columns J; classes are what the solver works on.

#include <Eigen/Dense>

#include <cstdint>
#include <map>
#include <vector>

namespace jf::sparse {

using SupportMatrix = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

struct SupportClass {
  std::vector<std::int64_t> rows;     // I: rows of X (and A) in the support, increasing
  std::vector<std::int64_t> cols;     // J: rows of Y (columns of A) in the support, increasing
  std::vector<std::int64_t> members;  // P: the factor columns i sharing this support, increasing
};

// Classes ordered by their smallest member. Throws std::invalid_argument if S_X and S_Y differ
// in their number of columns.
std::vector<SupportClass> group_support_classes(const SupportMatrix& support_x, const SupportMatrix& support_y);

// Rows of a factor grouped by their support pattern (the factor columns a row may use, increasing);
// rows with an empty pattern are left out. The least-squares half-steps solve one basis per pattern.
std::map<std::vector<Eigen::Index>, std::vector<Eigen::Index>> rows_by_support_pattern(const SupportMatrix& support);

// True when the two classes' rank-one supports share an entry of A (rows and columns intersect).
bool supports_overlap(const SupportClass& a, const SupportClass& b);

// True when the rank-one supports of any two classes share no entry of A (rows or columns
// disjoint): with identical supports grouped, the condition of Theorem 2.
bool classes_pairwise_disjoint(const std::vector<SupportClass>& classes);

}  // namespace jf::sparse
