#include "jointfact/core/memory_estimate.hpp"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/resource_usage.hpp"
#include "jointfact/core/collective.hpp"
#include "jointfact/core/error.hpp"
#include "jointfact/distributed/index_map.hpp"

namespace jf {
namespace {

constexpr double kUnlimited = 1e18;  // cgroup "max" / 2^63 rounded to pages

// The streaming reader's round: about a quarter of the share, clamped to [1, 64] MiB, held up to three times
// (the file's values, the send and the receive buffer).
double read_round_bytes(double share_bytes) {
  return 3 * std::min(std::max(share_bytes / 4, double(1 << 20)), double(int64_t{64} << 20));
}

double read_number_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return kUnlimited;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return end == text.c_str() ? kUnlimited : value;
}

// The tightest memory limit on the path of this process's cgroup (v2 memory.max, v1 memory.limit_in_bytes),
// walking up to the root because a parent's limit binds as well.
double cgroup_limit(std::string& source) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  double limit = kUnlimited;
  while (std::getline(in, line)) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    const bool v2 = controllers.empty();
    const bool v1 = ("," + controllers + ",").find(",memory,") != std::string::npos;
    if (!v1 && !v2) continue;
    const std::string root = v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup";
    const std::string file = v1 ? "/memory.limit_in_bytes" : "/memory.max";
    while (true) {
      const double here = read_number_file(root + (path == "/" ? "" : path) + file);
      if (here < limit) {
        limit = here;
        source = v1 ? "memory cgroup limit" : "cgroup memory.max";
      }
      if (path.empty() || path == "/") break;
      const size_t slash = path.rfind('/');
      path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }
  }
  return limit;
}

double mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return kUnlimited;
}

double env_megabytes(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return 0;
  return std::strtod(text, nullptr) * 1024 * 1024;  // Slurm gives MB
}

// "8G", "512M", "1.5T", "1000000" (bytes) -> bytes; 0 when malformed.
double parse_size(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || value <= 0) return 0;
  const std::string suffix(end);
  const std::string units = "KMGT";
  if (suffix.empty() || suffix == "B") return value;
  const size_t power = units.find(static_cast<char>(std::toupper(suffix[0])));
  if (power == std::string::npos) return 0;
  return value * std::pow(1024.0, static_cast<double>(power + 1));
}

// The node's limit as seen from this process (ranks on the node share it). 0 = unknown.
double node_limit(int ranks_on_node, std::string& source) {
  if (const char* forced = std::getenv("JOINTFACT_NODE_MEMORY")) {
    const double bytes = parse_size(forced);
    if (bytes <= 0) throw InputError("JOINTFACT_NODE_MEMORY='" + std::string(forced) + "' is not a size like 8G");
    source = "JOINTFACT_NODE_MEMORY";
    return bytes;
  }
  double limit = kUnlimited;
  auto consider = [&](double bytes, const std::string& name) {
    if (bytes > 0 && bytes < limit) {
      limit = bytes;
      source = name;
    }
  };
  std::string cgroup_source;
  consider(cgroup_limit(cgroup_source), cgroup_source);
  consider(env_megabytes("SLURM_MEM_PER_NODE"), "SLURM_MEM_PER_NODE");
  const double per_cpu = env_megabytes("SLURM_MEM_PER_CPU");
  if (per_cpu > 0) {
    const char* cpus = std::getenv("SLURM_CPUS_PER_TASK");
    const double cpus_per_task = cpus ? std::max(1.0, std::strtod(cpus, nullptr)) : 1.0;
    consider(per_cpu * cpus_per_task * ranks_on_node, "SLURM_MEM_PER_CPU");
  }
  consider(mem_available(), "MemAvailable");
  return limit >= kUnlimited ? 0 : limit;
}

int64_t ceil_to_int64(double value) { return static_cast<int64_t>(std::ceil(value)); }

