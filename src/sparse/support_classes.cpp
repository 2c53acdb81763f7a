#include "jointfact/sparse/support_classes.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace jf::sparse {

namespace {

std::vector<std::int64_t> true_positions(const SupportMatrix& support, Eigen::Index col) {
  std::vector<std::int64_t> positions;
  for (Eigen::Index i = 0; i < support.rows(); ++i)
    if (support(i, col)) positions.push_back(i);
  return positions;
}

bool sorted_lists_intersect(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  auto ia = a.begin();
  auto ib = b.begin();
  while (ia != a.end() && ib != b.end()) {
    if (*ia == *ib) return true;
    if (*ia < *ib)
      ++ia;
    else
      ++ib;
  }
  return false;
}

}  // namespace

std::vector<SupportClass> group_support_classes(const SupportMatrix& support_x, const SupportMatrix& support_y) {
  if (support_x.cols() != support_y.cols())
    throw std::invalid_argument("fsmf: support_x has " + std::to_string(support_x.cols()) +
                                " columns but support_y has " + std::to_string(support_y.cols()));
  using Key = std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>>;
  std::map<Key, std::size_t> class_of_support;
  std::vector<SupportClass> classes;
  for (Eigen::Index i = 0; i < support_x.cols(); ++i) {
    Key key{true_positions(support_x, i), true_positions(support_y, i)};
    auto found = class_of_support.find(key);
    if (found == class_of_support.end()) {
      class_of_support.emplace(key, classes.size());
      classes.push_back({std::move(key.first), std::move(key.second), {i}});
    } else {
      classes[found->second].members.push_back(i);
    }
  }
  return classes;
}

std::map<std::vector<Eigen::Index>, std::vector<Eigen::Index>> rows_by_support_pattern(const SupportMatrix& support) {
  std::map<std::vector<Eigen::Index>, std::vector<Eigen::Index>> groups;
  for (Eigen::Index i = 0; i < support.rows(); ++i) {
    std::vector<Eigen::Index> pattern;
    for (Eigen::Index k = 0; k < support.cols(); ++k)
      if (support(i, k)) pattern.push_back(k);
    if (!pattern.empty()) groups[pattern].push_back(i);
  }
  return groups;
}

bool supports_overlap(const SupportClass& a, const SupportClass& b) {
  return sorted_lists_intersect(a.rows, b.rows) && sorted_lists_intersect(a.cols, b.cols);
}

bool classes_pairwise_disjoint(const std::vector<SupportClass>& classes) {
  for (std::size_t a = 0; a < classes.size(); ++a)
    for (std::size_t b = a + 1; b < classes.size(); ++b)
      if (supports_overlap(classes[a], classes[b])) return false;
  return true;
}

}  // namespace jf::sparse
