#pragma once
// The classes of identical rank-one supports (support_classes.hpp) found from the supports' rows held like
// the factors (fsmf_local_factors.hpp): no rank holds a whole support or a whole class index set. Private to
// the sparse module.
//
// Two columns k, l share a class when S_X(:, k) = S_X(:, l) and S_Y(:, k) = S_Y(:, l). Each column is
// fingerprinted by two order-free 64-bit sums over its rows (and its row count), summed over the ranks by one
// allreduce; equal fingerprints are then confirmed entry by entry (one more allreduce). Which classes' rows
// and columns meet is one allreduce of two C x C tables (C classes <= r).

#include <Eigen/Dense>

#include <cstdint>
#include <vector>

#include "jointfact/distributed/dist_matrix.hpp"
#include "jointfact/sparse/support_classes.hpp"

namespace jf::sparse::detail {

struct LocalSupportClass {
  std::vector<std::int64_t> members;  // P: the factor columns of the class, increasing (replicated)
  std::int64_t rows = 0;              // |I|
  std::int64_t cols = 0;              // |J|
  std::vector<std::int64_t> row_lc;   // A's local rows in I, increasing
  std::vector<std::int64_t> col_lc;   // A's local columns in J, increasing
};

struct LocalSupportClasses {
  std::vector<LocalSupportClass> classes;  // ordered by their smallest member, as group_support_classes
  Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> overlap;  // C x C: the classes' supports share an entry of A

  bool pairwise_disjoint() const;
  // The members of the classes before c that overlap it, in class order.
  std::vector<std::int64_t> earlier_overlapping_members(std::size_t c) const;
};

// Collective over a.grid().comm(). support_x_here: a.local_rows() x r, the rows of S_X this rank's process
// row holds; support_y_here: a.local_cols() x r. Throws LibraryError if two fingerprints collide.
LocalSupportClasses group_local_support_classes(const DistMatrix& a, const SupportMatrix& support_x_here,
                                                const SupportMatrix& support_y_here);

// Collective over a.grid().comm(): one class's whole row and column index sets on every rank
// (O(|I| + |J|) per rank, for a class solved on the whole grid).
SupportClass gather_support_class(const DistMatrix& a, const LocalSupportClass& k);

}  // namespace jf::sparse::detail