// Ranks needed when `total` bytes are spread over the grid and every rank keeps `fixed` (0: never fits).
int64_t ranks_needed(double total, double fixed, double imbalance, double per_rank) {
  if (fixed >= per_rank) return 0;
  return std::max<int64_t>(1, ceil_to_int64(total * imbalance / (per_rank - fixed)));
}

// What would fit: ranks (and nodes at this many ranks per node), or what else helps.
std::string what_would_fit(const MemoryEstimate& need, const NodeMemory& node, int nranks) {
  const double per_rank = node.per_rank_bytes();
  // The distributed part shrinks like 1/P (taking the largest rank's excess over a perfect split as fixed);
  // a spreadable part either stays on every rank or is spread too, whichever fits with fewer ranks.
  const double imbalance = need.largest_share * nranks;
  const int64_t kept = ranks_needed(need.distributed_bytes, need.replicated_bytes, imbalance, per_rank);
  const int64_t spread = need.spreadable_bytes > 0 ? ranks_needed(need.distributed_bytes + need.spread_bytes,
                                                                  need.fixed_bytes(), imbalance, per_rank)
                                                   : 0;
  const int64_t ranks = kept == 0 ? spread : spread == 0 ? kept : std::min(kept, spread);
  if (ranks == 0) {
    return "the part every rank holds (" + format_bytes(need.fixed_bytes()) +
           ") alone exceeds a rank's memory, so more ranks cannot help; run fewer ranks per node or reduce the rank";
  }
  const int64_t nodes = (ranks + node.ranks_on_node - 1) / node.ranks_on_node;
  return "at least " + std::to_string(ranks) + " ranks would fit (" + std::to_string(nodes) + " node" +
         (nodes == 1 ? "" : "s") + " at " + std::to_string(node.ranks_on_node) + " rank" +
         (node.ranks_on_node == 1 ? "" : "s") + " per node)";
}

}  // namespace

MemoryEstimate& MemoryEstimate::add(const MemoryEstimate& other) {
  what = what.empty() ? other.what : what + " + " + other.what;
  // Both distributed parts are taken at the larger of the two imbalances: an upper bound.
  const double total = distributed_bytes + other.distributed_bytes;
  if (total > 0) largest_share = std::max(largest_share, other.largest_share);
  distributed_bytes = total;
  replicated_bytes += other.replicated_bytes;
  spreadable_bytes += other.spreadable_bytes;
  spread_bytes += other.spread_bytes;
  return *this;
}

double largest_share(const Grid& grid, int64_t m, int64_t n, int64_t nb) {
  if (m <= 0 || n <= 0) return 1.0 / std::max(grid.size(), 1);
  // Process row / column 0 hold the most (NUMROC puts the extra blocks first).
  const double rows = BlockCyclicMap(m, nb, grid.prows(), 0, 0).local_size();
  const double cols = BlockCyclicMap(n, nb, grid.pcols(), 0, 0).local_size();
  return rows * cols / (static_cast<double>(m) * static_cast<double>(n));
}

MemoryEstimate input_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb) {
  MemoryEstimate estimate;
  estimate.what = "input " + std::to_string(m) + " x " + std::to_string(n);
  estimate.distributed_bytes = 8.0 * static_cast<double>(m) * static_cast<double>(n);
  estimate.largest_share = largest_share(grid, m, n, nb);
  estimate.replicated_bytes = read_round_bytes(estimate.distributed_bytes / std::max(grid.size(), 1));
  return estimate;
}

MemoryEstimate svd_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb, int64_t l, bool exact) {
  MemoryEstimate estimate;
  const double dm = static_cast<double>(m), dn = static_cast<double>(n);
  if (exact) {
    const double r = static_cast<double>(std::min(m, n));
    estimate.what = "exact svd";
    // The reduced copy of A, U and V^T distributed; the bidiagonal (4 r) and the divide and conquer's
    // vectors of length 2 r (12 r) on every rank; the r x r vectors replicated or spread (see the header).
    estimate.distributed_bytes = 8 * (dm * dn + (dm + dn) * static_cast<double>(l));
    estimate.spreadable_bytes = 8 * 5 * r * r;
    estimate.spread_bytes = 8 * (12 * r * r + 2 * r * static_cast<double>(l));
    estimate.replicated_bytes = estimate.spreadable_bytes + 8 * 16 * r;
  } else {
    const double dl = static_cast<double>(l);
    estimate.what = "randomized svd (basis " + std::to_string(l) + ")";
    // Test matrix, range iterates and factors: about four m x l and four n x l; l x l factors on every rank.
    estimate.distributed_bytes = 8 * 4 * (dm + dn) * dl;
    estimate.replicated_bytes = 8 * 4 * dl * dl;
  }
  estimate.largest_share = largest_share(grid, m, n, nb);
  return estimate;
}

