#pragma once
// Memory checks made before the big allocations: what each rank will need at its peak for the stages a
// command runs, against what its node offers, so that a run too big for its allocation stops with one line
// (exit 2) that says what would fit, instead of std::bad_alloc or the OOM killer.
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "jointfact/distributed/grid.hpp"

namespace jf {

// A peak per rank as a part that shrinks with more ranks and a part every rank holds whatever their count.
// Some work has two routes, chosen at run time by memory: a copy on every rank (`spreadable_bytes`, part of
// replicated_bytes) or a distributed form needing `spread_bytes` over the whole grid (the exact SVD's r x r
// vectors: dbdsdc on every rank or divide and conquer over the grid). A rank needs the cheaper of the two.
struct MemoryEstimate {
  std::string what;              // "svd (randomized, k = 20)"
  double distributed_bytes = 0;  // summed over all ranks (m x n, m x l, ... pieces), spread over the grid
  double replicated_bytes = 0;   // held by every rank (l x l, r x r)
  double largest_share = 1;      // the largest rank's fraction of the distributed bytes (>= 1 / grid size)
  double spreadable_bytes = 0;   // the part of replicated_bytes a distributed route can replace (0: none)
  double spread_bytes = 0;       // that route's bytes summed over all ranks

  // Bytes every rank holds whatever the route and the number of ranks.
  double fixed_bytes() const { return replicated_bytes - spreadable_bytes; }
  double per_rank_bytes() const {
    return distributed_bytes * largest_share + fixed_bytes() + std::min(spreadable_bytes, spread_bytes * largest_share);
  }
  MemoryEstimate& add(const MemoryEstimate& other);
};

// The largest fraction of an m x n block-cyclic matrix that one rank of `grid` holds (block nb).
double largest_share(const Grid& grid, int64_t m, int64_t n, int64_t nb);

// Reading an m x n input: the matrix itself and one round of the streaming reader's buffers.
MemoryEstimate input_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb);
// Truncated SVD of an m x n matrix with a basis of l columns; `exact` adds the bidiagonal reduction's copy
// and the vectors of its r x r bidiagonal (r = min(m, n)): dbdsdc on every rank (5 r^2) or Golub-Kahan divide
// and conquer over the grid (12 r^2 + 2 r l in all), whichever needs less per rank; the bisection + inverse
// iteration route the run may take instead is chosen only when it needs even less.
MemoryEstimate svd_memory(const Grid& grid, int64_t m, int64_t n, int64_t nb, int64_t l, bool exact);

// What a rank may use: the node's limit (the tightest of the memory cgroup, SLURM_MEM_PER_NODE,
// SLURM_MEM_PER_CPU times the CPUs per task, MemAvailable; JOINTFACT_NODE_MEMORY, e.g. "8G", replaces
// them) divided among the ranks on the node.
struct NodeMemory {
  double node_bytes = 0;  // 0 = unknown (no check is made)
  std::string source;     // "cgroup memory.max", "SLURM_MEM_PER_NODE", ...
  int ranks_on_node = 1;
  int nodes = 1;
  double per_rank_bytes() const { return node_bytes / ranks_on_node; }
};
NodeMemory detect_node_memory(MPI_Comm comm);  // collective

// Whether `bytes` more fit on this rank beside what it holds now (its resident set) under the node's limit; true
// where the limit is unknown. For allocations the estimate made before the run could not know. Collective
// (detect_node_memory), but the verdict is this rank's: agree on it before acting.
struct RoomBesideResident {
  bool fits = true;
  double in_use = 0;  // this rank's resident set, bytes
  NodeMemory node;
};
RoomBesideResident room_beside_resident(MPI_Comm comm, double bytes);

// Collective. Throws InputError (exit 2) on every rank, with one line that says what is needed, what is
// available and how many ranks (and nodes at this many ranks per node) would fit, or what else would help
// when the part every rank holds alone is too large. Also refuses dimensions ScaLAPACK's 32-bit indices
// cannot address. Allocates nothing.
void require_memory_fits(MPI_Comm comm, const Grid& grid, int64_t m, int64_t n, int64_t nb,
                         const MemoryEstimate& estimate);

// The checks above for reading a dataset of `shape` ((m, n), or (m) read as m x 1), plus `stage`'s estimate.
void require_input_fits(MPI_Comm comm, const Grid& grid, const std::vector<int64_t>& shape, int64_t nb,
                        const MemoryEstimate& stage = {});

// "1.5 GiB"
std::string format_bytes(double bytes);

}  // namespace jf
