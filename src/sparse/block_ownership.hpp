#pragma once
// Which rank solves which independent block of a split or class of supports.
//
// A butterfly split has N blocks of equal area: rank r gets the contiguous range
// [first(r), first(r + 1)), so ranges differ by at most one block. FSMF classes differ in area:
// they are dealt largest first to the least loaded rank (LPT scheduling, within 4/3 of optimal).
// Both are pure functions of the sizes, so every rank computes the same assignment.

#include <cstdint>
#include <vector>

namespace jf::sparse {

class EqualBlockOwnership {
 public:
  EqualBlockOwnership(std::int64_t blocks, int ranks) : blocks_(blocks), ranks_(ranks) {}

  std::int64_t blocks() const { return blocks_; }
  int ranks() const { return ranks_; }
  int owner(std::int64_t block) const { return static_cast<int>(block * ranks_ / blocks_); }
  // ceil(rank * blocks / ranks): the smallest block whose owner is `rank`.
  std::int64_t first(int rank) const { return (rank * blocks_ + ranks_ - 1) / ranks_; }
  std::int64_t end(int rank) const { return first(rank + 1); }
  std::int64_t count(int rank) const { return end(rank) - first(rank); }

 private:
  std::int64_t blocks_;
  int ranks_;
};

// owner[i] for items of the given areas; ties go to the lower item index and the lower rank.
std::vector<int> assign_by_area(const std::vector<std::int64_t>& areas, int ranks);

}  // namespace jf::sparse
