#include "sparse/block_ownership.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace jf::sparse {

std::vector<int> assign_by_area(const std::vector<std::int64_t>& areas, int ranks) {
  if (ranks < 1) throw std::invalid_argument("assign_by_area: no ranks");
  std::vector<std::size_t> order(areas.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return areas[a] > areas[b]; });
  std::vector<std::int64_t> load(ranks, 0);
  std::vector<int> owner(areas.size(), 0);
  for (std::size_t item : order) {
    const int least = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    owner[item] = least;
    // Count an empty item as one unit so that empty classes spread too.
    load[least] += std::max<std::int64_t>(areas[item], 1);
  }
  return owner;
}

}  // namespace jf::sparse
