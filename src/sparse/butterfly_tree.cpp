#include "jointfact/sparse/butterfly_tree.hpp"

#include <stdexcept>

namespace jf::sparse {

ButterflyTree parse_butterfly_tree(const std::string& name) {
  if (name == "balanced") return ButterflyTree::balanced;
  if (name == "left-to-right") return ButterflyTree::left_to_right;
  throw std::invalid_argument("butterfly: unknown tree '" + name + "' (expected balanced or left-to-right)");
}

std::string butterfly_tree_name(ButterflyTree tree) {
  return tree == ButterflyTree::balanced ? "balanced" : "left-to-right";
}

int split_after(ButterflyTree tree, FactorRange range) {
  if (range.count() < 2) throw std::invalid_argument("butterfly: cannot split a single factor");
  if (tree == ButterflyTree::left_to_right) return range.first;
  return range.first + range.count() / 2 - 1;
}

std::vector<std::vector<ButterflySplit>> butterfly_split_rounds(int log2n, ButterflyTree tree) {
  std::vector<std::vector<ButterflySplit>> rounds;
  std::vector<FactorRange> to_split;
  if (log2n >= 2) to_split.push_back({1, log2n});
  while (!to_split.empty()) {
    std::vector<ButterflySplit> round;
    std::vector<FactorRange> next;
    for (const FactorRange& range : to_split) {
      const ButterflySplit split{log2n, range, split_after(tree, range)};
      round.push_back(split);
      for (const FactorRange& child : {split.left(), split.right()})
        if (!child.is_single_factor()) next.push_back(child);
    }
    rounds.push_back(std::move(round));
    to_split = std::move(next);
  }
  return rounds;
}

}  // namespace jf::sparse