NodeMemory detect_node_memory(MPI_Comm comm) {
  NodeMemory node;
  MPI_Comm shared;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, comm_rank(comm), MPI_INFO_NULL, &shared);
  node.ranks_on_node = comm_size(shared);
  const int leader = comm_rank(shared) == 0 ? 1 : 0;
  MPI_Comm_free(&shared);
  MPI_Allreduce(&leader, &node.nodes, 1, MPI_INT, MPI_SUM, comm);
  std::string error;
  try {
    node.node_bytes = node_limit(node.ranks_on_node, node.source);
  } catch (const InputError& e) {
    error = e.what();
  }
  agree_or_throw(comm, error.empty(), error);
  return node;
}

RoomBesideResident room_beside_resident(MPI_Comm comm, double bytes) {
  RoomBesideResident room;
  room.node = detect_node_memory(comm);
  room.in_use = static_cast<double>(current_rss_bytes());
  room.fits = room.node.node_bytes <= 0 || room.in_use + bytes <= room.node.per_rank_bytes();
  return room;
}

void require_memory_fits(MPI_Comm comm, const Grid& grid, int64_t m, int64_t n, int64_t nb,
                         const MemoryEstimate& estimate) {
  const std::string shape = std::to_string(m) + " x " + std::to_string(n);
  // Global indices are Fortran integers in ScaLAPACK: no number of ranks changes that.
  agree_or_throw(comm, std::max(m, n) <= INT_MAX,
                 "a " + shape +
                     " matrix exceeds ScaLAPACK's 32-bit index range (2^31 - 1 rows or columns); "
                     "split it into parts below that size");
  const int64_t local_rows = BlockCyclicMap(m, nb, grid.prows(), 0, 0).local_size();
  const int64_t local_cols = BlockCyclicMap(n, nb, grid.pcols(), 0, 0).local_size();
  agree_or_throw(
      comm, local_rows * std::max<int64_t>(local_cols, 1) <= (int64_t{1} << 62) / 8,
      "a " + shape + " matrix's local part on grid " + grid.describe() + " cannot be addressed; use more ranks");
  const NodeMemory node = detect_node_memory(comm);
  const double need = estimate.per_rank_bytes();
  const bool fits = node.node_bytes <= 0 || need <= node.per_rank_bytes();
  std::string message;
  if (!fits) {
    message = estimate.what + " needs about " + format_bytes(need) + " per rank on " + std::to_string(comm_size(comm)) +
              " rank(s), but each of the " + std::to_string(node.ranks_on_node) + " rank(s) on a node may use " +
              format_bytes(node.per_rank_bytes()) + " (" + node.source + " " + format_bytes(node.node_bytes) +
              " per node); " + what_would_fit(estimate, node, comm_size(comm));
  }
  agree_or_throw(comm, fits, message);
}

void require_input_fits(MPI_Comm comm, const Grid& grid, const std::vector<int64_t>& shape, int64_t nb,
                        const MemoryEstimate& stage) {
  const int64_t m = shape.empty() ? 0 : shape[0], n = shape.size() > 1 ? shape[1] : 1;
  MemoryEstimate estimate = input_memory(grid, m, n, nb);
  if (!stage.what.empty()) estimate.add(stage);
  require_memory_fits(comm, grid, m, n, nb, estimate);
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 5) {
    bytes /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

}  // namespace jf
