#pragma once
// How much memory a rank may use, to choose between the in-core and the out-of-core SVD.
#include <mpi.h>

#include <cstdint>

namespace jf::svd {

// Collective: the smallest over the nodes of min(MemAvailable, the memory cgroup's limit minus its usage)
// divided by the ranks on that node. Reads /proc/meminfo and the cgroup (v1 memory controller or v2
// memory.max) of this process; an unlimited or unreadable value does not count.
int64_t memory_available_per_rank(MPI_Comm comm);

}  // namespace jf::svd
