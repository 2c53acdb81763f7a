#pragma once
// Trees of the hierarchical butterfly factorization (Zheng, Riccietti, Gribonval).
//
// A node is a range F_first ... F_last of output factors (butterfly_support.hpp); an inner node is split into
// [first, k] and [k + 1, last]. The root is [1, J], the leaves are the single factors.
//   balanced:       k = first + count/2 - 1 (the left child gets the smaller half when odd);
//                   depth ceil(log2 J).
//   left-to-right:  k = first: the factors are peeled off in the order F_1, F_2, ..., F_J;
//                   depth J - 1.
// Splits are grouped into rounds: all splits of one round act on different matrices and are
// independent, so a distributed driver can pool their blocks into one exchange per round.

#include "jointfact/sparse/butterfly_support.hpp"

#include <string>
#include <vector>

namespace jf::sparse {

enum class ButterflyTree { balanced, left_to_right };

// Accepts the CLI spellings "balanced" and "left-to-right"; throws std::invalid_argument otherwise.
ButterflyTree parse_butterfly_tree(const std::string& name);
std::string butterfly_tree_name(ButterflyTree tree);

// Last factor of the left child of `range` (which must hold at least two factors).
int split_after(ButterflyTree tree, FactorRange range);

// One node split: P = F_first ... F_last  ~  (F_first ... F_k) (F_(k+1) ... F_last).
struct ButterflySplit {
  int log2n = 1;
  FactorRange range;
  int split_after = 1;  // k

  FactorRange left() const { return {range.first, split_after}; }
  FactorRange right() const { return {split_after + 1, range.last}; }
};

// Rounds of splits from the root down; every range of two or more factors is split exactly once,
// after its parent's round.
std::vector<std::vector<ButterflySplit>> butterfly_split_rounds(int log2n, ButterflyTree tree);

}  // namespace jf::sparse
