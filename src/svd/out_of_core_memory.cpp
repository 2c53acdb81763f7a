#include "jointfact/svd/out_of_core_memory.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace jf::svd {
namespace {

constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();

int64_t read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return kUnlimited;
  try {
    return static_cast<int64_t>(std::stoull(text));
  } catch (...) {
    return kUnlimited;
  }
}

int64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return kUnlimited;
}

// Limit minus usage of this process's memory cgroup (v1 "N:memory:/path" or v2 "0::/path").
int64_t cgroup_available() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  int64_t available = kUnlimited;
  while (std::getline(in, line)) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1), path = line.substr(second + 1);
    std::string limit_file, usage_file;
    if (controllers.find("memory") != std::string::npos) {
      limit_file = "/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes";
      usage_file = "/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes";
    } else if (controllers.empty()) {
      limit_file = "/sys/fs/cgroup" + path + "/memory.max";
      usage_file = "/sys/fs/cgroup" + path + "/memory.current";
    } else {
      continue;
    }
    const int64_t limit = read_number(limit_file);
    if (limit >= (int64_t{1} << 60)) continue;  // v1 writes "unlimited" as a huge number
    const int64_t usage = read_number(usage_file);
    available = std::min(available, limit - (usage == kUnlimited ? 0 : usage));
  }
  return available;
}

}  // namespace

int64_t memory_available_per_rank(MPI_Comm comm) {
  MPI_Comm node;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
  int ranks_on_node = 1;
  MPI_Comm_size(node, &ranks_on_node);
  MPI_Comm_free(&node);
  int64_t per_rank = std::min(meminfo_available(), cgroup_available());
  if (per_rank != kUnlimited) per_rank /= std::max(ranks_on_node, 1);
  MPI_Allreduce(MPI_IN_PLACE, &per_rank, 1, MPI_INT64_T, MPI_MIN, comm);
  return per_rank;
}

}  // namespace jf::svd
