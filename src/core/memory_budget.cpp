#include "jointfact/core/memory_budget.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>

#include "jointfact/core/collective.hpp"
#include "jointfact/core/log.hpp"

namespace jf {
namespace {

// MemAvailable of this node in bytes, or the largest int64 when /proc/meminfo cannot tell.
int64_t available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return std::numeric_limits<int64_t>::max();
}

int ranks_on_this_node(MPI_Comm comm) {
  MPI_Comm node = MPI_COMM_NULL;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  const int size = comm_size(node);
  MPI_Comm_free(&node);
  return size;
}

}  // namespace

int64_t dense_bytes_per_rank(int64_t rows, int64_t cols, int ranks) {
  const int64_t limit = std::numeric_limits<int64_t>::max() / 8;
  if (rows < 0 || cols < 0 || (rows > 0 && cols > limit / rows)) return -1;
  return rows * cols * 8 / std::max(ranks, 1);
}

void require_memory_for(MPI_Comm comm, int64_t bytes_per_rank, const std::string& what) {
  if (bytes_per_rank < 0) agree_or_throw(comm, false, what + " has more entries than 64-bit sizes can count");
  const int sharing = ranks_on_this_node(comm);
  const int64_t available = available_bytes();
  const bool fits = bytes_per_rank <= available / sharing;
  const std::string message = what + " needs " + format_number("%.3g", static_cast<double>(bytes_per_rank)) +
                              " bytes per rank, but the " + std::to_string(sharing) + " ranks on a node have " +
                              format_number("%.3g", static_cast<double>(available)) +
                              " bytes available together: use more nodes or a smaller problem";
  agree_or_throw(comm, fits, message);
}

}  // namespace jf
